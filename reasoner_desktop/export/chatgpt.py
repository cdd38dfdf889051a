"""ChatGPT's data export: `conversations.json` (a list), one conversation object (what per-chat exporters
write), or the downloaded .zip (the caller unpacks conversations.json).

Each conversation is a tree of nodes in `mapping` ({id, message, parent, children}); `current_node` is the
leaf on screen. Kept: user and assistant text (branches become our branches), o1/o3/gpt-5 thoughts
(`thoughts` content, folded into the next answer's thought, with the `reasoning_recap` time), code
interpreter code and its output (as fenced blocks in the answer), images (a placeholder), interrupted
answers (status interrupted). Left out and counted: system and hidden nodes, tool calls we cannot show.
Nodes are walked with a stack, not recursion, and a loop in the tree is an error, not a hang."""

from __future__ import annotations

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
    mapping_tree,
    parse_each,
    timestamp,
    walk,
)

NAME = "chatgpt"
LABEL = "ChatGPT"
NOT_THIS = "Not a ChatGPT export: expected conversations with a message tree (mapping)."
ZIP_MEMBERS = ("conversations.json",)
_ASSISTANT_SIDE = ("assistant", "tool")


def _is_conversation(c) -> bool:
    return isinstance(c, dict) and isinstance(c.get("mapping"), dict)


def detect(data) -> bool:
    convs = conversations_in(data, _is_conversation)
    return convs is not None and not _looks_like_deepseek(convs)


def _looks_like_deepseek(convs: list) -> bool:
    """DeepSeek's export has a `mapping` too, but its messages are `fragments`, not `author`/`content`."""
    for c in convs[:20]:
        for node in list(as_dict(c.get("mapping")).values())[:50]:
            msg = as_dict(as_dict(node).get("message"))
            if "fragments" in msg:
                return True
            if "author" in msg or "content" in msg:
                return False
    return False


def _role(msg: dict) -> str:
    author = msg.get("author")
    if isinstance(author, str):  # some exporters flatten it
        return author
    return as_str(as_dict(author).get("role"))


def _parts_text(content: dict, stats: Stats) -> str:
    out = []
    for part in as_list(content.get("parts")):
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, dict):
            kind = as_str(part.get("content_type"))
            if kind == "image_asset_pointer" or "image" in kind:
                out.append("[image]")
                stats.notes.append("images are kept as an [image] placeholder")
            elif kind == "audio_transcription" and isinstance(part.get("text"), str):
                out.append(part["text"])
            elif isinstance(part.get("text"), str):
                out.append(part["text"])
            else:
                out.append(f"[{kind or 'attachment'}]")
    return "\n".join(p for p in out if p)


def _visible_text(msg: dict, role: str, stats: Stats) -> str | None:
    """What the ChatGPT window shows for this node, as Markdown; None if it shows nothing."""
    content = as_dict(msg.get("content"))
    kind = as_str(content.get("content_type"))
    if kind in ("text", "multimodal_text"):
        text = _parts_text(content, stats)
    elif kind == "code" and role == "assistant":
        language = as_str(content.get("language"))
        language = "" if language == "unknown" or not re.fullmatch(r"[\w+#.-]{1,20}", language) else language
        text = f"```{language}\n{as_str(content.get('text')).rstrip()}\n```"
        stats.notes.append("code interpreter code and output are kept as code blocks")
    elif kind == "execution_output":
        out = as_str(content.get("text")).rstrip()
        text = f"Output:\n\n```\n{out}\n```" if out else ""
    else:
        return None
    return text if text.strip() else None


def _tool_traffic(msg: dict, role: str, content: dict) -> bool:
    """A call to a tool other than the code interpreter (canvas, browsing, image generation), or a tool's reply
    that is not code output: ChatGPT shows these as widgets, not as chat text."""
    kind = as_str(content.get("content_type"))
    recipient = as_str(msg.get("recipient")) or "all"
    if role == "assistant":
        return recipient not in ("all", "python") and kind != "code"
    return role == "tool" and kind != "execution_output"


def _thought(content: dict) -> str:
    if as_str(content.get("content_type")) != "thoughts":
        return ""
    texts = []
    for t in as_list(content.get("thoughts")):
        t = as_dict(t)
        summary, body = as_str(t.get("summary")).strip(), as_str(t.get("content")).strip()
        texts.append(f"**{summary}**\n\n{body}" if summary and body and summary not in body else body or summary)
    return "\n\n".join(t for t in texts if t)


def _recap_seconds(content: dict, meta: dict) -> float | None:
    """The thought's duration: metadata.finished_duration_sec, else read from the recap's text (which is in the
    user's language: "Thought for 27s", "27s 동안 생각함")."""
    if as_str(content.get("content_type")) != "reasoning_recap":
        return None
    given = meta.get("finished_duration_sec")
    if isinstance(given, (int, float)) and not isinstance(given, bool) and 0 <= given < 10**6:
        return float(given)
    text = as_str(content.get("content"))
    m = re.search(r"(\d+(?:\.\d+)?)\s*(?:s\b|sec|second)", text)
    minutes = re.search(r"(\d+)\s*(?:m\b|min)", text)
    if not m and not minutes:
        return None
    return (float(m.group(1)) if m else 0.0) + (60 * int(minutes.group(1)) if minutes else 0)


def parse(data, stats: Stats, cancel: Cancel | None = None) -> list[ConversationRecord]:
    return parse_each(data, _is_conversation, NOT_THIS, cancel, lambda c, index: _conversation(c, index, stats))


def _conversation(c: dict, index: int, stats: Stats) -> ConversationRecord:
    where = f"conversation {index}"
    mapping, roots, children = mapping_tree(c, where)
    created = timestamp(c.get("create_time")) or datetime.now(UTC)
    b = ConversationBuilder(where)
    kept: dict = {}  # node id -> our local id of the message it is part of (or its nearest kept ancestor)
    thought: dict = {}  # node id -> thought text waiting for the answer below it
    seconds: dict = {}
    open_turn: dict = {}  # node id -> True when the assistant turn there may take more parts (no branching)
    for node_id, parent in walk(roots, lambda k: children.get(k, ()), where):
        local = kept.get(parent)
        pending, pending_s = thought.get(parent, ""), seconds.get(parent)
        can_merge = open_turn.get(parent, False) and len(children.get(parent, ())) == 1
        msg = as_dict(mapping[node_id].get("message"))
        role = _role(msg)
        content = as_dict(msg.get("content"))
        meta = as_dict(msg.get("metadata"))
        if msg and role == "assistant" and (t := _thought(content)):
            pending = f"{pending}\n\n{t}".strip()
        elif msg and role == "assistant" and (s := _recap_seconds(content, meta)) is not None:
            pending_s = s
        elif msg and not meta.get("is_visually_hidden_from_conversation") and _tool_traffic(msg, role, content):
            stats.skipped.append("tool calls and their replies (canvas, web search, …)")
            open_turn[node_id] = open_turn.get(parent, False)
        elif msg and role in ("user", *_ASSISTANT_SIDE) and not meta.get("is_visually_hidden_from_conversation") \
                and (text := _visible_text(msg, role, stats)) is not None:
            when = timestamp(msg.get("create_time"), created)
            interrupted = as_str(as_dict(meta.get("finish_details")).get("type")) == "interrupted"
            status = MessageStatus.INTERRUPTED if interrupted else MessageStatus.COMPLETE
            if role != "user" and can_merge and local is not None and b.get(local).role is Role.ASSISTANT:
                # one assistant turn in several nodes: code, its output, the text
                b.extend(local, text, thinking=pending,
                         status=status if status is MessageStatus.INTERRUPTED else None)
            else:
                local = b.add(local, Role.USER if role == "user" else Role.ASSISTANT, text, created_at=when,
                              thinking=pending if role != "user" else "", status=status,
                              model=as_str(meta.get("model_slug")) or None, thinking_seconds=pending_s,
                              uuid=f"chatgpt:{as_str(msg.get('id')) or node_id}")
            pending, pending_s = "", None
            open_turn[node_id] = role != "user"
        else:  # the root, system prompts, hidden context, tool calls the window does not show
            open_turn[node_id] = open_turn.get(parent, False)
        kept[node_id] = local
        thought[node_id], seconds[node_id] = pending, pending_s
    title = as_str(c.get("title"))
    leaf = kept.get(c.get("current_node")) if isinstance(c.get("current_node"), str) else None
    key = as_str(c.get("conversation_id")) or as_str(c.get("id"))
    return b.record(title=title, created_at=created, updated_at=timestamp(c.get("update_time")),
                    uuid=f"chatgpt:{key}" if key else content_key(NAME, c), leaf=leaf,
                    model=as_str(c.get("default_model_slug")) or None)
