"""Where the app keeps its data. No Qt."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from reasoner_desktop import APP_NAME

DATA_DIR_ENV = "REASONER_DESKTOP_DATA_DIR"
DB_FILENAME = "history.db"
SETTINGS_FILENAME = "settings.ini"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def resolve_data_dir(cli_value: str | os.PathLike | None = None) -> Path:
    """--data-dir beats $REASONER_DESKTOP_DATA_DIR beats the platform's user data dir."""
    if cli_value:
        path = Path(cli_value)
    elif os.environ.get(DATA_DIR_ENV):
        path = Path(os.environ[DATA_DIR_ENV])
    else:
        path = default_data_dir()
    return path.expanduser().resolve()


def ensure_data_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path
