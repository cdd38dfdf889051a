"""Models → Remote as a user fills it in, against a real stub server on 127.0.0.1: the connection test lists
the server's models (off the GUI thread), Add and use loads it, the composer disables what a server cannot
do, and a question is answered with the thought in the pane."""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget

from reasoner_desktop.inference.secrets import load_key
from reasoner_desktop.ui.remote_tab import RemoteTab
from tests.test_gui import ask
from tests.test_remote import KEY, Stub

TIMEOUT = 60_000


def test_add_a_remote_model_and_ask_it(open_window, data_dir, qtbot):
    stub = Stub()
    try:
        w = open_window(data_dir)
        dialog = w.models.open_models(2)  # File → Models… → Remote
        tab = dialog.findChild(RemoteTab, "remoteTab")
        assert dialog.findChild(QTabWidget).currentWidget() is tab
        assert "file only you can read" in tab.keys_note.text()  # no keychain on this machine, and it says so
        tab.url.setText(stub.url)
        tab.key.setText("wrong")
        with qtbot.waitSignal(dialog.worker.remoteProbed, timeout=TIMEOUT):
            tab.test_button.click()
        qtbot.waitUntil(lambda: tab.test_button.isEnabled(), timeout=TIMEOUT)
        assert "refused the API key (HTTP 401)" in tab.status.text()
        tab.key.setText(KEY)
        with qtbot.waitSignal(dialog.worker.remoteProbed, timeout=TIMEOUT):
            tab.test_button.click()
        qtbot.waitUntil(lambda: tab.model.count() > 0, timeout=TIMEOUT)
        assert "Connected" in tab.status.text()
        tab.name.setText("lab-vllm")
        tab.model.setCurrentText("vllm_reasoning")
        tab.kind.setCurrentIndex(tab.kind.findData("vllm"))
        with qtbot.waitSignal(dialog.modelChosen, timeout=TIMEOUT) as chosen:
            tab.add_button.click()
        assert chosen.args == ["lab-vllm"]
        assert load_key(data_dir, "lab-vllm") == KEY and KEY not in (data_dir / "models.json").read_text()
        qtbot.waitUntil(lambda: w.model_name == "lab-vllm", timeout=TIMEOUT)
        composer = w.composer
        assert not composer.samples.isEnabled() and composer.samples.maximum() == 1
        assert not composer.min_thinking.isEnabled() and "local model" in composer.min_thinking.toolTip()
        assert composer.max_thinking.isEnabled()  # vLLM takes a thinking budget
        ask(qtbot, w, "What is 17 × 23?")
        qtbot.waitUntil(lambda: w.last_result is not None, timeout=TIMEOUT)
        conv = w.repo.get_conversation(w.conversation_id)
        answer = conv.path_messages[-1]
        assert answer.model == "lab-vllm" and "391" in answer.thinking and answer.content.strip().endswith("**391**.")
        assert not w.composer.answer_now_button.isEnabled()
    finally:
        stub.stop()
