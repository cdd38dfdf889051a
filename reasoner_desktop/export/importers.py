"""Which importer reads a file: one detection function that names the format it recognised, and the
containers exports come in (a JSON file, the .zip a web app lets you download, a folder of threads).

Each importer module has NAME, LABEL, ZIP_MEMBERS (files to look for inside a .zip), detect(data) and
parse(data, stats, cancel) -> list[ConversationRecord]. Order matters where shapes overlap: DeepSeek's
export has a `mapping` like ChatGPT's, so it is asked first. Jan's data is files, not one document: its
folders and .jsonl files are read by jan.load."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from reasoner_desktop.domain.history import ConversationRecord
from reasoner_desktop.export import chatgpt, claude, deepseek, jan, json_format, lmstudio, openwebui
from reasoner_desktop.export.import_common import Cancel, Stats, count, parse_json, read_bounded, read_zip_member
from reasoner_desktop.export.options import ImportFormatError


class _Ours:
    """Our own JSON export, behind the same interface."""

    NAME = "reasoner-desktop"
    LABEL = "Reasoner Desktop"
    ZIP_MEMBERS = ()

    @staticmethod
    def detect(data) -> bool:
        return json_format.is_our_document(data)

    @staticmethod
    def parse(data, stats: Stats, cancel: Cancel | None = None) -> list[ConversationRecord]:
        return json_format.from_document(data)


def importers() -> list:
    """Every format, in detection order."""
    return [_Ours, deepseek, chatgpt, claude, openwebui, lmstudio, jan]


def names() -> list[str]:
    return [m.NAME for m in importers()]


def by_name(name: str):
    for m in importers():
        if m.NAME == name:
            return m
    raise ImportFormatError(f"Unknown import format {name!r}: one of {', '.join(names())}.")


def detect(data) -> ModuleType | type | None:
    for m in importers():
        if m.detect(data):
            return m
    return None


@dataclass(slots=True)
class ParsedFile:
    path: Path
    label: str  # the format, for the report ("ChatGPT")
    name: str  # the format's NAME
    conversations: list[ConversationRecord]
    stats: Stats


def load(path: Path):
    """The JSON an export holds: the file itself, conversations.json inside a .zip, or a folder's threads."""
    if not path.exists():
        raise ImportFormatError(f"{path} does not exist.")
    if jan.claims(path):
        return jan.load(path)
    if path.is_dir():
        raise ImportFormatError(f"{path.name} is a folder; choose the export file inside it.")
    raw = read_bounded(path)
    if raw[:4] == b"PK\x03\x04":
        members = tuple(dict.fromkeys(n for m in importers() for n in m.ZIP_MEMBERS))
        member, raw = read_zip_member(path, members)
        return parse_json(raw, f"{member} in {path.name}")
    return parse_json(raw, path.name)


def parse_file(path: Path, *, fmt: str | None = None, cancel: Cancel | None = None) -> ParsedFile:
    """Read, recognise and parse one file completely, before anything is written."""
    data = load(path)
    importer = by_name(fmt) if fmt else detect(data)
    if importer is None:
        known = ", ".join(m.LABEL for m in importers())
        raise ImportFormatError(f"{path.name} is not an export this app knows ({known}); with --format NAME you "
                                "can say which it is.")
    if fmt and not importer.detect(data):
        raise ImportFormatError(f"{path.name} does not look like a {importer.LABEL} export.")
    stats = Stats()
    convs = importer.parse(data, stats, cancel)
    empty = [c for c in convs if not c.messages]
    stats.skipped += [f"“{c.title}” (no messages in it)" for c in empty]
    convs = [c for c in convs if c.messages]
    if not convs:
        raise ImportFormatError(f"{path.name} looks like a {importer.LABEL} export, but no messages were found in "
                                "it; nothing was imported.")
    count(convs, stats)
    stats.notes = list(dict.fromkeys(stats.notes))
    times = Counter(stats.skipped)  # one line per kind of thing left out, with how often
    stats.skipped = [text if times[text] == 1 else f"{text} (×{times[text]})" for text in times]
    return ParsedFile(path, importer.LABEL, importer.NAME, convs, stats)
