"""File → Export…: format, what to do with the thoughts, and which conversations."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from reasoner_desktop.export.options import ExportFormat, ThinkingExport

FORMAT_LABELS = {
    ExportFormat.MARKDOWN: "Markdown (.md)",
    ExportFormat.HTML: "Web page (.html)",
    ExportFormat.PDF: "PDF (.pdf)",
    ExportFormat.TEXT: "Plain text (.txt)",
    ExportFormat.JSON: "JSON, lossless and re-importable (.json)",
}
THINKING_LABELS = {
    ThinkingExport.INCLUDE: "Include the chain of thought",
    ThinkingExport.COLLAPSE: "Include it folded (HTML, Markdown)",
    ThinkingExport.OMIT: "Leave the chain of thought out",
}


class ExportDialog(QDialog):
    def __init__(self, parent: QWidget | None, *, has_current: bool, conversation_count: int,
                 last_format: str = "", last_thinking: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle(self.tr("Export conversations"))
        self.format_box = QComboBox()
        self.format_box.setObjectName("exportFormat")
        for fmt, label in FORMAT_LABELS.items():
            self.format_box.addItem(self.tr(label), fmt.value)
        self.thinking_box = QComboBox()
        self.thinking_box.setObjectName("exportThinking")
        for opt, label in THINKING_LABELS.items():
            self.thinking_box.addItem(self.tr(label), opt.value)
        self.format_box.setCurrentIndex(max(0, self.format_box.findData(last_format)))  # the last choices
        self.thinking_box.setCurrentIndex(max(0, self.thinking_box.findData(last_thinking)))
        self.current_button = QRadioButton(self.tr("This conversation"))
        self.current_button.setObjectName("exportCurrent")
        self.all_button = QRadioButton(self.tr("All %1 conversations (a folder or a .zip)").replace(
            "%1", str(conversation_count)))
        self.all_button.setObjectName("exportAll")
        group = QButtonGroup(self)
        group.addButton(self.current_button)
        group.addButton(self.all_button)
        self.current_button.setEnabled(has_current)
        (self.current_button if has_current else self.all_button).setChecked(True)
        form = QFormLayout()
        form.addRow(self.tr("Format"), self.format_box)
        form.addRow(self.tr("Thinking"), self.thinking_box)
        form.addRow(self.tr("What"), self.current_button)
        form.addRow("", self.all_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    @property
    def export_format(self) -> ExportFormat:
        return ExportFormat(self.format_box.currentData())

    @property
    def thinking(self) -> ThinkingExport:
        return ThinkingExport(self.thinking_box.currentData())

    @property
    def everything(self) -> bool:
        return self.all_button.isChecked()
