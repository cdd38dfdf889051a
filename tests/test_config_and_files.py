"""Data directory resolution and model-file checks (no model loading)."""

import os
from pathlib import Path

import pytest

from reasoner_desktop.config import DATA_DIR_ENV, default_data_dir, resolve_data_dir
from reasoner_desktop.inference.errors import ModelFileCorrupt, ModelFileMissing, ModelFileUnreadable, NotAGGUFFile
from reasoner_desktop.inference.model_files import BUNDLED_FILENAME, bundled_model_path, check_model_file


def test_cli_option_beats_env_beats_platform_default(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "from-env"))
    assert resolve_data_dir(tmp_path / "from-cli") == tmp_path / "from-cli"
    assert resolve_data_dir(None) == tmp_path / "from-env"
    monkeypatch.delenv(DATA_DIR_ENV)
    assert resolve_data_dir(None) == default_data_dir().resolve()
    # The platform default follows the (fake) home, never the real one.
    assert str(default_data_dir()).startswith(os.environ["HOME"])


def test_bundled_model_is_found_through_the_wheel():
    path = bundled_model_path()
    assert path is not None and path.name == BUNDLED_FILENAME and path.stat().st_size > 50_000_000


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileMissing, match="not found"):
        check_model_file(tmp_path / "nope.gguf")


def test_folder_is_not_a_model(tmp_path):
    with pytest.raises(ModelFileUnreadable, match="folder"):
        check_model_file(tmp_path)


def test_random_bytes_are_not_gguf(tmp_path):
    bad = tmp_path / "random.gguf"
    bad.write_bytes(os.urandom(4096))
    with pytest.raises(NotAGGUFFile, match="Not a GGUF"):
        check_model_file(bad)


def test_truncated_header(tmp_path):
    bad = tmp_path / "short.gguf"
    bad.write_bytes(b"GGUF\x03\x00")
    with pytest.raises(ModelFileCorrupt, match="truncated"):
        check_model_file(bad)


def test_unreadable_file(tmp_path, monkeypatch):
    bad = tmp_path / "locked.gguf"
    bad.write_bytes(b"GGUF" + bytes(40))

    def denied(self, *a, **k):  # chmod 0 does not stop root, so refuse the open itself
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(ModelFileUnreadable, match="Cannot read .*Permission denied"):
        check_model_file(bad)


def test_error_messages_are_one_sentence(tmp_path):
    for target in (tmp_path / "x.gguf", tmp_path):
        with pytest.raises(Exception) as info:
            check_model_file(target)
        assert "\n" not in str(info.value)
