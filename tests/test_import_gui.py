"""The import as a user runs it from the window: off the GUI thread, with progress, a report and Cancel."""

from __future__ import annotations

import json
import threading

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QProgressDialog, QPushButton

from reasoner_desktop.app import WorkerHost
from reasoner_desktop.workers.import_worker import ImportWorker
from tests.chatgpt_gen import long_chat

TIMEOUT = 120_000


def import_worker(window) -> ImportWorker:
    hosts = [h for h in window.findChildren(QObject) if isinstance(h, WorkerHost) and isinstance(h.worker, ImportWorker)]
    assert len(hosts) == 1
    return hosts[0].worker


def many_chats(tmp_path, n: int, turns: int, prefix: str = "c"):
    tmp_path.mkdir(exist_ok=True)
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps([long_chat(turns, title=f"Chat {i}", conversation_id=f"{prefix}-{i}") for i in range(n)]))
    return path


def test_import_runs_off_the_gui_thread_with_progress_and_a_report(open_window, data_dir, tmp_path, qtbot):
    w = open_window(data_dir, wait_model=False)
    worker = import_worker(w)
    assert worker.thread() is not w.thread()
    path = many_chats(tmp_path, 120, 25)  # 120 conversations of 150 nodes: 18,000 nodes
    seen: list[tuple[int, int]] = []
    ticks = []
    # A plain callable runs on the emitting (worker) thread; the timer below runs on the GUI thread.
    worker.progress.connect(lambda done, total: seen.append((done, total)))
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(len(seen)))
    timer.start()
    reports = []
    worker.finished.connect(reports.extend)
    with qtbot.waitSignal(w.files.importEnded, timeout=TIMEOUT) as ended:
        w.files.import_conversations([str(path)])
        assert w.files.importing and isinstance(w.files.import_progress, QProgressDialog)
    timer.stop()
    assert ended.args == [True]
    assert len(reports) == 1 and len(reports[0].imported) == 120
    # The GUI thread kept running its event loop while the worker wrote: the timer fired between progress steps.
    assert seen[-1] == (120, 120) and len({d for d, _ in seen}) > 10
    assert any(0 < t < 120 for t in ticks), "the window did not get a turn while the import was writing"
    box = w.files.import_report
    assert box is not None and box.isVisible() and box.objectName() == "importReport"
    assert "conversations.json (ChatGPT)" in box.text() and "120" in box.text() and "3,000" in box.text()
    assert not w.files.importing and w.files.import_progress is None
    assert w.sidebar.conversation_count() == 120
    box.accept()
    # The closed progress dialog left no Cancel behind: the next import is not cancelled by it.
    with qtbot.waitSignal(w.files.importEnded, timeout=TIMEOUT) as ended:
        w.files.import_conversations([str(many_chats(tmp_path / "more", 3, 2, prefix="more"))])
    assert ended.args == [True] and w.sidebar.conversation_count() == 123


def test_cancel_rolls_the_file_back(open_window, data_dir, tmp_path, qtbot, monkeypatch):
    w = open_window(data_dir, wait_model=False)
    worker = import_worker(w)
    path = many_chats(tmp_path, 40, 5)
    reached, release = threading.Event(), threading.Event()

    def hold(done: int, total: int) -> None:  # on the worker thread, while its transaction is open
        if done == 5:
            reached.set()
            release.wait(60)

    worker.progress.connect(hold, Qt.ConnectionType.DirectConnection)
    errors = []
    monkeypatch.setattr(w, "show_error", lambda title, text: errors.append(text))
    w.files.import_conversations([str(path)])
    qtbot.waitUntil(reached.is_set, timeout=TIMEOUT)  # the worker holds its open transaction at 5 of 40
    with qtbot.waitSignal(w.files.importEnded, timeout=TIMEOUT) as ended:
        w.files.import_progress.findChild(QPushButton).click()  # the user clicks Cancel
        release.set()
    assert ended.args == [False] and "cancelled" in errors[0]
    assert w.repo.list_conversations() == []
    assert not w.files.importing
    # and a following import is not cancelled by the old click
    with qtbot.waitSignal(w.files.importEnded, timeout=TIMEOUT) as ended:
        w.files.import_conversations([str(path)])
    assert ended.args == [True] and w.sidebar.conversation_count() == 40


def test_a_bad_file_says_one_sentence_and_changes_nothing(open_window, data_dir, tmp_path, qtbot, monkeypatch):
    w = open_window(data_dir, wait_model=False)
    errors = []
    monkeypatch.setattr(w, "show_error", lambda title, text: errors.append((title, text)))
    good, bad = many_chats(tmp_path, 2, 2), tmp_path / "broken.json"
    bad.write_text('{"mapping": [' * 5)
    with qtbot.waitSignal(w.files.importEnded, timeout=TIMEOUT):
        w.files.import_conversations([str(good), str(bad)])
    assert errors and errors[0][0] == "Import failed" and "broken.json" in errors[0][1]
    assert w.repo.list_conversations() == []
