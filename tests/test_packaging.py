"""Desktop integration on Linux: the launcher, the AppStream metainfo and the icons agree with the app and
install into a prefix (`make install PREFIX=...`); `make validate-packaging` runs the freedesktop tools."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from configparser import ConfigParser
from pathlib import Path

from reasoner_desktop import __version__
from reasoner_desktop.app import APP_ID

ROOT = Path(__file__).resolve().parents[1]
LINUX = ROOT / "packaging" / "linux"


def desktop_entry(path: Path) -> dict:
    parser = ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return dict(parser["Desktop Entry"])


def test_the_desktop_entry_and_the_metainfo_name_one_app():
    entry = desktop_entry(LINUX / f"{APP_ID}.desktop")
    assert entry["Type"] == "Application" and entry["Icon"] == APP_ID
    assert entry["Exec"].split()[0] == "reasoner-desktop"  # the console script pyproject.toml installs
    assert "reasoner-desktop" in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    meta = ET.parse(LINUX / f"{APP_ID}.metainfo.xml").getroot()
    assert meta.findtext("id") == APP_ID and meta.get("type") == "desktop-application"
    assert meta.findtext("launchable") == f"{APP_ID}.desktop"
    assert meta.findtext("project_license") == "Apache-2.0" and meta.find("content_rating") is not None
    assert meta.find("releases/release").get("version") == __version__  # a release for the version shipped
    shots = [s.findtext("image") for s in meta.iter("screenshot")]
    assert shots and all(s.startswith("https://") for s in shots)
    for shot in shots:  # each one is a screenshot docs/make_screenshots.py makes
        assert (ROOT / "docs" / "screenshots" / shot.rsplit("/", 1)[-1]).is_file(), shot


def test_install_puts_the_launcher_in_a_prefix_and_uninstall_takes_it_away(tmp_path):
    from PySide6.QtGui import QImage

    sys.path.insert(0, str(LINUX))
    try:
        import install
    finally:
        sys.path.remove(str(LINUX))
    prefix = tmp_path / "prefix"
    out = subprocess.run([sys.executable, str(LINUX / "install.py"), "--prefix", str(prefix),
                          "--executable", str(Path(sys.executable).parent / "reasoner-desktop")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    files = install.installed_files(prefix)
    assert all(f.is_file() for f in files), [str(f) for f in files if not f.is_file()]
    for n in install.SIZES:
        image = QImage(str(prefix / "share" / "icons" / "hicolor" / f"{n}x{n}" / "apps" / f"{APP_ID}.png"))
        assert (image.width(), image.height()) == (n, n) and image.hasAlphaChannel()
        assert image.pixelColor(n // 2, n // 2).alpha() == 255  # the icon, not an empty square
    entry = desktop_entry(prefix / "share" / "applications" / f"{APP_ID}.desktop")
    launcher = Path(entry["Exec"].split()[0])
    assert launcher == prefix / "bin" / "reasoner-desktop"
    version = subprocess.run([str(launcher), "--version"], capture_output=True, text=True, timeout=120)
    assert version.returncode == 0 and version.stdout.strip() == f"reasoner-desktop {__version__}"

    out = subprocess.run([sys.executable, str(LINUX / "install.py"), "--prefix", str(prefix), "--uninstall"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and not any(f.exists() for f in files)


def test_install_refuses_a_missing_executable_in_one_sentence(tmp_path):
    out = subprocess.run([sys.executable, str(LINUX / "install.py"), "--prefix", str(tmp_path),
                          "--executable", str(tmp_path / "nowhere")], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "does not exist" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "share").exists()


def _make(*args: str) -> subprocess.CompletedProcess:
    # -o: never (re)build the venv here; -n: print what would run
    return subprocess.run(["make", "--no-print-directory", "-o", ".venv/.installed", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_make_run_gpu_takes_a_prebuilt_wheel_of_the_pinned_llama_cpp_python():
    pinned = next(line.split("==")[1].strip('",') for line in (ROOT / "pyproject.toml").read_text().splitlines()
                  if '"llama-cpp-python==' in line)
    cuda = _make("-n", "gpu", "GPU=cuda").stdout
    assert f"--only-binary=:all: \\\n    --extra-index-url https://abetlen.github.io/llama-cpp-python/whl/cu124 " \
           f"llama-cpp-python=={pinned}" in cuda
    assert 'CMAKE_ARGS="-DGGML_CUDA=on"' in cuda  # compiled only when the index has no wheel for the pin
    assert "whl/cu121 " in _make("-n", "gpu", "GPU=cuda", "CUDA=cu121").stdout
    assert "whl/metal " in _make("-n", "gpu", "GPU=metal").stdout
    vulkan = _make("-n", "gpu", "GPU=vulkan").stdout
    assert 'CMAKE_ARGS="-DGGML_VULKAN=on"' in vulkan and "--extra-index-url  " in vulkan  # no prebuilt index
    assert "pip" not in _make("-n", "gpu").stdout  # the CPU build stays unless asked


def test_an_unknown_gpu_is_refused_in_one_sentence():
    done = _make("gpu", "GPU=rocm")
    assert done.returncode != 0
    assert "GPU must be cuda, metal or vulkan (got 'rocm')" in done.stdout
