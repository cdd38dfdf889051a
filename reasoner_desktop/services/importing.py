"""Import use case shared by the CLI and the GUI: each file is read, recognised and parsed completely,
then written in one transaction (all or nothing per file); the report says per file what was imported and
what was skipped and why. Cancel is honoured between conversations while parsing and writing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reasoner_desktop.export.import_common import Cancel, ImportCancelled, Stats, check_cancel, count
from reasoner_desktop.export.importers import parse_file
from reasoner_desktop.export.options import ImportFormatError
from reasoner_desktop.storage.repository import HistoryRepository

Progress = Callable[[int, int], None]  # (conversations done, of) within the current file


@dataclass(slots=True)
class FileReport:
    path: Path
    source: str  # the format's NAME ("chatgpt")
    label: str  # "ChatGPT"
    imported: list[int]  # new conversation ids
    stats: Stats  # what the file held (conversations, messages, thoughts, branches imported)
    already: list[str] = field(default_factory=list)  # titles already in the history

    def line(self) -> str:
        """One line for the CLI and the report dialog."""
        s = self.stats
        n = len(self.imported)
        head = (f"{self.path.name} ({self.label}): {n} conversation{'' if n == 1 else 's'}, "
                f"{s.messages:,} message{'' if s.messages == 1 else 's'}, {s.thoughts:,} with thoughts, "
                f"{s.branches:,} branch point{'' if s.branches == 1 else 's'} imported")
        skipped = []
        if self.already:
            skipped.append(f"{len(self.already)} already in the history")
        skipped += s.skipped
        tail = f"; skipped {', '.join(skipped)}" if skipped else ""
        notes = f" ({'; '.join(s.notes)})" if s.notes else ""
        return head + tail + notes + "."


def import_paths(repo: HistoryRepository, paths: list[Path], *, fmt: str | None = None, duplicate: bool = False,
                 progress: Progress | None = None, cancel: Cancel | None = None) -> list[FileReport]:
    """Every file is read and parsed before anything is written, so a bad one (ImportFormatError naming it)
    changes nothing; then each file is written in its own transaction."""
    reports = []
    for parsed in [parse_file(Path(p), fmt=fmt, cancel=cancel) for p in paths]:
        path = parsed.path
        total = len(parsed.conversations)
        if progress:
            progress(0, total)
        kept = []

        def step(conv, imported: bool) -> None:
            check_cancel(cancel)
            if imported:
                kept.append(conv)
            if progress:
                progress(len(kept), total)

        imported, already = repo.import_conversations(parsed.conversations, duplicate=duplicate, each=step)
        stats = parsed.stats
        if already:  # the counts are of what was imported: the conversations not already here
            stats = count(kept, Stats(skipped=stats.skipped, notes=stats.notes))
        reports.append(FileReport(path, parsed.name, parsed.label, imported, stats, already))
    return reports


__all__ = ["FileReport", "ImportCancelled", "ImportFormatError", "import_paths"]
