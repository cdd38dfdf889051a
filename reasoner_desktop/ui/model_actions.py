"""Model handling of the main window: the toolbar picker, the Models dialog, adding files
(menu or drag-and-drop). The window owns one ModelActions; the worker's load results go to the
window's slots (app.py wires them)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QComboBox, QFileDialog

from reasoner_desktop.inference.errors import ModelLoadError
from reasoner_desktop.inference.library import LibraryError, engine_settings_for
from reasoner_desktop.ui.models_dialog import ModelsDialog
from reasoner_desktop.ui.starter_dialog import StarterModelDialog

SETTING_LAST_MODEL = "model/last"


class ModelActions(QObject):
    """The window's model handling. Needs the window's library, settings, downloads, model picker,
    set_model_state(), show_error() and loadModelRequested signal."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.w = window
        self.library = window.library
        self.settings = window.settings
        self.dialog: ModelsDialog | None = None
        self.loaded_entry: str | None = None  # the library name of the model in use
        self.starter: StarterModelDialog | None = None

    def request_model(self, path: str, settings=None) -> None:
        self.w.set_model_state(None, loading=True)
        self.w.loadModelRequested.emit(path, settings)

    def last_model_name(self) -> str | None:
        return self.settings.value(SETTING_LAST_MODEL) or None

    def use_model(self, name: str, *, quiet: bool = False) -> bool:
        """Load a library model with its remembered settings, and remember it for the next start."""
        entry = self.library.get(name) if name else None
        if entry is None:
            if not quiet:
                self.w.show_error(self.tr("No such model"), name)
            return False
        self.settings.setValue(SETTING_LAST_MODEL, entry.name)
        self.loaded_entry = entry.name
        self.refresh_model_picker()
        self.request_model(entry.path, engine_settings_for(entry, self.library.data_dir))
        return True

    def refresh_model_picker(self) -> None:
        picker: QComboBox = self.w.model_picker
        picker.blockSignals(True)
        picker.clear()
        for entry in self.library.entries():
            picker.addItem(entry.name, entry.name)
            picker.setItemData(picker.count() - 1, entry.path, 3)  # Qt.ToolTipRole
        picker.addItem(self.tr("More models…"), "")
        i = picker.findData(self.loaded_entry or "")
        picker.setCurrentIndex(i if i >= 0 and self.loaded_entry else -1)
        picker.blockSignals(False)

    def on_model_picked(self, index: int) -> None:
        name = self.w.model_picker.itemData(index)
        if name == "":
            self.refresh_model_picker()
            self.open_models()
        elif name and name != self.loaded_entry and not self.w.stream.busy:
            self.use_model(name)
        elif self.w.stream.busy:
            self.refresh_model_picker()

    def on_model_settings_changed(self, name: str) -> None:
        """New settings for the model in use take effect now (it is reloaded; history is untouched)."""
        if name == self.loaded_entry and not self.w.stream.busy:
            self.use_model(name)

    def open_models(self, tab: int = 0) -> ModelsDialog:
        if self.dialog is None:
            self.dialog = ModelsDialog(self.library, self.w.downloads, self.w)
            self.dialog.modelChosen.connect(self.use_model)
            self.dialog.settingsChanged.connect(self.on_model_settings_changed)
            self.dialog.finished.connect(lambda _: self.refresh_model_picker())
        self.dialog.refresh_library()
        self.dialog.tabs.setCurrentIndex(tab)
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog

    def edit_current_settings(self) -> None:
        d = self.open_models(0)
        table = d.library_table
        for r in range(table.rowCount()):
            if table.item(r, 0).text() == self.loaded_entry:
                table.selectRow(r)
                d.edit_settings()
                return

    def add_model_file(self, path: str) -> None:
        """A GGUF dropped on the window or opened from File: into the library, then loaded."""
        try:
            entry = self.library.add(path)
        except (LibraryError, ModelLoadError) as exc:
            self.w.show_error(self.tr("The model could not be added"), str(exc))
            return
        self.use_model(entry.name)

    def offer_starter_model(self) -> StarterModelDialog:
        """No model at all (a pip install's first start): offer the starter model, or a file."""
        if self.starter is None:
            downloads = self.w.downloads
            self.starter = dialog = StarterModelDialog(self.w)
            dialog.downloadRequested.connect(downloads.fetchStarter)  # queued: the worker's own thread
            # a flag, set at once: the worker's thread is inside the download loop
            dialog.cancelRequested.connect(downloads.cancel, Qt.ConnectionType.DirectConnection)
            dialog.openFileRequested.connect(self.choose_model_file)
            dialog.ready.connect(self.use_model)
            downloads.progress.connect(dialog.on_progress)
            downloads.downloaded.connect(dialog.on_downloaded)
            downloads.failed.connect(dialog.on_failed)
        self.starter.open()
        return self.starter

    def choose_model_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.w, self.tr("Open a GGUF model"), "",
                                              self.tr("GGUF models (*.gguf);;All files (*)"))
        if path:
            self.add_model_file(path)
