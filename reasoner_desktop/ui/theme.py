"""Light and dark themes (following the system by default, also when it changes) and icons
from resources/. Fonts: code is set in the monospace family; Chinese text uses whatever CJK
font the system has (Qt falls back per glyph; on Debian/Ubuntu: fonts-noto-cjk)."""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette, QPixmap
from PySide6.QtWidgets import QApplication, QWidget


def resources_dir() -> Path:
    """resources/ beside the package (source checkout or editable install), else installed data."""
    here = Path(__file__).resolve().parents[2] / "resources"
    if here.is_dir():
        return here
    return Path(sys.prefix) / "share" / "reasoner-desktop" / "resources"


def system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def _dark_palette() -> QPalette:
    p = QPalette()
    colors = {
        QPalette.ColorRole.Window: "#1f2126", QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#16181c", QPalette.ColorRole.AlternateBase: "#2a2d34",
        QPalette.ColorRole.ToolTipBase: "#2a2d34", QPalette.ColorRole.ToolTipText: "#e6e6e6",
        QPalette.ColorRole.Text: "#e6e6e6", QPalette.ColorRole.Button: "#2a2d34",
        QPalette.ColorRole.ButtonText: "#e6e6e6", QPalette.ColorRole.BrightText: "#ff6b6b",
        QPalette.ColorRole.Link: "#74c0fc", QPalette.ColorRole.Highlight: "#3b5bdb",
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.PlaceholderText: "#8b919c",
        QPalette.ColorRole.Mid: "#3a3d44", QPalette.ColorRole.Dark: "#111215", QPalette.ColorRole.Light: "#3d4149",
    }
    for role, color in colors.items():
        p.setColor(role, QColor(color))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b7079"))
    return p


def apply_theme(app: QApplication, theme: str) -> bool:
    """Apply "system", "light" or "dark"; returns whether the result is dark."""
    if app.style().name().lower() != "fusion":  # replacing a style repolishes every widget: do it once
        app.setStyle("Fusion")
    dark = system_is_dark() if theme not in ("light", "dark") else theme == "dark"
    palette = _dark_palette() if dark else app.style().standardPalette()
    if palette != app.palette():
        app.setPalette(palette)
        icon.cache_clear()
    return dark


def refresh_styles(root: QWidget) -> None:
    """Style sheets that name palette colours (`palette(placeholder-text)`) are resolved when they
    are applied: apply them again after a theme change, or a grey label stays the old theme's grey."""
    for w in [root, *root.findChildren(QWidget)]:
        sheet = w.styleSheet()
        if sheet:
            w.setStyleSheet("")
            w.setStyleSheet(sheet)


@lru_cache(maxsize=64)
def icon(name: str) -> QIcon:
    """An icon from resources/icons/NAME.svg, drawn in the palette's text colour, sharp on HiDPI."""
    path = resources_dir() / "icons" / f"{name}.svg"
    if not path.is_file():
        return QIcon()
    color = QGuiApplication.palette().color(QPalette.ColorRole.WindowText).name()
    data = path.read_text(encoding="utf-8").replace("currentColor", color).encode()
    result = QIcon()
    for size in (16, 24, 32, 48, 64):
        pm = QPixmap(size, size)
        pm.fill(Qt.GlobalColor.transparent)
        pm.loadFromData(data, "SVG")
        result.addPixmap(pm.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                                   Qt.TransformationMode.SmoothTransformation))
    return result


def app_icon() -> QIcon:
    path = resources_dir() / "icons" / "app.svg"
    return QIcon(str(path)) if path.is_file() else QIcon()
