"""Our JSON export: versioned, lossless (every field, every branch), and re-importable.

{"format": "reasoner-desktop", "version": 1, "exported_at": ..., "app_version": ..., "thinking": "include"|"omit",
 "conversations": [{"uuid", "title", "created_at", "updated_at", "pinned", "keep_thoughts", "model", "system_prompt",
   "settings",
   "active_leaf": <message uuid>, "messages": [{"uuid", "parent": <uuid|null>, "role", "content", "thinking",
   "status", "model", "thinking_seconds", "thinking_tokens", "answer_tokens", "prompt_tokens", "budget",
   "keep_thinking", "rating", "stats", "sampling", "created_at", "updated_at"}],
   "votes": [{"question": <uuid>, "method": "extracted"|"model"|"none", "answer", "agree", "of",
              "winner": <uuid>, "paths": [{"message": <uuid>, "final_answer", "key", "confidence"}]}]}]}
"""

from __future__ import annotations

from datetime import UTC, datetime

from reasoner_desktop import __version__
from reasoner_desktop.domain.history import ConversationRecord, MessageRecord
from reasoner_desktop.domain.messages import MessageStatus, Role
from reasoner_desktop.export.options import ImportFormatError, ThinkingExport

FORMAT_NAME = "reasoner-desktop"
FORMAT_VERSION = 1


def _iso(dt: datetime | None) -> str | None:
    return dt.astimezone(UTC).isoformat() if dt else None


def to_document(conversations: list[ConversationRecord], thinking: ThinkingExport) -> dict:
    omit = thinking is ThinkingExport.OMIT
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "exported_at": datetime.now(UTC).isoformat(),
        "app_version": __version__,
        "thinking": "omit" if omit else "include",
        # Oldest first, by a key that does not depend on the database's ids.
        "conversations": [_conversation(c, omit) for c in sorted(conversations, key=lambda c: (c.created_at, c.uuid))],
    }


def _conversation(c: ConversationRecord, omit: bool) -> dict:
    uuid_of = {m.id: m.uuid for m in c.messages}
    return {
        "uuid": c.uuid,
        "title": c.title,
        "created_at": _iso(c.created_at),
        "updated_at": _iso(c.updated_at),
        "pinned": c.pinned,
        "keep_thoughts": c.keep_thoughts,
        "model": c.model,
        "system_prompt": c.system_prompt,
        "settings": c.settings,
        "active_leaf": uuid_of.get(c.active_path[-1]) if c.active_path else None,
        "messages": [
            {
                "uuid": m.uuid,
                "parent": uuid_of.get(m.parent_id) if m.parent_id is not None else None,
                "role": m.role.value,
                "content": m.content,
                "thinking": "" if omit else m.thinking,
                "status": m.status.value,
                "model": m.model,
                "thinking_seconds": m.thinking_seconds,
                "thinking_tokens": m.thinking_tokens,
                "answer_tokens": m.answer_tokens,
                "prompt_tokens": m.prompt_tokens,
                "budget": m.budget,
                "keep_thinking": m.keep_thinking,
                "rating": m.rating,
                "stats": m.stats,
                "sampling": m.sampling,
                "created_at": _iso(m.created_at),
                "updated_at": _iso(m.updated_at),
            }
            for m in c.messages
        ],
        "votes": [
            {
                "question": uuid_of.get(q),
                "method": v["method"],
                "answer": v.get("answer") or "",
                "agree": v.get("agree", 0),
                "of": v.get("of", 0),
                "winner": uuid_of.get(v.get("winner")),
                "paths": [{"message": uuid_of.get(p.get("message_id")), "final_answer": p.get("final_answer"),
                           "key": p.get("key"), "confidence": p.get("confidence")} for p in v.get("paths") or []],
            }
            for q, v in sorted(c.votes.items()) if q in uuid_of
        ],
    }


# -- import -----------------------------------------------------------------------------

def is_our_document(data) -> bool:
    return isinstance(data, dict) and data.get("format") == FORMAT_NAME


def _need(cond: bool, where: str, what: str) -> None:
    if not cond:
        raise ImportFormatError(f"Not a valid Reasoner Desktop export: {where} {what}.")


def _time(value, where: str) -> datetime:
    _need(isinstance(value, str), where, "needs a date")
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise ImportFormatError(f"Not a valid Reasoner Desktop export: {where} has a bad date {value!r}.") from None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _opt(value, types, where: str, name: str):
    _need(value is None or isinstance(value, types), where, f"has a bad {name}")
    return value


def from_document(data) -> list[ConversationRecord]:
    """Validate a whole document first: a bad file raises ImportFormatError and imports nothing."""
    _need(is_our_document(data), "the file", "is not one")
    version = data.get("version")
    _need(isinstance(version, int), "the file", "has no version")
    if version > FORMAT_VERSION:
        raise ImportFormatError(f"This export was made by a newer Reasoner Desktop (format version {version}); "
                                "update the app to import it.")
    convs = data.get("conversations")
    _need(isinstance(convs, list), "the file", "has no list of conversations")
    return [_parse_conversation(c, i) for i, c in enumerate(convs, start=1)]


def _parse_conversation(c, index: int) -> ConversationRecord:
    where = f"conversation {index}"
    _need(isinstance(c, dict), where, "is not an object")
    _need(isinstance(c.get("uuid"), str) and c["uuid"], where, "has no uuid")
    _need(isinstance(c.get("title"), str), where, "has no title")
    msgs = c.get("messages")
    _need(isinstance(msgs, list), where, "has no list of messages")
    local: dict[str, int] = {}
    for n, m in enumerate(msgs, start=1):
        _need(isinstance(m, dict) and isinstance(m.get("uuid"), str) and m["uuid"], f"{where}, message {n}",
              "has no uuid")
        _need(m["uuid"] not in local, f"{where}, message {n}", "repeats a uuid")
        local[m["uuid"]] = n
    records = []
    for n, m in enumerate(msgs, start=1):
        w = f"{where}, message {n}"
        parent = m.get("parent")
        _need(parent is None or parent in local, w, "points to a parent that is not in the conversation")
        _need(m.get("role") in {r.value for r in Role}, w, "has an unknown role")
        _need(m.get("status", "complete") in {s.value for s in MessageStatus}, w, "has an unknown status")
        _need(isinstance(m.get("content"), str), w, "has no text content")
        _need(isinstance(m.get("thinking", ""), str), w, "has a bad thinking text")
        _need(isinstance(m.get("stats") or {}, dict) and isinstance(m.get("sampling") or {}, dict), w,
              "has bad stats")
        rating = _opt(m.get("rating"), int, w, "rating")
        _need(rating in (None, 1, -1), w, "has a bad rating")
        records.append(MessageRecord(
            id=n, conversation_id=0, parent_id=local[parent] if parent else None, role=Role(m["role"]),
            content=m["content"], thinking=m.get("thinking") or "", status=MessageStatus(m.get("status", "complete")),
            model=_opt(m.get("model"), str, w, "model"),
            thinking_seconds=_opt(m.get("thinking_seconds"), (int, float), w, "thinking_seconds"),
            thinking_tokens=_opt(m.get("thinking_tokens"), int, w, "thinking_tokens"),
            answer_tokens=_opt(m.get("answer_tokens"), int, w, "answer_tokens"),
            created_at=_time(m.get("created_at"), w), keep_thinking=bool(m.get("keep_thinking", False)),
            rating=rating, budget=_opt(m.get("budget"), str, w, "budget"), stats=_portable(m.get("stats") or {}),
            uuid=m["uuid"], updated_at=_time(m["updated_at"], w) if m.get("updated_at") else None,
            prompt_tokens=_opt(m.get("prompt_tokens"), int, w, "prompt_tokens"), sampling=m.get("sampling") or {},
        ))
    leaf = c.get("active_leaf")
    _need(leaf is None or leaf in local, where, "has an active branch that is not in it")
    parents = {r.id: r.parent_id for r in records}
    path, node = [], local.get(leaf) if leaf else (records[-1].id if records else None)
    while node is not None and node not in path:
        path.append(node)
        node = parents[node]
    _need(node is None, where, "has messages that are their own ancestors")
    votes = {}
    raw_votes = c.get("votes") or []
    _need(isinstance(raw_votes, list), where, "has a bad list of votes")
    for n, v in enumerate(raw_votes, start=1):
        w = f"{where}, vote {n}"
        _need(isinstance(v, dict) and v.get("question") in local, w, "is not about a question in it")
        _need(v.get("method") in ("extracted", "model", "none"), w, "has an unknown method")
        _need(isinstance(v.get("agree", 0), int) and isinstance(v.get("of", 0), int), w, "has bad counts")
        paths = v.get("paths") or []
        _need(isinstance(paths, list) and all(isinstance(p, dict) for p in paths), w, "has bad paths")
        votes[local[v["question"]]] = {
            "method": v["method"], "answer": str(v.get("answer") or ""), "agree": v.get("agree", 0),
            "of": v.get("of", 0), "winner": local.get(v.get("winner")),
            "paths": [{"message_id": local.get(p.get("message")), "final_answer": p.get("final_answer"),
                       "key": p.get("key"), "confidence": p.get("confidence")} for p in paths],
        }
    return ConversationRecord(
        id=0, title=c["title"], created_at=_time(c.get("created_at"), where),
        updated_at=_time(c.get("updated_at"), where), pinned=bool(c.get("pinned", False)),
        model=_opt(c.get("model"), str, where, "model"), system_prompt=_opt(c.get("system_prompt"), str, where,
                                                                            "system prompt"),
        messages=records, active_path=path[::-1], uuid=c["uuid"],
        settings=_opt(c.get("settings"), dict, where, "settings") or {}, votes=votes,
        keep_thoughts=bool(c.get("keep_thoughts", False)),
    )


def _portable(stats: dict) -> dict:
    """A message's stats without the row ids of the history it came from (the liked answers it was shown,
    the answer it went on from): here they would name other messages."""
    foreign = {"examples_used": [], "continued_from": None}
    return {k: foreign[k] if k in foreign and v else v for k, v in stats.items()}
