"""The core packages run without Qt (also enforced by import-linter in `make test`)."""

import pkgutil
import subprocess

import reasoner_desktop
from tests.conftest import PYTHON

CORE = ("domain", "inference", "storage", "services", "export")


def core_modules():
    prefix = reasoner_desktop.__name__ + "."
    for info in pkgutil.walk_packages(reasoner_desktop.__path__, prefix):
        parts = info.name.split(".")
        if parts[1] in CORE and "migrations" not in parts:
            yield info.name
    yield "reasoner_desktop.config"
    yield "reasoner_desktop.cli"


def test_core_packages_do_not_import_pyside6():
    modules = sorted(set(core_modules()))
    assert "reasoner_desktop.inference.engine" in modules and "reasoner_desktop.storage.repository" in modules
    code = "import importlib, sys\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules) + (
        "bad = [m for m in sys.modules if m.split('.')[0] == 'PySide6']\n"
        "print(bad); sys.exit(1 if bad else 0)\n")
    out = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, f"PySide6 imported by core modules: {out.stdout}{out.stderr}"
