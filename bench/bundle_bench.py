"""The standalone bundle against the venv (`make run`): its size, and how fast it starts.

Rows (bench/results-bundle.json and .md, in bench/bench.py's format: meta, results, targets_met):
  bundle_size_mb / bundle_tar_gz_mb      dist/reasoner-desktop (files, links counted once) and its .tar.gz
  bundle_startup_seconds                 `reasoner-desktop --version` from the bundle, start to exit
  venv_startup_seconds                   the same through .venv/bin/reasoner-desktop (the console script)
  bundle_window_seconds                  start to the window shown (REASONER_DESKTOP_EXIT_AFTER_SHOW prints
  venv_window_seconds                    "window-shown <time>"), bundle and `.venv/bin/python -m reasoner_desktop`
  bundle_vs_venv_window_ratio
Medians of --repeat runs (default 3), bundle and venv taken in turn after one untimed warm-up run of each, in an
empty HOME and data folder.

Run: make bench-bundle   (builds dist/ first)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import report  # bench/report.py: this runs as a script from bench/

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "bench"
BUNDLE = ROOT / "dist" / "reasoner-desktop"
VENV_BIN = ROOT / ".venv" / "bin"

TARGETS = {
    "bundle_size_mb": ("<", 360),
    "bundle_vs_venv_window_ratio": ("<", 1.1),
}


def _env(home: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REASONER_DESKTOP_", "XDG_"))}
    return {**env, "HOME": str(home), "QT_QPA_PLATFORM": "offscreen", "REASONER_DESKTOP_DATA_DIR": str(home / "data"),
            **extra}


def _version_seconds(cmd: list[str], home: Path) -> float:
    t = time.perf_counter()
    out = subprocess.run([*cmd, "--version"], capture_output=True, text=True, env=_env(home), timeout=120)
    elapsed = time.perf_counter() - t
    if out.returncode != 0 or not out.stdout.startswith("reasoner-desktop "):
        raise SystemExit(f"{cmd[0]} --version failed: {out.stderr[-500:]}")
    return elapsed


def _window_seconds(cmd: list[str], home: Path) -> float:
    """Start to the window shown, as bench.py's startup_to_window_seconds (the exit is not counted)."""
    t = time.time()
    out = subprocess.run(cmd, capture_output=True, text=True, env=_env(home, REASONER_DESKTOP_EXIT_AFTER_SHOW="1"),
                         timeout=120)
    shown = [ln for ln in out.stderr.splitlines() if ln.startswith("window-shown ")]
    if out.returncode != 0 or not shown:
        raise SystemExit(f"{cmd[0]} did not show its window: {out.stderr[-500:]}")
    return float(shown[0].split()[1]) - t


def folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink()) / 2**20


def run(bundle: Path = BUNDLE, repeat: int = 3) -> dict:
    frozen, venv = [str(bundle / "reasoner-desktop")], [str(VENV_BIN / "reasoner-desktop")]
    venv_window = [str(VENV_BIN / "python"), "-m", "reasoner_desktop"]  # what `make run` starts
    times: dict[str, list[float]] = {k: [] for k in ("bundle", "venv", "bundle_window", "venv_window")}
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        for cmd in (frozen, venv):  # warm-up, untimed: the files into the page cache
            _version_seconds(cmd, home)
        for cmd in (frozen, venv_window):
            _window_seconds(cmd, home)
        for _ in range(repeat):  # in turn, so that a noisy moment costs both alike
            times["bundle"].append(_version_seconds(frozen, home))
            times["venv"].append(_version_seconds(venv, home))
            times["bundle_window"].append(_window_seconds(frozen, home))
            times["venv_window"].append(_window_seconds(venv_window, home))
    med = {k: statistics.median(v) for k, v in times.items()}
    rows = {"bundle_size_mb": round(folder_mb(bundle), 1)}
    tars = sorted(bundle.parent.glob("reasoner-desktop-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if tars:
        rows["bundle_tar_gz_mb"] = round(tars[-1].stat().st_size / 2**20, 1)
    rows.update({
        "bundle_startup_seconds": round(med["bundle"], 3),
        "venv_startup_seconds": round(med["venv"], 3),
        "bundle_window_seconds": round(med["bundle_window"], 2),
        "venv_window_seconds": round(med["venv_window"], 2),
        "bundle_vs_venv_window_ratio": round(med["bundle_window"] / med["venv_window"], 2),
    })
    return rows


def write(r: dict, repeat: int, out_dir: Path = HERE) -> tuple[Path, Path]:
    meta = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, {platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "runs": repeat,
    }
    doc = {"meta": meta, "results": r, "targets_met": report.verdicts(r, TARGETS)}
    jpath, mpath = out_dir / "results-bundle.json", out_dir / "results-bundle.md"
    jpath.write_text(json.dumps(doc, indent=2) + "\n")
    lines = ["# Standalone bundle against the venv", "",
             f"{meta['date']} · {meta['machine']} · Python {meta['python']} · median of {repeat} runs", "",
             *report.table(r, TARGETS, doc["targets_met"])]
    mpath.write_text("\n".join(lines) + "\n")
    return jpath, mpath


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bundle", type=Path, default=BUNDLE, help="the bundle's folder (default: dist/reasoner-desktop)")
    p.add_argument("--repeat", type=int, default=3, help="timed runs of each (default 3)")
    p.add_argument("--out", type=Path, default=HERE, help="where results-bundle(.json|.md) go (default: bench/)")
    args = p.parse_args()
    if not (args.bundle / "reasoner-desktop").exists():
        print("No bundle: run `make dist` first.", file=sys.stderr)
        return 2
    rows = run(args.bundle, args.repeat)
    jpath, mpath = write(rows, args.repeat, args.out)
    print(mpath.read_text())
    print(f"wrote {jpath} and {mpath}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
