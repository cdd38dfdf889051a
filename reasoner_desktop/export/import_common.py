"""What every importer shares: reading a file (JSON, a .zip, a folder) within bounds, defensive accessors
for untrusted data, timestamps in any unit, trees walked without recursion (cycles found), stable keys for
conversations without an id, and a builder that turns one source conversation into our records.

Imported files are untrusted: nothing here recurses on the input's depth, every size is bounded, and every
problem is one ImportFormatError sentence (the caller names the file)."""

from __future__ import annotations

import hashlib
import json
import math
import zipfile
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reasoner_desktop.domain.history import ConversationRecord, MessageRecord
from reasoner_desktop.domain.messages import MessageStatus, Role
from reasoner_desktop.domain.reasoning import ReasoningFormat, join_deltas, make_parser
from reasoner_desktop.export.options import ImportFormatError

MAX_IMPORT_BYTES = 512 * 2**20  # one file, or what one file inside a .zip unpacks to
MAX_MESSAGE_CHARS = 4 * 2**20  # one message's text (or thought); a 100 MB string is not a chat message
MAX_ZIP_RATIO = 200  # uncompressed / compressed, beyond which a member is a zip bomb
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)

Cancel = Callable[[], bool]


class ImportCancelled(Exception):
    """The user cancelled; nothing was written."""


# -- reading ---------------------------------------------------------------------------------------

def parse_json(raw: bytes, what: str) -> Any:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFormatError(f"{what} is not a UTF-8 text file.") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFormatError(f"{what} is not valid JSON (line {exc.lineno}: {exc.msg}); "
                                "it may be truncated.") from None
    except RecursionError:  # '[' * 200000: the C parser gives up on depth
        raise ImportFormatError(f"{what} is nested too deeply to be a chat export.") from None


def parse_jsonl(raw: bytes, what: str) -> list:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFormatError(f"{what} is not a UTF-8 text file.") from None
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ImportFormatError(f"{what} line {number} is not valid JSON ({exc.msg}).") from None
            except RecursionError:
                raise ImportFormatError(f"{what} line {number} is nested too deeply.") from None
    return rows


def read_bounded(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_IMPORT_BYTES:
            raise ImportFormatError(f"{path.name} is larger than {MAX_IMPORT_BYTES // 2**20} MB.")
        return path.read_bytes()
    except OSError as exc:
        raise ImportFormatError(f"Cannot read {path}: {exc.strerror or exc}") from None


def read_zip_member(path: Path, names: Iterable[str]) -> tuple[str, bytes]:
    """The first of `names` found in the zip (at its top or in one folder), bounded against bombs."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = {i.filename.rsplit("/", 1)[-1]: i for i in zf.infolist()
                       if not i.is_dir() and i.filename.count("/") <= 1}
            for name in names:
                info = members.get(name)
                if info is None:
                    continue
                if info.file_size > MAX_IMPORT_BYTES or info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1 << 16):
                    raise ImportFormatError(f"{info.filename} inside {path.name} unpacks to too much data "
                                            f"({info.file_size:,} bytes) to be a chat export.")
                with zf.open(info) as fh:
                    data = fh.read(MAX_IMPORT_BYTES + 1)
                if len(data) > MAX_IMPORT_BYTES:
                    raise ImportFormatError(f"{info.filename} inside {path.name} is too large.")
                return info.filename, data
    except zipfile.BadZipFile:
        raise ImportFormatError(f"{path.name} is not a readable .zip file (damaged or incomplete).") from None
    except (OSError, RuntimeError, NotImplementedError) as exc:  # encrypted, unsupported compression, I/O
        raise ImportFormatError(f"Cannot read {path.name}: {exc}") from None
    wanted = " or ".join(names)
    raise ImportFormatError(f"{path.name} holds no {wanted}: is it a chat export?")


# -- untrusted values ------------------------------------------------------------------------------

def as_dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value) -> list:
    return value if isinstance(value, list) else []


def as_str(value) -> str:
    return value if isinstance(value, str) else ""


def bounded_text(text: str, where: str) -> str:
    if len(text) > MAX_MESSAGE_CHARS:
        raise ImportFormatError(f"{where} holds a message of {len(text):,} characters, too long to be a chat message.")
    return text


def timestamp(value, fallback: datetime | None = None) -> datetime | None:
    """Seconds, milliseconds, microseconds or nanoseconds since 1970, or an ISO 8601 string; None (or `fallback`)
    for anything absurd (NaN, negative, the year 5000) so that one bad field costs only itself."""
    when = None
    if isinstance(value, bool):
        value = None
    if isinstance(value, (int, float)) and math.isfinite(value) and value > 0:
        seconds = float(value)
        for _ in range(3):  # milliseconds, microseconds, nanoseconds
            if seconds > 1e11:
                seconds /= 1000
        try:
            when = datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            when = None
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
        except ValueError:
            try:
                return timestamp(float(text), fallback)
            except ValueError:
                when = None
    if when is None or not EARLIEST <= when <= LATEST:
        return fallback
    return when


def content_key(source: str, value) -> str:
    """A stable key for a conversation without an id: its content, so two different files never collide
    and the same file twice is still found to be the same."""
    try:
        blob = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        blob = repr(value)
    return f"{source}:sha256:{hashlib.sha256(blob.encode('utf-8', 'replace')).hexdigest()[:32]}"


# -- trees -----------------------------------------------------------------------------------------

def walk(roots: Iterable[Hashable], children: Callable[[Hashable], Iterable[Hashable]],
         where: str) -> Iterator[tuple[Hashable, Hashable | None]]:
    """Depth-first, parents before children, children in their order: (node, parent) pairs, with a stack
    instead of recursion (a 100,000-node chain is fine). A node reached twice is a cycle or a node with
    two parents: the file is malformed, and saying so beats importing it twice."""
    seen: set = set()
    stack = [(r, None) for r in reversed(list(roots))]
    while stack:
        node, parent = stack.pop()
        if node in seen:
            raise ImportFormatError(f"{where} has a message tree that loops back on itself.")
        seen.add(node)
        yield node, parent
        stack.extend((child, node) for child in reversed(list(children(node))))


def link_tree(nodes: dict, parent_of: Callable[[Any], Any], children_of: Callable[[Any], list],
              where: str) -> tuple[list, dict]:
    """Roots and a children map for a tree that may link by parent, by children, or both (some exports
    lack one of them). Unknown ids are dropped; a parent chain that loops is an error."""
    children: dict = {k: [] for k in nodes}
    for key, node in nodes.items():
        for child in children_of(node):
            if isinstance(child, Hashable) and child in nodes and child != key and child not in children[key]:
                children[key].append(child)
    linked = {c for cs in children.values() for c in cs}
    for key, node in nodes.items():
        parent = parent_of(node)
        if isinstance(parent, Hashable) and parent in nodes and parent != key and key not in linked:
            children[parent].append(key)
            linked.add(key)
    roots = [k for k in nodes if k not in linked]
    if nodes and not roots:
        raise ImportFormatError(f"{where} has a message tree that loops back on itself.")
    return roots, children


def mapping_tree(conversation: dict, where: str) -> tuple[dict, list, dict]:
    """(nodes, roots, children) of a `mapping` of {id, parent, children, message} nodes (ChatGPT, DeepSeek)."""
    mapping = {k: v for k, v in conversation["mapping"].items() if isinstance(v, dict)}
    roots, children = link_tree(mapping, lambda n: n.get("parent"), lambda n: as_list(n.get("children")), where)
    return mapping, roots, children


# -- building our records --------------------------------------------------------------------------

@dataclass(slots=True)
class Stats:
    conversations: int = 0
    messages: int = 0
    thoughts: int = 0
    branches: int = 0  # messages with two or more alternatives below them
    skipped: list[str] = field(default_factory=list)  # "what (why)", one per thing left out
    notes: list[str] = field(default_factory=list)  # what was kept in another form


class ConversationBuilder:
    """One source conversation -> a ConversationRecord: local ids, parents first, the active path."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.records: list[MessageRecord] = []

    def add(self, parent: int | None, role: Role, content: str, *, created_at: datetime, thinking: str = "",
            model: str | None = None, status: MessageStatus = MessageStatus.COMPLETE, uuid: str = "",
            thinking_seconds: float | None = None) -> int:
        local = len(self.records) + 1
        self.records.append(MessageRecord(
            id=local, conversation_id=0, parent_id=parent, role=role,
            content=bounded_text(content, self.where), thinking=bounded_text(thinking, self.where), status=status,
            model=model or None, thinking_seconds=thinking_seconds, thinking_tokens=None, answer_tokens=None,
            created_at=created_at, uuid=uuid))
        return local

    def extend(self, local: int, text: str, *, thinking: str = "", status: MessageStatus | None = None) -> None:
        """More of the same turn (a web app that stores one answer in several parts)."""
        old = self.get(local)
        self.records[local - 1] = replace(
            old, content=bounded_text(f"{old.content}\n\n{text}" if old.content else text, self.where),
            thinking=bounded_text(f"{old.thinking}\n\n{thinking}".strip() if thinking else old.thinking, self.where),
            status=status or old.status)

    def get(self, local: int) -> MessageRecord:
        return self.records[local - 1]

    def path_to(self, leaf: int | None) -> list[int]:
        """From the first message to `leaf`; with no leaf, follow the newest child from the newest root."""
        if leaf is None and self.records:
            kids: dict[int | None, list[int]] = {}
            for r in self.records:
                kids.setdefault(r.parent_id, []).append(r.id)
            leaf, node = None, None
            while kids.get(node):
                node = leaf = kids[node][-1]
        path = []
        while leaf is not None:
            path.append(leaf)
            leaf = self.get(leaf).parent_id
        return path[::-1]

    def record(self, *, title: str, created_at: datetime, updated_at: datetime | None, uuid: str,
               leaf: int | None, model: str | None = None) -> ConversationRecord:
        """An untitled conversation is named after its first question, as the apps it came from show it."""
        if not title.strip():
            first = next((r.content for r in self.records if r.role is Role.USER and r.content.strip()), "")
            first = " ".join(first.split())
            title = first if len(first) <= 60 else first[:59].rstrip() + "…"
        return ConversationRecord(
            id=0, title=(title.strip() or "Imported conversation")[:200].splitlines()[0], created_at=created_at,
            updated_at=max(updated_at or created_at, created_at), pinned=False, model=model, system_prompt=None,
            messages=self.records, active_path=self.path_to(leaf), uuid=uuid)


def count(conversations: list[ConversationRecord], stats: Stats) -> Stats:
    for conv in conversations:
        stats.conversations += 1
        stats.messages += len(conv.messages)
        stats.thoughts += sum(1 for m in conv.messages if m.thinking.strip())
        children: dict[int | None, int] = {}
        for m in conv.messages:
            children[m.parent_id] = children.get(m.parent_id, 0) + 1
        stats.branches += sum(1 for n in children.values() if n > 1)
    return stats


def conversations_in(data, is_conversation: Callable[[Any], bool]) -> list | None:
    """The conversations of an export: a list of them, or one on its own (per-chat exporters); None when any
    of them is not one."""
    convs = data if isinstance(data, list) else [data]
    return convs if convs and all(is_conversation(c) for c in convs) else None


def parse_each(data, is_conversation: Callable[[Any], bool], not_this: str, cancel: Cancel | None,
               build: Callable[[Any, int], ConversationRecord]) -> list[ConversationRecord]:
    """build(conversation, its 1-based index) for each conversation, Cancel honoured between them."""
    convs = conversations_in(data, is_conversation)
    if convs is None:
        raise ImportFormatError(not_this)
    out = []
    for index, c in enumerate(convs, start=1):
        check_cancel(cancel)
        out.append(build(c, index))
    return out


def check_cancel(cancel: Cancel | None) -> None:
    if cancel is not None and cancel():
        raise ImportCancelled("The import was cancelled; nothing was added.")


def inline_thought(text: str) -> tuple[str, str]:
    """(thought, answer) of a message that carries its thought inline, as local apps store the raw output of
    DeepSeek-R1, Qwen3 or QwQ (`<think>…</think>answer`); ("", text) when it has none."""
    if "<think>" not in text and "</think>" not in text:
        return "", text
    parser = make_parser(ReasoningFormat.THINK, starts_inside="<think>" not in text)
    thought, answer = join_deltas(parser.feed(text) + parser.finish())
    return thought.strip(), answer.strip()
