"""The standalone bundle (issue 16): built with PyInstaller from packaging/pyinstaller/, then run with no Python
on PATH, an empty HOME and a scrubbed environment: --version, ask --json on the bundled model, and the window
(offscreen). Slow (a minute or two to build): `make test-dist`, not `make test`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("pyinstaller")
    out = subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
                          "--distpath", str(work / "dist"), "--workpath", str(work / "build"),
                          str(ROOT / "packaging" / "pyinstaller" / "reasoner-desktop.spec")],
                         capture_output=True, text=True, timeout=1200, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    exe = work / "dist" / "reasoner-desktop" / ("reasoner-desktop.exe" if sys.platform == "win32" else "reasoner-desktop")
    assert exe.is_file()
    return exe


def scrubbed(tmp_path: Path, **extra) -> dict:
    """No Python reachable (PATH holds an empty folder), an empty HOME, nothing of the venv or the checkout."""
    home, path = tmp_path / "home", tmp_path / "empty-path"
    home.mkdir(exist_ok=True)
    path.mkdir(exist_ok=True)
    return {"HOME": str(home), "PATH": str(path), "QT_QPA_PLATFORM": "offscreen", "LANG": "C.UTF-8", **extra}


def run(exe: Path, tmp_path: Path, *args, **env) -> subprocess.CompletedProcess:
    return subprocess.run([str(exe), *args], capture_output=True, text=True, env=scrubbed(tmp_path, **env),
                          timeout=300, cwd=tmp_path)


def test_version(bundle, tmp_path):
    out = run(bundle, tmp_path, "--version")
    assert out.returncode == 0 and out.stdout.startswith("reasoner-desktop ")
    verbose = run(bundle, tmp_path, "--version", "--verbose")
    assert "llama-cpp-python" in verbose.stdout and "SmolLM2-135M-Instruct.Q4_1.gguf" in verbose.stdout


def test_ask_on_the_bundled_model(bundle, tmp_path):
    out = run(bundle, tmp_path, "ask", "What is 2 + 2?", "--json", "--max-tokens", "40", "--temperature", "0",
              "--seed", "1")
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    assert result["model"] == "SmolLM2-135M-Instruct.Q4_1.gguf" and result["answer"].strip()
    assert result["status"] == "complete"
    # The history went to the empty HOME's data folder, through the bundled migrations.
    history = run(bundle, tmp_path, "history", "--json")
    assert history.returncode == 0 and json.loads(history.stdout)[0]["id"] == result["conversation_id"]


def test_the_window_opens_with_icons_and_translations(bundle, tmp_path):
    out = run(bundle, tmp_path, REASONER_DESKTOP_EXIT_AFTER_SHOW="1")
    assert out.returncode == 0, out.stderr[-2000:]
    assert "window-shown" in out.stderr
    internal = bundle.parent / "_internal"
    assert (internal / "resources" / "i18n" / "reasoner_desktop_zh_CN.qm").is_file()
    assert any((internal / "resources" / "icons").glob("*.svg"))
    zh = run(bundle, tmp_path, REASONER_DESKTOP_EXIT_AFTER_SHOW="1", LANG="zh_CN.UTF-8", LANGUAGE="zh_CN")
    assert zh.returncode == 0 and "window-shown" in zh.stderr


def test_unused_qt_is_left_out(bundle):
    internal = bundle.parent / "_internal"
    names = {p.name for p in internal.rglob("*")}
    for unused in ("libQt6Quick.so.6", "libQt6Qml.so.6", "libQt6WebEngineCore.so.6", "libqgtk3.so", "QtQml.abi3.so"):
        assert unused not in names
    size = sum(p.stat().st_size for p in internal.rglob("*") if p.is_file() and not p.is_symlink()) / 2**20
    assert size < 450, f"the bundle grew to {size:.0f} MB"
