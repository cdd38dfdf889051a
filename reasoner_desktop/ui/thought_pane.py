"""The Chain of thought pane: one answer's thought as light Markdown, live while it streams."""

from __future__ import annotations

import html

from PySide6.QtCore import QCoreApplication, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTabBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from reasoner_desktop.ui.markdown_view import MarkdownRenderer, SafeBrowser, app_is_dark




def token_count(tokens: int | None, budget: int | None = None) -> str:
    """"79 tokens", or against the thought's cap: "612 / 1,024 tokens"."""
    if budget:
        return QCoreApplication.translate("ThoughtPane", "%1 / %2 tokens").replace("%1", f"{tokens or 0:,}").replace("%2", f"{budget:,}")
    return QCoreApplication.translate("ThoughtPane", "%1 tokens").replace("%1", f"{tokens:,}") if tokens else ""


def thought_label(seconds: float | None, tokens: int | None = None, *, streaming: bool = False,
                  thinking: bool = True, budget: int | None = None) -> str:
    """"Thinking… 3 s · 210 / 512 tokens" while it streams, "Thought for 5.2 s · 79 tokens" after (with
    the thought's cap when it had one), "No thinking" when the answer came without a thought."""
    if not thinking and not streaming:
        return QCoreApplication.translate("ThoughtPane", "No thinking")
    seconds = max(0.0, seconds or 0.0)
    secs = f"{seconds:.1f}" if seconds < 10 and not streaming else str(round(seconds))
    if streaming:
        text = QCoreApplication.translate("ThoughtPane", "Thinking… %1 s").replace("%1", secs)
    else:
        text = QCoreApplication.translate("ThoughtPane", "Thought for %1 s").replace("%1", secs)
    count = token_count(tokens, budget)
    return f"{text} · {count}" if count and (tokens or not streaming) else text


def stored_label(seconds: float | None, tokens: int | None, budget: str | None, stats: dict | None, *,
                 thinking: bool = True, timing: bool = False) -> str:
    """A finished answer's thought: "Thought for 3.2 s · 612 / 1,024 tokens · cut at 1,024"; with
    `timing` (the pane's header) also how long the answer took after it: "· answer 1.1 s"."""
    stats = stats or {}
    text = thought_label(seconds, tokens, thinking=thinking, budget=stats.get("thinking_budget"))
    if not thinking:
        return text
    parts = [text]
    total, thought = stats.get("total_seconds"), stats.get("thinking_seconds")
    if timing and total and thought is not None and total > thought:
        parts.append(QCoreApplication.translate("ThoughtPane", "answer %1 s").replace("%1", f"{total - thought:.1f}"))
    note = budget_note(budget, stats)
    if note:
        parts.append(note)
    return " · ".join(parts)


def budget_note(budget: str | None, stats: dict | None) -> str:
    """What acted on a thought, as stored on its message: "cut at 1,024" (the thought was closed for
    the model), "extended ×3" (an early end became "Wait" three times), "answered now" (the user's
    Answer now), "continued +512" (Think longer on an earlier answer)."""
    stats = stats or {}
    notes = []
    if stats.get("continued_tokens") and stats.get("thinking_tokens"):
        more = stats["thinking_tokens"] - (stats.get("continued_tokens") or 0)
        notes.append(QCoreApplication.translate("ThoughtPane", "continued +%1").replace("%1", f"{max(0, more):,}"))
        if budget == "extended":  # the "Wait"s of Think longer itself are not news; a cut after them is
            budget = "cut" if stats.get("thought_cut") else None
    acted = _acted(budget, stats)
    return " · ".join(notes + ([acted] if acted else []))


def _acted(budget: str | None, stats: dict) -> str:
    if budget == "answered_now":
        return QCoreApplication.translate("ThoughtPane", "answered now")
    if budget == "extended" and stats.get("extensions"):
        return QCoreApplication.translate("ThoughtPane", "extended ×%1").replace("%1", str(stats["extensions"]))
    if budget == "cut":
        tokens = stats.get("thinking_tokens")
        return QCoreApplication.translate("ThoughtPane", "cut at %1").replace("%1", f"{tokens:,}") if tokens else QCoreApplication.translate("ThoughtPane", "cut")
    return ""


class ThoughtPane(QFrame):
    pathSelected = Signal(int)  # a path's tab was picked: that path's answer (message id)
    answerNowClicked = Signal()
    exampleActivated = Signal(int)  # a worked example's link: the liked answer (message id) to open

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("thoughtPane")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.message_id: int | None = None
        self._text = ""  # the thought shown, as Markdown source
        self._dark = False

        self.title = QLabel(self.tr("Chain of thought"))
        self.title.setObjectName("thoughtPaneTitle")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.close_button = QToolButton()
        self.close_button.setObjectName("thoughtPaneClose")
        self.close_button.setText("×")
        self.close_button.setToolTip(self.tr("Hide the chain of thought"))
        self.close_button.setAutoRaise(True)

        self.header = QLabel("")
        self.header.setObjectName("thoughtHeader")
        self.header.setStyleSheet("color: palette(placeholder-text);")
        self.header.setWordWrap(True)
        self.header.setMinimumWidth(1)

        # While a thought streams: Answer now, and a thin bar of the thought's share of its budget.
        self.answer_now_button = QPushButton(self.tr("Answer now"))
        self.answer_now_button.setObjectName("answerNowButton")  # like the composer's
        self.answer_now_button.setToolTip(self.tr("Stop thinking and answer now (Ctrl+Enter)"))
        self.answer_now_button.clicked.connect(self.answerNowClicked)
        self.answer_now_button.hide()
        self.budget_bar = QProgressBar()
        self.budget_bar.setObjectName("thoughtBudgetBar")
        self.budget_bar.setTextVisible(False)
        self.budget_bar.setFixedHeight(4)
        self.budget_bar.hide()

        # The worked examples (liked answers) the answer was shown, each a link that opens it.
        self.examples = QLabel("")
        self.examples.setObjectName("examplesUsedLabel")
        self.examples.setTextFormat(Qt.TextFormat.RichText)
        self.examples.setWordWrap(True)
        self.examples.setMinimumWidth(1)
        self.examples.linkActivated.connect(self._on_example_link)
        self.examples.hide()

        self.text = SafeBrowser(fit_height=False)
        self.text.setObjectName("thoughtText")
        self.text.setPlaceholderText(self.tr("The model's reasoning appears here while it thinks."))
        self.renderer = MarkdownRenderer(self.text, copy_links=False)

        # A parallel turn's paths, one tab each, labelled with the final answer each settles on.
        self.tabs = QTabBar()
        self.tabs.setObjectName("pathTabs")
        self.tabs.setExpanding(False)
        self.tabs.setUsesScrollButtons(True)
        self.tabs.setDrawBase(False)
        self.tabs.hide()
        self._path_ids: list[int] = []
        self.tabs.tabBarClicked.connect(self._on_tab_clicked)

        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.answer_now_button)
        top.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self.header)
        layout.addWidget(self.budget_bar)
        layout.addWidget(self.examples)
        layout.addWidget(self.tabs)
        layout.addWidget(self.text, 1)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        """It may be squeezed to nothing: a narrow window folds the pane away (MainWindow)."""
        return QSize(0, super().minimumSizeHint().height())

    def show_thought(self, message_id: int | None, text: str, header: str, *, keep_scroll: bool = False) -> None:
        bar = self.text.verticalScrollBar()
        at = bar.value()
        self.message_id = message_id
        self._text = text
        self._dark = app_is_dark()
        self.renderer.show(text, self._dark)
        self.header.setText(header)
        bar.setValue(at if keep_scroll else 0)

    def set_paths(self, message_ids: list[int], labels: list[str], current: int) -> None:
        """Show a tab for each path (labels: "2: 42"); `current` is the one whose thought is shown."""
        if message_ids != self._path_ids:
            while self.tabs.count():
                self.tabs.removeTab(0)
            for label in labels:
                self.tabs.addTab(label)
            self._path_ids = list(message_ids)
        else:
            for i, label in enumerate(labels):
                if self.tabs.tabText(i) != label:
                    self.tabs.setTabText(i, label)
        if current in self._path_ids:
            self.tabs.setCurrentIndex(self._path_ids.index(current))
        for i, mid in enumerate(self._path_ids):
            self.tabs.setTabToolTip(i, self.tr("Path %1").replace("%1", str(i + 1)))
        self.tabs.setVisible(len(self._path_ids) > 1)

    def hide_paths(self) -> None:
        self._path_ids = []
        while self.tabs.count():
            self.tabs.removeTab(0)
        self.tabs.hide()

    @property
    def path_ids(self) -> list[int]:
        return list(self._path_ids)

    def _on_tab_clicked(self, index: int) -> None:
        if 0 <= index < len(self._path_ids):
            self.pathSelected.emit(self._path_ids[index])

    def append(self, text: str) -> None:
        """Streamed text: complete Markdown blocks render once, the rest is appended as text; the
        view stays at the end if it was there."""
        bar = self.text.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 4
        self._text += text
        self.renderer.grow(self._text, self._dark)
        if at_bottom:
            bar.setValue(bar.maximum())

    def set_header(self, text: str) -> None:
        self.header.setText(text)

    def set_progress(self, tokens: int, budget: int) -> None:
        """The streaming thought's share of its budget (budget 0: none, no bar)."""
        self.budget_bar.setVisible(budget > 0)
        if budget > 0:
            self.budget_bar.setRange(0, budget)
            self.budget_bar.setValue(min(tokens, budget))
            self.budget_bar.setToolTip(self.tr("%1 / %2 thinking tokens").replace("%1", f"{tokens:,}")
                                       .replace("%2", f"{budget:,}"))

    def set_thinking(self, thinking: bool) -> None:
        """The shown thought is being written: Answer now is offered; the bar goes when it ends."""
        self.answer_now_button.setVisible(thinking)
        self.answer_now_button.setEnabled(thinking)
        if not thinking:
            self.budget_bar.hide()

    def set_examples(self, examples: list[tuple[int, str]]) -> None:
        """The liked answers (message id, question) shown to the model as worked examples."""
        if not examples:
            self.examples.clear()
            self.examples.hide()
            return
        links = []
        for mid, question in examples:
            q = " ".join(question.split())
            q = q if len(q) <= 48 else q[:47] + "…"
            links.append(f'<a href="example:{mid}">{html.escape(q or "…")}</a>')
        self.examples.setText(html.escape(self.tr("Examples shown to the model:")) + " " + " · ".join(links))
        self.examples.show()

    def _on_example_link(self, link: str) -> None:
        scheme, _, value = link.partition(":")
        if scheme == "example" and value.isdigit():
            self.exampleActivated.emit(int(value))

    def highlight(self, words: str) -> None:
        """Mark the search's words and scroll to the first."""
        y = self.text.highlight(words)
        if y is not None:
            self.text.verticalScrollBar().setValue(max(0, y - 40))

    def retheme(self, dark: bool) -> None:
        self._dark = dark
        self.renderer.show(self._text, dark)

    def clear(self) -> None:
        self.show_thought(None, "", "")
        self.hide_paths()
        self.set_thinking(False)
        self.set_examples([])
