"""`make bench-smoke`: the benchmark harness still runs end to end (speed is not judged here)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import cli_env

pytestmark = pytest.mark.model
ROOT = Path(__file__).resolve().parents[1]


def test_bench_smoke_writes_every_key(tmp_path, data_dir):
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "bench.py"), "--smoke", "--out", str(tmp_path)],
                         capture_output=True, text=True, env=cli_env(data_dir), timeout=240, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    doc = json.loads((tmp_path / "results-smoke.json").read_text())
    r = doc["results"]
    for key in ["engine_vs_raw_decode_ratio", "gui_vs_raw_decode_ratio", "gui_max_stall_ms", "gui_p99_stall_ms",
                "render_ms_per_update_short", "render_ms_per_update_long", "turn2_prompt_tokens_evaluated",
                "turn2_prompt_tokens_total", "ttft_seconds", "startup_to_window_seconds", "rss_overhead_mb",
                "history_open_2000_ms", "history_search_ms"]:
        assert isinstance(r[key], (int, float)) and r[key] >= 0, key
    assert 0 < r["turn2_prompt_tokens_evaluated"] < r["turn2_prompt_tokens_total"]  # the KV prefix was reused
    assert r["gui_stream_tokens"] > 0 and r["gui_heartbeats"] > 0
    assert doc["meta"]["model"].endswith(".gguf") and set(doc["targets_met"]) >= {"gui_max_stall_ms"}
    table = (tmp_path / "results-smoke.md").read_text()
    assert "| `engine_vs_raw_decode_ratio` |" in table
