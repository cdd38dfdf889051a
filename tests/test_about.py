"""Help -> About and `--version --verbose`: the version, the llama.cpp build (backends, GPU offload), the
licences, the data folder and the crash log, with Open buttons that reach the system's file manager."""

from __future__ import annotations

from pathlib import Path

import llama_cpp
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QLabel, QPushButton

from reasoner_desktop import __version__, cli
from reasoner_desktop.inference import llama_adapter
from reasoner_desktop.inference.model_files import bundled_model_path
from reasoner_desktop.logs import crash_log_path
from tests.conftest import child

CUDA_INFO = (b"CUDA : ARCHS = 890 | USE_GRAPHS = 1 | PEER_MAX_BATCH_SIZE = 128 | CPU : SSE3 = 1 | SSSE3 = 1 | "
             b"AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | LLAMAFILE = 1 | OPENMP = 1 | REPACK = 1 | ")
METAL_INFO = b"Metal : EMBED_LIBRARY = 1 | CPU : NEON = 1 | ARM_FMA = 1 | ACCELERATE = 1 | REPACK = 1 | "


def test_backends_are_read_from_the_builds_system_info(monkeypatch):
    monkeypatch.setattr(llama_cpp, "llama_print_system_info", lambda: CUDA_INFO)
    assert llama_adapter.build_backends() == ["CUDA", "CPU"]
    monkeypatch.setattr(llama_cpp, "llama_print_system_info", lambda: METAL_INFO)
    assert llama_adapter.build_backends() == ["Metal", "CPU"]
    monkeypatch.undo()
    assert "CPU" in llama_adapter.build_backends()  # this machine's real build


def test_version_verbose_prints_the_build(capsys):
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"reasoner-desktop {__version__}"
    assert cli.main(["--version", "--verbose"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"reasoner-desktop {__version__}"
    fields = dict(line.split(": ", 1) for line in out[1:])
    assert fields["llama-cpp-python"] == llama_cpp.__version__
    assert fields["backends"] == ", ".join(llama_adapter.build_backends())
    gpu = llama_adapter.supports_gpu_offload()
    assert fields["GPU offload"] == ("supported" if gpu else "not in this build (CPU only)")
    assert fields["bundled model"] == str(bundled_model_path())


class _Opened(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def test_about_shows_the_build_the_licences_and_opens_the_data_folder(qtbot, open_window, data_dir):
    w = open_window(data_dir, wait_model=False)
    w.findChild(object, "actionAbout").trigger()
    dialog = child(w, QDialog, "aboutDialog")
    qtbot.waitExposed(dialog)
    assert __version__ in child(dialog, QLabel, "aboutTitle").text()
    assert child(dialog, QLabel, "build-backends").text() == ", ".join(llama_adapter.build_backends())
    assert child(dialog, QLabel, "build-llama-cpp-python").text() == llama_cpp.__version__
    licences = child(dialog, QLabel, "aboutLicences").text()
    assert "SmolLM2-135M-Instruct" in licences and licences.count("Apache-2.0") >= 2  # the app and the model
    texts = [label.text() for label in dialog.findChildren(QLabel)]
    assert str(data_dir) in texts and str(crash_log_path(data_dir)) in texts

    opened = _Opened()
    QDesktopServices.setUrlHandler("file", opened, "open")
    try:
        qtbot.mouseClick(child(dialog, QPushButton, "openDataFolder"), Qt.MouseButton.LeftButton)
        qtbot.mouseClick(child(dialog, QPushButton, "openCrashFolder"), Qt.MouseButton.LeftButton)
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [Path(u.toLocalFile()) for u in opened.urls] == [data_dir, crash_log_path(data_dir).parent]
    assert crash_log_path(data_dir).parent.is_dir()  # made, so the file manager has something to show
    dialog.close()


def test_the_status_bar_says_how_many_layers_a_gpu_build_offloaded(qtbot, open_window, data_dir, monkeypatch):
    from reasoner_desktop.inference import engine as engine_module

    class OnGpu(engine_module.LlamaAdapter):  # this machine has no GPU: what llama.cpp is asked is recorded
        asked: list[int] = []

        def __init__(self, path, **kwargs):
            OnGpu.asked.append(kwargs["n_gpu_layers"])
            super().__init__(path, **{**kwargs, "n_gpu_layers": 0})

    monkeypatch.setattr(engine_module, "_supports_gpu_offload", lambda: True)
    monkeypatch.setattr(engine_module, "LlamaAdapter", OnGpu)
    w = open_window(data_dir)
    assert OnGpu.asked == [-1]  # every layer, by default
    total = w.model_caps["layers"]
    assert total > 1 and w.model_caps["gpu_layers"] == total
    assert w.model_label.text().endswith(f" · GPU: {total} of {total} layers")
