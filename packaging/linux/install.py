"""Put Reasoner Desktop in the user's menu: `make install PREFIX=~/.local` (and `make uninstall`).

Installs, under PREFIX/share, the .desktop launcher, the AppStream metainfo and the app icon in the
hicolor sizes (PNGs rendered from resources/icons/app.svg, plus the SVG itself), and PREFIX/bin/
reasoner-desktop, a launcher for the given executable (the source checkout's .venv by default, or an
unpacked bundle). Nothing outside PREFIX is touched; the menu picks the entry up by itself
(update-desktop-database / gtk-update-icon-cache are run when present).
"""

from __future__ import annotations

import argparse
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "io.github.reasonerdesktop.ReasonerDesktop"
HERE = Path(__file__).resolve().parent
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def installed_files(prefix: Path) -> list[Path]:
    share = prefix / "share"
    return ([prefix / "bin" / "reasoner-desktop", share / "applications" / f"{APP_ID}.desktop",
             share / "metainfo" / f"{APP_ID}.metainfo.xml",
             share / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"]
            + [share / "icons" / "hicolor" / f"{n}x{n}" / "apps" / f"{APP_ID}.png" for n in SIZES])


def render_icons(svg: Path, out: dict[int, Path]) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 - QImage painting needs one
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {svg}")
    for size, path in out.items():
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        path.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(path), "PNG"):
            raise SystemExit(f"cannot write {path}")


def install(prefix: Path, executable: Path) -> None:
    share = prefix / "share"
    launcher = prefix / "bin" / "reasoner-desktop"
    launcher.parent.mkdir(parents=True, exist_ok=True)
    launcher.write_text(f'#!/bin/sh\nexec "{executable}" "$@"\n', encoding="utf-8")
    launcher.chmod(launcher.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    desktop = (HERE / f"{APP_ID}.desktop").read_text(encoding="utf-8")
    # The menu runs the launcher by its full path: PREFIX/bin need not be on the menu's PATH.
    desktop = desktop.replace("Exec=reasoner-desktop", f"Exec={launcher}")
    for name, text in ((share / "applications" / f"{APP_ID}.desktop", desktop),
                       (share / "metainfo" / f"{APP_ID}.metainfo.xml",
                        (HERE / f"{APP_ID}.metainfo.xml").read_text(encoding="utf-8"))):
        name.parent.mkdir(parents=True, exist_ok=True)
        name.write_text(text, encoding="utf-8")
    svg = ROOT / "resources" / "icons" / "app.svg"
    scalable = share / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(svg, scalable)
    render_icons(svg, {n: share / "icons" / "hicolor" / f"{n}x{n}" / "apps" / f"{APP_ID}.png" for n in SIZES})
    _refresh_caches(share)
    print(f"Installed Reasoner Desktop's launcher under {prefix} (runs {executable}).")


def uninstall(prefix: Path) -> None:
    for path in installed_files(prefix):
        path.unlink(missing_ok=True)
    _refresh_caches(prefix / "share")
    print(f"Removed Reasoner Desktop's launcher from {prefix}.")


def _refresh_caches(share: Path) -> None:
    for cmd in (["update-desktop-database", "-q", str(share / "applications")],
                ["gtk-update-icon-cache", "-q", "-t", "-f", str(share / "icons" / "hicolor")]):
        if shutil.which(cmd[0]) and Path(cmd[-1]).is_dir():
            subprocess.run(cmd, check=False, capture_output=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--prefix", default=str(Path.home() / ".local"))
    p.add_argument("--executable", default=str(ROOT / ".venv" / "bin" / "reasoner-desktop"),
                   help="what the launcher runs (default: this checkout's .venv)")
    p.add_argument("--uninstall", action="store_true")
    args = p.parse_args(argv)
    prefix = Path(args.prefix).expanduser().resolve()
    if args.uninstall:
        uninstall(prefix)
        return 0
    executable = Path(args.executable).expanduser().resolve()
    if not executable.is_file():
        print(f"{executable} does not exist: run `make venv` first, or give --executable.", file=sys.stderr)
        return 2
    install(prefix, executable)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
