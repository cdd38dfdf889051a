"""A normal Python install: `python -m build` makes the sdist and the wheel (the wheel built from the sdist,
so the sdist is complete), and the wheel installed non-editable into a new venv runs: `--version`, `ask
--json` on the bundled model, the window offscreen, with icons, translations and migrations found inside
that venv rather than in this checkout.

The new venv gets the dependencies by a .pth line pointing at this suite's own site-packages (installing
PySide6 and compiling llama.cpp again would take minutes and need the network); the project itself is only
in the new venv, non-editable, and the commands run from a folder outside the checkout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from reasoner_desktop import __version__
from reasoner_desktop.config import DB_FILENAME
from tests.conftest import cli_env

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    out = tmp / "dist"
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
                   cwd=tmp, check=True, capture_output=True, timeout=300)
    wheels = list(out.glob("*.whl"))
    assert [p.name for p in wheels] == [f"reasoner_desktop-{__version__}-py3-none-any.whl"]
    assert (out / f"reasoner_desktop-{__version__}.tar.gz").is_file()
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "suite_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-index", str(wheels[0])], check=True, capture_output=True, timeout=300)
    return venv


def _run(venv: Path, *args: str, data_dir: Path, **env) -> subprocess.CompletedProcess:
    script = venv / ("Scripts/reasoner-desktop.exe" if os.name == "nt" else "bin/reasoner-desktop")
    return subprocess.run([str(script), *args], cwd=venv.parent, capture_output=True, text=True, timeout=300,
                          env={**cli_env(data_dir), **env})


def test_the_installed_wheel_finds_its_own_files_and_answers(installed, data_dir):
    python = installed / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    probe = subprocess.run([str(python), "-c", (
        "import json, reasoner_desktop\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from reasoner_desktop.ui.i18n import install_language\n"
        "from reasoner_desktop.ui.theme import resources_dir\n"
        "from reasoner_desktop.storage.schema import MIGRATIONS_DIR\n"
        "app = QApplication([])\n"
        "assert install_language(app, 'zh_CN') == 'zh_CN'\n"
        "chinese = app.translate('AboutDialog', 'Crash log')\n"
        "print(json.dumps([reasoner_desktop.__file__, str(resources_dir()), str(MIGRATIONS_DIR), chinese]))")],
        cwd=installed.parent, capture_output=True, text=True, timeout=120,
        env={**cli_env(data_dir), "QT_QPA_PLATFORM": "offscreen"})
    assert probe.returncode == 0, probe.stderr
    *paths, chinese = json.loads(probe.stdout)
    assert chinese == "崩溃日志"  # the .qm installed with the wheel was found and loaded
    package, resources, migrations = (Path(p) for p in paths)
    for path in (package, resources, migrations):  # all inside the new venv, none from this checkout
        assert installed in path.parents and ROOT not in path.parents, path
    assert (resources / "icons" / "app.svg").is_file() and (resources / "i18n" / "reasoner_desktop_zh_CN.qm").is_file()
    assert len(list((migrations / "versions").glob("*.py"))) >= 6

    version = _run(installed, "--version", data_dir=data_dir)
    assert version.returncode == 0 and version.stdout.strip() == f"reasoner-desktop {__version__}"

    ask = _run(installed, "ask", "What is 2+2?", "--json", "--max-tokens", "12", "--seed", "1", data_dir=data_dir)
    assert ask.returncode == 0, ask.stderr
    answer = json.loads(ask.stdout)
    assert answer["answer"].strip() and answer["conversation_id"]
    assert (data_dir / DB_FILENAME).is_file()  # made by the installed migrations

    gui = _run(installed, "gui", data_dir=data_dir, QT_QPA_PLATFORM="offscreen", REASONER_DESKTOP_EXIT_AFTER_SHOW="1")
    assert gui.returncode == 0, gui.stderr
    assert "window-shown" in gui.stderr
