"""What can be exported, and how thoughts travel with it."""

from __future__ import annotations

from enum import StrEnum


class ExportFormat(StrEnum):
    MARKDOWN = "md"
    JSON = "json"
    HTML = "html"
    PDF = "pdf"
    TEXT = "txt"


class ThinkingExport(StrEnum):
    INCLUDE = "include"  # thoughts shown in full
    COLLAPSE = "collapse"  # folded where the format can fold (HTML and Markdown <details>); else included
    OMIT = "omit"  # no thought text at all


class ExportError(Exception):
    """One sentence for the user; nothing was written."""


class ImportFormatError(Exception):
    """A file that cannot be imported. One sentence for the user; nothing was written."""
