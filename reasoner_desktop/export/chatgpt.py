"""Importing ChatGPT's data export (`conversations.json`): text messages, branches, and
o1-style thoughts where the export has them."""

from __future__ import annotations

from datetime import UTC, datetime

from reasoner_desktop.domain.history import ConversationRecord, MessageRecord
from reasoner_desktop.domain.messages import MessageStatus, Role
from reasoner_desktop.export.options import ImportFormatError


def is_chatgpt_export(data) -> bool:
    return (isinstance(data, list) and bool(data) and all(isinstance(c, dict) for c in data)
            and all("mapping" in c for c in data))


def _time(value) -> datetime:
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, UTC)
    return datetime.now(UTC)


def _text(content: dict) -> str | None:
    if content.get("content_type") not in ("text", "multimodal_text"):
        return None
    parts = content.get("parts") or []
    text = "\n".join(p for p in parts if isinstance(p, str))  # images and files are left out
    return text if text.strip() else None


def _thoughts(content: dict) -> str | None:
    if content.get("content_type") != "thoughts":
        return None
    items = content.get("thoughts") or []
    texts = [f"{t.get('summary', '')}\n{t.get('content', '')}".strip() for t in items if isinstance(t, dict)]
    return "\n\n".join(t for t in texts if t) or None


def from_chatgpt(data) -> list[ConversationRecord]:
    if not is_chatgpt_export(data):
        raise ImportFormatError("Not a ChatGPT export: expected the list of conversations in conversations.json.")
    return [_conversation(c, i) for i, c in enumerate(data, start=1)]


def _conversation(c: dict, index: int) -> ConversationRecord:
    mapping = c.get("mapping")
    if not isinstance(mapping, dict):
        raise ImportFormatError(f"Not a valid ChatGPT export: conversation {index} has no message tree.")
    records: list[MessageRecord] = []
    ours: dict[str, int] = {}  # ChatGPT node id -> our local id (for nodes we keep)
    pending_thought: dict[str, str] = {}  # node id -> thought waiting for the answer below it

    def visit(node_id: str, parent_local: int | None, thought: str) -> None:
        node = mapping.get(node_id)
        if not isinstance(node, dict):
            return
        msg = node.get("message") if isinstance(node.get("message"), dict) else None
        local = parent_local
        if msg is not None:
            role = (msg.get("author") or {}).get("role")
            content = msg.get("content") if isinstance(msg.get("content"), dict) else {}
            hidden = (msg.get("metadata") or {}).get("is_visually_hidden_from_conversation")
            if role == "assistant" and (t := _thoughts(content)):
                thought = f"{thought}\n\n{t}".strip()
            elif role in ("user", "assistant") and not hidden and (text := _text(content)) is not None:
                local = len(records) + 1
                records.append(MessageRecord(
                    id=local, conversation_id=0, parent_id=parent_local, role=Role(role), content=text,
                    thinking=thought if role == "assistant" else "", status=MessageStatus.COMPLETE,
                    model=(msg.get("metadata") or {}).get("model_slug"), thinking_seconds=None,
                    thinking_tokens=None, answer_tokens=None, created_at=_time(msg.get("create_time")),
                    uuid=f"chatgpt:{msg.get('id') or node_id}",
                ))
                ours[node_id] = local
                thought = ""
        pending_thought[node_id] = thought
        for child in node.get("children") or []:
            if isinstance(child, str):
                visit(child, local, thought)

    roots = [k for k, v in mapping.items() if isinstance(v, dict) and not v.get("parent")]
    for root in roots:
        visit(root, None, "")
    # The active branch: ChatGPT's current node, or its nearest kept ancestor.
    node, leaf = c.get("current_node"), None
    seen = set()
    while isinstance(node, str) and node not in seen and leaf is None:
        seen.add(node)
        leaf = ours.get(node)
        node = (mapping.get(node) or {}).get("parent")
    parents = {r.id: r.parent_id for r in records}
    path = []
    while leaf is not None:
        path.append(leaf)
        leaf = parents[leaf]
    created = _time(c.get("create_time"))
    return ConversationRecord(
        id=0, title=str(c.get("title") or "Imported from ChatGPT")[:200], created_at=created,
        updated_at=_time(c.get("update_time")) if c.get("update_time") else created, pinned=False,
        model=None, system_prompt=None, messages=records, active_path=path[::-1],
        uuid=f"chatgpt:{c.get('conversation_id') or c.get('id') or index}",
    )
