"""Importing at the size people bring: one generated ChatGPT conversation of 5,000 nodes (user turns, hidden
tool context, o1 thoughts, code, its output and the answer, on one branch: what a long code-interpreter chat
looks like), read, parsed and written into a new history, as `reasoner-desktop import` does.

Run: .venv/bin/python bench/import_bench.py [--nodes N]   (part of `make bench`)
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reasoner_desktop.services.importing import import_paths  # noqa: E402
from reasoner_desktop.storage.repository import open_history  # noqa: E402
from tests.chatgpt_gen import long_chat  # noqa: E402


def run(nodes: int = 5_000, repeat: int = 3) -> dict:
    turns = max(1, -(-nodes // 6))  # six nodes a turn, and the root
    seconds = []
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "conversations.json"
        src.write_text(json.dumps([long_chat(turns)]))
        for i in range(repeat):
            repo = open_history(Path(tmp) / f"history-{i}.db")
            t = time.perf_counter()
            reports = import_paths(repo, [src])
            seconds.append(time.perf_counter() - t)
            messages = reports[0].stats.messages
            repo.engine.dispose()
        assert messages == 2 * turns, messages  # a question and one merged answer a turn
        size_mb = src.stat().st_size / 2**20
    return {
        "import_chatgpt_nodes": turns * 6 + 1,
        "import_chatgpt_file_mb": round(size_mb, 1),
        "import_chatgpt_messages": messages,
        "import_chatgpt_5000_nodes_seconds": round(statistics.median(seconds), 2),
    }


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--nodes", type=int, default=5_000)
    args = p.parse_args()
    json.dump(run(args.nodes), sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
