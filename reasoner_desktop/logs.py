"""The log file and the crash log, in the data folder. No Qt.

- `logs/reasoner-desktop.log`: the app's and llama.cpp's log lines (rotated, at most ~3 MB);
  also on stderr with `--verbose`.
- `logs/crash.log`: tracebacks of unexpected errors (sys.excepthook, worker threads) and, through
  faulthandler, the Python stack of a hard crash (a segfault in native code).
"""

from __future__ import annotations

import faulthandler
import logging
import logging.handlers
import sys
import threading
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

LOG_DIRNAME = "logs"
LOG_FILENAME = "reasoner-desktop.log"
CRASH_FILENAME = "crash.log"
log = logging.getLogger("reasoner_desktop")

_state: dict = {"crash_file": None, "crash_path": None, "file_handler": None, "stderr_handler": None}


class _LogFile(logging.handlers.RotatingFileHandler):
    """The log file. When it cannot be written (a full disk, a read-only folder) the line is dropped
    quietly: logging must never add a traceback to the one sentence the user gets."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        pass


def log_dir(data_dir: Path) -> Path:
    return Path(data_dir) / LOG_DIRNAME


def crash_log_path(data_dir: Path) -> Path:
    return log_dir(data_dir) / CRASH_FILENAME


def setup_logging(data_dir: Path, *, verbose: bool = False) -> Path | None:
    """Log to the data folder (and to stderr when verbose). Returns the crash log's path, or None
    if the folder cannot be written (the app then runs without a log file)."""
    root = logging.getLogger("reasoner_desktop")
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for key in ("file_handler", "stderr_handler"):
        if _state[key] is not None:
            root.removeHandler(_state[key])
            _state[key].close()
            _state[key] = None
    if verbose:
        _state["stderr_handler"] = logging.StreamHandler(sys.stderr)
        _state["stderr_handler"].setFormatter(logging.Formatter("%(name)s: %(message)s"))
        root.addHandler(_state["stderr_handler"])
    folder = log_dir(data_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = _LogFile(folder / LOG_FILENAME, maxBytes=1_000_000, backupCount=2, encoding="utf-8", delay=True)
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    _state["file_handler"] = handler
    crash = folder / CRASH_FILENAME
    try:
        if _state["crash_path"] != crash:
            if _state["crash_file"] is not None:
                _state["crash_file"].close()
            _state["crash_file"] = open(crash, "a", encoding="utf-8")  # noqa: SIM115 (kept open for faulthandler)
            _state["crash_path"] = crash
        faulthandler.enable(file=_state["crash_file"], all_threads=True)
    except OSError:
        return None
    return crash


def record_crash(exc: BaseException, where: str) -> None:
    """Write an unexpected exception's traceback to the log and the crash log."""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    log.error("Unexpected error in %s:\n%s", where, text)
    f = _state["crash_file"]
    if f is not None:
        try:
            f.write(f"--- {datetime.now().isoformat(timespec='seconds')} {where}\n{text}\n")
            f.flush()
        except (OSError, ValueError):
            pass


def unexpected_error_sentence(exc: BaseException, action: str = "That") -> str:
    """One sentence for an error nobody planned for, naming where the details are."""
    first = (str(exc).strip().splitlines() or [""])[0][:200]
    what = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    where = f" Details are in {_state['crash_path']}." if _state["crash_path"] else ""
    return f"{action} failed because of an unexpected error ({what}).{where}"


def user_sentence(exc: BaseException, action: str = "That") -> str:
    """The one sentence for a failure: the error's own when it was written for users (history and
    model errors), else a generic one naming the crash log (the traceback goes there)."""
    from reasoner_desktop.inference.errors import GenerationError, ModelLoadError
    from reasoner_desktop.storage.errors import DatabaseError

    if isinstance(exc, (DatabaseError, GenerationError, ModelLoadError)):
        return str(exc)
    record_crash(exc, action)
    return unexpected_error_sentence(exc, action)


def install_excepthook(on_error: Callable[[str], None] | None = None) -> None:
    """Unhandled exceptions (the main thread, Qt slots, other threads) go to the crash log and,
    when `on_error` is given, to the user as one sentence; the app keeps running."""

    def hook(exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        exc = exc.with_traceback(tb) if exc is not None else exc_type()
        sentence = user_sentence(exc, "Something")
        if on_error is not None:
            try:
                on_error(sentence)
            except Exception:  # noqa: BLE001 - the hook itself must never raise
                pass

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            record_crash(args.exc_value, f"thread {args.thread.name if args.thread else '?'}")

    sys.excepthook = hook
    threading.excepthook = thread_hook
