"""The desktop experience in the real window (offscreen) on the real model and a real SQLite file:
branches, regenerate, sidebar (rename, pin, delete with undo, search in answers and thoughts),
thinking controls, Markdown, untrusted output, settings and languages."""

import pytest
from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox, QLabel, QLineEdit, QListWidget, QMessageBox

from reasoner_desktop.domain.messages import MessageStatus, Role, ThinkingMode
from reasoner_desktop.inference.engine import Sampling
from reasoner_desktop.services.chat import TurnOptions
from reasoner_desktop.storage.repository import open_history
from tests.conftest import child, conversation_items

pytestmark = pytest.mark.model
TURN_TIMEOUT = 60_000
GREEDY = Sampling(temperature=0.0, top_k=1)


def turn(qtbot, w, action) -> dict:
    w.last_result = None
    action()
    qtbot.waitUntil(lambda: w.last_result is not None and w.streaming_id is None, timeout=TURN_TIMEOUT)
    return w.last_result


def ask(qtbot, w, text):
    def go():
        w.input.setPlainText(text)
        qtbot.keyClick(w.input, Qt.Key.Key_Return)

    return turn(qtbot, w, go)


def seed(data_dir, title, pairs):
    """A conversation written straight into the app's SQLite file (as an earlier session would)."""
    repo = open_history(data_dir / "history.db")
    cid = repo.create_conversation(title)
    for question, thinking, answer in pairs:
        uid = repo.add_user_message(cid, question)
        aid = repo.start_assistant_message(cid, uid, "seeded")
        repo.finish_message(aid, answer, thinking, MessageStatus.COMPLETE)
    repo.engine.dispose()
    return cid


def test_edit_and_resend_makes_a_branch_and_switching_back_restores_it(qtbot, open_window, data_dir):
    w = open_window(data_dir)
    w.turn_options = TurnOptions(max_tokens=48, sampling=GREEDY, mode=ThinkingMode.OFF)
    first = ask(qtbot, w, "Name a color.")
    user_id = first.ids.user_message_id
    second = turn(qtbot, w, lambda: w.edit_message(user_id, "Name a fruit."))
    assert second.ids.user_message_id != user_id and second.conversation_id == first.conversation_id
    edited = w.chat_view.widgets[second.ids.user_message_id]
    assert edited.view.content == "Name a fruit." and edited.branch_label.text() == "2 / 2"
    assert edited.prev_button.isVisible() and edited.prev_button.isEnabled()
    qtbot.mouseClick(edited.prev_button, Qt.MouseButton.LeftButton)  # back to the first version
    original = w.chat_view.widgets[user_id]
    assert original.view.content == "Name a color." and original.branch_label.text() == "1 / 2"
    assert first.message_id in w.chat_view.widgets and second.message_id not in w.chat_view.widgets
    # The choice is stored: a restart shows the same branch.
    w.close()
    w2 = open_window(data_dir)
    w2.open_conversation(first.conversation_id)
    assert user_id in w2.chat_view.widgets


def test_regenerate_keeps_both_answers_and_rating_is_saved(qtbot, open_window, data_dir):
    w = open_window(data_dir)
    w.turn_options = TurnOptions(max_tokens=40, mode=ThinkingMode.OFF, sampling=Sampling(temperature=1.2, seed=1))
    first = ask(qtbot, w, "Say something.")
    bubble = w.chat_view.widgets[first.message_id]
    assert bubble.regen_button.isVisible() and not bubble.edit_button.isVisible()
    qtbot.mouseClick(bubble.up_button, Qt.MouseButton.LeftButton)
    assert w.repo.get_message(first.message_id).rating == 1
    w.turn_options = TurnOptions(max_tokens=40, mode=ThinkingMode.OFF, sampling=Sampling(temperature=1.2, seed=2))
    second = turn(qtbot, w, lambda: qtbot.mouseClick(bubble.regen_button, Qt.MouseButton.LeftButton))
    assert second.message_id != first.message_id and second.ids.user_message_id == first.ids.user_message_id
    new = w.chat_view.widgets[second.message_id]
    assert new.branch_label.text() == "2 / 2" and not new.up_button.isChecked()
    qtbot.mouseClick(new.prev_button, Qt.MouseButton.LeftButton)
    assert w.chat_view.widgets[first.message_id].up_button.isChecked()


def test_older_message_thought_opens_in_the_pane(qtbot, open_window, data_dir):
    cid = seed(data_dir, "Two thoughts", [("Q1", "first thought about Q1", "A1"), ("Q2", "second thought", "A2")])
    w = open_window(data_dir)
    w.open_conversation(cid)
    assert w.thought_pane.text.toPlainText().strip() == "second thought"  # the latest, on opening
    w.actions.show_thoughts.setChecked(False)
    older = next(x for x in w.chat_view.widgets.values() if x.view.thinking == "first thought about Q1")
    qtbot.mouseClick(older.thought_button, Qt.MouseButton.LeftButton)
    assert w.thought_pane.text.toPlainText().strip() == "first thought about Q1"
    assert w.thought_pane.isVisible() and w.actions.show_thoughts.isChecked()  # clicking reveals the pane


def test_sidebar_rename_pin_delete_with_undo_and_search(qtbot, open_window, data_dir):
    volcano = seed(data_dir, "Geology", [("Tell me about volcanoes", "magma chambers hold pressure", "They erupt.")])
    other = seed(data_dir, "Cooking", [("How to boil an egg", "water first", "Boil it for nine minutes.")])
    w = open_window(data_dir)
    side = w.sidebar
    rows = [i.text() for i in conversation_items(side.list)]
    assert rows == ["Cooking", "Geology"]  # newest first, under a "Today" heading
    assert side.list.item(0).text() == "Today" and not side.list.item(0).flags() & Qt.ItemFlag.ItemIsSelectable

    side.rename(volcano, "Volcanoes")
    side.set_pinned(volcano, True)
    assert side.list.item(0).text() == "Pinned" and conversation_items(side.list)[0].text() == "★ Volcanoes"

    w.open_conversation(other)
    side.delete(other)
    assert [i.text() for i in conversation_items(side.list)] == ["★ Volcanoes"] and w.conversation_id == 0
    assert w.undo_button.isVisible()
    qtbot.mouseClick(w.undo_button, Qt.MouseButton.LeftButton)
    assert len(conversation_items(side.list)) == 2 and w.conversation_id == other
    side.delete(other)
    w.close()  # leaving flushes the pending delete
    repo = open_history(data_dir / "history.db")
    assert [c.title for c in repo.list_conversations()] == ["Volcanoes"]

    w2 = open_window(data_dir)
    box = child(w2, QLineEdit, "searchBox")
    thoughts = child(w2, QCheckBox, "searchThoughts")
    assert w2.actions.search.shortcut().toString() == "Ctrl+F"
    w2.actions.search.trigger()
    qtbot.keyClicks(box, "magma")
    qtbot.waitUntil(lambda: w2.sidebar.list.item(0).text() == "No matches", timeout=3000)  # answers only
    thoughts.setChecked(True)
    hits = conversation_items(w2.sidebar.list)
    assert len(hits) == 1 and "«magma»" in hits[0].text() and "thought" in hits[0].text()
    qtbot.mouseClick(w2.sidebar.list.viewport(), Qt.MouseButton.LeftButton,
                     pos=w2.sidebar.list.visualItemRect(hits[0]).center())
    assert w2.conversation_id == volcano
    assert w2.thought_pane.text.toPlainText().strip() == "magma chambers hold pressure"  # the thought that matched


UNTRUSTED = ('Here is a picture: <img src="http://127.0.0.1:9/track.png"> and '
             '<script>alert("hi")</script> and ![x](http://127.0.0.1:9/y.png) and a '
             '[link](https://example.com/page).\n\n```python\nprint("hello")\n```\n\n'
             'Math: $\\frac{1}{2} + x^2$ and $$\\sqrt{2} \\leq \\pi$$')


def test_untrusted_output_is_inert_text_and_links_ask_first(qtbot, open_window, data_dir, monkeypatch):
    cid = seed(data_dir, "Untrusted", [("Show me", "<script>x()</script> thinking", UNTRUSTED)])
    w = open_window(data_dir)
    w.open_conversation(cid)
    bubble = next(x for x in w.chat_view.widgets.values() if x.view.content == UNTRUSTED)
    text = bubble.body.toPlainText()
    assert '<img src="http://127.0.0.1:9/track.png">' in text and '<script>alert("hi")</script>' in text
    assert "[image not loaded: x" in text
    assert bubble.body.requested == []  # nothing was fetched, remote or local
    html = bubble.body.toHtml()
    assert "<img" not in html and "<script" not in html
    assert "1⁄2 + x²" in text and "√2 ≤ π" in text  # math, legibly
    assert bubble.code_blocks == ['print("hello")']
    assert w.thought_pane.text.toPlainText().strip() == "<script>x()</script> thinking"  # shown as text, inert
    assert "<script" not in w.thought_pane.text.toHtml()

    # The code block's Copy link copies the code; a web link asks before opening.
    bubble.body.anchorClicked.emit(QUrl("copy:0"))
    assert QGuiApplication.clipboard().text() == 'print("hello")'
    opened = []
    monkeypatch.setattr("PySide6.QtGui.QDesktopServices.openUrl", lambda url: opened.append(url) or True)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    bubble.body.anchorClicked.emit(QUrl("https://example.com/page"))
    assert opened == []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    bubble.body.anchorClicked.emit(QUrl("https://example.com/page"))
    assert [u.toString() for u in opened] == ["https://example.com/page"]
    assert w.open_link(QUrl("file:///etc/passwd")) is False  # only web and mail links


def test_thinking_controls_reach_the_engine_and_status_bar_shows_context(qtbot, open_window, data_dir):
    w = open_window(data_dir)
    mode = child(w, QComboBox, "thinkingMode")
    native = mode.model().item(mode.findData(ThinkingMode.AUTO))
    assert not native.isEnabled() and "does not think by itself" in native.toolTip()  # SmolLM2 is not a reasoner
    w.turn_options = TurnOptions(max_tokens=200, sampling=GREEDY)
    mode.setCurrentIndex(mode.findData(ThinkingMode.OFF))
    assert not w.composer.max_thinking.isEnabled()
    off = ask(qtbot, w, "What is 2 + 2?")
    assert off.thinking == "" and off.answer
    mode.setCurrentIndex(mode.findData(ThinkingMode.PROMPTED))
    w.composer.max_thinking.setValue(100)
    capped = ask(qtbot, w, "Explain why the sky is blue.")
    assert capped.thinking and capped.stats.thinking_tokens <= 100
    assert capped.stats.thought_cut or capped.stats.thinking_tokens < 100
    # The automatic context: the bundled model's whole trained length fits in memory.
    assert w.model_caps["n_ctx"] == 8192
    assert w.context_label.text().startswith("Context: ") and "/ 8,192" in w.context_label.text()
    assert w.speed_label.text().endswith("tokens/s")
    w.close()
    w2 = open_window(data_dir)  # the thinking controls are remembered
    assert child(w2, QComboBox, "thinkingMode").currentData() == "prompted" and w2.composer.max_thinking.value() == 100


def test_streaming_answer_reaches_the_view_and_ends_rendered(qtbot, open_window, data_dir):
    w = open_window(data_dir)
    w.turn_options = TurnOptions(max_tokens=160, sampling=GREEDY, mode=ThinkingMode.OFF)
    seen = []
    timer = QTimer()
    timer.timeout.connect(lambda: w.streaming_id in w.chat_view.widgets and seen.append(
        w.chat_view.widgets[w.streaming_id].view.content))
    timer.start(20)
    result = ask(qtbot, w, "Write a short Markdown list of three fruits.")
    timer.stop()
    grown = [s for s in seen if s]
    assert len(grown) >= 2 and all(a == b[: len(a)] for a, b in zip(grown, grown[1:]))  # text only grows
    bubble = w.chat_view.widgets[result.message_id]
    assert bubble.view.content == result.answer and bubble._rendered_as is not None  # final Markdown render


def test_markdown_renders_block_by_block_while_streaming(qtbot):
    from reasoner_desktop.ui.message_widget import MessageView, MessageWidget

    text = "# Plan\n\nFirst:\n\n```python\nx = 1\n\ny = 2\n```\n\nThen **done** and more"
    view = MessageView(1, Role.ASSISTANT, status=MessageStatus.STREAMING)
    w = MessageWidget(view)
    qtbot.addWidget(w)
    w.show()
    fence_open = text.index("y = 2")
    for i in range(1, len(text) + 1):
        view.content = text[:i]
        w.refresh(streaming_seconds=1)
        shown = w.body.toPlainText()
        if i == fence_open:  # inside an open fence: nothing of it rendered yet, shown as typed
            assert "```python" in shown and w.code_blocks == [] and shown.startswith("Plan")
    shown = w.body.toPlainText()
    assert w.code_blocks == ["x = 1\n\ny = 2"] and "Copy" in shown and "```" not in shown  # rendered mid-stream
    assert shown.endswith("Then **done** and more")  # the last block: still plain while it is written
    view.status = MessageStatus.COMPLETE
    w.refresh()
    assert w.body.toPlainText().rstrip().endswith("Then done and more") and w.code_blocks == ["x = 1\n\ny = 2"]


def test_settings_dialog_persists_and_theme_applies(qtbot, open_window, data_dir):
    w = open_window(data_dir)
    d = w.open_settings()
    child(d, QComboBox, "themeBox").setCurrentIndex(child(d, QComboBox, "themeBox").findData("dark"))
    child(d, QComboBox, "languageBox").setCurrentIndex(child(d, QComboBox, "languageBox").findData("zh_CN"))
    d.presets.append(("Pirate", "Talk like a pirate."))
    d.preset_box.addItem("Pirate", "Pirate")
    d.preset_box.setCurrentIndex(d.preset_box.count() - 1)
    d.seed.setValue(1234)
    d.save()
    assert QApplication.palette().color(QApplication.palette().ColorRole.Window).lightness() < 128  # dark now
    assert "next start" in w.statusBar().currentMessage() and w.restart_button.isVisible()
    opts = w.current_options()
    assert opts.system_prompt == "Talk like a pirate." and opts.seed == 1234
    w.close()
    w2 = open_window(data_dir)  # the next start: Chinese, dark, same preset
    assert w2.app_settings.preset == "Pirate" and w2.app_settings.seed == 1234 and not w2.restart_button.isVisible()
    assert child(w2, QLineEdit, "searchBox").placeholderText() == "搜索对话 (Ctrl+F)"
    assert w2.composer.send_button.text() == "发送"
    assert w2.thought_pane.title.text() == "思维链"
    assert [a.text() for a in w2.menuBar().actions()] == ["文件(&F)", "视图(&V)", "对话(&C)", "帮助(&H)"]
    assert w2.actions.new_chat.text() == "新建对话(&N)" and w2.model_label.text().startswith("模型")
    from reasoner_desktop.ui.i18n import install_language
    from reasoner_desktop.ui.theme import apply_theme

    install_language(QApplication.instance(), "en")  # leave the session as the other tests expect
    apply_theme(QApplication.instance(), "light")


def test_shortcuts_are_listed_in_help(qtbot, open_window, data_dir):
    w = open_window(data_dir)
    box = w.actions.shortcuts.trigger() or w.findChild(QMessageBox, "shortcutsDialog")
    text = box.text()
    for keys in ("Ctrl+N", "Ctrl+F", "Ctrl+.", "Ctrl+Shift+T", "Ctrl+L", "Ctrl+M"):
        assert keys in text, keys
    box.close()


def test_first_run_welcome_is_part_of_the_empty_chat(qtbot, open_window, data_dir):
    w = open_window(data_dir)
    welcome = w.chat_view.welcome
    assert welcome is not None and welcome.isVisible() and w.chat_view.isAncestorOf(welcome)
    assert w.focusWidget() is w.input  # typing goes to the box (the window's focus, active or not)
    for width in (1320, 640, 480):  # every wrapped line of the welcome is shown, at any window width
        w.resize(width, 800)
        QApplication.processEvents()  # the resize and the layout requests it posts
        for label in welcome.findChildren(QLabel):
            assert label.height() >= label.heightForWidth(label.width()), (width, label.text()[:30])
    qtbot.mouseClick(welcome.findChild(type(w.composer.send_button), "welcomeDownload"), Qt.MouseButton.LeftButton)
    assert w.models.dialog.isVisible() and w.models.dialog.tabs.currentIndex() == 1
    w.models.dialog.close()
    w.turn_options = TurnOptions(max_tokens=8, sampling=GREEDY, mode=ThinkingMode.OFF)
    ask(qtbot, w, "Hello")  # the first message: the welcome goes, for good
    assert w.chat_view.welcome is None
    w.close()
    w2 = open_window(data_dir)
    assert w2.chat_view.welcome is None


def test_a_long_conversation_opens_at_its_end_and_pages_back(qtbot, open_window, data_dir):
    from PySide6.QtWidgets import QPushButton

    from reasoner_desktop.ui.chat_view import PAGE

    pairs = [(f"question {i}", f"thought {i}", f"answer {i}") for i in range(60)]  # 120 messages
    cid = seed(data_dir, "Long", pairs)
    w = open_window(data_dir)
    w.open_conversation(cid)
    assert len(w.views) == 120 and len(w.chat_view.widgets) == PAGE
    assert w.chat_view.widgets[max(w.views)].view.content == "answer 59"
    more = child(w, QPushButton, "earlierMessagesButton")
    assert more.isVisible() and more.text() == f"Show {120 - PAGE} earlier messages"  # plural through Qt
    qtbot.mouseClick(more, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(more, Qt.MouseButton.LeftButton)
    assert len(w.chat_view.widgets) == 120 and not more.isVisible()
    layout = w.chat_view._layout
    order = [layout.itemAt(i).widget().view.content for i in range(layout.count())
             if layout.itemAt(i).widget() is not None and hasattr(layout.itemAt(i).widget(), "view")]
    assert order == [t for q, _, a in pairs for t in (q, a)]  # oldest first, nothing twice

    # A search hit far back opens there: paged in and scrolled into view.
    w.new_chat()
    qtbot.keyClicks(child(w, QLineEdit, "searchBox"), "answer 7")  # the last word is a prefix: 7 only
    qtbot.waitUntil(lambda: w.sidebar.list.item(0).text() == "1 match", timeout=3000)
    (hit,) = conversation_items(w.sidebar.list)
    qtbot.mouseClick(w.sidebar.list.viewport(), Qt.MouseButton.LeftButton,
                     pos=w.sidebar.list.visualItemRect(hit).center())
    assert w.conversation_id == cid
    target = next(x for x in w.chat_view.widgets.values() if x.view.content == "answer 7")
    qtbot.waitUntil(lambda: not target.visibleRegion().isEmpty(), timeout=3000)
    assert len(w.chat_view.widgets) > PAGE  # earlier pages were built to reach it
