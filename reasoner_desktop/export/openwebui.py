"""Open WebUI's chat export (Settings → Data Controls → Export chats, or a chat's ⋯ → Download → Export
chat (.json)): a list of {id, title, chat: {title, models, history: {messages, currentId}, messages},
created_at, updated_at} (times in seconds), or one such object.

`history.messages` is the tree: {id: {id, parentId, childrenIds, role, content, timestamp, model}};
`currentId` is the leaf on screen. Reasoning lives in the content as `<details type="reasoning" done="true"
duration="12"><summary>Thought for 12 seconds</summary>> quoted lines</details>` (tool calls and code
interpreter runs use other `type`s), or inline `<think>` from a model served raw, or `reasoning_content`."""

from __future__ import annotations

import html
import re
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
    inline_thought,
    link_tree,
    parse_each,
    timestamp,
    walk,
)

NAME = "openwebui"
LABEL = "Open WebUI"
NOT_THIS = "Not an Open WebUI export: expected chats with a message history."
ZIP_MEMBERS = ()

# Open WebUI writes these blocks itself and none nests.
_DETAILS = re.compile(r'<details\s+type="(?P<type>[\w-]+)"(?P<attrs>[^>]*)>(?P<body>.*?)</details>\s*', re.S)
_SUMMARY = re.compile(r"^\s*<summary>.*?</summary>\s*", re.S)
_DURATION = re.compile(r'duration="(\d+(?:\.\d+)?)"')


def _chat(c) -> dict | None:
    if not isinstance(c, dict):
        return None
    chat = c.get("chat") if isinstance(c.get("chat"), dict) else c
    history = chat.get("history")
    if isinstance(history, dict) and isinstance(history.get("messages"), dict):
        return chat
    return None


def detect(data) -> bool:
    return conversations_in(data, lambda c: _chat(c) is not None) is not None


def split_reasoning(content: str, stats: Stats) -> tuple[str, str, float | None]:
    """(thought, answer, seconds) of an assistant message's content."""
    thoughts: list[str] = []
    seconds: float | None = None

    def take(m: re.Match) -> str:
        nonlocal seconds
        if m.group("type") != "reasoning":  # tool calls, code runs: kept as Open WebUI showed them
            return m.group(0)
        body = _SUMMARY.sub("", m.group("body"), count=1)
        lines = [ln[1:].lstrip() if ln.startswith(">") else ln for ln in body.strip().splitlines()]
        thoughts.append(html.unescape("\n".join(lines)).strip())
        if d := _DURATION.search(m.group("attrs")):
            seconds = (seconds or 0.0) + float(d.group(1))
        return ""

    # Only up to the last closing tag: an opening tag after it cannot match, and trying each such one to
    # the end of a 4 MB text would take quadratic time.
    end = content.rfind("</details>") + len("</details>")
    answer = _DETAILS.sub(take, content[:end]) + content[end:] if end >= len("</details>") else content
    thought = "\n\n".join(t for t in thoughts if t)
    if not thought:
        thought, answer = inline_thought(answer)
    return thought, answer.strip(), seconds


def parse(data, stats: Stats, cancel: Cancel | None = None) -> list[ConversationRecord]:
    return parse_each(data, lambda c: _chat(c) is not None, NOT_THIS, cancel,
                      lambda c, index: _conversation(c, _chat(c), index, stats))


def _conversation(c: dict, chat: dict, index: int, stats: Stats) -> ConversationRecord:
    where = f"conversation {index}"
    history = chat["history"]
    nodes = {k: v for k, v in history["messages"].items() if isinstance(v, dict)}
    roots, children = link_tree(nodes, lambda m: m.get("parentId"), lambda m: as_list(m.get("childrenIds")), where)
    created = timestamp(c.get("created_at")) or timestamp(chat.get("timestamp")) or datetime.now(UTC)
    b = ConversationBuilder(where)
    local_of: dict = {}
    for key, parent in walk(roots, lambda k: children.get(k, ()), where):
        msg = nodes[key]
        role = {"user": Role.USER, "assistant": Role.ASSISTANT}.get(as_str(msg.get("role")))
        content = as_str(msg.get("content"))
        files = [as_str(as_dict(f).get("name")) or as_str(as_dict(as_dict(f).get("file")).get("filename"))
                 for f in as_list(msg.get("files"))]
        files = [f for f in files if f]
        if files:
            content = (content + "\n\n" if content.strip() else "") + "\n".join(f"[attachment: {f}]" for f in files)
            stats.notes.append("attachments are kept as their file names")
        if role is None or not content.strip():
            local_of[key] = local_of.get(parent)
            if role is None and as_str(msg.get("role")) != "system":
                stats.skipped.append(f"messages from {as_str(msg.get('role')) or 'an unknown role'}")
            continue
        thought, seconds = "", None
        if role is Role.ASSISTANT:
            thought, content, seconds = split_reasoning(content, stats)
            extra = as_str(msg.get("reasoning_content"))
            if extra.strip() and extra.strip() not in thought:
                thought = f"{thought}\n\n{extra}".strip()
        status = MessageStatus.INTERRUPTED if role is Role.ASSISTANT and msg.get("done") is False else MessageStatus.COMPLETE
        local_of[key] = b.add(local_of.get(parent), role, content, thinking=thought, thinking_seconds=seconds,
                              created_at=timestamp(msg.get("timestamp"), created), status=status,
                              model=as_str(msg.get("model")) or None, uuid=f"openwebui:{key}")
    current = history.get("currentId")
    leaf = local_of.get(current) if isinstance(current, str) else None
    key = as_str(c.get("id")) or as_str(chat.get("id"))
    models = [m for m in as_list(chat.get("models")) if isinstance(m, str)]
    return b.record(title=as_str(c.get("title")) or as_str(chat.get("title")),
                    created_at=created, updated_at=timestamp(c.get("updated_at")),
                    uuid=f"openwebui:{key}" if key else content_key(NAME, c), leaf=leaf,
                    model=models[0] if models else None)
