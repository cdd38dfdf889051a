"""Reasoning dataset export for self-taught reasoning (STaR, Zelikman et al. 2022): keep the
rationales that led to answers you rated thumbs-up, as JSONL, to fine-tune on later."""

from __future__ import annotations

import json

from reasoner_desktop.domain.history import ConversationRecord
from reasoner_desktop.domain.messages import Role


def dataset_rows(conversations: list[ConversationRecord], form: str = "plain") -> list[dict]:
    """One row per thumbs-up answer that has a thought. form: "plain" or "chat"."""
    rows = []
    for conv in conversations:
        by_id = {m.id: m for m in conv.messages}
        for m in conv.messages:
            if m.role is not Role.ASSISTANT or m.rating != 1 or not m.thinking.strip() or not m.content.strip():
                continue
            question = by_id.get(m.parent_id)
            if question is None or question.role is not Role.USER:
                continue
            if form == "chat":
                messages = []
                if conv.system_prompt:
                    messages.append({"role": "system", "content": conv.system_prompt})
                messages += [{"role": "user", "content": question.content},
                             {"role": "assistant", "content": m.content, "reasoning_content": m.thinking}]
                rows.append({"messages": messages})
            else:
                rows.append({"prompt": question.content, "thought": m.thinking, "answer": m.content,
                             "model": m.model, "conversation": conv.uuid, "message": m.uuid})
    return rows


def to_jsonl(rows: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
