"""Safe file names from titles and atomic writes that never overwrite by surprise."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
import time
import unicodedata
import zipfile
from pathlib import Path

import psutil

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


# Temporary names: ".<final name>.<pid>.<random>.tmp", a file or (a folder export) a folder. The pid
# tells a running export's from one a killed export left; those are removed by the next export.
_TEMP = re.compile(r"^\.(?P<final>.+)\.(?P<pid>\d+)\.[a-z0-9_]{8}\.tmp$")
_LEGACY_TEMP = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")  # before the pid was in the name
LEGACY_TEMP_AGE_SECONDS = 3600


def _temp_prefix(final: Path) -> str:
    return f".{final.name}.{os.getpid()}."


def _pid_alive(pid: int) -> bool:
    """Through psutil: os.kill(pid, 0) would terminate the process on Windows."""
    return pid == os.getpid() or psutil.pid_exists(pid)


_umask_lock = threading.Lock()


def _umask() -> int:
    with _umask_lock:  # os.umask can only be read by setting it
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def _normal_permissions(path: Path, *, folder: bool = False) -> None:
    """Temporary files are made private (0600, 0700); the export itself gets the user's usual
    permissions, as any program that writes a file would give it (0644 with the common umask)."""
    try:
        os.chmod(path, (0o777 if folder else 0o666) & ~_umask())
    except OSError:
        pass


def remove_leftovers(folder: Path) -> list[Path]:
    """Remove the temporary files and folders that killed exports left in `folder`."""
    removed = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        m = _TEMP.match(entry.name)
        try:
            if m:
                stale = not _pid_alive(int(m["pid"]))
            else:
                stale = bool(_LEGACY_TEMP.match(entry.name)) and \
                    now - entry.lstat().st_mtime > LEGACY_TEMP_AGE_SECONDS
            if not stale:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry)
        except OSError:
            continue
    return removed


def write_atomic(path: Path, data: bytes, *, force: bool = False, tidy: bool = True) -> None:
    """Write to a temporary file beside `path`, then rename: a reader never sees half a file.
    Leftovers of killed exports in that folder are removed first (unless `tidy` is False)."""
    check_writable(path, force)
    path.parent.mkdir(parents=True, exist_ok=True)
    if tidy:
        remove_leftovers(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        _normal_permissions(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bundle(path: Path, files: dict[str, bytes], *, force: bool = False) -> list[Path]:
    """Several files: into a .zip (atomically) when `path` ends in .zip, else into the folder `path`.

    A new folder is written under a temporary name and renamed when complete, so a killed export
    leaves no partial folder in the way of the next one. Into an existing folder, each file is
    written atomically; a file already there with the same bytes (a re-run) is no clash."""
    if path.suffix.lower() == ".zip":
        check_writable(path, force)
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_leftovers(path.parent)
        fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=".tmp", dir=path.parent)
        os.close(fd)
        try:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
                for name, data in files.items():
                    zf.writestr(name, data)
            _normal_permissions(Path(tmp))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return [path]
    if path.exists() and not path.is_dir():
        raise ExportError(f"{path} is a file; give a folder or a .zip path for several conversations.")
    targets = [path / name for name in files]
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_leftovers(path.parent)
        tmp = Path(tempfile.mkdtemp(prefix=_temp_prefix(path), suffix=".tmp", dir=path.parent))
        try:
            for name, data in files.items():
                write_atomic(tmp / name, data, tidy=False)
            _normal_permissions(tmp, folder=True)
            os.rename(tmp, path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return targets
    remove_leftovers(path)
    if not force:
        clash = next((t for t, data in zip(targets, files.values()) if t.exists() and not _same(t, data)), None)
        if clash is not None:
            raise ExportError(f"{clash} already exists; use --force to overwrite it.")
    for target, data in zip(targets, files.values()):
        if not (target.exists() and _same(target, data)):
            write_atomic(target, data, force=True, tidy=False)
    return targets


def _same(path: Path, data: bytes) -> bool:
    try:
        return path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False
