"""Jan's threads: a folder per chat under Jan's data folder (`threads/<id>/`), with `thread.json` (title,
assistant and model, created/updated) and `messages.jsonl` (one message a line: {id, thread_id, role,
content: [{type: "text", text: {value, annotations}}], status, created or created_at}).

Import the `threads` folder (every chat), one thread's folder, or its messages.jsonl / thread.json. Jan 0.6
links messages by `metadata.parentId` (a regeneration is a sibling; `metadata.activeChildId` says which child
is on screen) and keeps the thought as a `reasoning` content item; older versions kept one line of messages
in file order with the thought inline (`<think>`). Both become our branches and thoughts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from reasoner_desktop.domain.history import ConversationRecord
from reasoner_desktop.domain.messages import MessageStatus, Role
from reasoner_desktop.export.import_common import (
    MAX_IMPORT_BYTES,
    Cancel,
    ConversationBuilder,
    Stats,
    as_dict,
    as_list,
    as_str,
    check_cancel,
    content_key,
    inline_thought,
    link_tree,
    parse_json,
    parse_jsonl,
    read_bounded,
    timestamp,
    walk,
)
from reasoner_desktop.export.options import ImportFormatError

NAME = "jan"
LABEL = "Jan"
ZIP_MEMBERS = ()
THREAD, MESSAGES = "thread.json", "messages.jsonl"
MAX_THREADS = 100_000


@dataclass(slots=True)
class Thread:
    where: str  # the folder's name, for messages
    meta: dict  # thread.json ({} when only messages.jsonl was there)
    messages: list  # messages.jsonl's rows


@dataclass(slots=True)
class Threads:
    """What a Jan folder or file held (Jan's data is files, not one JSON document)."""

    threads: list[Thread] = field(default_factory=list)


def claims(path: Path) -> bool:
    """A Jan file or folder: messages.jsonl or thread.json beside the other, or a folder of such threads."""
    if path.is_dir():
        return bool(_thread_dirs(path, limit=1))
    if path.name in (THREAD, MESSAGES):
        return (path.parent / MESSAGES).is_file()
    return path.suffix.lower() == ".jsonl"


def _thread_dirs(folder: Path, limit: int = MAX_THREADS) -> list[Path]:
    if (folder / MESSAGES).is_file():
        return [folder]
    if (folder / "threads").is_dir():
        folder = folder / "threads"
    found = []
    try:
        for child in sorted(folder.iterdir()):
            if child.is_dir() and (child / MESSAGES).is_file():
                found.append(child)
                if len(found) >= limit:
                    break
    except OSError as exc:
        raise ImportFormatError(f"Cannot read the folder {folder.name}: {exc.strerror or exc}") from None
    return found


def load(path: Path) -> Threads:
    if path.is_file() and path.name not in (THREAD, MESSAGES):  # a messages file on its own
        return Threads([Thread(path.name, {}, parse_jsonl(read_bounded(path), path.name))])
    folder = path if path.is_dir() else path.parent
    dirs = _thread_dirs(folder)
    if not dirs:
        raise ImportFormatError(f"{path.name} holds no Jan threads (folders with {MESSAGES}).")
    total, out = 0, Threads()
    for d in dirs:
        meta: dict = {}
        if (d / THREAD).is_file():
            raw = read_bounded(d / THREAD)
            total += len(raw)
            meta = as_dict(parse_json(raw, f"{d.name}/{THREAD}"))
        raw = read_bounded(d / MESSAGES)
        total += len(raw)
        if total > MAX_IMPORT_BYTES:
            raise ImportFormatError(f"{path.name} holds more than {MAX_IMPORT_BYTES // 2**20} MB of threads; "
                                    "import them a folder at a time.")
        out.threads.append(Thread(d.name, meta, parse_jsonl(raw, f"{d.name}/{MESSAGES}")))
    return out


def detect(data) -> bool:
    return isinstance(data, Threads)


def _parts(msg: dict) -> tuple[str, str]:
    """(thought, text) of a message: `reasoning` content items are the thought (Jan 0.6), and inline
    `<think>` in the text (older versions stored the model's raw output)."""
    content = msg.get("content")
    if isinstance(content, str):
        return "", content
    texts, thoughts = [], []
    for part in as_list(content):
        part = as_dict(part)
        text = part.get("text")
        value = as_str(text.get("value")) if isinstance(text, dict) else as_str(text)
        kind = as_str(part.get("type"))
        if kind == "reasoning":
            thoughts.append(value)
        elif kind in ("image_url", "image"):
            texts.append("[image]")
        elif value:
            texts.append(value)
    return "\n\n".join(t for t in thoughts if t.strip()), "\n\n".join(t for t in texts if t)


def parse(data, stats: Stats, cancel: Cancel | None = None) -> list[ConversationRecord]:
    if not isinstance(data, Threads):
        raise ImportFormatError("Not Jan threads: expected a thread folder with messages.jsonl.")
    out = []
    for t in data.threads:
        check_cancel(cancel)
        out.append(_conversation(t, stats))
    return out


def _conversation(t: Thread, stats: Stats) -> ConversationRecord:
    created = timestamp(t.meta.get("created")) or timestamp(t.meta.get("created_at"))
    rows = [as_dict(r) for r in t.messages]
    when_of = [timestamp(r.get("created_at")) or timestamp(r.get("created")) for r in rows]
    if created is None:
        created = next((w for w in when_of if w), datetime.now(UTC))
    assistants = [as_dict(a) for a in as_list(t.meta.get("assistants"))]
    default_model = (as_str(as_dict(t.meta.get("model")).get("id"))
                     or (as_str(as_dict(assistants[0].get("model")).get("id")) if assistants else ""))
    keys = [as_str(r.get("id")) or f"#{i}" for i, r in enumerate(rows)]
    nodes = dict(zip(keys, range(len(rows)), strict=True))
    if len(nodes) != len(rows):
        raise ImportFormatError(f"{t.where} has two messages with the same id.")
    parent_of = {k: as_dict(rows[i].get("metadata")).get("parentId") for k, i in nodes.items()}
    if any(isinstance(p, str) and p for p in parent_of.values()):  # Jan 0.6 branches: parentId links
        roots, children = link_tree(nodes, lambda i: parent_of[keys[i]], lambda i: [], t.where)
    else:  # one line of messages, in the file's order
        roots, children = keys[:1], {k: [n] for k, n in zip(keys, keys[1:], strict=False)}
    b = ConversationBuilder(t.where)
    local_of: dict = {}
    for key, parent in walk(roots, lambda k: children.get(k, ()), t.where):
        row = rows[nodes[key]]
        role = {"user": Role.USER, "assistant": Role.ASSISTANT}.get(as_str(row.get("role")))
        thought, text = _parts(row)
        if role is Role.ASSISTANT and not thought:
            thought, text = inline_thought(text)
        if role is None or (not text.strip() and not thought.strip()):
            local_of[key] = local_of.get(parent)
            if role is None and as_str(row.get("role")) != "system":
                stats.skipped.append(f"messages from {as_str(row.get('role')) or 'an unknown role'}")
            continue
        status = MessageStatus.COMPLETE
        if role is Role.ASSISTANT and as_str(row.get("status")) in ("error", "stopped", "pending"):
            status = MessageStatus.INTERRUPTED
        model = (as_str(as_dict(row.get("metadata")).get("model")) or default_model or None) if role is Role.ASSISTANT else None
        local_of[key] = b.add(local_of.get(parent), role, text, thinking=thought if role is Role.ASSISTANT else "",
                              created_at=when_of[nodes[key]] or created, status=status, model=model,
                              uuid=f"jan:{key}" if not key.startswith("#") else "")
    key = as_str(t.meta.get("id"))
    return b.record(title=as_str(t.meta.get("title")), created_at=created,
                    updated_at=timestamp(t.meta.get("updated")) or timestamp(t.meta.get("updated_at")),
                    uuid=f"jan:{key}" if key else content_key(NAME, t.messages),
                    leaf=local_of.get(_active_leaf(roots, children, rows, nodes, when_of)), model=default_model or None)


def _active_leaf(roots: list, children: dict, rows: list, nodes: dict, when_of: list):
    """Jan's rule: the newest root, then at each message its activeChildId if that is one of its children,
    else the newest child."""
    def newest(keys):
        return max(keys, key=lambda k: (when_of[nodes[k]] or datetime.min.replace(tzinfo=UTC), nodes[k]))

    if not roots:
        return None
    node = newest(roots)
    for _ in range(len(nodes)):
        kids = children.get(node, [])
        if not kids:
            break
        active = as_dict(rows[nodes[node]].get("metadata")).get("activeChildId")
        node = active if isinstance(active, str) and active in kids else newest(kids)
    return node
