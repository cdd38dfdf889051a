"""What a new user tripped over (issue 13), each checked in the real window (offscreen): the live
dark theme, browsing while an answer streams, the pane a user closed, branches that stay in place,
search hits highlighted, edit in place, Copy feedback, budgets and empty answers explained, the
status bar of the chat shown, budget steps, exports that follow the format, narrow and wide windows."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import QApplication, QComboBox, QFileDialog

from reasoner_desktop.domain.events import GenerationStats
from reasoner_desktop.domain.messages import MessageStatus, ThinkingMode
from reasoner_desktop.inference.engine import Sampling
from reasoner_desktop.services.chat import TurnOptions
from reasoner_desktop.storage.repository import open_history
from tests.conftest import conversation_items

TURN_TIMEOUT = 90_000
GREEDY = Sampling(temperature=0.0, top_k=1, seed=3)


def seed(data_dir, title, turns):
    """turns: (question, thought, answer[, stats[, status]]) written straight into the history file."""
    repo = open_history(data_dir / "history.db")
    cid = repo.create_conversation(title)
    ids = []
    for question, thinking, answer, *extra in turns:
        uid = repo.add_user_message(cid, question)
        aid = repo.start_assistant_message(cid, uid, "seeded")
        status = extra[1] if len(extra) > 1 else MessageStatus.COMPLETE
        repo.finish_message(aid, answer, thinking, status, extra[0] if extra else None)
        ids.append((uid, aid))
    repo.engine.dispose()
    return cid, ids


def finished(qtbot, w, action):
    w.last_result = None
    action()
    qtbot.waitUntil(lambda: w.last_result is not None and w.streaming_id is None, timeout=TURN_TIMEOUT)
    return w.last_result


def luminance(c: QColor) -> float:
    return 0.2126 * c.red() + 0.7152 * c.green() + 0.0722 * c.blue()


def body_colours(widget) -> tuple[float, float]:
    """(mean, brightest) luminance of a rendered message body, from a screenshot of it."""
    img = widget.body.grab().toImage()
    values = [luminance(img.pixelColor(x, y)) for x in range(0, img.width(), 3) for y in range(0, img.height(), 3)]
    return sum(values) / len(values), max(values)


@pytest.mark.model
def test_switching_to_dark_live_rerenders_the_open_chat(qtbot, open_window, data_dir, tmp_path):
    answer = "Here is **bold** text and code:\n\n```python\nprint('hi')\n```\n\nDone."
    cid, _ = seed(data_dir, "Theme", [("Show me code", "a thought", answer)])
    w = open_window(data_dir)
    w.app_settings.set("ui/theme", "light")
    w.appearanceChanged.emit()
    w.open_conversation(cid)
    w.resize(1100, 700)
    bubble = next(x for x in w.chat_view.widgets.values() if x.view.content == answer)
    qtbot.waitUntil(lambda: bubble.body.height() > 40)
    light_mean, _ = body_colours(bubble)
    w.grab().save(str(tmp_path / "light.png"))
    w.app_settings.set("ui/theme", "dark")
    w.appearanceChanged.emit()  # what the Settings dialog's OK does
    QApplication.processEvents()
    dark_mean, brightest = body_colours(bubble)
    w.grab().save(str(tmp_path / "dark.png"))
    assert dark_mean < light_mean - 60 and dark_mean < 90  # the code block is no longer a white slab
    assert brightest > 170  # light text on the dark background
    header = w.thought_pane.header
    assert luminance(header.palette().color(header.foregroundRole())) > 100  # "Thought for…" readable
    w.app_settings.set("ui/theme", "light")
    w.appearanceChanged.emit()


@pytest.mark.model
def test_other_chats_can_be_read_while_an_answer_streams(qtbot, open_window, data_dir):
    other, [(uid, aid)] = seed(data_dir, "Older chat", [("Old question", "old thought", "Old answer")])
    w = open_window(data_dir)
    w.turn_options = TurnOptions(max_tokens=400, max_thinking_tokens=300, min_thinking_tokens=300,
                                 sampling=GREEDY, mode=ThinkingMode.PROMPTED)
    w.input.setPlainText("Write a long essay about rivers.")
    w.send()
    qtbot.waitUntil(lambda: (w.stream.live is not None and len(w.stream.live.thinking) > 20), timeout=TURN_TIMEOUT)
    streaming_chat = w.stream.conversation_id
    items = {i.data(Qt.ItemDataRole.UserRole): i for i in conversation_items(w.sidebar.list)}
    assert w.sidebar.list.isEnabled() and w.actions.new_chat.isEnabled()
    w.sidebar._clicked(items[other])  # open the older chat while the answer streams
    assert w.conversation_id == other
    old = w.chat_view.widgets[aid]
    assert old.copy_button.isEnabled() and old.up_button.isEnabled()
    assert not old.regen_button.isEnabled() and "Wait until the answer" in old.regen_button.toolTip()
    assert not w.chat_view.widgets[uid].edit_button.isEnabled()
    assert not w.send_button.isEnabled() and w.stop_button.isEnabled()
    w.open_conversation(streaming_chat)  # back: the answer is still being written, with its live text
    live = w.chat_view.widgets[w.stream.live.message_id] if w.stream.live else None
    if live is not None:
        assert live.view.status is MessageStatus.STREAMING and len(live.view.thinking) > 20
    qtbot.waitUntil(lambda: w.streaming_id is None, timeout=TURN_TIMEOUT)
    result = w.last_result
    assert result.status == "complete" and result.conversation_id == streaming_chat
    assert w.chat_view.widgets[result.message_id].view.thinking == result.thinking


@pytest.mark.model
def test_a_pane_the_user_closed_stays_closed(qtbot, open_window, data_dir):
    cid, _ = seed(data_dir, "Thoughts", [("Q", "a thought", "A")])
    w = open_window(data_dir)
    w.resize(1200, 760)
    assert w.thought_pane.isVisible()
    qtbot.mouseClick(w.thought_pane.close_button, Qt.MouseButton.LeftButton)
    assert not w.thought_pane.isVisible()
    w.open_conversation(cid)
    assert not w.thought_pane.isVisible()
    w.turn_options = TurnOptions(max_tokens=24, sampling=GREEDY)
    w.input.setPlainText("Hi")
    finished(qtbot, w, w.send)
    assert not w.thought_pane.isVisible()  # neither opening a chat nor an answer brings it back
    bubble = w.chat_view.widgets[w.last_result.message_id]
    qtbot.mouseClick(bubble.thought_button, Qt.MouseButton.LeftButton)  # the user opens it
    assert w.thought_pane.isVisible()


def test_switching_branches_keeps_the_message_where_it_was(qtbot, open_window, data_dir):
    turns = [(f"question {i} " + "words " * 30, "", f"answer {i} " + "text " * 60) for i in range(12)]
    cid, ids = seed(data_dir, "Branches", turns)
    repo = open_history(data_dir / "history.db")
    middle_user, middle_answer = ids[4]
    alt = repo.start_assistant_message(cid, middle_user, "seeded")
    # Long enough that the new branch (which ends with it) can still be scrolled to keep it in place.
    repo.finish_message(alt, "another answer " + "more " * 200, "", MessageStatus.COMPLETE)
    repo.switch_branch(ids[-1][1])
    repo.engine.dispose()
    w = open_window(data_dir, wait_model=False)
    w.resize(1000, 700)
    w.open_conversation(cid)
    # The message whose other version the user will pick, in the middle of the screen.
    widget = w.chat_view.widgets[middle_answer]
    w.chat_view.reveal(widget)
    qtbot.waitUntil(lambda: 0 < w.chat_view.offset_of(widget) < 600)
    before = w.chat_view.offset_of(widget)
    qtbot.mouseClick(widget.next_button, Qt.MouseButton.LeftButton)
    new = w.chat_view.widgets.get(alt)
    assert new is not None and new.branch_label.text() == "2 / 2"
    qtbot.waitUntil(lambda: abs(w.chat_view.offset_of(new) - before) <= 4)  # not thrown to the bottom


def test_a_search_hit_is_highlighted_in_the_answer_and_in_the_thought(qtbot, open_window, data_dir):
    turns = [(f"filler question {i}", "", "filler answer " * 150) for i in range(10)]
    turns.insert(2, ("Tell me about volcanoes", "magma chambers hold pressure", "Calderas form when a volcano "
                     "collapses."))
    seed(data_dir, "Geology", turns)
    w = open_window(data_dir, wait_model=False)
    w.resize(1100, 700)
    w.sidebar.search_box.setText("caldera")
    qtbot.waitUntil(lambda: w.sidebar.list.item(0).text() == "1 match", timeout=3000)  # a plural through %n
    w.sidebar._clicked(conversation_items(w.sidebar.list)[0])
    bubble = next(x for x in w.chat_view.widgets.values() if "Calderas" in x.view.content)
    assert bubble.body.extraSelections(), "the matched word is not highlighted"
    bar = w.chat_view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and 0 <= w.chat_view.offset_of(bubble) < w.chat_view.viewport().height())
    assert bar.value() < bar.maximum()  # scrolled up to the match, not left at the end
    w.sidebar.thoughts_filter.setChecked(True)
    w.sidebar.search_box.setText("magma")
    qtbot.waitUntil(lambda: "«magma»" in (conversation_items(w.sidebar.list) or [w.sidebar.list.item(0)])[0].text(),
                    timeout=3000)
    w.sidebar._clicked(conversation_items(w.sidebar.list)[0])
    assert w.thought_pane.text.extraSelections() and "magma" in w.thought_pane.text.toPlainText()


@pytest.mark.model
def test_edit_in_place_enter_sends_esc_cancels(qtbot, open_window, data_dir):
    w = open_window(data_dir)
    w.turn_options = TurnOptions(max_tokens=16, sampling=GREEDY, mode=ThinkingMode.OFF)
    w.input.setPlainText("Name a color.")
    first = finished(qtbot, w, w.send)
    question = w.chat_view.widgets[first.ids.user_message_id]
    qtbot.mouseClick(question.edit_button, Qt.MouseButton.LeftButton)
    editor = question.editor
    assert editor is not None and editor.toPlainText() == "Name a color." and not question.body.isVisible()
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert question.editor is None and question.body.isVisible()
    qtbot.mouseClick(question.edit_button, Qt.MouseButton.LeftButton)
    question.editor.setPlainText("Name a fruit.")
    qtbot.keyClick(question.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)  # a new line
    assert question.editor.toPlainText().count("\n") == 1
    question.editor.setPlainText("Name a fruit.")
    second = finished(qtbot, w, lambda: qtbot.keyClick(question.editor, Qt.Key.Key_Return))
    assert second.ids.user_message_id != first.ids.user_message_id
    assert w.chat_view.widgets[second.ids.user_message_id].branch_label.text() == "2 / 2"


def test_copy_says_copied(qtbot, open_window, data_dir):
    cid, [(uid, aid)] = seed(data_dir, "Copy", [("Q", "", "The answer.")])
    w = open_window(data_dir, wait_model=False)
    w.open_conversation(cid)
    bubble = w.chat_view.widgets[aid]
    qtbot.mouseClick(bubble.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == "The answer." and bubble.copy_button.text() == "Copied"
    qtbot.waitUntil(lambda: bubble.copy_button.text() == "Copy", timeout=5000)


def test_budgets_no_thinking_and_empty_answers_are_explained(qtbot, open_window, data_dir):
    cut = GenerationStats(thinking_tokens=512, answer_tokens=9, budget="cut", thought_cut=True, thinking_seconds=4.0)
    extended = GenerationStats(thinking_tokens=800, answer_tokens=9, budget="extended", extensions=3,
                               thinking_seconds=6.0)
    plain = GenerationStats(answer_tokens=5)
    empty = GenerationStats(thinking_tokens=900, budget="cut", thought_cut=True, thinking_seconds=8.0)
    cid, ids = seed(data_dir, "Budgets", [("A", "thought a", "answer a", cut), ("B", "thought b", "answer b", extended),
                                          ("C", "", "answer c", plain), ("D", "a long thought", "", empty),
                                          ("E", "half a thought", "", GenerationStats(stop_reason="stopped"),
                                           MessageStatus.STOPPED)])
    w = open_window(data_dir, wait_model=False)
    w.open_conversation(cid)
    label = {aid: w.chat_view.widgets[aid].thought_button.text() for _, aid in ids}
    assert "512 tokens · cut at 512" in label[ids[0][1]]
    assert "extended ×3" in label[ids[1][1]]
    w.pane.show_message_thought(ids[2][1])
    assert w.thought_pane.header.text() == "No thinking"
    empty_answer = w.chat_view.widgets[ids[3][1]]
    assert not empty_answer.status.isHidden() and empty_answer.status.text().startswith("No answer after the thought")
    stopped = w.chat_view.widgets[ids[4][1]]  # Stop while it thought: said so, not "no answer after the thought"
    assert stopped.status.text().startswith("Stopped while thinking")


def test_the_status_bar_follows_the_chat_shown(qtbot, open_window, data_dir):
    stats = GenerationStats(prompt_tokens=100, thinking_tokens=20, answer_tokens=3, tokens_per_second=42.0, n_ctx=8192)
    cid, _ = seed(data_dir, "Stats", [("Q", "t", "A", stats)])
    w = open_window(data_dir)
    w.open_conversation(cid)
    assert "123 / 8,192" in w.context_label.text() and w.speed_label.text() == "42 tokens/s"
    w.new_chat()
    assert w.context_label.text() == "Context in use: 8,192 tokens" and w.speed_label.text() == ""


def test_budget_boxes_step_sensibly_and_show_the_real_cap(qtbot, open_window, data_dir):
    w = open_window(data_dir)  # the bundled model does not think by itself: prompted thinking, capped
    box, longer = w.composer.max_thinking, w.composer.min_thinking
    assert box.value() == 0 and box.specialValueText() == "auto (512)"
    seen = []
    for _ in range(4):
        box.stepBy(1)
        seen.append(box.value())
    assert seen == [256, 512, 1024, 2048]
    box.stepBy(-4)
    assert box.value() == 0
    box.lineEdit().setText("300")  # any number can be typed
    box.interpretText()
    assert box.value() == 300
    box.setValue(0)
    longer.setValue(800)
    assert box.specialValueText() == "auto (800)"  # never cut below Think longer


def test_export_follows_the_format_and_remembers(qtbot, open_window, data_dir, tmp_path, monkeypatch):
    cid, _ = seed(data_dir, "Export me", [("Q", "t", "**A**")])
    w = open_window(data_dir, wait_model=False)
    w.open_conversation(cid)
    asked = []

    def save_dialog(parent, title, default, kind):
        asked.append((default, kind))
        return str(tmp_path / "out" / "mine.html"), kind  # the user typed .html…

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_dialog)
    (tmp_path / "out").mkdir()

    def choose(fmt_value):
        def step():
            d = QApplication.activeModalWidget()
            if d is None:
                QTimer.singleShot(20, step)
                return
            box = d.findChild(QComboBox, "exportFormat")
            asked.append(box.currentData())
            box.setCurrentIndex(box.findData(fmt_value))
            d.accept()
        QTimer.singleShot(0, step)

    choose("md")  # …for a Markdown export
    written = w.files.export_conversations()
    assert written == [tmp_path / "out" / "mine.md"] and written[0].read_text().count("**A**") == 1
    docs = Path(os.environ["HOME"])
    assert str(asked[1][0]).endswith("Export me.md") and "(*.md)" in asked[1][1]
    assert Path(asked[1][0]).parent in (docs / "Documents", docs)  # Documents at first, not the cwd
    assert stat.S_IMODE(written[0].stat().st_mode) == 0o666 & ~_umask()  # the user's normal permissions
    choose("pdf")
    w.files.export_conversations()
    assert asked[2] == "md" and Path(asked[3][0]).parent == tmp_path / "out"  # format and folder remembered


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_narrow_and_wide_windows(qtbot, open_window, data_dir):
    cid, _ = seed(data_dir, "Sizes", [("Q", "t", "word " * 400)])
    w = open_window(data_dir, wait_model=False)
    w.open_conversation(cid)
    w.resize(1200, 760)
    assert w.thought_pane.isVisible()
    w.resize(640, 600)
    QApplication.processEvents()
    w.resize(640, 600)
    assert w.width() <= 640 and not w.thought_pane.isVisible()  # the pane folds away
    assert w.minimumSizeHint().width() <= 640
    w.resize(1920, 1000)
    QApplication.processEvents()
    assert w.thought_pane.isVisible()  # folded, not closed: back when there is room
    bubble = next(iter(w.chat_view.widgets.values()))
    qtbot.waitUntil(lambda: bubble.width() > 0)
    assert bubble.width() <= 840  # a readable line, not the whole screen
    assert w.thought_pane.width() < w.chat_view.width()


def test_an_empty_answer_is_explained_in_exports_too(data_dir, tmp_path):
    from reasoner_desktop.export.options import ExportFormat, ThinkingExport
    from reasoner_desktop.services.exporting import export_conversations

    cid, _ = seed(data_dir, "Empty", [("Q", "a thought that used everything", "")])
    repo = open_history(data_dir / "history.db")
    for fmt in (ExportFormat.MARKDOWN, ExportFormat.TEXT, ExportFormat.HTML):
        (out,) = export_conversations(repo, [cid], fmt, ThinkingExport.OMIT, tmp_path / f"e.{fmt.value}")
        assert "No answer after the thought" in out.read_text(encoding="utf-8"), fmt


def test_a_paragraph_that_never_ends_streams_in_short_blocks(qtbot):
    """Qt lays out a whole paragraph on each change: a streaming paragraph continues in new blocks
    (at sentence ends) so each update costs what is new; the final render is one paragraph again."""
    from reasoner_desktop.domain.messages import Role
    from reasoner_desktop.ui.markdown_view import TAIL_BLOCK_CHARS
    from reasoner_desktop.ui.message_widget import MessageView, MessageWidget

    view = MessageView(1, Role.ASSISTANT, status=MessageStatus.STREAMING)
    w = MessageWidget(view)
    qtbot.addWidget(w)
    sentence = "The river flows through the valley and past the old town. "
    for _ in range(120):
        view.content += sentence
        w.refresh(streaming_seconds=None)
    doc = w.body.document()
    sizes = [doc.findBlockByNumber(i).length() for i in range(doc.blockCount())]
    assert doc.blockCount() > 10 and max(sizes) <= TAIL_BLOCK_CHARS + len(sentence) + 1
    assert " ".join(w.body.toPlainText().split()) == view.content.strip()  # nothing lost or doubled
    view.status = MessageStatus.COMPLETE
    w.refresh()
    assert w.body.document().blockCount() <= 2  # rendered whole: one paragraph
