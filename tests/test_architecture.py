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


def _tracked_files() -> list[str]:
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True)
    return [root / name for name in out.stdout.decode().split("\0") if name]


def test_no_tracked_file_is_over_5_mb_and_no_core_dumps():
    """Build output, core dumps and models do not belong in git (every clone pays for them)."""
    import re

    files = _tracked_files()
    assert files, "git ls-files found nothing"
    big = [f"{p.name} ({p.stat().st_size / 2**20:.0f} MB)" for p in files if p.is_file() and p.stat().st_size > 5 * 2**20]
    assert not big, f"tracked files over 5 MB: {big}"
    cores = [str(p) for p in files if re.fullmatch(r"core(\.\d+)?|vgcore\.\d+", p.name)]
    assert not cores, f"core dumps are tracked: {cores}"
