"""The scaling lab in the main window: Help → Scaling lab opens the dialog; the chat worker, which owns
the engine, runs the lab (app.py wires its progress and report to the slots here). The window owns one
LabActions; while the lab runs the model is busy (the window asks `running`)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot

from reasoner_desktop.ui.scaling_lab import ScalingLabDialog


class LabActions(QObject):
    """Needs the window's stream, model_name, evalRequested and stopRequested signals, and _sync_busy()."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.w = window
        self.dialog: ScalingLabDialog | None = None
        self.running = False

    def open(self) -> ScalingLabDialog:
        if self.dialog is None:
            self.dialog = ScalingLabDialog(self.w)
            self.dialog.runRequested.connect(self._run)
            self.dialog.stopRequested.connect(self.w.stopRequested)
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog

    def _run(self, config) -> None:
        if self.w.stream.busy or not self.w.model_name:
            self.dialog.on_finished(None, self.tr("Wait for the answer being written (or Stop it), and for a model."))
            return
        self.running = True
        self.w._sync_busy()
        self.w.evalRequested.emit(config)

    @Slot(int, int)
    def on_progress(self, done: int, total: int) -> None:
        if self.dialog is not None:
            self.dialog.on_progress(done, total)

    @Slot(object, str)
    def on_finished(self, report, error: str) -> None:
        self.running = False
        self.w._sync_busy()
        if self.dialog is not None:
            self.dialog.on_finished(report, error)
