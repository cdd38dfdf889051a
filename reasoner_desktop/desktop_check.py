"""Before Qt opens a window on Linux/X11: are the system libraries its xcb plugin needs there?

Without them Qt prints "Could not load the Qt platform plugin "xcb"… This application failed to
start" and aborts the process. The app asks the dynamic linker first (ldd on the plugin) and says
in one sentence which package to install. No Qt is imported here.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

# library name (soname before ".so") -> Debian/Ubuntu package, for the libraries Qt >= 6.5's xcb plugin loads that minimal
# desktops and containers lack.
DEBIAN_PACKAGES = {
    "libxcb-cursor": "libxcb-cursor0",
    "libxcb-icccm": "libxcb-icccm4",
    "libxcb-keysyms": "libxcb-keysyms1",
    "libxcb-image": "libxcb-image0",
    "libxcb-render-util": "libxcb-render-util0",
    "libxcb-randr": "libxcb-randr0",
    "libxcb-shape": "libxcb-shape0",
    "libxcb-xfixes": "libxcb-xfixes0",
    "libxcb-xinerama": "libxcb-xinerama0",
    "libxcb-xkb": "libxcb-xkb1",
    "libxkbcommon-x11": "libxkbcommon-x11-0",
    "libxkbcommon": "libxkbcommon0",
    "libX11-xcb": "libx11-xcb1",
    "libxcb": "libxcb1",
    "libEGL": "libegl1",
    "libGL": "libgl1",
    "libfontconfig": "libfontconfig1",
    "libdbus-1": "libdbus-1-3",
}


def uses_xcb(environ: dict | None = None, platform: str | None = None) -> bool:
    """Whether Qt will pick its xcb plugin: Linux, an X display, no other platform asked for."""
    env = os.environ if environ is None else environ
    if not (platform or sys.platform).startswith("linux"):
        return False
    chosen = env.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.split(":")[0].split(";")[0] == "xcb"
    if env.get("WAYLAND_DISPLAY") and env.get("XDG_SESSION_TYPE") == "wayland":
        return False
    return bool(env.get("DISPLAY"))


def xcb_plugin() -> Path | None:
    spec = importlib.util.find_spec("PySide6")  # found, not imported
    if spec is None or not spec.origin:
        return None
    plugin = Path(spec.origin).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return plugin if plugin.is_file() else None


def missing_libraries(binary: Path) -> list[str]:
    """Shared libraries `binary` needs that the dynamic linker cannot find (ldd's "not found")."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    try:
        out = subprocess.run([ldd, str(binary)], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    missing = []
    for line in out.splitlines():
        name, _, where = line.strip().partition("=>")
        if "not found" in where and name.strip() not in missing:
            missing.append(name.strip())
    return missing


def xcb_problem(plugin: Path | None = None) -> str | None:
    """One sentence if Qt's xcb plugin cannot load here, else None."""
    plugin = plugin or xcb_plugin()
    if plugin is None:
        return None
    missing = missing_libraries(plugin)
    if not missing:
        return None
    packages = [DEBIAN_PACKAGES[p] for p in (m.split(".so")[0] for m in missing) if p in DEBIAN_PACKAGES]
    libs = ", ".join(missing)
    if packages:
        install = f"install it with `sudo apt install {' '.join(packages)}` (Debian/Ubuntu)"
    else:
        install = "install the package that provides it"
    return (f"Qt cannot open a window: the system librar{'y' if len(missing) == 1 else 'ies'} {libs} "
            f"{'is' if len(missing) == 1 else 'are'} missing; {install}, or use `reasoner-desktop ask` "
            "without a window.")
