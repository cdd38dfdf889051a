"""Model handling of the main window: the toolbar picker, the Models dialog, adding files
(menu or drag-and-drop), and the worker's load results."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFileDialog

from reasoner_desktop.inference.errors import ModelLoadError
from reasoner_desktop.inference.library import LibraryError, engine_settings_for
from reasoner_desktop.ui.models_dialog import ModelsDialog

SETTING_LAST_MODEL = "model/last"


class ModelActionsMixin:
    """Mixed into MainWindow. Nothing here is connected to a worker signal: PySide6 calls a
    method of a non-QObject class in the emitting thread, so worker results go to MainWindow slots.
    Needs self.library, self.settings, self.downloads, self.composer,
    self.model_picker, set_model_state(), show_error(), loadModelRequested."""

    def request_model(self, path: str, settings=None) -> None:
        self.set_model_state(None, loading=True)
        self.loadModelRequested.emit(path, settings)

    def last_model_name(self) -> str | None:
        return self.settings.value(SETTING_LAST_MODEL) or None

    def use_model(self, name: str, *, quiet: bool = False) -> bool:
        """Load a library model with its remembered settings, and remember it for the next start."""
        entry = self.library.get(name) if name else None
        if entry is None:
            if not quiet:
                self.show_error(self.tr("No such model"), name)
            return False
        self.settings.setValue(SETTING_LAST_MODEL, entry.name)
        self.loaded_entry = entry.name
        self.refresh_model_picker()
        self.request_model(entry.path, engine_settings_for(entry))
        return True

    def refresh_model_picker(self) -> None:
        picker: QComboBox = self.model_picker
        picker.blockSignals(True)
        picker.clear()
        for entry in self.library.entries():
            picker.addItem(entry.name, entry.name)
            picker.setItemData(picker.count() - 1, entry.path, 3)  # Qt.ToolTipRole
        picker.addItem(self.tr("More models…"), "")
        i = picker.findData(self.loaded_entry or "")
        picker.setCurrentIndex(i if i >= 0 and self.loaded_entry else -1)
        picker.blockSignals(False)

    def _on_model_picked(self, index: int) -> None:
        name = self.model_picker.itemData(index)
        if name == "":
            self.refresh_model_picker()
            self.open_models()
        elif name and name != self.loaded_entry and self.streaming_id is None:
            self.use_model(name)
        elif self.streaming_id is not None:
            self.refresh_model_picker()

    def on_model_settings_changed(self, name: str) -> None:
        """New settings for the model in use take effect now (it is reloaded; history is untouched)."""
        if name == self.loaded_entry and self.streaming_id is None:
            self.use_model(name)

    def open_models(self, tab: int = 0) -> ModelsDialog:
        if self.models_dialog is None:
            self.models_dialog = ModelsDialog(self.library, self.downloads, self)
            self.models_dialog.modelChosen.connect(self.use_model)
            self.models_dialog.settingsChanged.connect(self.on_model_settings_changed)
            self.models_dialog.finished.connect(lambda _: self.refresh_model_picker())
        self.models_dialog.refresh_library()
        self.models_dialog.tabs.setCurrentIndex(tab)
        self.models_dialog.show()
        self.models_dialog.raise_()
        return self.models_dialog

    def dragEnterEvent(self, event) -> None:
        if any(u.toLocalFile().lower().endswith(".gguf") for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.toLocalFile().lower().endswith(".gguf")]
        if paths:
            event.acceptProposedAction()
            self.add_model_file(paths[0])

    def add_model_file(self, path: str) -> None:
        """A GGUF dropped on the window or opened from File: into the library, then loaded."""
        try:
            entry = self.library.add(path)
        except (LibraryError, ModelLoadError) as exc:
            self.show_error(self.tr("The model could not be added"), str(exc))
            return
        self.use_model(entry.name)

    def choose_model_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open a GGUF model"), "",
                                              self.tr("GGUF models (*.gguf);;All files (*)"))
        if path:
            self.add_model_file(path)
