"""Per-model settings: context, GPU layers, threads, reasoning format, think tags and sampling.

Each number box has a "default" value just below its range, so leaving it there forgets the
setting and the model family's recommended value applies."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from reasoner_desktop.inference.hardware import default_threads, memory_room
from reasoner_desktop.inference.library import LibraryError, ModelEntry, ModelLibrary
from reasoner_desktop.inference.llama_adapter import supports_gpu_offload

FORMATS = [("", "Guess from the chat template"), ("none", "Not a reasoning model (prompted thinking)"),
           ("think", "<think>…</think> (DeepSeek-R1, Qwen3, QwQ, Phi-4)"), ("harmony", "gpt-oss channels"),
           ("magistral", "[THINK]…[/THINK] (Magistral)"), ("custom", "Custom tags…")]
# key, label, minimum, maximum, step, decimals (0: whole number)
NUMBERS = [("n_ctx", "Context window (tokens)", 0, 1 << 20, 1024, 0),
           ("n_gpu_layers", "GPU layers (-1 = all)", -1, 1000, 1, 0),
           ("n_threads", "CPU threads", 1, 1024, 1, 0)]
SAMPLING = [("temperature", "Temperature", 0.0, 5.0, 0.05, 2), ("top_p", "Top-p", 0.0, 1.0, 0.05, 2),
            ("top_k", "Top-k", 0, 1000, 1, 0), ("min_p", "Min-p", 0.0, 1.0, 0.01, 2),
            ("repeat_penalty", "Repeat penalty", 0.5, 2.0, 0.05, 2)]


class ModelSettingsDialog(QDialog):
    def __init__(self, library: ModelLibrary, entry: ModelEntry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelSettingsDialog")
        self.setWindowTitle(self.tr("Settings for %1").replace("%1", entry.name))
        self.library = library
        self.entry = entry
        self.boxes: dict[str, QSpinBox | QDoubleSpinBox] = {}
        s = entry.settings
        form = QFormLayout()
        for key, label, lo, hi, step, decimals in NUMBERS:
            form.addRow(self.tr(label), self._number(key, lo, hi, step, decimals, s.get(key)))
        # What "default" means on this computer, for this model.
        self.boxes["n_threads"].setSpecialValueText(
            self.tr("default: %1").replace("%1", str(default_threads())))
        self.boxes["n_gpu_layers"].setSpecialValueText(
            self.tr("automatic: all that fit") if supports_gpu_offload() else self.tr("none: CPU-only build"))
        auto_ctx = automatic_context(entry.path)
        if auto_ctx:
            self.boxes["n_ctx"].setSpecialValueText(self.tr("automatic: %1").replace("%1", f"{auto_ctx:,}"))
            self.boxes["n_ctx"].setToolTip(self.tr("Automatic: the largest context that fits in the memory free now, "
                                                   "up to the model's trained length (at most 32,768); 0 = the "
                                                   "trained length"))
        self.format_box = QComboBox()
        self.format_box.setObjectName("formatBox")
        for value, label in FORMATS:
            self.format_box.addItem(self.tr(label), value)
        fmt = "custom" if s.get("think_tags") else s.get("reasoning_format", "")
        self.format_box.setCurrentIndex(max(0, self.format_box.findData(fmt)))
        form.addRow(self.tr("Reasoning format"), self.format_box)
        self.open_tag, self.close_tag = QLineEdit(), QLineEdit()
        self.open_tag.setObjectName("openTag")
        self.close_tag.setObjectName("closeTag")
        self.open_tag.setPlaceholderText("<reasoning>")
        self.close_tag.setPlaceholderText("</reasoning>")
        if s.get("think_tags"):
            self.open_tag.setText(s["think_tags"][0])
            self.close_tag.setText(s["think_tags"][1])
        tags = QHBoxLayout()
        tags.addWidget(self.open_tag)
        tags.addWidget(self.close_tag)
        self.tags_row = QWidget()
        self.tags_row.setLayout(tags)
        tags.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.tr("Thought tags"), self.tags_row)
        self.format_box.currentIndexChanged.connect(self._format_changed)
        self._format_changed()
        sampling = s.get("sampling", {})
        for key, label, lo, hi, step, decimals in SAMPLING:
            form.addRow(self.tr(label), self._number(key, lo, hi, step, decimals, sampling.get(key)))

        note = QLabel(self.tr("“default” uses the value recommended for the model's family. "
                              "Changes apply when the model is next loaded (now, if it is in use)."))
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.RestoreDefaults)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(self.restore_defaults)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def _number(self, key, lo, hi, step, decimals, value):
        box = QDoubleSpinBox() if decimals else QSpinBox()
        if decimals:
            box.setDecimals(decimals)
        below = lo - step  # the "default" slot
        box.setRange(below, hi)
        box.setSingleStep(step)
        box.setSpecialValueText(self.tr("default"))
        box.setValue(below if value is None else value)
        box.setObjectName(key)
        self.boxes[key] = box
        return box

    def _format_changed(self) -> None:
        self.tags_row.setEnabled(self.format_box.currentData() == "custom")

    def restore_defaults(self) -> None:
        for box in self.boxes.values():
            box.setValue(box.minimum())
        self.format_box.setCurrentIndex(0)
        self.open_tag.clear()
        self.close_tag.clear()

    def values(self) -> dict:
        def value(key):
            box = self.boxes[key]
            if box.value() == box.minimum():
                return None
            return box.value() if isinstance(box, QDoubleSpinBox) else int(box.value())

        out = {key: value(key) for key, *_ in NUMBERS}
        fmt = self.format_box.currentData()
        if fmt == "custom":
            out["think_tags"] = [self.open_tag.text().strip(), self.close_tag.text().strip()]
        elif fmt:
            out["reasoning_format"] = fmt
        out["sampling"] = {key: value(key) for key, *_ in SAMPLING if value(key) is not None}
        return {k: v for k, v in out.items() if v is not None and v != {}}

    def save(self) -> None:
        try:
            self.entry = self.library.set_settings(self.entry.name, self.values(), replace_all=True)
        except LibraryError as exc:
            QMessageBox.warning(self, self.tr("Cannot save these settings"), str(exc))
            return
        self.accept()


def automatic_context(path: str) -> int | None:
    """The context the engine would choose now for this model file (header only; None if unreadable)."""
    from reasoner_desktop.inference.errors import ModelLoadError
    from reasoner_desktop.inference.gguf_info import read_model_info
    from reasoner_desktop.inference.memory import choose_context

    try:
        return choose_context(read_model_info(path), None, memory_room())
    except (ModelLoadError, OSError):
        return None
