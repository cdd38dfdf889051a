"""File menu work of the main window: export, import and the reasoning dataset.

Exports run on the GUI thread: they are local file writes of at most a few MB (measured in
the export tests); a model never runs here."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QDialog, QFileDialog

from reasoner_desktop.export.files import safe_filename
from reasoner_desktop.export.options import ExportError, ImportFormatError
from reasoner_desktop.services.exporting import export_conversations, export_dataset, import_file
from reasoner_desktop.ui.export_dialog import ExportDialog


class FileActions(QObject):
    """The window's File menu work. Needs the window's repo, sidebar, conversation_id, status bar,
    show_error() and reload_conversations()."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.w = window
        self.repo = window.repo

    def export_conversations(self, conversation_id: int | None = None) -> list | None:
        current = conversation_id or self.w.conversation_id
        dialog = ExportDialog(self.w, has_current=bool(current), conversation_count=self.w.sidebar.conversation_count())
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        fmt = dialog.export_format
        if dialog.everything:
            path, _ = QFileDialog.getSaveFileName(self.w, self.tr("Export all conversations"), "conversations.zip",
                                                  self.tr("Zip archive (*.zip)"))
            ids = None
        else:
            conv = self.repo.get_conversation(current)
            path, _ = QFileDialog.getSaveFileName(self.w, self.tr("Export conversation"),
                                                  safe_filename(conv.title if conv else "conversation", fmt.value),
                                                  f"*.{fmt.value}")
            ids = [current]
        if not path:
            return None
        try:
            # The file dialog already asked before replacing an existing file.
            written = export_conversations(self.repo, ids, fmt, dialog.thinking, Path(path), force=True)
        except (ExportError, OSError) as exc:
            self.w.show_error(self.tr("Export failed"), str(exc))
            return None
        self.w.statusBar().showMessage(self.tr("Exported to %1").replace("%1", str(written[0])), 8000)
        return written

    def import_conversations(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.w, self.tr("Import conversations"), "",
                                              self.tr("Conversation exports (*.json)"))
        if not path:
            return
        try:
            result = import_file(self.repo, Path(path))
        except ImportFormatError as exc:
            self.w.show_error(self.tr("Import failed"), str(exc))
            return
        self.w.reload_conversations()
        message = self.tr("Imported %n conversation(s).", "", len(result.imported))
        if result.skipped:
            message += " " + self.tr("%n already in the history.", "", len(result.skipped))
        self.w.statusBar().showMessage(message, 8000)

    def export_dataset(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.w, self.tr("Export reasoning dataset"), "reasoning-dataset.jsonl",
                                              self.tr("JSON Lines (*.jsonl)"))
        if not path:
            return
        try:
            n = export_dataset(self.repo, Path(path), force=True)
        except (ExportError, OSError) as exc:
            self.w.show_error(self.tr("Export failed"), str(exc))
            return
        self.w.statusBar().showMessage(self.tr("%n thumbs-up example(s) written.", "", n), 8000)
