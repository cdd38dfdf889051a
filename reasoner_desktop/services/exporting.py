"""Export and import use cases, shared by the CLI and the GUI."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from reasoner_desktop.domain.history import ConversationRecord
from reasoner_desktop.export import dataset, documents, json_format
from reasoner_desktop.export.importers import parse_file
from reasoner_desktop.export.files import safe_filename, write_atomic, write_bundle
from reasoner_desktop.export.options import ExportError, ExportFormat, ThinkingExport
from reasoner_desktop.services.importing import import_paths
from reasoner_desktop.storage.repository import HistoryRepository

@dataclass(slots=True)
class ImportResult:
    source: str  # "reasoner-desktop" or "chatgpt"
    imported: list[int]
    skipped: list[str]  # titles already in the history


def load_conversations(repo: HistoryRepository, ids: list[int] | None) -> list[ConversationRecord]:
    if ids is None:
        return repo.all_conversations()
    out = []
    for cid in ids:
        conv = repo.get_conversation(cid)
        if conv is None:
            raise ExportError(f"No conversation with id {cid}.")
        out.append(conv)
    return out


def _render(conv: ConversationRecord, fmt: ExportFormat, thinking: ThinkingExport) -> bytes:
    if fmt is ExportFormat.MARKDOWN:
        return documents.to_markdown(conv, thinking).encode()
    if fmt is ExportFormat.TEXT:
        return documents.to_text(conv, thinking).encode()
    if fmt is ExportFormat.HTML:
        return documents.to_html(conv, thinking).encode()
    if fmt is ExportFormat.JSON:
        return _json_bytes([conv], thinking)
    from reasoner_desktop.export.pdf import render_pdf

    return render_pdf([conv], thinking)


def _json_bytes(convs: list[ConversationRecord], thinking: ThinkingExport) -> bytes:
    return json.dumps(json_format.to_document(convs, thinking), ensure_ascii=False, indent=2).encode()


def export_conversations(repo: HistoryRepository, ids: list[int] | None, fmt: ExportFormat,
                         thinking: ThinkingExport, out: Path, *, force: bool = False) -> list[Path]:
    """One conversation: a file (or a file named after it inside an existing folder). Several, or
    all: one JSON document when `out` ends in .json, else one file each in the folder `out` or a .zip."""
    convs = load_conversations(repo, ids)
    if not convs:
        raise ExportError("There are no conversations to export.")
    ext = fmt.value
    single = ids is not None and len(ids) == 1
    if single and out.suffix.lower() != ".zip":
        target = out / safe_filename(convs[0].title, ext) if out.is_dir() else out
        write_atomic(target, _render(convs[0], fmt, thinking), force=force)
        return [target]
    if fmt is ExportFormat.JSON and out.suffix.lower() == ".json":
        write_atomic(out, _json_bytes(convs, thinking), force=force)
        return [out]
    files = {safe_filename(c.title, ext, prefix=f"{c.id:04d} "): _render(c, fmt, thinking) for c in convs}
    return write_bundle(out, files, force=force)


def export_dataset(repo: HistoryRepository, out: Path, *, form: str = "plain", force: bool = False) -> int:
    rows = dataset.dataset_rows(repo.all_conversations(), form)
    write_atomic(out, dataset.to_jsonl(rows).encode(), force=force)
    return len(rows)


def read_import_file(path: Path) -> tuple[str, list[ConversationRecord]]:
    """Parse and validate a whole file before anything is written: (format name, conversations)."""
    parsed = parse_file(Path(path))
    return parsed.name, parsed.conversations


def import_file(repo: HistoryRepository, path: Path, *, duplicate: bool = False) -> ImportResult:
    report = import_paths(repo, [Path(path)], duplicate=duplicate)[0]
    return ImportResult(report.source, report.imported, report.already)
