"""Splitting model text into prose and fenced code blocks (for formats that show code monospaced)."""

from __future__ import annotations

import re

_FENCE = re.compile(r"^```[^\n]*\n(.*?)(?:^```[ \t]*$|\Z)", re.S | re.M)


def split_code(text: str) -> list[tuple[bool, str]]:
    """[(is_code, text), ...] in order. An unclosed fence runs to the end."""
    parts: list[tuple[bool, str]] = []
    pos = 0
    for m in _FENCE.finditer(text):
        if m.start() > pos:
            parts.append((False, text[pos : m.start()]))
        parts.append((True, m.group(1).rstrip("\n")))
        pos = m.end()
    if pos < len(text):
        parts.append((False, text[pos:]))
    return [(code, t) for code, t in parts if t.strip() or code]
