"""Steering a thought in the real window (offscreen) on the bundled model and a real history file:
Answer now (Ctrl+Enter and the buttons), Think longer on a finished answer, thoughts kept in or dropped
from the context, the budget telemetry, and liked answers as worked examples."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QSpinBox, QToolButton

from reasoner_desktop.domain.messages import ThinkingMode
from reasoner_desktop.inference.engine import Sampling
from reasoner_desktop.services.chat import TurnOptions
from tests.conftest import child

pytestmark = pytest.mark.model
TURN_TIMEOUT = 120_000
SEEDED = Sampling(temperature=0.7, top_p=0.9, top_k=40, seed=7)
BUDGET_SENTENCE = "Time is up; answering now."


def ask(qtbot, w, text: str, **keys):
    w.last_result = None
    w.input.setPlainText(text)
    qtbot.keyClick(w.input, Qt.Key.Key_Return)
    return finish(qtbot, w)


def finish(qtbot, w):
    qtbot.waitUntil(lambda: w.last_result is not None and w.streaming_id is None, timeout=TURN_TIMEOUT)
    assert w.last_result.error is None, w.last_result.error
    return w.last_result


def test_answer_now_closes_the_thought_within_two_tokens(qtbot, open_window, data_dir, engine):
    w = open_window(data_dir)
    # (it may not end its thought by itself before 300 tokens, however late the press comes on a busy machine)
    w.turn_options = TurnOptions(mode=ThinkingMode.PROMPTED, max_tokens=480, max_thinking_tokens=400,
                                 min_thinking_tokens=300, budget_message=BUDGET_SENTENCE, sampling=SEEDED)
    button = w.composer.answer_now_button
    pane_button = w.thought_pane.answer_now_button
    assert pane_button.objectName() == button.objectName() == "answerNowButton"
    bar = child(w, QProgressBar, "thoughtBudgetBar")
    assert not button.isEnabled() and not w.actions.answer_now.isEnabled()
    w.last_result = None
    w.input.setPlainText("Explain step by step why 17 is a prime number.")
    qtbot.keyClick(w.input, Qt.Key.Key_Return)
    # While it thinks: Answer now is offered in the composer, the menu and the pane, with the budget bar.
    qtbot.waitUntil(lambda: button.isEnabled() and w.stream.live is not None and w.stream.live.tokens >= 10,
                    timeout=TURN_TIMEOUT)
    assert w.actions.answer_now.isEnabled() and pane_button.isVisible() and pane_button.isEnabled()
    qtbot.waitUntil(lambda: bar.isVisible() and bar.maximum() == 400 and bar.value() >= 10, timeout=5000)
    assert "/ 400 tokens" in child(w, QLabel, "thoughtHeader").text()
    worker = w.worker_host.worker
    qtbot.keyClick(w.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # Ctrl+Enter
    result = finish(qtbot, w)
    assert worker.thought_chars_at_answer_now is not None
    # What the model thought after the press, besides the budget sentence we wrote for it: at most 2 tokens.
    after = result.thinking[worker.thought_chars_at_answer_now:].replace(BUDGET_SENTENCE, "").strip()
    assert len(engine.tokenize(after)) <= 2, after
    assert result.stats.budget == "answered_now" and result.answer.strip()
    assert w.repo.get_message(result.message_id).budget == "answered_now"
    assert not button.isEnabled() and not pane_button.isVisible() and not bar.isVisible()
    # The telemetry under the answer and in the pane says what happened.
    bubble = w.chat_view.widgets[result.message_id]
    assert "answered now" in bubble.thought_button.text() and "/ 400 tokens" in bubble.thought_button.text()
    w.pane.show_message_thought(result.message_id)
    header = child(w, QLabel, "thoughtHeader").text()
    assert "answered now" in header and "answer " in header and "/ 400 tokens" in header


def test_think_longer_adds_a_sibling_that_goes_on_from_the_thought(qtbot, open_window, data_dir):
    w = open_window(data_dir)
    w.turn_options = TurnOptions(mode=ThinkingMode.PROMPTED, max_tokens=300, max_thinking_tokens=48,
                                 sampling=SEEDED)
    first = ask(qtbot, w, "Tom has 3 apples and buys 5 more. How many apples does he have?")
    bubble = w.chat_view.widgets[first.message_id]
    think = child(bubble, QToolButton, "thinkLongerButton")
    assert think.isVisible() and think.isEnabled()
    child(bubble, QSpinBox, "thinkLongerSpin").setValue(64)
    w.last_result = None
    qtbot.mouseClick(think, Qt.MouseButton.LeftButton)
    second = finish(qtbot, w)
    assert second.message_id != first.message_id
    old = w.repo.get_message(first.message_id)
    new = w.repo.get_message(second.message_id)
    assert new.parent_id == old.parent_id  # a sibling: the old answer stays as a branch
    assert old.thinking == first.thinking  # untouched
    assert new.thinking.startswith(first.thinking.rstrip() + "\nWait") and len(new.thinking) > len(first.thinking) + 6
    assert second.stats.thinking_tokens - second.stats.continued_tokens >= 64
    assert second.stats.continued_from == first.message_id
    assert second.stats.prompt_tokens_evaluated <= 8  # the old thought was still in the KV cache
    shown = w.chat_view.widgets[second.message_id]
    assert shown.branch_label.text() == "2 / 2" and "continued +" in shown.thought_button.text()


def test_keeping_a_thought_changes_the_next_prompt(qtbot, open_window, data_dir, engine):
    w = open_window(data_dir)
    w.turn_options = TurnOptions(mode=ThinkingMode.PROMPTED, max_tokens=60, max_thinking_tokens=40, sampling=SEEDED)
    first = ask(qtbot, w, "Name a large river in Europe.")
    assert first.thinking
    context = child(w, QLabel, "contextStatus")
    # Keep the first thought: the status bar's figure is measured again at once, and it grows by the thought.
    measured = []
    w.worker_host.worker.contextMeasured.connect(lambda cid, tokens, n_ctx: measured.append(tokens))
    bubble = w.chat_view.widgets[first.message_id]
    w.steering.measure_context()  # (after the turn the window measured too: every figure so far is the same)
    qtbot.waitUntil(lambda: len(measured) >= 1, timeout=30_000)  # (the signal is the worker thread's)
    dropped = measured[-1]
    child(bubble, type(bubble.keep_thought_action), "keepThoughtAction").trigger()
    qtbot.waitUntil(lambda: measured[-1] != dropped, timeout=30_000)
    kept = measured[-1]
    assert w.repo.get_message(first.message_id).keep_thinking
    assert kept - dropped >= len(engine.tokenize(first.thinking)) - 4
    qtbot.waitUntil(lambda: f"{kept:,} /" in context.text(), timeout=5000)

    second = ask(qtbot, w, "And a large river in Asia?")
    # Drop it again and answer the same question afresh: the engine's prompt is shorter by the thought.
    bubble.keep_thought_action.trigger()
    assert not w.repo.get_message(first.message_id).keep_thinking
    w.last_result = None
    w.regenerate(second.message_id)
    third = finish(qtbot, w)
    assert second.stats.prompt_tokens - third.stats.prompt_tokens >= len(engine.tokenize(first.thinking)) - 4

    # For the whole conversation: every thought, and those of answers to come.
    w.actions.keep_thoughts.trigger()
    assert all(m.keep_thinking for m in w.repo.get_conversation(first.conversation_id).messages
               if m.role.value == "assistant" and m.thinking)
    assert w.chat_view.widgets[first.message_id].keep_thought_action.isChecked()  # (rebuilt by the new branch)
    fourth = ask(qtbot, w, "Which one is longer?")
    assert w.repo.get_message(fourth.message_id).keep_thinking
    w.actions.drop_thoughts.trigger()
    assert not any(m.keep_thinking for m in w.repo.get_conversation(first.conversation_id).messages)


def test_liked_answers_teach_the_next_question(qtbot, open_window, data_dir):
    w = open_window(data_dir)
    w.turn_options = TurnOptions(mode=ThinkingMode.PROMPTED, max_tokens=80, max_thinking_tokens=48, sampling=SEEDED)
    liked = ask(qtbot, w, "Tom has 3 apples and buys 5 more. How many apples does he have?")
    qtbot.mouseClick(child(w.chat_view.widgets[liked.message_id], QToolButton, "rateUp"), Qt.MouseButton.LeftButton)
    assert w.repo.get_message(liked.message_id).rating == 1
    combo = w.composer.examples
    combo.setCurrentIndex(combo.findData("liked"))
    assert w.current_options().liked_examples == 3
    w.new_chat()
    result = ask(qtbot, w, "Ann has 4 apples and buys 2 more. How many apples does she have?")
    assert result.stats.examples_used == [liked.message_id]
    assert w.repo.get_message(result.message_id).stats["examples_used"] == [liked.message_id]
    # The pane lists the example; its link opens the liked answer's conversation.
    w.pane.show_message_thought(result.message_id)
    label = child(w, QLabel, "examplesUsedLabel")
    assert label.isVisible() and "Tom has 3 apples" in label.text()
    label.linkActivated.emit(f"example:{liked.message_id}")
    assert w.conversation_id == liked.conversation_id and liked.message_id in w.chat_view.views


def test_the_example_library_and_an_examples_file(qtbot, open_window, data_dir, tmp_path):
    """Add an answer to the library from its menu, edit and delete it in the dialog (Settings → Example
    library); the library's and a file's examples go into the request; a bad file is one sentence and
    the question stays in the box."""
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QPlainTextEdit

    w = open_window(data_dir)
    w.turn_options = TurnOptions(mode=ThinkingMode.PROMPTED, max_tokens=60, max_thinking_tokens=32, sampling=SEEDED)
    result = ask(qtbot, w, "What is 6 times 7?")
    child(w.chat_view.widgets[result.message_id], QAction, "addExampleAction").trigger()
    (ex,) = w.repo.list_examples()
    assert (ex.question, ex.thought, ex.answer) == ("What is 6 times 7?", result.thinking.strip(), result.answer.strip())
    assert ex.source_message_id == result.message_id

    settings = w.open_settings()
    qtbot.mouseClick(child(settings, QPushButton, "exampleLibraryButton"), Qt.MouseButton.LeftButton)
    dialog = child(w, type(w.steering.open_example_library()), "exampleLibraryDialog")
    dialog.list.setCurrentRow(0)
    thought = child(dialog, QPlainTextEdit, "exampleThought")
    assert thought.toPlainText() == ex.thought
    thought.setPlainText("Six sevens: 7 + 7 + 7 + 7 + 7 + 7 = 42.")
    qtbot.mouseClick(child(dialog, QPushButton, "newExampleButton"), Qt.MouseButton.LeftButton)  # saved, not lost
    assert w.repo.list_examples()[0].thought == "Six sevens: 7 + 7 + 7 + 7 + 7 + 7 = 42."
    assert thought.toPlainText() == "" and dialog.current is None
    child(dialog, QPlainTextEdit, "exampleThought").setPlainText("no question, no answer")
    qtbot.mouseClick(child(dialog, QPushButton, "saveExampleButton"), Qt.MouseButton.LeftButton)
    error = child(dialog, QLabel, "exampleError")
    assert error.isVisible() and error.text() and len(w.repo.list_examples()) == 1
    dialog.list.setCurrentRow(0)  # what cannot be saved is not dropped either: the dialog stays on it
    assert dialog.current is None and thought.toPlainText() == "no question, no answer"
    thought.setPlainText("")

    combo = w.composer.examples
    combo.setCurrentIndex(combo.findData("library"))
    options = w.steering.options_for_request()
    assert [e.thought for e in options.examples] == ["Six sevens: 7 + 7 + 7 + 7 + 7 + 7 = 42."]
    dialog.list.setCurrentRow(0)
    qtbot.mouseClick(child(dialog, QPushButton, "deleteExampleButton"), Qt.MouseButton.LeftButton)
    assert w.repo.list_examples() == [] and dialog.list.count() == 0
    assert w.steering.options_for_request().examples == ()

    good = tmp_path / "examples.json"
    good.write_text('[{"question": "2+2?", "thought": "Two and two.", "answer": "4"}]', encoding="utf-8")
    w.composer.set_examples_file(str(good))
    assert combo.currentData() == "file" and "examples.json" in combo.currentText()
    assert [e.answer for e in w.steering.options_for_request().examples] == ["4"]
    good.write_text('{"not": "a list"}', encoding="utf-8")
    w.input.setPlainText("And 3+3?")
    w.send()
    assert w.error_dialog is not None and "must be a JSON list" in w.error_dialog.text()
    assert w.input.toPlainText() == "And 3+3?" and w.streaming_id is None
