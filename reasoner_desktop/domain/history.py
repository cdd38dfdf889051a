"""Conversation history as plain records: what the repository hands out, exporters write and importers read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from reasoner_desktop.domain.messages import MessageStatus, Role


@dataclass(frozen=True, slots=True)
class MessageRecord:
    id: int
    conversation_id: int
    parent_id: int | None
    role: Role
    content: str
    thinking: str
    status: MessageStatus
    model: str | None
    thinking_seconds: float | None
    thinking_tokens: int | None
    answer_tokens: int | None
    created_at: datetime
    keep_thinking: bool = False
    rating: int | None = None
    budget: str | None = None
    stats: dict = field(default_factory=dict)
    uuid: str = ""
    updated_at: datetime | None = None
    prompt_tokens: int | None = None
    sampling: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "uuid": self.uuid,
            "parent_id": self.parent_id,
            "role": self.role.value,
            "content": self.content,
            "thinking": self.thinking,
            "status": self.status.value,
            "model": self.model,
            "thinking_seconds": self.thinking_seconds,
            "thinking_tokens": self.thinking_tokens,
            "answer_tokens": self.answer_tokens,
            "budget": self.budget,
            "keep_thinking": self.keep_thinking,
            "rating": self.rating,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    id: int
    title: str
    updated_at: datetime
    pinned: bool
    model: str | None


@dataclass(frozen=True, slots=True)
class ConversationRecord:
    id: int
    title: str
    created_at: datetime
    updated_at: datetime
    pinned: bool
    model: str | None
    system_prompt: str | None
    messages: list[MessageRecord]  # every message of every branch, oldest first
    active_path: list[int]  # ids from the first message to the active leaf
    uuid: str = ""
    settings: dict = field(default_factory=dict)
    # question id -> vote among its parallel answers: {"method", "answer", "agree", "of", "winner" (message
    # id), "paths": [{"message_id", "final_answer", "key", "confidence"}]}
    votes: dict[int, dict] = field(default_factory=dict)
    keep_thoughts: bool = False  # "Keep all thoughts": new answers start with keep_thinking set

    @property
    def path_messages(self) -> list[MessageRecord]:
        by_id = {m.id: m for m in self.messages}
        return [by_id[i] for i in self.active_path]

    def vote_for(self, answer_id: int) -> dict | None:
        """The vote among the answers to this answer's question, if they were parallel paths."""
        by_id = {m.id: m for m in self.messages}
        m = by_id.get(answer_id)
        return self.votes.get(m.parent_id) if m is not None and m.parent_id is not None else None

    def siblings(self, message_id: int) -> list[int]:
        """Ids of the message and its alternatives (same parent), oldest first."""
        by_id = {m.id: m for m in self.messages}
        parent = by_id[message_id].parent_id
        return [m.id for m in self.messages if m.parent_id == parent]

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "uuid": self.uuid,
            "title": self.title,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "pinned": self.pinned,
            "model": self.model,
            "system_prompt": self.system_prompt,
            "active_path": self.active_path,
            "messages": [m.to_json() for m in self.messages],
            "votes": [dict(v, question_id=q) for q, v in sorted(self.votes.items())],
        }


@dataclass(frozen=True, slots=True)
class SearchHit:
    conversation_id: int
    conversation_title: str
    message_id: int
    role: Role
    field: str  # "content" or "thinking": where the words were found
    snippet: str  # with the matches between the markers given to search()
    rank: float

    def to_json(self) -> dict:
        return {
            "conversation_id": self.conversation_id,
            "conversation_title": self.conversation_title,
            "message_id": self.message_id,
            "role": self.role.value,
            "field": self.field,
            "snippet": self.snippet,
            "rank": self.rank,
        }
