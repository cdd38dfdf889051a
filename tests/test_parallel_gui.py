"""Parallel paths in the real window (offscreen), on the bundled model and a real history file."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSpinBox, QTabBar

from reasoner_desktop.domain.messages import ThinkingMode
from reasoner_desktop.inference.engine import Sampling
from reasoner_desktop.services.chat import TurnOptions
from tests.conftest import child

pytestmark = pytest.mark.model
TURN_TIMEOUT = 120_000
SAMPLED = Sampling(temperature=0.9, top_k=40, top_p=0.95, min_p=0.05, seed=21)


def test_paths_stream_as_tabs_and_the_winner_shows_the_vote(qtbot, open_window, data_dir):
    w = open_window(data_dir)
    spin = child(w, QSpinBox, "samplesSpin")
    assert (spin.minimum(), spin.maximum()) == (1, 16)
    spin.setValue(4)
    w.turn_options = TurnOptions(mode=ThinkingMode.PROMPTED, max_tokens=48, max_thinking_tokens=24, sampling=SAMPLED)
    assert w.current_options().samples == 4
    tabs = child(w, QTabBar, "pathTabs")
    seen = {"tabs": 0, "badge": ""}

    def watch():  # what the window showed while the paths streamed
        if w.streaming_id is not None and tabs.isVisible():
            seen["tabs"] = max(seen["tabs"], tabs.count())
            bubble = w.chat_view.widgets.get(w.streaming_id)
            if bubble is not None and bubble.status.text():
                seen["badge"] = bubble.status.text()

    w.stream._timer.timeout.connect(watch)
    w.last_result = None
    w.input.setPlainText("Tom has 3 apples and buys 5 more. How many apples does he have?")
    qtbot.keyClick(w.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.last_result is not None and w.streaming_id is None, timeout=TURN_TIMEOUT)
    result = w.last_result
    assert result.error is None and len(result.paths) == 4
    assert seen["tabs"] == 4 and ("agree so far" in seen["badge"] or "paths thinking" in seen["badge"])

    # After it: the winner is the answer shown, with the vote under it; the pane has a tab per path.
    for bubble in w.chat_view.widgets.values():  # no live note is left behind ("… so far", "… thinking")
        assert "so far" not in bubble.status.text() and "thinking" not in bubble.status.text()
    conv = w.repo.get_conversation(result.conversation_id)
    vote = conv.votes[conv.path_messages[0].id]
    winner = w.chat_view.widgets[result.message_id]
    assert winner.view.vote == vote and winner.status.text().endswith(
        f"{vote['of']} paths agree" if vote["method"] == "extracted" else "paths")
    assert winner.branch_label.text().endswith("/ 4")  # the other paths are its branches
    qtbot.mouseClick(winner.status, Qt.MouseButton.LeftButton)  # the note opens the paths
    assert w.thought_pane.message_id == result.message_id and tabs.isVisible() and tabs.count() == 4
    ids = list(result.ids.path_message_ids)
    assert tabs.currentIndex() == ids.index(result.message_id)
    for i, p in enumerate(result.paths):
        assert tabs.tabText(i).startswith(f"{i + 1}: ")
        if p.final_answer:
            assert p.final_answer.split()[0][:10] in tabs.tabText(i)

    # Picking another path's tab makes it the answer shown (the user's pick over the vote's).
    other = next(i for i in range(4) if ids[i] != result.message_id)
    tabs.tabBarClicked.emit(other)
    assert ids[other] in w.chat_view.widgets and w.repo.get_conversation(conv.id).active_path[-1] == ids[other]
    assert w.thought_pane.message_id == ids[other] and tabs.currentIndex() == other
    picked = w.chat_view.widgets[ids[other]].status.text()
    assert picked == f"Path {other + 1} of 4 (your pick); the vote chose path {ids.index(result.message_id) + 1}"

    # The choice of paths is remembered.
    w.close()
    w2 = open_window(data_dir, wait_model=False)
    assert child(w2, QSpinBox, "samplesSpin").value() == 4


def test_the_scaling_lab_runs_on_the_loaded_model_and_draws_its_curve(qtbot, open_window, data_dir):
    from PySide6.QtWidgets import QLineEdit, QPushButton, QTableWidget

    w = open_window(data_dir)
    action = child(w, type(w.actions.shortcuts), "actionScalingLab")
    assert action in w.menuBar().actions()[-1].menu().actions()  # under Help
    action.trigger()
    lab = w.lab.dialog
    assert lab.isVisible() and lab.objectName() == "scalingLabDialog"
    lab.n.setValue(2)
    child(lab, QLineEdit, "labSamples").setText("1,x")
    qtbot.mouseClick(child(lab, QPushButton, "labRun"), Qt.MouseButton.LeftButton)
    assert not lab.error.isHidden() and "1 to 16" in lab.error.text() and not w.lab.running  # refused, said why
    child(lab, QLineEdit, "labSamples").setText("1,3")
    child(lab, QLineEdit, "labBudgets").setText("0,16")
    qtbot.mouseClick(child(lab, QPushButton, "labRun"), Qt.MouseButton.LeftButton)
    assert w.lab.running and not w.send_button.isEnabled()  # the model is busy with the lab
    qtbot.waitUntil(lambda: not w.lab.running, timeout=TURN_TIMEOUT)
    table = child(lab, QTableWidget, "labTable")
    assert table.rowCount() == 4 and lab.report is not None and not lab.report.stopped
    assert [(c.samples, c.max_thinking, c.n) for c in lab.report.cells] == [(1, 0, 2), (3, 0, 2), (1, 16, 2), (3, 16, 2)]
    assert all(c.tokens > 0 for c in lab.report.cells)
    assert lab.chart.pixmap() is not None and not lab.chart.pixmap().isNull()
    assert w.send_button.isEnabled()


def test_when_the_first_path_wins_its_live_note_gives_way_to_the_vote(qtbot, open_window, data_dir):
    """Greedy paths are all the same, so the first one wins: the bubble that streamed is the winner's,
    and its live note ("4 paths thinking…") must become the vote's."""
    w = open_window(data_dir)
    child(w, QSpinBox, "samplesSpin").setValue(4)
    w.turn_options = TurnOptions(mode=ThinkingMode.OFF, max_tokens=16, sampling=Sampling(temperature=0.0, top_k=1))
    w.last_result = None
    w.input.setPlainText("What is 2 + 2? The answer is")
    qtbot.keyClick(w.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.last_result is not None and w.streaming_id is None, timeout=TURN_TIMEOUT)
    result = w.last_result
    assert result.message_id == result.ids.path_message_ids[0]
    note = w.chat_view.widgets[result.message_id].status.text()
    assert note in ("4 of 4 paths agree", "Chosen by the model among 4 paths", "4 paths; no final answer could be read")


def test_a_streaming_answer_replaced_by_another_path_is_drawn_anew(qtbot):
    """The bubble shows the leading path: when the lead passes to another path, its text is not the old
    one grown, and must not be drawn as the old text plus the new one's tail."""
    from reasoner_desktop.ui.markdown_view import MarkdownRenderer, SafeBrowser

    browser = SafeBrowser()
    qtbot.addWidget(browser)
    r = MarkdownRenderer(browser)
    r.grow("The answer is 3.", False)
    r.grow("The answer is 3. Sure", False)
    assert browser.toPlainText() == "The answer is 3. Sure"
    r.grow("1 + 8 equals nine, so it is 9.", False)  # longer, but another text
    assert browser.toPlainText() == "1 + 8 equals nine, so it is 9."
