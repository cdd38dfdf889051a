"""Real use: a worker error never freezes the window, Enter while the model loads is kept, Remove asks,
models.json survives concurrent writers, process checks work on every OS, llama.cpp's log stays out of
the terminal, crashes are logged, and a changed llama-cpp-python is one sentence."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import threading

import psutil
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from reasoner_desktop.inference.engine import Sampling
from reasoner_desktop.services.chat import TurnOptions
from tests.conftest import LOAD_TIMEOUT, PYTHON, cli_env

TURN_TIMEOUT = 90_000
GREEDY = Sampling(temperature=0.0, top_k=1, seed=1)


def _finished(qtbot, w, action) -> dict:
    w.last_result = None
    action()
    qtbot.waitUntil(lambda: w.last_result is not None and w.streaming_id is None, timeout=TURN_TIMEOUT)
    return w.last_result


# -- the window ------------------------------------------------------------------------------

@pytest.mark.model
def test_a_history_locked_mid_session_is_one_sentence_and_the_window_recovers(qtbot, open_window, data_dir):
    w = open_window(data_dir)
    w.turn_options = TurnOptions(max_tokens=12, sampling=GREEDY)
    other = sqlite3.connect(data_dir / "history.db", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another program holds the history
    try:
        w.input.setPlainText("Tom has 3 apples. How many?")
        result = _finished(qtbot, w, w.send)
        assert result.status == "error" and "locked" in result.error and "\n" not in result.error
        box = w.error_dialog
        assert box is not None and box.isVisible() and "locked" in box.text()
        # Usable again: Send is back, Stop is off, and the question is back in the box (nothing lost).
        assert w.send_button.isEnabled() and not w.stop_button.isEnabled() and w.streaming_id is None
        assert w.input.toPlainText() == "Tom has 3 apples. How many?"
    finally:
        other.rollback()
        other.close()
    box.close()
    result = _finished(qtbot, w, w.send)
    assert result.status == "complete" and result.answer


@pytest.mark.model
def test_enter_while_the_model_loads_is_sent_when_it_is_ready(qtbot, open_window, data_dir):
    w = open_window(data_dir, wait_model=False)
    assert w.model_name is None and w.model_loading  # the worker's answer has not been delivered yet
    w.turn_options = TurnOptions(max_tokens=12, sampling=GREEDY)
    w.input.setPlainText("Tom has 3 apples and buys 5 more.")
    assert w.send_button.isEnabled()  # Send works while loading: the message waits for the model
    said = []

    def send_and_read_the_status_bar():
        w.send()
        said.append(w.statusBar().currentMessage())

    result = _finished(qtbot, w, send_and_read_the_status_bar)
    assert said == ["Loading model… your message will be sent as soon as it is ready."]
    assert w.statusBar().currentMessage() == ""  # sent: the note is gone, the model's name shows again
    assert result.status == "complete"
    conv = w.repo.get_conversation(result.conversation_id)
    assert conv.path_messages[0].content == "Tom has 3 apples and buys 5 more."
    assert w.input.toPlainText() == ""


@pytest.mark.model
def test_a_failed_model_load_of_any_kind_is_one_sentence(qtbot, open_window, data_dir, monkeypatch):
    from reasoner_desktop.workers import chat_worker

    w = open_window(data_dir)

    def broken(*args, **kwargs):
        raise RuntimeError("something deep in llama.cpp")

    monkeypatch.setattr(chat_worker, "LlamaEngine", broken)
    w.models.request_model(str(w.model_caps["path"]))
    qtbot.waitUntil(lambda: not w.model_loading, timeout=LOAD_TIMEOUT)
    assert w.model_name is None
    assert "RuntimeError: something deep in llama.cpp" in w.error_dialog.text()


def test_remove_asks_before_deleting_a_download(qtbot, open_window, data_dir, model_path):
    from reasoner_desktop.inference.library import ModelLibrary

    folder = data_dir / "models" / "test-org__Tiny-GGUF"
    folder.mkdir(parents=True)
    copy = folder / "Tiny.Q4_1.gguf"
    shutil.copy(model_path, copy)
    w = open_window(data_dir, wait_model=False)
    dialog = w.models.open_models(0)
    table = dialog.library_table
    rows = {table.item(r, 0).text(): r for r in range(table.rowCount())}
    table.selectRow(rows[model_path.stem])
    assert not dialog.remove_button.isEnabled() and "cannot be removed" in dialog.remove_button.toolTip()
    table.selectRow(rows["Tiny.Q4_1"])
    assert dialog.remove_button.isEnabled()
    asked = []

    def answer(button_text):
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox) and box.objectName() == "confirmRemoveDialog"
        asked.append(box.text())
        next(b for b in box.buttons() if b.text() == button_text).click()

    QTimer.singleShot(0, lambda: answer("Cancel"))
    dialog.remove_button.click()
    assert copy.exists() and "delete its downloaded file" in asked[0] and "MB" in asked[0]
    QTimer.singleShot(0, lambda: answer("Delete"))
    dialog.remove_button.click()
    assert not copy.exists() and ModelLibrary(data_dir).get("Tiny.Q4_1") is None


def test_models_json_survives_concurrent_writers(tmp_path, model_path):
    """The download thread, the window and a CLI change models.json at the same time."""
    from reasoner_desktop.inference.library import ModelLibrary

    lib = ModelLibrary(tmp_path)
    names = []
    for i in range(6):
        p = tmp_path / "models" / f"org__m{i}" / f"m{i}.gguf"
        p.parent.mkdir(parents=True)
        p.symlink_to(model_path)
        names.append((p, f"m{i}"))
    bundled = lib.entries()[0].name
    barrier = threading.Barrier(len(names) + 1)
    errors = []

    def download(path, name):
        try:
            barrier.wait()
            for _ in range(5):
                ModelLibrary(tmp_path).add_downloaded(path, f"org/{name}", path.name, None)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    def settings():
        barrier.wait()
        for n in range(20):
            ModelLibrary(tmp_path).set_settings(bundled, {"n_ctx": 1024 + n})

    threads = [threading.Thread(target=download, args=nt) for nt in names] + [threading.Thread(target=settings)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    entries = {e.name: e for e in ModelLibrary(tmp_path)._load()}
    assert {f"m{i}" for i in range(6)} <= set(entries)  # no download was lost
    assert entries[bundled].settings == {"n_ctx": 1043}  # nor the last settings change


# -- every OS --------------------------------------------------------------------------------

def test_process_checks_never_signal_a_process(monkeypatch):
    """On Windows os.kill(pid, 0) terminates the process: liveness goes through psutil (pid + start time)."""
    import os
    import types

    from reasoner_desktop.storage import repository
    from reasoner_desktop.storage.repository import writer_alive, writer_token

    def no_kill(*args):
        raise AssertionError("os.kill was called")

    child = subprocess.Popen([PYTHON, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        monkeypatch.setattr(repository, "os", types.SimpleNamespace(getpid=os.getpid, kill=no_kill))
        token = writer_token(child.pid)
        assert writer_alive(token) and writer_alive(writer_token())
        pid, _, started = token.partition(":")
        assert not writer_alive(f"{pid}:{float(started) - 60:.3f}")  # the pid now belongs to another process
        assert not writer_alive(f"{pid}:1234567")  # an old-format token
        assert not writer_alive("") and not writer_alive(None)
    finally:
        child.stdin.close()
        child.wait(10)
    assert not psutil.pid_exists(child.pid) or not writer_alive(token)


def test_no_module_signals_a_process_to_see_if_it_lives():
    """Every liveness check (stale streams, backups' and exports' leftovers) goes through psutil."""
    import ast
    import pathlib

    import reasoner_desktop

    calls = []
    for path in pathlib.Path(reasoner_desktop.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "kill"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "os"):
                calls.append(f"{path.name}:{node.lineno}")
    assert calls == []


def test_a_changed_llama_cpp_python_is_one_sentence(model_path, monkeypatch):
    import llama_cpp

    from reasoner_desktop.inference.engine import LlamaEngine
    from reasoner_desktop.inference.llama_adapter import UnsupportedLlamaCpp

    monkeypatch.setattr(llama_cpp, "__version__", "0.4.2")
    with pytest.raises(UnsupportedLlamaCpp) as info:
        LlamaEngine(model_path)
    assert "llama-cpp-python==0.3.36" in str(info.value) and "\n" not in str(info.value)
    monkeypatch.undo()
    monkeypatch.delattr(llama_cpp.Llama, "_init_sampler")
    with pytest.raises(UnsupportedLlamaCpp):
        LlamaEngine(model_path)


def test_llama_cpp_python_is_used_only_by_the_adapter():
    """Its private internals (_sampler, _ctx, input_ids…) are used in one module; nothing else imports it."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "reasoner_desktop"
    uses = re.compile(r"^\s*(import|from)\s+llama_cpp\b", re.M)
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if p.name != "llama_adapter.py" and uses.search(p.read_text(encoding="utf-8"))]
    assert not offenders, offenders


# -- logs and crashes ------------------------------------------------------------------------

@pytest.mark.model
def test_llama_cpp_log_lines_go_to_the_log_file_not_the_terminal(data_dir):
    args = [PYTHON, "-m", "reasoner_desktop", "ask", "Say hi.", "--max-tokens", "4", "--no-think", "--seed", "1"]
    quiet = subprocess.run(args, capture_output=True, text=True, env=cli_env(data_dir), timeout=120)
    assert quiet.returncode == 0, quiet.stderr
    assert not [ln for ln in quiet.stderr.splitlines() if ln.startswith(("llama", "ggml", "load", "print_info"))]
    logged = (data_dir / "logs" / "reasoner-desktop.log").read_text()
    assert "reasoner_desktop.llama" in logged and "llama_context" in logged
    loud = subprocess.run([PYTHON, "-m", "reasoner_desktop", "--verbose", *args[3:]], capture_output=True,
                          text=True, env=cli_env(data_dir), timeout=120)
    assert loud.returncode == 0 and "llama_context" in loud.stderr


def test_unexpected_errors_reach_the_crash_log_and_the_user(tmp_path):
    from reasoner_desktop import logs

    saved = sys.excepthook, threading.excepthook
    told = []
    try:
        crash = logs.setup_logging(tmp_path)
        logs.install_excepthook(told.append)
        try:
            {}["missing"]
        except KeyError as exc:
            sys.excepthook(type(exc), exc, exc.__traceback__)
    finally:
        sys.excepthook, threading.excepthook = saved
    assert crash == tmp_path / "logs" / "crash.log"
    assert "Traceback" in crash.read_text() and "KeyError: 'missing'" in crash.read_text()
    assert len(told) == 1 and "KeyError" in told[0] and str(crash) in told[0] and "\n" not in told[0]


def test_a_hard_crash_leaves_its_stack_in_the_crash_log(tmp_path):
    code = ("import faulthandler, sys; from pathlib import Path; from reasoner_desktop import logs; "
            "logs.setup_logging(Path(sys.argv[1])); faulthandler._sigsegv()")
    out = subprocess.run([PYTHON, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "Segmentation fault" in (tmp_path / "logs" / "crash.log").read_text()


def test_a_download_failing_in_an_unplanned_way_is_one_sentence(qtbot, tmp_path, monkeypatch):
    from reasoner_desktop.inference import hub
    from reasoner_desktop.inference.library import ModelLibrary
    from reasoner_desktop.workers.download_worker import DownloadWorker

    def broken(*args, **kwargs):
        raise ValueError("a surprise")

    monkeypatch.setattr(hub, "download", broken)
    worker = DownloadWorker(ModelLibrary(tmp_path))
    with qtbot.waitSignal(worker.failed, timeout=5000) as sig:
        worker.download("org/repo", hub.GGUFFile("x.gguf", ("x.gguf",), (10,), (None,)))
    assert "ValueError: a surprise" in sig.args[0]
