"""Hugging Face: find GGUF repositories, list their files, download one with progress,
cancel and resume, and check it against the hub's sha256. No Qt.

huggingface_hub does the talking to the hub (search, file listing with LFS hashes, file
metadata, URLs, auth headers, its HTTP session). The byte transfer is ours: huggingface_hub
2.x throws an interrupted download away, and we must be able to cancel and resume.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from huggingface_hub import HfApi, get_hf_file_metadata, hf_hub_url
from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError
from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status

# Our own messages say what went wrong; the library's retry warnings would only repeat it.
logging.getLogger("huggingface_hub").setLevel(logging.ERROR)

UNREACHABLE = "Hugging Face cannot be reached (no internet connection?); the models on this computer keep working."
CHUNK = 1 << 20
PART_SUFFIX = ".part"
_SPLIT = re.compile(r"^(?P<base>.+)-(?P<index>\d{5})-of-(?P<count>\d{5})\.gguf$", re.I)
_QUANT = re.compile(r"(?i)(?<![A-Za-z0-9])(I?Q\d(?:_[A-Z0-9]+)*|BF16|F16|F32|MXFP4)(?=[.\-_]|$)")


class HubError(Exception):
    """One sentence for the user."""


class HubUnavailable(HubError):
    pass


class DownloadCancelled(HubError):
    pass


class ChecksumMismatch(HubError):
    pass


class NotEnoughDisk(HubError):
    pass


@dataclass(frozen=True, slots=True)
class RepoHit:
    repo_id: str
    downloads: int = 0
    likes: int = 0


@dataclass(frozen=True, slots=True)
class GGUFFile:
    """One downloadable model: a single .gguf, or all the parts of a split one."""

    name: str  # what the user picks: the file name, or the base name of a split model
    parts: tuple[str, ...]  # repo file names, in order
    sizes: tuple[int, ...]
    sha256: tuple[str | None, ...]
    quant: str = ""

    @property
    def size(self) -> int:
        return sum(self.sizes)


@dataclass(slots=True)
class Progress:
    filename: str
    done: int
    total: int
    speed: float  # bytes per second
    eta_seconds: float | None
    phase: str = "downloading"  # downloading | verifying | done

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


@dataclass(slots=True)
class DownloadResult:
    path: Path  # the first (or only) part: what llama.cpp opens
    files: list[Path] = field(default_factory=list)
    sha256: list[str] = field(default_factory=list)
    resumed_from: int = 0  # bytes already on disk when this download started
    commit: str | None = None


def _network_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [ConnectionError, TimeoutError]
    for module in ("httpx2", "httpx"):
        try:
            errors.append(__import__(module).TransportError)
        except (ImportError, AttributeError):
            pass
    return tuple(errors)


NETWORK_ERRORS = _network_errors()


def check_reachable(timeout: float = 5.0) -> None:
    """Fail fast with one sentence when the hub is unreachable (huggingface_hub itself retries
    network errors with backoff for about 20 seconds)."""
    try:
        get_session().head(endpoint(), timeout=timeout, follow_redirects=False)
    except NETWORK_ERRORS:
        raise HubUnavailable(UNREACHABLE) from None


def _hub_call(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except RepositoryNotFoundError:
        raise HubError(f"No such model repository on Hugging Face: {args[0] if args else ''}") from None
    except HfHubHTTPError as exc:
        status = getattr(getattr(exc, "response", None), "status_code", None)
        if status is not None and status >= 500:
            raise HubUnavailable(UNREACHABLE) from None
        raise HubError(f"Hugging Face refused the request ({status}): {str(exc).splitlines()[0]}") from None
    except NETWORK_ERRORS:
        raise HubUnavailable(UNREACHABLE) from None


def endpoint() -> str:
    """HF_ENDPOINT, read when used (huggingface_hub reads it once, at import)."""
    return os.environ.get("HF_ENDPOINT", "").rstrip("/") or "https://huggingface.co"


def _api(api: HfApi | None) -> HfApi:
    return api or HfApi(endpoint=endpoint())


def quant_of(filename: str) -> str:
    found = _QUANT.findall(Path(filename).stem)
    return found[-1].upper() if found else ""


def search_gguf_repos(query: str, limit: int = 30, *, api: HfApi | None = None) -> list[RepoHit]:
    check_reachable()
    api = _api(api)
    models = _hub_call(lambda: list(api.list_models(search=query or None, filter="gguf", limit=limit,
                                                    sort="downloads")))
    return [RepoHit(m.id, getattr(m, "downloads", 0) or 0, getattr(m, "likes", 0) or 0) for m in models]


def list_gguf_files(repo_id: str, revision: str = "main", *, api: HfApi | None = None) -> list[GGUFFile]:
    """The repo's .gguf models with sizes, quantisation and sha256; split parts grouped."""
    check_reachable()
    api = _api(api)
    info = _hub_call(api.model_info, repo_id, revision=revision, files_metadata=True)
    singles: list[GGUFFile] = []
    splits: dict[str, list] = {}
    for s in info.siblings or []:
        name = s.rfilename
        if not name.lower().endswith(".gguf") or "mmproj" in name.lower():
            continue
        sha = s.lfs.sha256 if s.lfs is not None else None
        size = s.size if s.size is not None else (s.lfs.size if s.lfs is not None else 0)
        m = _SPLIT.match(Path(name).name)
        if m:
            key = str(Path(name).parent / m["base"]) if Path(name).parent != Path(".") else m["base"]
            splits.setdefault(key, []).append((int(m["index"]), name, size, sha))
        else:
            singles.append(GGUFFile(name, (name,), (size,), (sha,), quant_of(name)))
    for base, parts in splits.items():
        parts.sort()
        singles.append(GGUFFile(base + ".gguf", tuple(p[1] for p in parts), tuple(p[2] for p in parts),
                                tuple(p[3] for p in parts), quant_of(base)))
    return sorted(singles, key=lambda f: f.size)


def suggest(files: list[GGUFFile], free_memory: int | None) -> GGUFFile | None:
    """The largest file that fits in free memory with room for the context and the app."""
    if not files:
        return None
    if free_memory is None:
        return files[0]
    fitting = [f for f in files if f.size * 1.2 + 512 * 2**20 <= free_memory]
    return max(fitting, key=lambda f: f.size) if fitting else None


def _sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK * 4):
            h.update(chunk)
    return h.hexdigest()


def download(
    repo_id: str,
    model: GGUFFile,
    dest_dir: Path,
    *,
    revision: str = "main",
    progress: Callable[[Progress], None] = lambda p: None,
    cancel: Callable[[], bool] = lambda: False,
) -> DownloadResult:
    """Download every part of `model` into `dest_dir`, resuming `.part` files left by an
    earlier cancel or crash. Raises DownloadCancelled (the partial file stays for resuming),
    ChecksumMismatch (the bad file is deleted), NotEnoughDisk, HubUnavailable or HubError."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    targets = [dest_dir / Path(part).name for part in model.parts]
    on_disk = sum((t.stat().st_size if t.exists() else _part(t).stat().st_size if _part(t).exists() else 0)
                  for t in targets)
    needed = model.size - on_disk
    free = shutil.disk_usage(dest_dir).free
    if needed > free:
        raise NotEnoughDisk(f"Not enough disk space for {model.name}: it needs {needed / 2**30:.1f} GB more, "
                            f"{free / 2**30:.1f} GB is free in {dest_dir}.")
    result = DownloadResult(path=targets[0], resumed_from=on_disk)
    tracker = _Tracker(model.name, model.size, on_disk, progress)
    for part, target, size, sha in zip(model.parts, targets, model.sizes, model.sha256):
        if target.exists() and target.stat().st_size == size:
            result.files.append(target)
            result.sha256.append(sha or "")
            continue
        commit, digest = _download_part(repo_id, part, target, revision, size, sha, tracker, cancel)
        result.commit = result.commit or commit
        result.files.append(target)
        result.sha256.append(digest)
    tracker.finish()
    return result


def _part(target: Path) -> Path:
    return target.with_name(target.name + PART_SUFFIX)


class _Tracker:
    def __init__(self, name: str, total: int, done: int, report: Callable[[Progress], None]) -> None:
        self.name, self.total, self.done, self.report = name, total, done, report
        self.start_done, self.started, self.last = done, time.monotonic(), 0.0

    def add(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.last >= 0.1:
            self.last = now
            self._send("downloading")

    def _send(self, phase: str) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        speed = (self.done - self.start_done) / elapsed
        eta = (self.total - self.done) / speed if speed > 0 else None
        self.report(Progress(self.name, self.done, self.total, speed, eta, phase))

    def verifying(self) -> None:
        self._send("verifying")

    def finish(self) -> None:
        self._send("done")


def _download_part(repo_id: str, filename: str, target: Path, revision: str, size: int, sha256: str | None,
                   tracker: _Tracker, cancel: Callable[[], bool]) -> tuple[str | None, str]:
    url = hf_hub_url(repo_id, filename, revision=revision, endpoint=endpoint())
    meta = _hub_call(get_hf_file_metadata, url, endpoint=endpoint())
    expected = sha256 or (meta.etag if meta.etag and re.fullmatch(r"[0-9a-f]{64}", meta.etag) else None)
    part, state = _part(target), target.with_name(target.name + PART_SUFFIX + ".json")
    old = have = part.stat().st_size if part.exists() else 0
    if have and (not state.exists() or json.loads(state.read_text() or "{}").get("etag") != meta.etag):
        have = 0  # the partial file belongs to another version of the file: start over
    if have > size:
        have = 0
    tracker.done -= old - have
    state.write_text(json.dumps({"etag": meta.etag, "url": url, "size": size}))
    headers = build_hf_headers()
    headers["Accept-Encoding"] = "identity"
    if have:
        headers["Range"] = f"bytes={have}-"
    try:
        with get_session().stream("GET", meta.location or url, headers=headers, follow_redirects=True,
                                  timeout=30) as response:
            hf_raise_for_status(response)
            if have and response.status_code != 206:
                tracker.done -= have  # the server ignored the range: take the whole file
                have = 0
            with part.open("r+b" if have else "wb") as fh:
                fh.seek(have)
                fh.truncate()
                for chunk in response.iter_bytes(CHUNK):
                    if cancel():
                        raise DownloadCancelled(f"Download of {target.name} cancelled; it can be resumed.")
                    fh.write(chunk)
                    tracker.add(len(chunk))
    except HfHubHTTPError as exc:
        _hub_call(_reraise, exc)
    except NETWORK_ERRORS:
        raise HubUnavailable(UNREACHABLE) from None
    except OSError as exc:  # the disk, not the network
        raise HubError(f"Cannot write {part}: {exc.strerror or exc}") from None
    got = part.stat().st_size
    if got != size:
        raise HubError(f"The download of {target.name} stopped early ({got:,} of {size:,} bytes); "
                       "try again to resume it.")
    tracker.verifying()
    digest = _sha256_of(part)
    if expected and digest != expected:
        part.unlink(missing_ok=True)
        state.unlink(missing_ok=True)
        raise ChecksumMismatch(f"{target.name} does not match the checksum published on Hugging Face; "
                               "it was deleted and not used.")
    part.replace(target)
    state.unlink(missing_ok=True)
    return meta.commit_hash, digest


def _reraise(exc):
    raise exc
