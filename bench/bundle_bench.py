"""The standalone bundle against the venv (`make run`): its size, and the time from start to the window
shown (REASONER_DESKTOP_EXIT_AFTER_SHOW prints "window-shown" and quits), median of runs taken in turn.

Run: make bench-bundle   (builds dist/ first; writes bench/results-bundle.json)
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "dist" / "reasoner-desktop"


def _window_seconds(cmd: list[str], home: Path) -> float:
    env = {**os.environ, "HOME": str(home), "QT_QPA_PLATFORM": "offscreen", "REASONER_DESKTOP_EXIT_AFTER_SHOW": "1"}
    t = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    elapsed = time.perf_counter() - t
    if out.returncode != 0 or "window-shown" not in out.stderr:
        raise SystemExit(f"{cmd[0]} did not show its window: {out.stderr[-500:]}")
    return elapsed


def run(bundle: Path = BUNDLE, repeat: int = 5) -> dict:
    exe = bundle / "reasoner-desktop"
    size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink()) / 2**20  # links once
    tars = sorted((bundle.parent).glob("reasoner-desktop-*.tar.gz"))
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        frozen, venv = [], []
        for _ in range(repeat):  # in turn, so that a noisy moment costs both alike
            frozen.append(_window_seconds([str(exe)], home))
            venv.append(_window_seconds([str(ROOT / ".venv" / "bin" / "python"), "-m", "reasoner_desktop"], home))
    rows = {
        "bundle_size_mb": round(size, 1),
        "bundle_startup_seconds": round(statistics.median(frozen), 2),
        "venv_startup_seconds": round(statistics.median(venv), 2),
        "bundle_vs_venv_startup_ratio": round(statistics.median(frozen) / statistics.median(venv), 2),
    }
    if tars:
        rows["bundle_tar_gz_mb"] = round(tars[-1].stat().st_size / 2**20, 1)
    return rows


def main() -> int:
    if not (BUNDLE / "reasoner-desktop").exists():
        print("No bundle: run `make dist` first.", file=sys.stderr)
        return 2
    rows = run()
    from datetime import UTC, datetime

    doc = {"meta": {"date": datetime.now(UTC).isoformat(timespec="seconds"), "cpus": os.cpu_count()}, "results": rows}
    (ROOT / "bench" / "results-bundle.json").write_text(json.dumps(doc, indent=2) + "\n")
    json.dump(rows, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
