"""LM Studio's conversation files (`~/.lmstudio/conversations/<id>.conversation.json`, one chat each; also
what its ⋯ → Export as JSON writes).

{name, createdAt (ms), systemPrompt, messages: [{versions: [...], currentlySelected}], lastUsedModel}. Each
entry of `messages` is one turn; its `versions` are the alternatives (regenerations and edits), the selected
one is on screen. A user version is {type: "singleStep", role, content: [{type: "text", text}]}; an assistant
version is {type: "multiStep", role, steps: [...], senderInfo: {senderName}}: `contentBlock` steps hold the
text, and a step whose `style.type` is "thinking" is the reasoning (older versions kept `<think>` inline).
The selected versions make the active path; each other version becomes a sibling branch there."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

from reasoner_desktop.domain.history import ConversationRecord
from reasoner_desktop.domain.messages import Role
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
    parse_each,
    timestamp,
)

NAME = "lmstudio"
LABEL = "LM Studio"
NOT_THIS = "Not an LM Studio conversation: expected messages with versions."
ZIP_MEMBERS = ()
_SECONDS = re.compile(r"(\d+(?:\.\d+)?)\s*(?:s\b|sec)")


def _is_conversation(c) -> bool:
    if not isinstance(c, dict) or not isinstance(c.get("messages"), list):
        return False
    return any(isinstance(m, dict) and isinstance(m.get("versions"), list) for m in c["messages"]) or (
        not c["messages"] and "createdAt" in c)


def detect(data) -> bool:
    return conversations_in(data, _is_conversation) is not None


def _text(parts) -> str:
    out = []
    for part in as_list(parts):
        part = as_dict(part)
        kind = as_str(part.get("type"))
        if kind == "text":
            out.append(as_str(part.get("text")))
        elif kind == "file":
            out.append(f"[attachment: {as_str(part.get('name')) or as_str(part.get('fileIdentifier')) or 'file'}]")
    return "".join(out)


def _version(v: dict, stats: Stats) -> tuple[Role | None, str, str, float | None, str | None]:
    """(role, answer, thought, seconds, model) of one version."""
    role = {"user": Role.USER, "assistant": Role.ASSISTANT}.get(as_str(v.get("role")))
    model = as_str(as_dict(v.get("senderInfo")).get("senderName")) or None
    if as_str(v.get("type")) != "multiStep":
        thought, text = ("", _text(v.get("content")))
        if role is Role.ASSISTANT:
            thought, text = inline_thought(text)
        return role, text, thought, None, model
    texts, thoughts, seconds = [], [], None
    for step in as_list(v.get("steps")):
        step = as_dict(step)
        if as_str(step.get("type")) != "contentBlock":
            if as_str(step.get("type")) == "toolStatus":
                stats.skipped.append("tool call steps")
            continue
        style = as_dict(step.get("style"))
        text = _text(step.get("content"))
        if as_str(style.get("type")) == "thinking":
            thoughts.append(text)
            if m := _SECONDS.search(as_str(style.get("title"))):
                seconds = (seconds or 0.0) + float(m.group(1))
        else:
            thought, answer = inline_thought(text)
            if thought:
                thoughts.append(thought)
            texts.append(answer)
    return role, "".join(texts).strip(), "\n\n".join(t.strip() for t in thoughts if t.strip()), seconds, model


def parse(data, stats: Stats, cancel: Cancel | None = None) -> list[ConversationRecord]:
    return parse_each(data, _is_conversation, NOT_THIS, cancel, lambda c, index: _conversation(c, index, stats))


def _conversation(c: dict, index: int, stats: Stats) -> ConversationRecord:
    where = f"conversation {index}"
    created = timestamp(c.get("createdAt")) or datetime.now(UTC)
    b = ConversationBuilder(where)
    parent: int | None = None
    path: list[int] = []
    for turn in c["messages"]:
        turn = as_dict(turn)
        versions = [as_dict(v) for v in as_list(turn.get("versions"))]
        chosen = turn.get("currentlySelected")
        chosen = chosen if isinstance(chosen, int) and not isinstance(chosen, bool) and 0 <= chosen < len(versions) \
            else len(versions) - 1
        selected = None
        for i, v in enumerate(versions):
            role, text, thought, seconds, model = _version(v, stats)
            if role is None or (not text.strip() and not thought.strip()):
                if role is None and as_str(v.get("role")) != "system":
                    stats.skipped.append(f"messages from {as_str(v.get('role')) or 'an unknown role'}")
                continue
            local = b.add(parent, role, text, thinking=thought if role is Role.ASSISTANT else "",
                          thinking_seconds=seconds, created_at=created, model=model)
            if i == chosen or selected is None:  # the selected version, else the first one there is
                selected = local
        if selected is not None:
            path.append(selected)
            parent = selected
    model = as_str(as_dict(c.get("lastUsedModel")).get("identifier")) or None
    record = b.record(title=as_str(c.get("name")), created_at=created,
                      updated_at=None, uuid=content_key(NAME, c), leaf=path[-1] if path else None, model=model)
    system = as_str(c.get("systemPrompt")).strip()
    return replace(record, system_prompt=system) if system else record
