"""Languages: every user-visible string goes through Qt's translation system. English is the
source; Simplified Chinese ships as resources/i18n/reasoner_desktop_zh_CN.qm."""

from __future__ import annotations

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from reasoner_desktop.ui.theme import resources_dir

SHIPPED = ("en", "zh_CN")
_installed: list[QTranslator] = []  # kept alive while installed
_current = {"language": "en"}


def effective_language(setting: str) -> str:
    """"system" becomes the system locale when we ship it, else English."""
    if setting and setting != "system":
        return setting if setting in SHIPPED else "en"
    name = QLocale.system().name()  # e.g. zh_CN, en_US
    if name.startswith("zh") and not name.startswith(("zh_TW", "zh_HK")):
        return "zh_CN"
    return "en"


def install_language(app: QApplication, setting: str) -> str:
    """Install the translators for a language setting; returns the language now in use."""
    lang = effective_language(setting)
    if lang == _current["language"] and _installed:
        return lang
    for t in _installed:
        app.removeTranslator(t)
    _installed.clear()
    ours = QTranslator()  # English too: its plurals ("1 match", "2 matches")
    if ours.load(str(resources_dir() / "i18n" / f"reasoner_desktop_{lang}.qm")):
        app.installTranslator(ours)
        _installed.append(ours)
    if lang != "en":
        qt = QTranslator()
        if qt.load(f"qtbase_{lang}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            app.installTranslator(qt)
            _installed.append(qt)
    _current["language"] = lang
    return lang


def current_language() -> str:
    return _current["language"]
