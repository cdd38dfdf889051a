"""Full-text search over messages with SQLite FTS5 (see migration 0003)."""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.engine import Connection

from reasoner_desktop.domain.messages import Role
from reasoner_desktop.domain.history import SearchHit

_WORD = re.compile(r"\w+", re.UNICODE)
# Private-use characters mark matches inside SQLite; they are swapped for the caller's markers.
_OPEN, _CLOSE = "\ue000", "\ue001"


def fts_query(user_query: str) -> str | None:
    """The user's words as an FTS5 query: every word must appear (the last may be a prefix).

    Each word is quoted, so FTS syntax characters in the query are harmless."""
    words = _WORD.findall(user_query)
    if not words:
        return None
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def search_messages(conn: Connection, user_query: str, *, include_thoughts: bool = False, limit: int = 50,
                    mark: tuple[str, str] = ("[", "]")) -> list[SearchHit]:
    query = fts_query(user_query)
    if query is None:
        return []
    match = query if include_thoughts else f"content : ({query})"
    rows = conn.execute(
        text(
            # Rank every match first, then build snippets for the top ones only.
            "WITH top AS (SELECT rowid AS id, bm25(messages_fts, 1.0, 0.6) AS score FROM messages_fts "
            "WHERE messages_fts MATCH :q ORDER BY score LIMIT :limit) "
            "SELECT m.id, m.conversation_id, c.title, m.role, "
            "snippet(messages_fts, 0, :a, :b, '…', 16) AS s_content, "
            "snippet(messages_fts, 1, :a, :b, '…', 16) AS s_thinking, top.score "
            "FROM top JOIN messages_fts ON messages_fts.rowid = top.id "
            "JOIN messages m ON m.id = top.id JOIN conversations c ON c.id = m.conversation_id "
            "WHERE messages_fts MATCH :q ORDER BY top.score"
        ),
        {"q": match, "a": _OPEN, "b": _CLOSE, "limit": limit},
    ).all()
    hits = []
    for mid, cid, title, role, s_content, s_thinking, rank in rows:
        in_content = _OPEN in (s_content or "")
        field = "content" if in_content or not include_thoughts else "thinking"
        snippet = (s_content if field == "content" else s_thinking) or ""
        snippet = snippet.replace(_OPEN, mark[0]).replace(_CLOSE, mark[1])
        hits.append(SearchHit(cid, title, mid, Role(role), field, snippet, float(rank)))
    return hits
