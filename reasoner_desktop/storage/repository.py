"""The history repository: every read and write of conversations goes through here.

Returns plain records, never live ORM objects, so callers on any thread can keep them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from reasoner_desktop.domain.events import GenerationStats
from reasoner_desktop.domain.messages import ChatMessage, MessageStatus, Role
from reasoner_desktop.storage.models import Conversation, Message, utcnow

TITLE_LENGTH = 60


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
    stats: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "parent_id": self.parent_id,
            "role": self.role.value,
            "content": self.content,
            "thinking": self.thinking,
            "status": self.status.value,
            "model": self.model,
            "thinking_seconds": self.thinking_seconds,
            "thinking_tokens": self.thinking_tokens,
            "answer_tokens": self.answer_tokens,
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
    messages: list[MessageRecord]

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "pinned": self.pinned,
            "model": self.model,
            "messages": [m.to_json() for m in self.messages],
        }


def _record(m: Message) -> MessageRecord:
    return MessageRecord(
        id=m.id,
        conversation_id=m.conversation_id,
        parent_id=m.parent_id,
        role=Role(m.role),
        content=m.content,
        thinking=m.thinking,
        status=MessageStatus(m.status),
        model=m.model,
        thinking_seconds=m.thinking_seconds,
        thinking_tokens=m.thinking_tokens,
        answer_tokens=m.answer_tokens,
        created_at=m.created_at,
        stats=json.loads(m.stats_json) if m.stats_json else {},
    )


def title_from(text: str) -> str:
    """A conversation title from the first user message (never from thinking text)."""
    line = " ".join(text.split())
    if len(line) <= TITLE_LENGTH:
        return line or "New chat"
    return line[: TITLE_LENGTH - 1].rstrip() + "…"


def _proc_start_ticks(pid: int) -> str:
    """Process start time in clock ticks since boot (Linux), to tell a reused pid from ours."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read().decode(errors="replace")
        return stat.rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def writer_token(pid: int | None = None) -> str:
    pid = os.getpid() if pid is None else pid
    return f"{pid}:{_proc_start_ticks(pid)}"


def writer_alive(token: str | None) -> bool:
    if not token:
        return False
    pid_text, _, ticks = token.partition(":")
    try:
        pid = int(pid_text)
        os.kill(pid, 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    return _proc_start_ticks(pid) == ticks


class HistoryRepository:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._writer = writer_token()

    def _session(self) -> Session:
        return self._sessions()

    # -- conversations ---------------------------------------------------------------

    def create_conversation(self, title: str = "New chat", *, model: str | None = None,
                            system_prompt: str | None = None) -> int:
        with self._session() as s, s.begin():
            conv = Conversation(title=title, model=model, system_prompt=system_prompt)
            s.add(conv)
            s.flush()
            return conv.id

    def list_conversations(self) -> list[ConversationSummary]:
        with self._session() as s:
            rows = s.execute(
                select(Conversation.id, Conversation.title, Conversation.updated_at, Conversation.pinned,
                       Conversation.model).order_by(Conversation.pinned.desc(), Conversation.updated_at.desc())
            ).all()
        return [ConversationSummary(*row) for row in rows]

    def get_conversation(self, conversation_id: int) -> ConversationRecord | None:
        with self._session() as s:
            conv = s.get(Conversation, conversation_id)
            if conv is None:
                return None
            messages = s.scalars(
                select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
            ).all()
            return ConversationRecord(
                id=conv.id, title=conv.title, created_at=conv.created_at, updated_at=conv.updated_at,
                pinned=conv.pinned, model=conv.model, system_prompt=conv.system_prompt,
                messages=[_record(m) for m in messages],
            )

    def all_conversations(self) -> list[ConversationRecord]:
        return [c for c in (self.get_conversation(s.id) for s in self.list_conversations()) if c is not None]

    def prompt_history(self, conversation_id: int) -> list[ChatMessage]:
        """The conversation as the prompt builder needs it: finished turns with text."""
        conv = self.get_conversation(conversation_id)
        if conv is None:
            return []
        out = []
        for m in conv.messages:
            if m.role is Role.ASSISTANT and (m.status is MessageStatus.STREAMING or not m.content.strip()):
                continue
            out.append(ChatMessage(m.role, m.content, m.thinking))
        return out

    # -- messages --------------------------------------------------------------------

    def add_user_message(self, conversation_id: int, content: str, parent_id: int | None = None) -> int:
        with self._session() as s, s.begin():
            conv = s.get(Conversation, conversation_id)
            if conv is None:
                raise KeyError(conversation_id)
            if parent_id is None:
                parent_id = s.scalar(
                    select(func.max(Message.id)).where(Message.conversation_id == conversation_id)
                )
            first = s.scalar(
                select(func.count(Message.id)).where(
                    Message.conversation_id == conversation_id, Message.role == Role.USER.value)
            ) == 0
            msg = Message(conversation_id=conversation_id, parent_id=parent_id, role=Role.USER.value,
                          content=content, status=MessageStatus.COMPLETE.value)
            s.add(msg)
            if first and conv.title == "New chat":
                conv.title = title_from(content)
            conv.updated_at = utcnow()
            s.flush()
            return msg.id

    def start_assistant_message(self, conversation_id: int, parent_id: int, model: str | None) -> int:
        with self._session() as s, s.begin():
            msg = Message(conversation_id=conversation_id, parent_id=parent_id, role=Role.ASSISTANT.value,
                          status=MessageStatus.STREAMING.value, model=model, writer=self._writer)
            s.add(msg)
            s.execute(update(Conversation).where(Conversation.id == conversation_id)
                      .values(updated_at=utcnow(), model=model))
            s.flush()
            return msg.id

    def save_partial(self, message_id: int, content: str, thinking: str) -> None:
        with self._session() as s, s.begin():
            s.execute(update(Message).where(Message.id == message_id)
                      .values(content=content, thinking=thinking, updated_at=utcnow()))

    def finish_message(self, message_id: int, content: str, thinking: str, status: MessageStatus,
                       stats: GenerationStats | None = None) -> None:
        values = dict(content=content, thinking=thinking, status=status.value, writer=None, updated_at=utcnow())
        if stats is not None:
            values.update(
                thinking_seconds=stats.thinking_seconds if thinking else None,
                thinking_tokens=stats.thinking_tokens,
                answer_tokens=stats.answer_tokens,
                prompt_tokens=stats.prompt_tokens,
                stats_json=json.dumps(stats.to_dict()),
            )
        with self._session() as s, s.begin():
            s.execute(update(Message).where(Message.id == message_id).values(**values))

    def get_message(self, message_id: int) -> MessageRecord | None:
        with self._session() as s:
            m = s.get(Message, message_id)
            return _record(m) if m else None

    def recover_interrupted(self) -> int:
        """Mark `streaming` rows whose writing process is dead as `interrupted`; their text stays."""
        with self._session() as s, s.begin():
            rows = s.execute(select(Message.id, Message.writer)
                             .where(Message.status == MessageStatus.STREAMING.value)).all()
            dead = [mid for mid, writer in rows if not writer_alive(writer)]
            if dead:
                s.execute(update(Message).where(Message.id.in_(dead))
                          .values(status=MessageStatus.INTERRUPTED.value, writer=None))
            return len(dead)


def open_history(db_path) -> HistoryRepository:
    """Open and migrate the DB, then mark rows left `streaming` by dead processes as interrupted."""
    from reasoner_desktop.storage.database import open_database

    repo = HistoryRepository(open_database(db_path))
    repo.recover_interrupted()
    return repo
