"""The standalone bundle (issue 16): built with PyInstaller from packaging/pyinstaller/, then run with no Python
on PATH, an empty HOME and a scrubbed environment: --version, ask --json on the bundled model, the window
(offscreen, in English and Chinese), the API server, a model download from a local hub. Slow (a minute or two to
build): `make test-dist`, not `make test`. REASONER_DESKTOP_TEST_BUNDLE=dist/reasoner-desktop tests a bundle
already built (by `make dist`) instead of building one."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reasoner_desktop import __version__
from tests.conftest import HUB_FILE, HUB_REPO

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow
EXE_NAME = "reasoner-desktop.exe" if sys.platform == "win32" else "reasoner-desktop"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    if prebuilt := os.environ.get("REASONER_DESKTOP_TEST_BUNDLE"):
        exe = Path(prebuilt).resolve() / EXE_NAME
        assert exe.is_file(), f"no bundle at {prebuilt}"
        return exe
    pytest.importorskip("PyInstaller", reason="pip install -e '.[dist]' (make test-dist does)")
    work = tmp_path_factory.mktemp("pyinstaller")
    out = subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
                          "--distpath", str(work / "dist"), "--workpath", str(work / "build"),
                          str(ROOT / "packaging" / "pyinstaller" / "reasoner-desktop.spec")],
                         capture_output=True, text=True, timeout=1200, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    exe = work / "dist" / "reasoner-desktop" / EXE_NAME
    assert exe.is_file()
    return exe


def scrubbed(tmp_path: Path, **extra) -> dict:
    """No Python reachable (PATH holds an empty folder), an empty HOME, nothing of the venv or the checkout
    (no PYTHONPATH, VIRTUAL_ENV, REASONER_DESKTOP_* or XDG_* of the test run)."""
    home, path = tmp_path / "home", tmp_path / "empty-path"
    home.mkdir(exist_ok=True)
    path.mkdir(exist_ok=True)
    return {"HOME": str(home), "PATH": str(path), "QT_QPA_PLATFORM": "offscreen", "LANG": "C.UTF-8", **extra}


def run(exe: Path, tmp_path: Path, *args, **env) -> subprocess.CompletedProcess:
    return subprocess.run([str(exe), *args], capture_output=True, text=True, env=scrubbed(tmp_path, **env),
                          timeout=300, cwd=tmp_path)


def test_no_python_is_reachable(tmp_path):
    env = scrubbed(tmp_path)
    for name in ("python3", "python"):
        assert not any((Path(d) / name).exists() for d in env["PATH"].split(os.pathsep))


def test_version(bundle, tmp_path):
    out = run(bundle, tmp_path, "--version")
    assert out.returncode == 0 and out.stdout.strip() == f"reasoner-desktop {__version__}"
    verbose = run(bundle, tmp_path, "--version", "--verbose")
    assert "llama-cpp-python" in verbose.stdout and "SmolLM2-135M-Instruct.Q4_1.gguf" in verbose.stdout
    assert str(bundle.parent) in verbose.stdout  # the model inside the bundle, not the venv's


def test_ask_on_the_bundled_model(bundle, tmp_path):
    out = run(bundle, tmp_path, "ask", "What is 2 + 2?", "--json", "--max-tokens", "40", "--temperature", "0",
              "--seed", "1")
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    assert result["model"] == "SmolLM2-135M-Instruct.Q4_1.gguf" and result["answer"].strip()
    assert result["status"] == "complete"
    # The history went to the empty HOME's data folder, through the bundled migrations.
    assert (tmp_path / "home" / ".local" / "share" / "reasoner-desktop").is_dir()
    history = run(bundle, tmp_path, "history", "--json")
    assert history.returncode == 0 and json.loads(history.stdout)[0]["id"] == result["conversation_id"]


def test_the_window_opens_with_icons_and_translations(bundle, tmp_path):
    data = tmp_path / "data"
    out = run(bundle, tmp_path, REASONER_DESKTOP_EXIT_AFTER_SHOW="1", REASONER_DESKTOP_DATA_DIR=str(data))
    assert out.returncode == 0, out.stderr[-2000:]
    assert "window-shown" in out.stderr
    assert any(data.iterdir())  # the window used the data folder it was given
    internal = bundle.parent / "_internal"
    assert (internal / "resources" / "i18n" / "reasoner_desktop_zh_CN.qm").is_file()
    assert (internal / "PySide6" / "Qt" / "translations" / "qtbase_zh_CN.qm").is_file()
    assert any((internal / "resources" / "icons").glob("*.svg"))
    zh = run(bundle, tmp_path, REASONER_DESKTOP_EXIT_AFTER_SHOW="1", REASONER_DESKTOP_DATA_DIR=str(data),
             LANG="zh_CN.UTF-8", LANGUAGE="zh_CN")
    assert zh.returncode == 0 and "window-shown" in zh.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_the_openai_api(bundle, tmp_path):
    """uvicorn, starlette, sse-starlette and anyio load their parts by name: all of them made it in."""
    import httpx

    port = _free_port()
    server = subprocess.Popen([str(bundle), "serve", "--port", str(port)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=scrubbed(tmp_path), cwd=tmp_path)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, server.stderr.read()[-2000:]
            try:
                models = httpx.get(f"{url}/models", timeout=5).json()
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.3)
        assert models["data"][0]["id"] == "SmolLM2-135M-Instruct.Q4_1.gguf"
        body = {"model": "x", "messages": [{"role": "user", "content": "What is 2 + 2?"}],
                "max_completion_tokens": 30, "seed": 1, "temperature": 0}
        reply = httpx.post(f"{url}/chat/completions", json=body, timeout=120)
        assert reply.status_code == 200 and reply.json()["choices"][0]["message"]["content"].strip()
        with httpx.stream("POST", f"{url}/chat/completions", json={**body, "stream": True}, timeout=120) as s:
            lines = [line for line in s.iter_lines() if line]
        assert lines[-1] == "data: [DONE]" and len(lines) > 2
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_model_downloads_from_the_hub(bundle, tmp_path, fake_hub):
    """huggingface_hub without its optional parts (hf_xet, pydantic), against a local hub."""
    env = {"HF_ENDPOINT": fake_hub.url}
    dl = run(bundle, tmp_path, "models", "download", HUB_REPO, "--quant", "Q4_1", **env)
    assert dl.returncode == 0, dl.stderr[-2000:]
    rows = json.loads(run(bundle, tmp_path, "models", "list", "--json").stdout)
    downloaded = [r for r in rows if r["source"] == "downloaded"]
    assert downloaded and downloaded[0]["repo_id"] == HUB_REPO and downloaded[0]["path"].endswith(HUB_FILE)
    assert str(tmp_path / "home") in downloaded[0]["path"]


def test_unused_parts_are_left_out(bundle):
    internal = bundle.parent / "_internal"
    names = {p.name for p in internal.rglob("*")}
    for unused in ("libQt6Quick.so.6", "libQt6Qml.so.6", "libQt6WebEngineCore.so.6", "libqgtk3.so", "QtQml.abi3.so",
                   "libqeglfs.so", "libqvnc.so", "qtbase_de.qm", "pydantic_core", "hf_xet", "setuptools"):
        assert unused not in names
    for kept in ("libqxcb.so", "libqwayland.so", "libqoffscreen.so", "libqminimal.so", "libqsvg.so"):
        assert kept in names
    if sys.platform == "linux":  # pip's three copies of each llama.cpp library: one file, two links
        lib = internal / "llama_cpp" / "lib"
        assert (lib / "libllama.so").is_symlink() and not (lib / "libllama.so.0").is_symlink()
    size = sum(p.stat().st_size for p in internal.rglob("*") if p.is_file() and not p.is_symlink()) / 2**20
    assert size < 360, f"the bundle grew to {size:.0f} MB"
