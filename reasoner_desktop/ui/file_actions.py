"""File menu work of the main window: export, import and the reasoning dataset.

Exports run on the GUI thread: they are local file writes of at most a few MB (measured in
the export tests); a model never runs here."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QStandardPaths
from PySide6.QtWidgets import QDialog, QFileDialog

from reasoner_desktop.export.files import safe_filename
from reasoner_desktop.export.options import ExportError, ExportFormat, ImportFormatError
from reasoner_desktop.services.exporting import export_conversations, export_dataset, import_file
from reasoner_desktop.storage.errors import DatabaseError
from reasoner_desktop.ui.export_dialog import FORMAT_LABELS, ExportDialog

SETTING_FORMAT = "export/format"
SETTING_THINKING = "export/thinking"
SETTING_FOLDER = "export/folder"
KNOWN_EXTENSIONS = {f".{f.value}" for f in ExportFormat} | {".zip", ".htm", ".markdown", ".jsonl"}


def default_folder() -> Path:
    """Where a first export is offered: the user's Documents folder (Qt knows it on every OS)."""
    docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(docs) if docs else Path.home()


def with_extension(path: Path, ext: str) -> Path:
    """`path` ending in `.ext`: another export extension is replaced, any other suffix kept."""
    if path.suffix.lower() == f".{ext}":
        return path
    if path.suffix.lower() in KNOWN_EXTENSIONS:
        return path.with_suffix(f".{ext}")
    return path.with_name(f"{path.name}.{ext}")


class FileActions(QObject):
    """The window's File menu work. Needs the window's repo, sidebar, conversation_id, status bar,
    show_error() and reload_conversations()."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.w = window
        self.repo = window.repo

    def export_conversations(self, conversation_id: int | None = None) -> list | None:
        """Export, remembering the last format, thinking choice and folder (Documents at first); the
        file name's extension always follows the format."""
        settings = self.w.settings
        current = conversation_id or self.w.conversation_id
        dialog = ExportDialog(self.w, has_current=bool(current), conversation_count=self.w.sidebar.conversation_count(),
                              last_format=str(settings.value(SETTING_FORMAT, "") or ""),
                              last_thinking=str(settings.value(SETTING_THINKING, "") or ""))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        fmt = dialog.export_format
        folder = Path(str(settings.value(SETTING_FOLDER, "") or default_folder()))
        if dialog.everything:
            ext, kind = "zip", self.tr("Zip archive (*.zip)")
            name, title, ids = "conversations.zip", self.tr("Export all conversations"), None
        else:
            conv = self.repo.get_conversation(current)
            ext, kind = fmt.value, f"{QCoreApplication.translate('ExportDialog', FORMAT_LABELS[fmt])} (*.{fmt.value})"
            name = safe_filename(conv.title if conv else "conversation", fmt.value)
            title, ids = self.tr("Export conversation"), [current]
        path, _ = QFileDialog.getSaveFileName(self.w, title, str(folder / name), kind)
        if not path:
            return None
        target = with_extension(Path(path), ext)
        try:
            # The file dialog already asked before replacing an existing file.
            written = export_conversations(self.repo, ids, fmt, dialog.thinking, target, force=True)
        except (ExportError, OSError, DatabaseError) as exc:
            self.w.show_error(self.tr("Export failed"), str(exc))
            return None
        settings.setValue(SETTING_FORMAT, fmt.value)
        settings.setValue(SETTING_THINKING, dialog.thinking.value)
        settings.setValue(SETTING_FOLDER, str(target.parent))
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
        folder = Path(str(self.w.settings.value(SETTING_FOLDER, "") or default_folder()))
        path, _ = QFileDialog.getSaveFileName(self.w, self.tr("Export reasoning dataset"),
                                              str(folder / "reasoning-dataset.jsonl"), self.tr("JSON Lines (*.jsonl)"))
        if not path:
            return
        try:
            n = export_dataset(self.repo, with_extension(Path(path), "jsonl"), force=True)
        except (ExportError, OSError) as exc:
            self.w.show_error(self.tr("Export failed"), str(exc))
            return
        self.w.statusBar().showMessage(self.tr("%n thumbs-up example(s) written.", "", n), 8000)
