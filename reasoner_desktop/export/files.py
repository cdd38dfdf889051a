"""Safe file names from titles and atomic writes that never overwrite by surprise."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
import zipfile
from pathlib import Path

from reasoner_desktop.export.options import ExportError

_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
MAX_NAME = 80


def safe_filename(title: str, ext: str, prefix: str = "") -> str:
    """A file name from a conversation title: no path separators, control or reserved characters."""
    name = unicodedata.normalize("NFC", title)
    name = _UNSAFE.sub(" ", name)
    name = " ".join(name.split()).strip(" .")
    if name.split(".")[0].lower() in _RESERVED:
        name = f"_{name}"
    name = name[:MAX_NAME].rstrip(" .") or "conversation"
    return f"{prefix}{name}.{ext}"


def check_writable(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise ExportError(f"{path} already exists; use --force to overwrite it.")
    if path.exists() and path.is_dir():
        raise ExportError(f"{path} is a folder.")


def write_atomic(path: Path, data: bytes, *, force: bool = False) -> None:
    """Write to a temporary file beside `path`, then rename: a reader never sees half a file."""
    check_writable(path, force)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bundle(path: Path, files: dict[str, bytes], *, force: bool = False) -> list[Path]:
    """Several files: into a .zip (atomically) when `path` ends in .zip, else into the folder `path`."""
    if path.suffix.lower() == ".zip":
        check_writable(path, force)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        try:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
                for name, data in files.items():
                    zf.writestr(name, data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return [path]
    if path.exists() and not path.is_dir():
        raise ExportError(f"{path} is a file; give a folder or a .zip path for several conversations.")
    targets = [path / name for name in files]
    if not force:
        clash = next((t for t in targets if t.exists()), None)
        if clash is not None:
            raise ExportError(f"{clash} already exists; use --force to overwrite it.")
    for target, data in zip(targets, files.values()):
        write_atomic(target, data, force=True)
    return targets
