"""Help → Scaling lab: the article's claim measured on the loaded model (services/evaluation.py).

The dialog only asks: the chat worker, which owns the engine, runs the lab and reports progress and the
report back through signals (app.py wires them)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reasoner_desktop.services.evaluation import EvalConfig, EvalReport
from reasoner_desktop.ui.markdown_view import app_is_dark
from reasoner_desktop.ui.scaling_plot import render_plot


def _numbers(text: str, lo: int, hi: int) -> tuple[int, ...] | None:
    try:
        values = tuple(dict.fromkeys(int(v) for v in text.replace(" ", "").split(",") if v))
    except ValueError:
        return None
    return values if values and all(lo <= v <= hi for v in values) else None


class ScalingLabDialog(QDialog):
    runRequested = Signal(object)  # EvalConfig
    stopRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scalingLabDialog")
        self.setWindowTitle(self.tr("Scaling lab"))
        self.report: EvalReport | None = None
        intro = QLabel(self.tr(
            "Does more thinking give better answers on this model? The lab asks it generated problems with exact "
            "answers, with more paths (a vote) and with longer thinking, and draws accuracy against the tokens "
            "spent. Nothing is stored in your history."))
        intro.setWordWrap(True)
        self.task = QComboBox()
        self.task.setObjectName("labTask")
        for label, value in ((self.tr("Arithmetic"), "arithmetic"), (self.tr("Word problems"), "word"),
                             (self.tr("Multiple choice"), "choice")):
            self.task.addItem(label, value)
        self.n = QSpinBox()
        self.n.setObjectName("labProblems")
        self.n.setRange(1, 1000)
        self.n.setValue(20)
        self.samples = QLineEdit("1,4,8")
        self.samples.setObjectName("labSamples")
        self.budgets = QLineEdit("0,256,1024")
        self.budgets.setObjectName("labBudgets")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        form = QFormLayout()
        form.addRow(self.tr("Task"), self.task)
        form.addRow(self.tr("Problems"), self.n)
        form.addRow(self.tr("Paths to compare"), self.samples)
        form.addRow(self.tr("Thinking budgets (0: off)"), self.budgets)
        form.addRow(self.tr("Seed"), self.seed)
        self.error = QLabel()
        self.error.setObjectName("labError")
        self.error.setStyleSheet("color: palette(link);")
        self.error.hide()
        self.run_button = QPushButton(self.tr("Run"))
        self.run_button.setObjectName("labRun")
        self.run_button.clicked.connect(self._run)
        self.stop_button = QPushButton(self.tr("Stop"))
        self.stop_button.setObjectName("labStop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stopRequested)
        self.progress = QProgressBar()
        self.progress.setObjectName("labProgress")
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.progress, 1)
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("labTable")
        self.table.setHorizontalHeaderLabels([self.tr("Paths"), self.tr("Max thinking"), self.tr("Accuracy"),
                                              self.tr("Any path right"), self.tr("Tokens"), self.tr("Seconds")])
        self.table.verticalHeader().hide()
        self.table.setMinimumHeight(self.table.horizontalHeader().sizeHint().height()
                                    + 7 * self.table.verticalHeader().defaultSectionSize() + 4)
        self.chart = QLabel()
        self.chart.setObjectName("labChart")
        self.chart.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        layout.addWidget(self.table)
        layout.addWidget(self.chart, 1)
        room = self.screen().availableGeometry() if self.screen() is not None else None
        self.resize(min(780, room.width() - 40) if room else 780, min(900, room.height() - 80) if room else 900)

    def config(self) -> EvalConfig | None:
        samples = _numbers(self.samples.text(), 1, 16)
        budgets = _numbers(self.budgets.text(), 0, 1_000_000)
        if samples is None or budgets is None:
            self._say(self.tr("Paths are whole numbers from 1 to 16 and budgets from 0, separated by commas."))
            return None
        return EvalConfig(task=self.task.currentData(), n=self.n.value(), samples=samples, max_thinking=budgets,
                          seed=self.seed.value())

    def _say(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def _run(self) -> None:
        config = self.config()
        if config is None:
            return
        self._say("")
        self.set_running(True)
        self.progress.setValue(0)
        self.runRequested.emit(config)

    def set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.stop_button.setEnabled(running)

    def on_progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(1, total))
        self.progress.setValue(done)

    def on_finished(self, report: EvalReport | None, error: str = "") -> None:
        self.set_running(False)
        if error:
            self._say(error)
        if report is None:
            return
        self.report = report
        self.table.setRowCount(len(report.cells))
        for row, c in enumerate(report.cells):
            values = (str(c.samples), str(c.max_thinking or self.tr("off")), f"{c.accuracy:.0%}", f"{c.coverage:.0%}",
                      f"{c.mean_tokens:,.0f}", f"{c.mean_seconds:.2f}")
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        width = max(480, self.chart.width() or 700)
        self.chart.setPixmap(QPixmap.fromImage(render_plot(report, width, int(width * 0.62), dark=app_is_dark())))
        if report.stopped:
            self._say(self.tr("Stopped: the table shows the problems answered so far."))
