"""Composition root: builds the services, the worker thread and the window, and wires
every signal in this one place."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QMetaObject, QObject, QProcess, QSettings, Qt, QThread, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from reasoner_desktop import __version__
from reasoner_desktop.config import DB_FILENAME, SETTINGS_FILENAME, ensure_data_dir
from reasoner_desktop.desktop_check import uses_xcb, xcb_problem
from reasoner_desktop.inference.library import ModelLibrary, engine_settings_for
from reasoner_desktop.inference.model_files import bundled_model_path
from reasoner_desktop.logs import install_excepthook
from reasoner_desktop.storage.database import DatabaseError
from reasoner_desktop.storage.repository import open_history
from reasoner_desktop.ui.i18n import current_language, effective_language, install_language
from reasoner_desktop.ui.main_window import MainWindow
from reasoner_desktop.ui.theme import app_icon, apply_theme
from reasoner_desktop.workers.chat_worker import ChatWorker
from reasoner_desktop.workers.download_worker import DownloadWorker
from reasoner_desktop.workers.import_worker import ImportWorker
from reasoner_desktop.workers.serve_worker import ApiServer, WorkerRunner


class WorkerHost(QObject):
    """Owns a worker's thread; stops them when the window closes."""

    def __init__(self, worker: QObject, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.thread = QThread()
        self.thread.setObjectName(name)
        worker.moveToThread(self.thread)
        self.thread.start()

    def stop(self) -> None:
        if not self.thread.isRunning():
            return
        self.worker.cancel()
        if self.worker.metaObject().indexOfSlot("shutdown()") >= 0:
            # Runs after the current job has ended (a token or a chunk at most), on the worker thread.
            QMetaObject.invokeMethod(self.worker, "shutdown", Qt.ConnectionType.BlockingQueuedConnection)
        self.thread.quit()
        self.thread.wait()


def build_main_window(data_dir: Path, model_path: Path | None = None) -> MainWindow:
    """The ready-to-show main window (a QApplication must already exist)."""
    data_dir = ensure_data_dir(Path(data_dir))
    repo = open_history(data_dir / DB_FILENAME)
    settings = QSettings(str(data_dir / SETTINGS_FILENAME), QSettings.Format.IniFormat)
    app = QApplication.instance()
    install_language(app, str(settings.value("ui/language", "system")))
    apply_theme(app, str(settings.value("ui/theme", "system")))
    library = ModelLibrary(data_dir)
    downloads = DownloadWorker(library)
    worker = ChatWorker(repo)
    host = WorkerHost(worker, "inference")
    window = MainWindow(repo, settings, library, downloads, worker_host=host)
    host.setParent(window)
    download_host = WorkerHost(downloads, "downloads", window)
    window.closing.connect(download_host.stop)
    imports = ImportWorker(repo)
    import_host = WorkerHost(imports, "imports", window)
    window.closing.connect(import_host.stop)

    # GUI -> worker: queued, because the worker lives on another thread.
    window.sendRequested.connect(worker.runTurn)
    window.editRequested.connect(worker.editTurn)
    window.regenerateRequested.connect(worker.regenerateTurn)
    window.thinkLongerRequested.connect(worker.thinkLongerTurn)
    window.measureContextRequested.connect(worker.measureContext)
    window.loadModelRequested.connect(worker.loadModel)
    window.evalRequested.connect(worker.runEval)
    # Stop must not wait behind the running turn in the worker's queue: set the flag directly.
    window.stopRequested.connect(worker.cancel, Qt.ConnectionType.DirectConnection)
    window.answerNowRequested.connect(worker.answer_now, Qt.ConnectionType.DirectConnection)  # a flag too
    # File → Serve: the API server shares the inference worker's engine (its jobs queue on that thread).
    runner = WorkerRunner(worker)
    runner.posted.connect(worker.runJob)  # queued onto the worker's thread
    api = ApiServer(runner, window)
    window.serve.startRequested.connect(api.start)
    window.serve.stopRequested.connect(api.stop)
    api.started.connect(window.serve.on_started)
    api.failed.connect(window.serve.on_failed)
    window.closing.connect(api.shutdown)  # connected before host.stop: the server ends before its engine
    window.closing.connect(host.stop)
    # worker -> GUI: queued back onto the GUI thread.
    worker.modelLoaded.connect(window.on_model_loaded)
    worker.modelFailed.connect(window.on_model_failed)
    worker.turnStarted.connect(window.stream.on_turn_started)
    worker.thinkingDelta.connect(window.stream.on_thinking_delta)
    worker.thoughtProgress.connect(window.stream.on_thought_progress)
    worker.contextMeasured.connect(window.steering.on_context_measured)
    worker.answerDelta.connect(window.stream.on_answer_delta)
    worker.contextTrimmed.connect(window.stream.on_context_trimmed)
    worker.pathFinished.connect(window.stream.on_path_finished)
    worker.turnFinished.connect(window.stream.on_turn_finished)
    worker.evalProgress.connect(window.lab.on_progress)
    worker.evalFinished.connect(window.lab.on_finished)
    window.files.importRequested.connect(imports.importFiles)
    window.files.importCancelRequested.connect(imports.cancel, Qt.ConnectionType.DirectConnection)  # a flag
    imports.progress.connect(window.files.on_import_progress)
    imports.finished.connect(window.files.on_import_finished)
    imports.failed.connect(window.files.on_import_failed)

    window.appearanceChanged.connect(lambda: on_appearance_changed(window))
    window.restart_button.clicked.connect(lambda: restart(window))
    # "Follow the system": a system switch to dark (or back) re-themes the running app.
    QGuiApplication.styleHints().colorSchemeChanged.connect(window.appearanceChanged)

    for notice in repo.startup_notices:
        window.show_error(window.tr("History"), notice)

    models = window.models
    if model_path is not None:
        entry = library.get(str(model_path))
        if entry is not None:
            models.use_model(entry.name)
        else:
            models.request_model(str(model_path), engine_settings_for(None))
    elif not models.use_model(models.last_model_name() or "", quiet=True):
        bundled = bundled_model_path(data_dir)
        if bundled is None:  # a pip install: offer the starter model (one download) or a file the user has
            window.set_model_state(None)
            window.models.offer_starter_model()
        else:
            models.use_model(bundled.stem)
    return window


def on_appearance_changed(window: MainWindow) -> None:
    """The theme applies at once (messages re-render for it); a new language from the next start
    (the window's texts are built once), offered at once with a Restart now button."""
    app = QApplication.instance()
    dark = apply_theme(app, window.app_settings.theme)
    window.retheme(dark)
    pending = effective_language(window.app_settings.language) != current_language()
    window.restart_button.setVisible(pending)
    if pending:
        window.statusBar().showMessage(window.tr("The new language applies from the next start."), 10000)


def restart(window: MainWindow) -> bool:
    """Start a new app process with the same arguments, then close this one (history is saved as it
    is written; closing flushes pending deletes and settings)."""
    args = ["-m", "reasoner_desktop", *sys.argv[1:]]
    window.close()
    return QProcess.startDetached(sys.executable, args)[0]


def _no_display() -> bool:
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


APP_ID = "io.github.reasonerdesktop.ReasonerDesktop"


def run_gui(data_dir: Path, model_path: Path | None = None) -> int:
    if _no_display():
        print("reasoner-desktop: no display found (DISPLAY/WAYLAND_DISPLAY unset). Start it in a desktop "
              "session, under Xvfb, or with QT_QPA_PLATFORM=offscreen; `reasoner-desktop ask` works without one.",
              file=sys.stderr)
        return 2
    if uses_xcb() and (problem := xcb_problem()):  # Qt would abort the process while loading its plugin
        print(f"reasoner-desktop: {problem}", file=sys.stderr)
        return 2
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Reasoner Desktop")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("reasoner-desktop")
    app.setDesktopFileName(APP_ID)  # the menu entry packaging/linux installs (Wayland's app id, the task bar's icon)
    app.setWindowIcon(app_icon())
    try:
        window = build_main_window(data_dir, model_path)
    except (DatabaseError, OSError) as exc:
        QMessageBox.critical(None, "Reasoner Desktop", str(exc))
        return 2
    # An error nobody planned for: logged to the crash log, one sentence in the window, and the
    # window stays usable (Qt keeps running after a slot raises).
    install_excepthook(lambda sentence: window.show_error(window.tr("Something went wrong"), sentence))
    window.show()
    if os.environ.get("REASONER_DESKTOP_EXIT_AFTER_SHOW"):  # start-up benchmark: time to a shown window
        def shown() -> None:
            print(f"window-shown {time.time():.6f}", file=sys.stderr, flush=True)
            app.quit()

        QTimer.singleShot(0, shown)
    return app.exec()
