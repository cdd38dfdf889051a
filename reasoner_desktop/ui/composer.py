"""The composer: the message box, Send/Stop, and the thinking controls (mode, max thinking
tokens, "think longer"), disabled with a reason where the loaded model cannot honour them."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from reasoner_desktop.domain.messages import ThinkingMode
from reasoner_desktop.inference.generation import PROMPTED_DEFAULT_MAX_THINKING


class MessageInput(QPlainTextEdit):
    """Enter sends, Shift+Enter starts a new line, Ctrl+Enter answers now (while the model thinks)."""

    submitted = Signal()
    ctrlSubmitted = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("messageInput")
        self.setPlaceholderText(self.tr("Message the model… (Enter sends, Shift+Enter for a new line)"))
        self.setTabChangesFocus(True)
        self.setFixedHeight(72)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
            event.modifiers() & (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.AltModifier)
        ):
            ctrl = event.modifiers() & Qt.KeyboardModifier.ControlModifier
            (self.ctrlSubmitted if ctrl else self.submitted).emit()
            return
        super().keyPressEvent(event)


LIKED_EXAMPLES_K = 3  # "Examples: liked answers" puts this many in the prompt

BUDGET_STEPS = (256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072)


class BudgetBox(QSpinBox):
    """A token budget: its lowest value means "not set" (its special text); the arrows and the
    wheel step through 256, 512, 1k, 2k… and any other number can be typed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(0, BUDGET_STEPS[-1])
        self.setAccelerated(True)

    def stepBy(self, steps: int) -> None:  # noqa: N802 (Qt override)
        v = self.value()
        for _ in range(abs(steps)):
            if steps > 0:
                v = next((s for s in BUDGET_STEPS if s > v), BUDGET_STEPS[-1])
            else:
                v = next((s for s in reversed(BUDGET_STEPS) if s < v), 0)
        self.setValue(v)

    def stepEnabled(self):  # noqa: N802 (Qt override)
        flags = QAbstractSpinBox.StepEnabledFlag.StepNone
        if self.value() > 0:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
        if self.value() < BUDGET_STEPS[-1]:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
        return flags


class Composer(QWidget):
    submitted = Signal()
    stopClicked = Signal()
    answerNowClicked = Signal()
    examplesFileRequested = Signal()  # "Examples: file…" was picked: the window asks for the file

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self.input = MessageInput()
        self.input.submitted.connect(self.submitted)
        self.send_button = QPushButton(self.tr("Send"))
        self.send_button.setObjectName("sendButton")
        self.send_button.setDefault(True)
        self.send_button.clicked.connect(self.submitted)
        self.stop_button = QPushButton(self.tr("Stop"))
        self.stop_button.setObjectName("stopButton")
        self.stop_button.clicked.connect(self.stopClicked)
        self.answer_now_button = QPushButton(self.tr("Answer now"))
        self.answer_now_button.setObjectName("answerNowButton")
        self.answer_now_button.setToolTip(self.tr("Stop thinking and answer now (Ctrl+Enter)"))
        self.answer_now_button.setEnabled(False)
        self.answer_now_button.clicked.connect(self.answerNowClicked)
        self.input.ctrlSubmitted.connect(self._on_ctrl_enter)

        self.mode = QComboBox()
        self.mode.setObjectName("thinkingMode")
        self.mode.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.mode.setMinimumWidth(110)  # its text is elided in a narrow window
        for label, value, tip in (
            (self.tr("Thinking: model default"), "", self.tr("Reasoning models think; others are prompted to")),
            (self.tr("Thinking: native"), ThinkingMode.AUTO.value, self.tr("The model thinks the way it was trained to")),
            (self.tr("Thinking: prompted"), ThinkingMode.PROMPTED.value,
             self.tr("Any model: told to think step by step in <think> tags first")),
            (self.tr("Thinking: off"), ThinkingMode.OFF.value, self.tr("Answer directly, without a chain of thought")),
        ):
            self.mode.addItem(label, value)
            self.mode.setItemData(self.mode.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.mode.currentIndexChanged.connect(self._sync_enabled)
        self.max_thinking = self._spin("maxThinking", self.tr("no limit"),
                                       self.tr("Max thinking tokens: the thought is closed at this length "
                                               "and the model answers"))
        self.min_thinking = self._spin("minThinking", self.tr("off"),
                                       self.tr("Think longer: until the thought has this many tokens, an early "
                                               "end becomes “Wait” and the model keeps thinking"))
        self.min_tip = self.min_thinking.toolTip()
        self.samples = QSpinBox()
        self.samples.setObjectName("samplesSpin")
        self.samples.setRange(1, 16)
        self.samples.setToolTip(self.tr("Reasoning paths: the model thinks this many times at once and the "
                                        "answer most paths agree on wins (the others are kept as branches)"))
        self.samples_tip = self.samples.toolTip()
        # Worked examples for prompted thinking: none, the thumbs-up answers to the most similar questions
        # (Auto-CoT from your own history), the example library (Settings), or a JSON file (manual CoT).
        self.examples = QComboBox()
        self.examples.setObjectName("examplesCombo")
        self.examples.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.examples.setMinimumWidth(90)
        for label, value, tip in (
            (self.tr("Examples: none"), "", self.tr("No worked examples in the prompt")),
            (self.tr("Examples: liked answers"), "liked",
             self.tr("Your thumbs-up answers to the most similar questions are shown to the model as worked "
                     "examples (question, thought, answer)")),
            (self.tr("Examples: library"), "library", self.tr("The worked examples of your library (Settings)")),
            (self.tr("Examples: file…"), "file", self.tr("Worked examples from a JSON file")),
        ):
            self.examples.addItem(label, value)
            self.examples.setItemData(self.examples.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.examples_file = ""
        self._settings = None  # QSettings, once bound
        self.examples.activated.connect(self._on_examples_picked)
        self._natively = False
        controls = self._controls = QHBoxLayout()
        controls.setContentsMargins(0, 0, 0, 0)
        controls.addWidget(self.mode)
        self.max_label = QLabel(self.tr("Max thinking"))
        self.min_label = QLabel(self.tr("Think longer"))
        self.samples_label = QLabel(self.tr("Paths"))
        for label, spin in ((self.max_label, self.max_thinking), (self.min_label, self.min_thinking),
                            (self.samples_label, self.samples)):
            # Labels do not hold the window wide: a narrow composer hides them (the boxes keep tooltips).
            label.setMinimumWidth(1)
            label.setBuddy(spin)
            label.setToolTip(spin.toolTip())
            controls.addWidget(label)
            controls.addWidget(spin)
        controls.addWidget(self.examples)
        controls.addStretch(1)

        buttons = QVBoxLayout()
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.answer_now_button)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.input, 1)
        row.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 8, 0)
        layout.addLayout(controls)
        layout.addLayout(row)
        self._sync_enabled()

    def _full_width(self) -> int:
        """The width the thinking controls take with their labels (below it the labels go, not squeezed)."""
        row = (self.mode, self.max_label, self.max_thinking, self.min_label, self.min_thinking, self.samples_label,
               self.samples, self.examples)
        margins = self.layout().contentsMargins()
        return (sum(w.sizeHint().width() for w in row) + self._controls.spacing() * len(row)
                + margins.left() + margins.right())

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        wide = self.width() >= self._full_width()
        for label in (self.max_label, self.min_label, self.samples_label):
            label.setVisible(wide)
        # Without its label a bare "4" says nothing: the box names itself (the budgets keep their tooltips).
        self.samples.setPrefix("" if wide else self.tr("Paths") + " ")

    def bind_settings(self, settings) -> None:
        """Restore the thinking controls from settings.ini and save every change."""
        mode = str(settings.value("composer/mode", ""))
        self.mode.setCurrentIndex(max(0, self.mode.findData(mode)))
        for box, key in ((self.max_thinking, "composer/maxThinking"), (self.min_thinking, "composer/minThinking")):
            value = int(settings.value(key, 0))
            box.setValue(value if value >= 16 else 0)  # older versions stored 99 / 49 for "not set"
            box.valueChanged.connect(lambda v, k=key: settings.setValue(k, v))
        self.mode.currentIndexChanged.connect(lambda _: settings.setValue("composer/mode", self.mode.currentData()))
        try:
            samples = int(settings.value("composer/samples", 1))
        except (TypeError, ValueError):
            samples = 1
        self.samples.setValue(min(16, max(1, samples)))
        self.samples.valueChanged.connect(lambda v: settings.setValue("composer/samples", v))
        self.examples_file = str(settings.value("composer/examplesFile", "") or "")
        choice = str(settings.value("composer/examples", "") or "")
        if choice != "file" or self.examples_file:
            self.examples.setCurrentIndex(max(0, self.examples.findData(choice)))
        self._show_examples_file()
        self.examples.currentIndexChanged.connect(
            lambda _: settings.setValue("composer/examples", self.examples.currentData()))
        self._settings = settings

    def _on_ctrl_enter(self) -> None:
        """Ctrl+Enter: Answer now while the model thinks, else it sends like Enter."""
        (self.answerNowClicked if self.answer_now_button.isEnabled() else self.submitted).emit()

    def _on_examples_picked(self, index: int) -> None:
        if self.examples.itemData(index) == "file":
            self.examplesFileRequested.emit()

    def set_examples_file(self, path: str | None) -> None:
        """The examples file the user chose; None: they cancelled (the earlier file stays, if any)."""
        if path:
            self.examples_file = path
            if self._settings is not None:
                self._settings.setValue("composer/examplesFile", path)
        self.examples.setCurrentIndex(self.examples.findData("file") if self.examples_file else 0)
        self._show_examples_file()

    def _show_examples_file(self) -> None:
        i = self.examples.findData("file")
        name = self.examples_file.replace("\\", "/").rsplit("/", 1)[-1]
        self.examples.setItemText(i, self.tr("Examples: %1").replace("%1", name) if name
                                  else self.tr("Examples: file…"))

    def examples_choice(self) -> str:
        """"", "liked", "library" or "file" (only in prompted thinking: other modes show no examples)."""
        return self.examples.currentData() if self.examples.isEnabled() else ""

    def set_thinking(self, thinking: bool) -> None:
        """A thought is being written: Answer now is offered."""
        self.answer_now_button.setEnabled(thinking)

    def _spin(self, name: str, zero_text: str, tip: str) -> BudgetBox:
        box = BudgetBox()
        box.setObjectName(name)
        box.setSpecialValueText(zero_text)
        box.setValue(0)
        box.setToolTip(tip)
        box.valueChanged.connect(self._sync_enabled)
        return box

    @staticmethod
    def _value(box: QSpinBox) -> int | None:
        return None if box.value() == box.minimum() else box.value()

    def thinking_options(self) -> dict:
        """The TurnOptions fields these controls set."""
        mode = ThinkingMode(self.mode.currentData()) if self.mode.currentData() else None
        off = mode is ThinkingMode.OFF
        return {"mode": mode,
                "max_thinking_tokens": None if off else self._value(self.max_thinking),
                "min_thinking_tokens": None if off else self._value(self.min_thinking),
                "samples": self.samples.value() if self.samples.value() > 1 else None,
                "liked_examples": LIKED_EXAMPLES_K if self.examples_choice() == "liked" else None}

    def set_capabilities(self, caps: dict) -> None:
        """What the loaded model can do: {} while none is loaded."""
        model: QStandardItemModel = self.mode.model()
        natively = caps.get("thinks_natively", False)
        can_off = caps.get("can_disable_thinking", True)
        native, off = model.item(1), model.item(3)
        native.setEnabled(bool(natively))
        self._natively = bool(natively)
        native.setToolTip(self.tr("The model thinks the way it was trained to") if natively else
                          self.tr("This model does not think by itself; use prompted thinking"))
        off.setEnabled(bool(can_off))
        off.setToolTip(self.tr("Answer directly, without a chain of thought") if can_off else
                       self.tr("This model cannot switch its thinking off; it will think anyway"))
        if not model.item(self.mode.currentIndex()).isEnabled():
            self.mode.setCurrentIndex(0)
        # A remote model: the server decides what its thought may do (see inference/remote.py).
        self._can_cap = bool(caps.get("can_cap_thinking", True))
        self._can_extend = not caps.get("remote", False)
        paths = int(caps.get("max_paths", 16))
        self.samples.setMaximum(max(1, paths))
        self.samples.setEnabled(paths > 1)
        self.samples.setToolTip(self.samples_tip if paths > 1 else
                                self.tr("A remote model answers one path at a time"))
        self._sync_enabled()

    def _sync_enabled(self) -> None:
        off = self.mode.currentData() == ThinkingMode.OFF.value
        can_cap, can_extend = getattr(self, "_can_cap", True), getattr(self, "_can_extend", True)
        for w in (self.max_thinking, self.max_label):
            w.setEnabled(not off and can_cap)
        for w in (self.min_thinking, self.min_label):
            w.setEnabled(not off and can_extend)
        self.min_thinking.setToolTip(self.min_tip if can_extend else self.tr(
            "Think longer needs a local model: a server cannot be told to go on thinking"))
        if not can_extend:
            self.min_thinking.setValue(self.min_thinking.minimum())
        if not can_cap:
            self.max_thinking.setValue(self.max_thinking.minimum())
        mx, mn = self._value(self.max_thinking), self._value(self.min_thinking)
        if mx is not None and mn is not None and mn > mx:
            self.min_thinking.setValue(mx)
        # What "not set" really means: prompted thinking (a model that does not think by itself) is
        # capped, so that a small model that never closes its thought still answers.
        mode = self.mode.currentData()
        prompted = mode == ThinkingMode.PROMPTED.value or (not mode and not self._natively)
        self.examples.setEnabled(prompted)
        self.examples.setToolTip("" if prompted else self.tr("Worked examples are for prompted thinking"))
        if not can_cap:
            self.max_thinking.setToolTip(self.tr("This server cannot cap a thought; it thinks as long as it "
                                                 "is set up to"))
        elif prompted:
            cap = max(PROMPTED_DEFAULT_MAX_THINKING, mn or 0)
            self.max_thinking.setSpecialValueText(self.tr("auto (%1)").replace("%1", f"{cap:,}"))
            self.max_thinking.setToolTip(self.tr(
                "Max thinking tokens. Prompted thinking stops at %1 tokens unless you set a limit here "
                "(or a higher Think longer); the thought is then closed and the model answers.")
                .replace("%1", f"{cap:,}"))
        else:
            self.max_thinking.setSpecialValueText(self.tr("no limit"))
            self.max_thinking.setToolTip(self.tr("Max thinking tokens: the thought is closed at this length "
                                                 "and the model answers"))

    def set_busy(self, busy: bool, ready: bool, *, loading: bool = False) -> None:
        self.send_button.setEnabled(not busy and (ready or loading))
        if ready:
            self.send_button.setToolTip("")
        elif loading:
            self.send_button.setToolTip(self.tr("The model is loading: your message is sent when it is ready"))
        else:
            self.send_button.setToolTip(self.tr("Load a model first (File → Models…)"))
        self.stop_button.setEnabled(busy)
