"""`reasoner-desktop` on a Linux desktop without the xcb libraries Qt needs: one sentence naming the
package, not Qt's abort ("Could not load the Qt platform plugin "xcb"")."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from reasoner_desktop import desktop_check
from tests.conftest import PYTHON, cli_env

needs_gcc = pytest.mark.skipif(shutil.which("gcc") is None or not sys.platform.startswith("linux"),
                               reason="builds a stand-in plugin with gcc (Linux)")


def fake_plugin(tmp_path):
    """A shared object linked against libxcb-cursor.so.99 (not on any system), whose library is then taken away."""
    lib = tmp_path / "lib"
    lib.mkdir()
    (tmp_path / "dep.c").write_text("int xcb_cursor_context_new(void) { return 0; }\n")
    (tmp_path / "plugin.c").write_text("int xcb_cursor_context_new(void);\nint f(void) { return xcb_cursor_context_new(); }\n")
    subprocess.run(["gcc", "-shared", "-fPIC", "-Wl,-soname,libxcb-cursor.so.99", "-o", str(lib / "libxcb-cursor.so.99"),
                    str(tmp_path / "dep.c")], check=True)
    plugin = tmp_path / "libqxcb.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(plugin), str(tmp_path / "plugin.c"), str(lib / "libxcb-cursor.so.99")],
                   check=True)
    (lib / "libxcb-cursor.so.99").unlink()
    return plugin


@needs_gcc
def test_a_missing_xcb_library_is_named_with_its_package(tmp_path):
    plugin = fake_plugin(tmp_path)
    assert desktop_check.missing_libraries(plugin) == ["libxcb-cursor.so.99"]
    problem = desktop_check.xcb_problem(plugin)
    assert "libxcb-cursor.so.99 is missing" in problem and "sudo apt install libxcb-cursor0" in problem
    assert "\n" not in problem


def test_the_real_plugin_loads_here():
    plugin = desktop_check.xcb_plugin()
    assert plugin is not None and desktop_check.xcb_problem(plugin) is None  # `make sysdeps` installed them


def test_only_an_x11_session_is_checked():
    assert desktop_check.uses_xcb({"DISPLAY": ":0"}, "linux")
    assert not desktop_check.uses_xcb({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert desktop_check.uses_xcb({"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":1"}, "linux")
    assert not desktop_check.uses_xcb({"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland",
                                       "DISPLAY": ":0"}, "linux")
    assert not desktop_check.uses_xcb({"DISPLAY": ":0"}, "darwin")


@needs_gcc
def test_the_gui_command_says_it_and_exits_2(tmp_path, data_dir):
    plugin = fake_plugin(tmp_path)
    code = ("import sys; from pathlib import Path; from reasoner_desktop import desktop_check, cli; "
            f"desktop_check.xcb_plugin = lambda: Path({str(plugin)!r}); sys.exit(cli.main(['gui']))")
    env = {**cli_env(data_dir), "DISPLAY": ":99", "QT_QPA_PLATFORM": "xcb"}
    out = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 2, out.stderr
    assert out.stderr.strip().startswith("reasoner-desktop: Qt cannot open a window") and "libxcb-cursor0" in out.stderr
    assert "Could not load the Qt platform plugin" not in out.stderr
