"""Worked examples for prompted thinking from a JSON file (manual chain of thought, Wei et al. 2022):
a list of {"question", "thought", "answer"} objects, as `ask --examples FILE` and the composer's
"Examples: file…" read it. The file is untrusted: its size and the number of examples are bounded."""

from __future__ import annotations

import json
import os
from pathlib import Path

from reasoner_desktop.domain.messages import FewShotExample

MAX_FILE_BYTES = 4 * 2**20
MAX_EXAMPLES = 32


def load_examples_file(path: str | os.PathLike) -> tuple[FewShotExample, ...]:
    """The file's examples; ValueError with one sentence when it cannot be used."""
    path = Path(path)
    try:
        too_big = path.stat().st_size > MAX_FILE_BYTES
        text = "" if too_big else path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "it is not UTF-8 text"
        raise ValueError(f"Cannot read the examples file {path}: {reason}.") from None
    if too_big:
        raise ValueError(f"The examples file {path} is larger than {MAX_FILE_BYTES // 2**20} MB; worked examples "
                         "are a few questions with their thoughts.")
    try:
        data = json.loads(text)
        if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
            raise TypeError
        examples = tuple(FewShotExample(str(d["question"]), str(d["thought"]), str(d["answer"])) for d in data)
    except (ValueError, TypeError, KeyError):
        raise ValueError(f'The examples file {path} must be a JSON list of {{"question", "thought", "answer"}} '
                         "objects.") from None
    if len(examples) > MAX_EXAMPLES:
        raise ValueError(f"The examples file {path} holds {len(examples)} examples; at most {MAX_EXAMPLES} fit "
                         "in a prompt.")
    return examples
