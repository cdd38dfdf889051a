"""Claude.ai's data export: `conversations.json` in the .zip that Settings → Privacy → Export data mails you
(a list of conversations, or one conversation object).

A conversation is {uuid, name, created_at, updated_at, chat_messages: [...]}; a message is {uuid, sender
("human" | "assistant"), text, content: [blocks], created_at, attachments, files, parent_message_uuid?}.
Content blocks: `text`, `thinking` (extended thinking: becomes our thought; its `summaries` when the thinking
itself is hidden), `tool_use` / `tool_result`
(left out, counted), images and files (a placeholder). Messages that name their parent become a tree (edits
and retries are branches); without parents they are one chain in list order. Timestamps are ISO 8601."""

from __future__ import annotations

from datetime import UTC, datetime

from reasoner_desktop.domain.history import ConversationRecord
from reasoner_desktop.domain.messages import MessageStatus, Role
from reasoner_desktop.export.import_common import (
    Cancel,
    ConversationBuilder,
    Stats,
    as_dict,
    as_list,
    as_str,
    content_key,
    conversations_in,
    link_tree,
    parse_each,
    timestamp,
    walk,
)
from reasoner_desktop.export.options import ImportFormatError

NAME = "claude"
LABEL = "Claude"
NOT_THIS = "Not a Claude export: expected conversations with chat_messages."
ZIP_MEMBERS = ("conversations.json",)
ROOT_PARENT = "00000000-0000-4000-8000-000000000000"  # what the first message's parent_message_uuid says


def _is_conversation(c) -> bool:
    return isinstance(c, dict) and isinstance(c.get("chat_messages"), list)


def detect(data) -> bool:
    return conversations_in(data, _is_conversation) is not None


def _blocks(msg: dict, stats: Stats) -> tuple[str, str]:
    """(thought, answer) of one message's content blocks; the flat `text` when there are no blocks."""
    thoughts, texts = [], []
    for block in as_list(msg.get("content")):
        block = as_dict(block)
        kind = as_str(block.get("type"))
        if kind == "text":
            texts.append(as_str(block.get("text")))
        elif kind in ("thinking", "redacted_thinking"):
            thought = as_str(block.get("thinking"))
            if not thought.strip():  # hidden thinking: only Claude's summaries of it were exported
                thought = "\n\n".join(as_str(as_dict(x).get("summary")) for x in as_list(block.get("summaries")))
            if thought.strip():
                thoughts.append(thought)
            elif kind == "redacted_thinking":
                stats.skipped.append("redacted thinking (Claude did not export it)")
        elif kind in ("tool_use", "tool_result", "server_tool_use", "web_search_tool_result"):
            stats.skipped.append("tool calls and their results")
        elif kind in ("image", "document"):
            texts.append(f"[{kind}]")
            stats.notes.append("images and documents are kept as a placeholder")
    text = "\n\n".join(t for t in texts if t.strip())
    if not text.strip() and not thoughts:
        text = as_str(msg.get("text"))
    files = [as_str(as_dict(f).get("file_name")) for f in as_list(msg.get("attachments")) + as_list(msg.get("files"))]
    files = [f for f in dict.fromkeys(files) if f]
    if files:
        text = (text + "\n\n" if text.strip() else "") + "\n".join(f"[attachment: {f}]" for f in files)
        stats.notes.append("attachments are kept as their file names")
    return "\n\n".join(thoughts), text


def parse(data, stats: Stats, cancel: Cancel | None = None) -> list[ConversationRecord]:
    return parse_each(data, _is_conversation, NOT_THIS, cancel, lambda c, index: _conversation(c, index, stats))


def _conversation(c: dict, index: int, stats: Stats) -> ConversationRecord:
    where = f"conversation {index}"
    created = timestamp(c.get("created_at")) or datetime.now(UTC)
    messages = [m for m in c["chat_messages"] if isinstance(m, dict)]
    keys = [as_str(m.get("uuid")) or f"#{i}" for i, m in enumerate(messages)]
    nodes = dict(zip(keys, messages, strict=True))
    if len(nodes) != len(messages):
        raise ImportFormatError(f"{where} has two messages with the same uuid.")
    linked = any(as_str(m.get("parent_message_uuid")) not in ("", ROOT_PARENT) for m in messages)
    if linked:
        roots, children = link_tree(nodes, lambda m: m.get("parent_message_uuid"), lambda m: [], where)
    else:  # one chain, in the order of the list
        roots, children = keys[:1], {k: [n] for k, n in zip(keys, keys[1:], strict=False)}
    b = ConversationBuilder(where)
    local_of: dict = {}
    for key, parent in walk(roots, lambda k: children.get(k, ()), where):
        msg = nodes[key]
        sender = as_str(msg.get("sender"))
        role = {"human": Role.USER, "user": Role.USER, "assistant": Role.ASSISTANT}.get(sender)
        thought, text = _blocks(msg, stats)
        if role is None or (not text.strip() and not thought.strip()):
            local_of[key] = local_of.get(parent)
            if role is None:
                stats.skipped.append(f"messages from {sender or 'an unknown sender'}")
            continue
        local_of[key] = b.add(local_of.get(parent), role, text, thinking=thought if role is Role.ASSISTANT else "",
                              created_at=timestamp(msg.get("created_at"), created), status=MessageStatus.COMPLETE,
                              uuid=f"claude:{key}" if not key.startswith("#") else "")
    leaf_key = as_str(c.get("current_leaf_message_uuid"))
    leaf = local_of.get(leaf_key) if leaf_key in nodes else None
    if leaf is None and linked and b.records:  # the newest message is the one on screen
        leaf = max(b.records, key=lambda r: (r.created_at, r.id)).id
    key = as_str(c.get("uuid"))
    return b.record(title=as_str(c.get("name")) or as_str(c.get("summary")),
                    created_at=created, updated_at=timestamp(c.get("updated_at")),
                    uuid=f"claude:{key}" if key else content_key(NAME, c), leaf=leaf)
