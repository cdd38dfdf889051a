"""History at scale: open a 2,000-message conversation and search among 100,000 messages.

Run: .venv/bin/python bench/history_bench.py [--messages N]   (part of `make bench`)
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from reasoner_desktop.storage.models import Conversation, Message
from reasoner_desktop.storage.repository import open_history

WORDS = ("the of and to in is that it for was on are as with be at by this had not but what all were when we "
         "there can an your which their said if do will each about how up out them then she many some so these "
         "would other into has more her two like him see time could no make than first been its who now people "
         "my made over did down only way find use may water long little very after words called just where most "
         "know get through back much before go good new write our used me man too any day same right look think "
         "also around another came come work three word must because does part even place well such here take "
         "why things help put years different away again off went old number great tell men say small every found "
         "still between name should home big give air line set own under read last never us left end along while "
         "might next sound below saw something thought both few those always looked show large often together asked "
         "house world going want school important until form food keep children feet land side without boy once "
         "animals life enough took sometimes four head above kind began almost live page got earth need far hand "
         "high year mother light parts country father let night following picture being study second eyes soon "
         "volcano magma caldera photosynthesis derivative integral theorem lemma recursion").split()


def _vocabulary() -> tuple[list[str], list[float]]:
    """Real text is Zipfian: a few words are everywhere, most are rare. 20,000 words, weight 1/rank."""
    rng = random.Random(7)
    letters = "abcdefghijklmnopqrstuvwxyz"
    extra = {"".join(rng.choice(letters) for _ in range(rng.randint(4, 10))) for _ in range(25_000)}
    vocab = list(dict.fromkeys(WORDS + sorted(extra - set(WORDS))))[:20_000]
    return vocab, list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(vocab))))


VOCAB, CUM_WEIGHTS = _vocabulary()


def text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(VOCAB, cum_weights=CUM_WEIGHTS, k=n))


def seed(db: Path, n_messages: int, big: int = 2000) -> int:
    """n_messages in conversations of ~500, one of them `big` long. Returns the big one's id."""
    rng = random.Random(42)
    repo = open_history(db)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    sizes = [big]
    while sum(sizes) < n_messages:
        sizes.append(min(500, n_messages - sum(sizes)))
    next_id = 1
    with repo.engine.begin() as conn:
        for c, size in enumerate(sizes, start=1):
            when = base + timedelta(hours=c)
            conn.execute(insert(Conversation), [dict(id=c, title=text(rng, 5), created_at=when, updated_at=when,
                                                     pinned=False, active_leaf_id=next_id + size - 1)])
            rows = []
            for i in range(size):
                user = i % 2 == 0
                rows.append(dict(
                    id=next_id, conversation_id=c, parent_id=next_id - 1 if i else None,
                    role="user" if user else "assistant",
                    content=text(rng, rng.randint(8, 30) if user else rng.randint(40, 160)),
                    thinking="" if user else text(rng, rng.randint(60, 250)),
                    status="complete", created_at=when, updated_at=when, keep_thinking=False,
                ))
                next_id += 1
            conn.execute(insert(Message), rows)
    repo.engine.dispose()
    return 1


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def run(n_messages: int = 100_000, repeat: int = 15) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "history.db"
        t = time.perf_counter()
        big = seed(db, n_messages)
        seed_s = time.perf_counter() - t
        t = time.perf_counter()
        repo = open_history(db)  # what the app does at start-up
        open_db_ms = (time.perf_counter() - t) * 1000
        assert len(repo.get_conversation(big).messages) == 2000
        open_ms = timed(lambda: repo.get_conversation(big), repeat)
        list_ms = timed(repo.list_conversations, repeat)
        # Words of middling to low frequency, as people search for (names, topics) ...
        queries = ["magma", "caldera volcano", "photosynthesis", "recursion theorem", "lemma", "integral deriv",
                   VOCAB[900], f"{VOCAB[2000]} {VOCAB[300]}", VOCAB[5000][:4]]
        search_ms = [m for q in queries for m in timed(lambda q=q: repo.search(q), max(3, repeat // 3))]
        search_thoughts_ms = [m for q in queries
                              for m in timed(lambda q=q: repo.search(q, include_thoughts=True), max(3, repeat // 3))]
        # ... and the worst case: one of the most common words, found in a large share of all messages.
        common_ms = timed(lambda: repo.search("the", include_thoughts=True), max(3, repeat // 3))
        size_mb = db.stat().st_size / 2**20
        repo.engine.dispose()
    return {
        "history_messages": n_messages,
        "history_db_mb": round(size_mb, 1),
        "history_seed_seconds": round(seed_s, 1),
        "history_startup_open_ms": round(open_db_ms, 1),
        "history_open_2000_ms": round(statistics.median(open_ms), 1),
        "history_list_ms": round(statistics.median(list_ms), 2),
        "history_search_ms": round(statistics.median(search_ms), 1),
        "history_search_thoughts_ms": round(statistics.median(search_thoughts_ms), 1),
        "history_search_max_ms": round(max(search_ms + search_thoughts_ms), 1),
        "history_search_common_word_ms": round(statistics.median(common_ms), 1),
    }


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--messages", type=int, default=100_000)
    args = p.parse_args()
    json.dump(run(args.messages), sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
