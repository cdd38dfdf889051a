"""Settings (File → Settings…): appearance and language, the thought pane, chat defaults
(system prompt presets, seed, answer length), and the way to the current model's settings
(context length, GPU layers, threads, sampling), all persisted in settings.ini."""

from __future__ import annotations

import json

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

LANGUAGES = [("system", "System language"), ("en", "English"), ("zh_CN", "简体中文 (Simplified Chinese)")]
THEME_NAMES = [("system", "Follow the system"), ("light", "Light"), ("dark", "Dark")]
BUILTIN_PRESETS = [
    ("None", ""),
    ("Careful reasoner", "You are a careful assistant. Think the problem through, check your work, and give a "
                         "short, clear final answer."),
    ("Concise", "Answer as briefly as possible. No preamble."),
    ("Tutor", "You are a patient tutor. Explain step by step and check the student's understanding."),
]


class AppSettings:
    """Typed access to the app's settings (QSettings ini file in the data folder)."""

    def __init__(self, settings: QSettings) -> None:
        self.s = settings

    def _get(self, key, default, kind=None):
        return self.s.value(key, default, type=kind) if kind else self.s.value(key, default)

    @property
    def language(self) -> str:
        return self._get("ui/language", "system")

    @property
    def theme(self) -> str:
        return self._get("ui/theme", "system")

    @property
    def pane_follows_streaming(self) -> bool:
        return self._get("view/followStreaming", True, bool)

    @property
    def thoughts_expanded(self) -> bool:
        return self._get("view/thoughtsExpanded", True, bool)

    @property
    def presets(self) -> list[tuple[str, str]]:
        raw = self._get("chat/presets", "")
        try:
            custom = [(p["name"], p["text"]) for p in json.loads(raw)] if raw else []
        except (ValueError, KeyError, TypeError):
            custom = []
        return BUILTIN_PRESETS + custom

    @property
    def preset(self) -> str:
        return self._get("chat/preset", "None")

    @property
    def system_prompt(self) -> str:
        return dict(self.presets).get(self.preset, "")

    @property
    def seed(self) -> int | None:
        v = self._get("chat/seed", -1, int)
        return None if v < 0 else v

    @property
    def max_tokens(self) -> int | None:
        v = self._get("chat/maxTokens", 0, int)
        return v or None

    @property
    def budget_message(self) -> str | None:
        """Written into a thought when a budget or Answer now closes it (e.g. "Time is up; answering now.")."""
        return str(self._get("chat/budgetMessage", "") or "").strip() or None

    def set(self, key: str, value) -> None:
        self.s.setValue(key, value)

    def save_custom_presets(self, presets: list[tuple[str, str]]) -> None:
        builtin = {n for n, _ in BUILTIN_PRESETS}
        self.s.setValue("chat/presets", json.dumps([{"name": n, "text": t} for n, t in presets if n not in builtin]))


class SettingsDialog(QDialog):
    modelSettingsRequested = Signal()
    exampleLibraryRequested = Signal()

    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle(self.tr("Settings"))
        self.settings = settings
        self.presets = list(settings.presets)
        tabs = QTabWidget()
        tabs.addTab(self._general(), self.tr("General"))
        tabs.addTab(self._chat(), self.tr("Chat"))
        tabs.addTab(self._model(), self.tr("Model"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(buttons)
        self.resize(560, 420)

    def _combo(self, name: str, items, current: str) -> QComboBox:
        box = QComboBox()
        box.setObjectName(name)
        for value, label in items:
            box.addItem(self.tr(label), value)
        box.setCurrentIndex(max(0, box.findData(current)))
        return box

    def _general(self) -> QWidget:
        s = self.settings
        self.language = self._combo("languageBox", LANGUAGES, s.language)
        self.theme = self._combo("themeBox", THEME_NAMES, s.theme)
        self.follow = QCheckBox(self.tr("Switch the pane to the new answer's thought as soon as it starts"))
        self.follow.setObjectName("followStreaming")
        self.follow.setChecked(s.pane_follows_streaming)
        self.expanded = QCheckBox(self.tr("Open the pane by itself when an answer starts thinking (not after you closed it)"))
        self.expanded.setObjectName("thoughtsExpanded")
        self.expanded.setChecked(s.thoughts_expanded)
        form = QFormLayout()
        form.addRow(self.tr("Language"), self.language)
        form.addRow(self.tr("Theme"), self.theme)
        form.addRow(self.tr("Chain of thought"), self.follow)
        form.addRow("", self.expanded)
        w = QWidget()
        w.setLayout(form)
        return w

    def _chat(self) -> QWidget:
        s = self.settings
        self.preset_box = QComboBox()
        self.preset_box.setObjectName("presetBox")
        for name, _ in self.presets:
            self.preset_box.addItem(self.tr(name), name)
        self.preset_box.setCurrentIndex(max(0, self.preset_box.findData(s.preset)))
        self.preset_text = QPlainTextEdit()
        self.preset_text.setObjectName("systemPrompt")
        self.preset_text.setPlaceholderText(self.tr("No system prompt"))
        self.preset_box.currentIndexChanged.connect(self._show_preset)
        save_as = QPushButton(self.tr("Save as new preset…"))
        save_as.setObjectName("savePresetButton")
        save_as.clicked.connect(self._save_preset)
        row = QHBoxLayout()
        row.addWidget(self.preset_box, 1)
        row.addWidget(save_as)
        self.seed = QSpinBox()
        self.seed.setObjectName("seedBox")
        self.seed.setRange(-1, 2**31 - 1)
        self.seed.setSpecialValueText(self.tr("random"))
        self.seed.setValue(s.seed if s.seed is not None else -1)
        self.max_tokens = QSpinBox()
        self.max_tokens.setObjectName("maxTokensBox")
        self.max_tokens.setRange(0, 131072)
        self.max_tokens.setSingleStep(512)
        self.max_tokens.setSpecialValueText(self.tr("until the context is full"))
        self.max_tokens.setValue(s.max_tokens or 0)
        form = QFormLayout()
        form.addRow(self.tr("System prompt"), row)
        form.addRow("", self.preset_text)
        form.addRow(self.tr("Seed"), self.seed)
        form.addRow(self.tr("Max tokens per answer"), self.max_tokens)
        self.budget_message = QLineEdit(s.budget_message or "")
        self.budget_message.setObjectName("budgetMessageBox")
        self.budget_message.setPlaceholderText(self.tr("e.g. Time is up; answering now."))
        self.budget_message.setToolTip(self.tr("Written into the thought when Max thinking or Answer now closes "
                                               "it, before the model answers"))
        form.addRow(self.tr("Budget sentence"), self.budget_message)
        library = QPushButton(self.tr("Example library…"))
        library.setObjectName("exampleLibraryButton")
        library.setToolTip(self.tr("Worked examples (question, thought, answer) for prompted thinking"))
        library.clicked.connect(self.exampleLibraryRequested)
        form.addRow(self.tr("Worked examples"), library)
        w = QWidget()
        w.setLayout(form)
        self._show_preset()
        return w

    def _model(self) -> QWidget:
        note = QLabel(self.tr("Context length, GPU layers, CPU threads, sampling (temperature, top-p, top-k, "
                              "min-p, repeat penalty) and the thinking format are remembered per model."))
        note.setWordWrap(True)
        button = QPushButton(self.tr("Settings for the current model…"))
        button.setObjectName("currentModelSettingsButton")
        button.clicked.connect(self.modelSettingsRequested)
        layout = QVBoxLayout()
        layout.addWidget(note)
        layout.addWidget(button)
        layout.addStretch(1)
        w = QWidget()
        w.setLayout(layout)
        return w

    def _show_preset(self) -> None:
        self.preset_text.setPlainText(dict(self.presets).get(self.preset_box.currentData(), ""))

    def _save_preset(self, name: str | None = None) -> None:
        if not name:
            name, ok = QInputDialog.getText(self, self.tr("New preset"), self.tr("Name:"))
            if not ok or not name.strip():
                return
        name = name.strip()
        self.presets = [(n, t) for n, t in self.presets if n != name] + [(name, self.preset_text.toPlainText())]
        self.preset_box.addItem(name, name)
        self.preset_box.setCurrentIndex(self.preset_box.count() - 1)

    def save(self) -> None:
        s = self.settings
        s.set("ui/language", self.language.currentData())
        s.set("ui/theme", self.theme.currentData())
        s.set("view/followStreaming", self.follow.isChecked())
        s.set("view/thoughtsExpanded", self.expanded.isChecked())
        current = self.preset_box.currentData()
        # Edits to a custom preset's text are kept; a built-in one edited becomes a custom copy.
        text = self.preset_text.toPlainText()
        if dict(self.presets).get(current, "") != text:
            builtin = {n for n, _ in BUILTIN_PRESETS}
            if current in builtin:
                current = f"{current} (edited)"
            self.presets = [(n, t) for n, t in self.presets if n != current] + [(current, text)]
        s.save_custom_presets(self.presets)
        s.set("chat/preset", current)
        s.set("chat/seed", self.seed.value())
        s.set("chat/maxTokens", self.max_tokens.value())
        s.set("chat/budgetMessage", self.budget_message.text().strip())
        s.s.sync()
        self.accept()
