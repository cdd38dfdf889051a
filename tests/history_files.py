"""Real history files at old revisions, made quickly: the schema by running the app's own
migrations up to a revision, the rows by executemany straight into SQLite."""

from __future__ import annotations

import hashlib
import random
import sqlite3
from pathlib import Path

from reasoner_desktop.storage.schema import upgrade_atomically

WORDS = ("river stone lantern copper meadow harbor violet thunder orchard glacier falcon ember willow "
         "quartz saddle cinder marble pepper walnut canyon").split()


def make_history(path: Path, revision: str, *, conversations: int, per_conversation: int,
                 seed: int = 7) -> int:
    """A history at `revision` (0001 or later) holding conversations × per_conversation messages,
    each conversation a linear user/assistant exchange. Returns the number of messages."""
    upgrade_atomically(path, 1000, target=revision)
    rng = random.Random(seed)
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        columns = {r[1] for r in con.execute("PRAGMA table_info(messages)")}
        with con:
            con.executemany(
                "INSERT INTO conversations (id, title, created_at, updated_at, pinned) VALUES (?, ?, ?, ?, 0)",
                [(c, f"Chat {c} about {WORDS[c % len(WORDS)]}", "2026-01-01 10:00:00", "2026-01-01 10:00:00")
                 for c in range(1, conversations + 1)])
            rows = []
            mid = 0
            for c in range(1, conversations + 1):
                parent = None
                for k in range(per_conversation):
                    mid += 1
                    role = "user" if k % 2 == 0 else "assistant"
                    words = " ".join(rng.choice(WORDS) for _ in range(14))
                    content = f"Message {mid} {role} {words} token{mid}"
                    thinking = "" if role == "user" else f"Thinking {mid}: " + " ".join(
                        rng.choice(WORDS) for _ in range(10))
                    rows.append((mid, c, parent, role, content, thinking, "complete", "2026-01-01 10:00:00",
                                 "2026-01-01 10:00:00"))
                    parent = mid
            con.executemany("INSERT INTO messages (id, conversation_id, parent_id, role, content, thinking, "
                            "status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            if "uuid" in columns:
                con.execute("UPDATE messages SET uuid = 'm-' || id")
                con.execute("UPDATE conversations SET uuid = 'c-' || id")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()
    return mid


def messages_digest(path: Path) -> tuple[int, str]:
    """(number of messages, a digest of every message's id, conversation, parent, role, text and thought)."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        h = hashlib.sha256()
        n = 0
        for row in con.execute("SELECT id, conversation_id, parent_id, role, content, thinking FROM messages "
                               "ORDER BY id"):
            h.update(repr(row).encode())
            n += 1
        return n, h.hexdigest()
    finally:
        con.close()
