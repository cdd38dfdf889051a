"""DeepSeek's data export (chat.deepseek.com → Settings → Export data): `conversations.json`, a list of
{id, title, inserted_at, updated_at, mapping}. The mapping is a tree like ChatGPT's ({id, parent, children,
message}) but a message is {files, model, inserted_at, fragments: [{type, content}]}: REQUEST is the user's
text, THINK the R1 thought (our thought), RESPONSE the answer, SEARCH the web results (left out, counted).
Regenerated answers and edited questions are sibling nodes: our branches. The export does not say which
branch was on screen; the newest one is taken."""

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
    mapping_tree,
    parse_each,
    timestamp,
    walk,
)

NAME = "deepseek"
LABEL = "DeepSeek"
NOT_THIS = "Not a DeepSeek export: expected conversations with a message tree (mapping)."
ZIP_MEMBERS = ("conversations.json",)


def _fragments(node) -> list | None:
    msg = as_dict(as_dict(node).get("message"))
    fragments = msg.get("fragments")
    return fragments if isinstance(fragments, list) else None


def _is_conversation(c) -> bool:
    return isinstance(c, dict) and isinstance(c.get("mapping"), dict)


def detect(data) -> bool:
    """A mapping whose messages are fragments (ChatGPT's have author and content)."""
    convs = data if isinstance(data, list) else [data]
    if not convs or not all(_is_conversation(c) for c in convs):
        return False
    for c in convs[:20]:
        for node in list(c["mapping"].values())[:50]:
            if _fragments(node) is not None:
                return True
            if as_dict(as_dict(node).get("message")):
                return False
    return False


def parse(data, stats: Stats, cancel: Cancel | None = None) -> list[ConversationRecord]:
    return parse_each(data, _is_conversation, NOT_THIS, cancel, lambda c, index: _conversation(c, index, stats))


def _conversation(c: dict, index: int, stats: Stats) -> ConversationRecord:
    where = f"conversation {index}"
    mapping, roots, children = mapping_tree(c, where)
    created = timestamp(c.get("inserted_at")) or datetime.now(UTC)
    b = ConversationBuilder(where)
    local_of: dict = {}
    for node_id, parent in walk(roots, lambda k: children.get(k, ()), where):
        msg = as_dict(mapping[node_id].get("message"))
        fragments = [as_dict(f) for f in as_list(msg.get("fragments"))]
        kinds = {as_str(f.get("type")).upper() for f in fragments}
        request = "\n\n".join(as_str(f.get("content")) for f in fragments if as_str(f.get("type")).upper() == "REQUEST")
        thought = "\n\n".join(as_str(f.get("content")) for f in fragments if as_str(f.get("type")).upper() == "THINK")
        answer = "\n\n".join(as_str(f.get("content")) for f in fragments if as_str(f.get("type")).upper() == "RESPONSE")
        if "SEARCH" in kinds:
            stats.skipped.append("web search results")
        files = [as_str(as_dict(f).get("file_name")) or as_str(as_dict(f).get("name")) for f in as_list(msg.get("files"))]
        files = [f for f in files if f]
        when = timestamp(msg.get("inserted_at"), created)
        parent_local = local_of.get(parent)
        if request.strip() or ("REQUEST" in kinds and files):
            if files:
                request = (request + "\n\n" if request.strip() else "") + "\n".join(f"[attachment: {f}]" for f in files)
                stats.notes.append("attachments are kept as their file names")
            local_of[node_id] = b.add(parent_local, Role.USER, request, created_at=when, uuid=f"deepseek:{node_id}")
        elif answer.strip() or thought.strip():
            status = MessageStatus.COMPLETE
            if as_str(msg.get("status")).upper() in ("INCOMPLETE", "INTERRUPTED", "WIP"):
                status = MessageStatus.INTERRUPTED
            local_of[node_id] = b.add(parent_local, Role.ASSISTANT, answer, thinking=thought, created_at=when,
                                      status=status, model=as_str(msg.get("model")) or None,
                                      thinking_seconds=_seconds(msg.get("thinking_elapsed_secs")),
                                      uuid=f"deepseek:{node_id}")
        else:  # the root, or a node with nothing we can show
            local_of[node_id] = parent_local
    key = as_str(c.get("id"))
    leaf = None
    if isinstance(c.get("current_message_id"), (str, int)):
        leaf = local_of.get(str(c["current_message_id"])) or local_of.get(c["current_message_id"])
    if leaf is None and b.records:
        leaf = max(b.records, key=lambda r: (r.created_at, r.id)).id
    return b.record(title=as_str(c.get("title")), created_at=created,
                    updated_at=timestamp(c.get("updated_at")),
                    uuid=f"deepseek:{key}" if key else content_key(NAME, c), leaf=leaf)


def _seconds(value) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 10**6:
        return float(value)
    return None
