"""The Chain of thought pane: one answer's thought as light Markdown, live while it streams."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QSize, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QTabBar, QToolButton, QVBoxLayout, QWidget

from reasoner_desktop.ui.markdown_view import MarkdownRenderer, SafeBrowser, app_is_dark




def thought_label(seconds: float | None, tokens: int | None = None, *, streaming: bool = False,
                  thinking: bool = True) -> str:
    """"Thinking… 3 s" while it streams, "Thought for 5.2 s · 79 tokens" after, "No thinking" when
    the answer came without a thought."""
    if not thinking and not streaming:
        return QCoreApplication.translate("ThoughtPane", "No thinking")
    seconds = max(0.0, seconds or 0.0)
    secs = f"{seconds:.1f}" if seconds < 10 and not streaming else str(round(seconds))
    if streaming:
        return QCoreApplication.translate("ThoughtPane", "Thinking… %1 s").replace("%1", secs)
    text = QCoreApplication.translate("ThoughtPane", "Thought for %1 s").replace("%1", secs)
    if tokens:
        text += " · " + QCoreApplication.translate("ThoughtPane", "%1 tokens").replace("%1", f"{tokens:,}")
    return text


def budget_note(budget: str | None, stats: dict | None) -> str:
    """What the thinking budget did to a thought, as stored on its message: "cut at 1,024" (the
    thought was closed for the model), "extended ×3" (an early end became "Wait" three times)."""
    stats = stats or {}
    if budget == "extended" and stats.get("extensions"):
        return QCoreApplication.translate("ThoughtPane", "extended ×%1").replace("%1", str(stats["extensions"]))
    if budget == "cut":
        tokens = stats.get("thinking_tokens")
        return QCoreApplication.translate("ThoughtPane", "cut at %1").replace("%1", f"{tokens:,}") if tokens else QCoreApplication.translate("ThoughtPane", "cut")
    return ""


class ThoughtPane(QFrame):
    pathSelected = Signal(int)  # a path's tab was picked: that path's answer (message id)

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
        top.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self.header)
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
