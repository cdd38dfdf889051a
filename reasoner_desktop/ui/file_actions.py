"""File menu work of the main window: export, import and the reasoning dataset.

Exports run on the GUI thread: they are local file writes of at most a few MB (measured in
the export tests); a model never runs here. Imports can be hundreds of MB: they run on the import
worker's thread (app.py wires importRequested to it)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QStandardPaths, Qt, Signal
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QProgressDialog

from reasoner_desktop.export.files import safe_filename
from reasoner_desktop.export.options import ExportError, ExportFormat
from reasoner_desktop.services.exporting import export_conversations, export_dataset
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

    importRequested = Signal(list, str, bool)  # paths, format name ("" = detect), import duplicates
    importCancelRequested = Signal()
    importEnded = Signal(bool)  # True: imported (the report is showing); False: failed or cancelled

    def __init__(self, window) -> None:
        super().__init__(window)
        self.w = window
        self.repo = window.repo
        self.importing = False
        self.import_progress: QProgressDialog | None = None
        self.import_report: QMessageBox | None = None

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

    def import_conversations(self, paths: list[str] | None = None) -> None:
        """Chats exported from us or another app: parsed and written on the import thread, with a progress
        bar and Cancel; a report of what came in (and what did not, and why) at the end."""
        if self.importing:
            return
        if paths is None:
            # Exports arrive as downloads (ChatGPT, Claude and DeepSeek mail a link to a .zip).
            start = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DownloadLocation)
            paths, _ = QFileDialog.getOpenFileNames(
                self.w, self.tr("Import conversations"), start or str(Path.home()),
                self.tr("Chat exports (*.json *.zip *.jsonl);;All files (*)"))
        if not paths:
            return
        self.importing = True
        bar = QProgressDialog(self.tr("Importing…"), self.tr("Cancel"), 0, 0, self.w)
        bar.setObjectName("importProgress")
        bar.setWindowTitle(self.tr("Import conversations"))
        bar.setMinimumDuration(300)  # a small file never flashes a dialog
        bar.setAutoReset(False)
        bar.setAutoClose(False)
        bar.canceled.connect(self.importCancelRequested)
        self.import_progress = bar
        self.importRequested.emit([str(p) for p in paths], "", False)

    def on_import_progress(self, done: int, total: int) -> None:
        if self.import_progress is not None:
            self.import_progress.setMaximum(max(total, 1))
            self.import_progress.setValue(done)

    def _import_ended(self) -> None:
        self.importing = False
        if self.import_progress is not None:
            # Closing a QProgressDialog emits canceled(): unhook it first, or the next import starts cancelled.
            self.import_progress.canceled.disconnect(self.importCancelRequested)
            self.import_progress.close()
            self.import_progress.deleteLater()
            self.import_progress = None

    def on_import_finished(self, reports: list) -> QMessageBox:
        self._import_ended()
        self.w.reload_conversations()
        n = sum(len(r.imported) for r in reports)
        self.w.statusBar().showMessage(self.tr("Imported %n conversation(s).", "", n), 8000)
        box = QMessageBox(QMessageBox.Icon.Information, self.tr("Import finished"),
                          "\n\n".join(self.report_text(r) for r in reports), QMessageBox.StandardButton.Ok, self.w)
        box.setObjectName("importReport")
        box.setTextFormat(Qt.TextFormat.PlainText)  # titles come from the file
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.import_report = box
        self.importEnded.emit(True)
        return box

    def report_text(self, report) -> str:
        """The CLI's report line, in the window's language (what was skipped is the parser's own words)."""
        s = report.stats
        text = (self.tr("%1 (%2): conversations imported: %3, messages: %4, with thoughts: %5, branch points: %6.")
                .replace("%1", report.path.name).replace("%2", report.label)
                .replace("%3", f"{len(report.imported):,}").replace("%4", f"{s.messages:,}")
                .replace("%5", f"{s.thoughts:,}").replace("%6", f"{s.branches:,}"))
        skipped = ([self.tr("%1 already in the history").replace("%1", str(len(report.already)))]
                   if report.already else []) + list(s.skipped)
        if skipped:
            text += "\n" + self.tr("Skipped: %1.").replace("%1", "; ".join(skipped))
        if s.notes:
            text += "\n" + self.tr("Notes: %1.").replace("%1", "; ".join(s.notes))
        return text

    def on_import_failed(self, message: str) -> None:
        self._import_ended()
        self.w.show_error(self.tr("Import failed"), message)
        self.importEnded.emit(False)

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
