"""File → Models… in the real window: a download from a local hub, cancelled, resumed, then used."""

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QListWidget, QProgressBar, QPushButton, QTableWidget

from tests.conftest import HUB_FILE, HUB_REPO, LOAD_TIMEOUT, child

pytestmark = pytest.mark.model
DOWNLOAD_TIMEOUT = 60_000


def test_search_download_cancel_resume_and_use_a_model(qtbot, open_window, data_dir, fake_hub, model_sha):
    w = open_window(data_dir)
    assert w.model_name == HUB_FILE  # the bundled model at first run
    w.actions.models.trigger()
    d = w.models.dialog
    assert d.isVisible()
    d.tabs.setCurrentIndex(1)

    # Search as a user: type, press Enter.
    box = child(d, QLineEdit, "hubSearch")
    qtbot.keyClicks(box, "smol")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    repos = child(d, QListWidget, "repoList")
    qtbot.waitUntil(lambda: repos.count() == 1 and repos.item(0).text() == HUB_REPO, timeout=10_000)
    repos.setCurrentRow(0)
    files = child(d, QTableWidget, "fileTable")
    qtbot.waitUntil(lambda: files.rowCount() == 1, timeout=10_000)
    assert files.item(0, 0).text() == HUB_FILE and files.item(0, 2).text() == "Q4_1"
    assert files.selectedItems(), "the file that fits should be pre-selected"

    # Start slowly, and cancel part-way: the GUI stays responsive and the part is kept.
    fake_hub.chunk_delay = 0.003
    bar = child(d, QProgressBar, "downloadProgress")
    download, cancel = child(d, QPushButton, "downloadButton"), child(d, QPushButton, "cancelDownloadButton")
    qtbot.mouseClick(download, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bar.value() > 150, timeout=DOWNLOAD_TIMEOUT)
    assert not download.isEnabled() and cancel.isEnabled()
    assert "MB/s" in d.status.text()
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "can be resumed" in d.status.text(), timeout=10_000)
    assert download.isEnabled() and not cancel.isEnabled() and download.text() == "Resume download"
    parts = list(Path(data_dir).rglob(HUB_FILE + ".part"))
    assert len(parts) == 1 and parts[0].stat().st_size > 0
    kept = parts[0].stat().st_size

    # Download again: it resumes from the part and verifies the sha256.
    fake_hub.chunk_delay = 0
    qtbot.mouseClick(download, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: d.status.text().startswith("Downloaded and verified"), timeout=DOWNLOAD_TIMEOUT)
    assert fake_hub.range_starts[-1] == kept
    assert not parts[0].exists() and download.text() == "Download"

    # The library lists it as downloaded from the hub; "Use this model" loads it.
    d.tabs.setCurrentIndex(0)
    table = child(d, QTableWidget, "libraryTable")
    rows = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    downloaded = [name for name, source in rows.items() if HUB_REPO in source]
    assert len(downloaded) == 1, rows
    entry = w.library.get(downloaded[0])
    assert entry.sha256 == model_sha and Path(entry.path).is_file()
    row = [r for r in range(table.rowCount()) if table.item(r, 0).text() == downloaded[0]][0]
    table.selectRow(row)
    w.model_name = None
    qtbot.mouseClick(child(d, QPushButton, "useModelButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.model_name is not None, timeout=LOAD_TIMEOUT)
    assert not d.isVisible()
    assert Path(w.worker_host.worker._engine.path) == Path(entry.path)  # the downloaded copy, not the bundled one
    assert w.models.last_model_name() == downloaded[0]


def test_hub_unreachable_is_one_clear_sentence(qtbot, open_window, data_dir, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens on the discard port
    w = open_window(data_dir)
    d = w.models.open_models()
    d.tabs.setCurrentIndex(1)
    qtbot.keyClicks(child(d, QLineEdit, "hubSearch"), "qwen3")
    qtbot.mouseClick(child(d, QPushButton, "hubSearchButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Hugging Face" in d.status.text() and "reach" in d.status.text(), timeout=10_000)
    assert "Traceback" not in d.status.text()
    # The curated list is still there to pick from once back online.
    from reasoner_desktop.inference.library import recommended_models

    assert child(d, QListWidget, "repoList").count() == len(recommended_models()) > 0


def test_the_model_last_used_is_loaded_at_the_next_start(qtbot, open_window, data_dir, tmp_path, model_path):
    import shutil

    copy = tmp_path / "My-Own-Model.gguf"
    shutil.copy(model_path, copy)
    w = open_window(data_dir)
    w.model_name = None
    w.models.add_model_file(str(copy))  # what dropping a .gguf on the window does
    qtbot.waitUntil(lambda: w.model_name is not None, timeout=LOAD_TIMEOUT)
    assert Path(w.worker_host.worker._engine.path) == copy
    w.close()
    w2 = open_window(data_dir)
    assert Path(w2.worker_host.worker._engine.path) == copy and w2.models.last_model_name() == "My-Own-Model"


def test_model_settings_dialog_saves_and_reloads_the_model_in_use(qtbot, open_window, data_dir):
    from PySide6.QtWidgets import QComboBox, QDialogButtonBox, QDoubleSpinBox, QSpinBox

    from reasoner_desktop.ui.model_settings import ModelSettingsDialog

    w = open_window(data_dir)
    engine = w.worker_host.worker._engine
    d = w.models.open_models()
    table = child(d, QTableWidget, "libraryTable")
    table.selectRow(0)
    qtbot.mouseClick(child(d, QPushButton, "modelSettingsButton"), Qt.MouseButton.LeftButton)
    s = child(d, ModelSettingsDialog, "modelSettingsDialog")
    temperature = child(s, QDoubleSpinBox, "temperature")
    assert temperature.text() == "default"  # nothing set yet: the family's value applies
    temperature.setValue(0.25)
    child(s, QSpinBox, "n_ctx").setValue(1024)
    fmt = child(s, QComboBox, "formatBox")
    fmt.setCurrentIndex(fmt.findData("custom"))
    s.open_tag.setText("<r>")
    s.close_tag.setText("</r>")
    w.model_name = None
    qtbot.mouseClick(s.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save),
                     Qt.MouseButton.LeftButton)
    saved = w.library.get(w.models.loaded_entry).settings
    assert saved == {"n_ctx": 1024, "think_tags": ["<r>", "</r>"], "sampling": {"temperature": 0.25}}
    qtbot.waitUntil(lambda: w.model_name is not None, timeout=LOAD_TIMEOUT)  # reloaded with them
    reloaded = w.worker_host.worker._engine
    assert reloaded is not engine and reloaded.settings.n_ctx == 1024
    assert reloaded.recommended_sampling().temperature == 0.25
    assert reloaded.settings.custom_tags.open == "<r>"
