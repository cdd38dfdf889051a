"""The history repository: every read and write of conversations goes through here.

Conversations are trees: editing a question or regenerating an answer adds a sibling,
never overwrites. Each conversation stores its active leaf; the active path runs from
it up the parents. Nothing is deleted unless the user deletes it.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import psutil
from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from reasoner_desktop.domain.events import GenerationStats
from reasoner_desktop.domain.examples import LibraryExample, LikedExample
from reasoner_desktop.domain.messages import ChatMessage, MessageStatus, Role
from reasoner_desktop.storage.models import Conversation, Message, Vote, new_uuid, utcnow
from reasoner_desktop.domain.history import ConversationRecord, ConversationSummary, MessageRecord, SearchHit
from reasoner_desktop.storage import examples
from reasoner_desktop.storage.errors import HistoryWriteError, translate_error
from reasoner_desktop.storage.search import search_messages

TITLE_LENGTH = 60
DEFAULT_TITLE = "New chat"


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
        keep_thinking=bool(m.keep_thinking),
        rating=m.rating,
        budget=m.budget,
        stats=json.loads(m.stats_json) if m.stats_json else {},
        uuid=m.uuid or "",
        updated_at=m.updated_at,
        prompt_tokens=m.prompt_tokens,
        sampling=json.loads(m.sampling_json) if m.sampling_json else {},
    )


def _vote_row(conversation_id: int, question_id: int, vote: dict) -> Vote:
    """A vote (ConversationRecord.votes' form) as a row."""
    return Vote(conversation_id=conversation_id, question_id=question_id, method=vote["method"],
                answer=vote.get("answer") or "", agree=int(vote.get("agree", 0)), of=int(vote.get("of", 0)),
                winner_id=vote.get("winner"), paths_json=json.dumps(vote.get("paths") or []))


def _vote_dict(v: Vote) -> dict:
    try:
        paths = json.loads(v.paths_json or "[]")
    except ValueError:
        paths = []
    return {"method": v.method, "answer": v.answer, "agree": v.agree, "of": v.of, "winner": v.winner_id,
            "paths": paths if isinstance(paths, list) else []}


def title_from(text: str) -> str:
    """A conversation title from the first user message (never from thinking text)."""
    line = " ".join(text.split())
    if len(line) <= TITLE_LENGTH:
        return line or DEFAULT_TITLE
    return line[: TITLE_LENGTH - 1].rstrip() + "…"


def _create_time(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except (psutil.Error, OSError):
        return None


def writer_token(pid: int | None = None) -> str:
    """"pid:start time" of a process, which tells it from a later process that reuses its pid."""
    pid = os.getpid() if pid is None else pid
    started = _create_time(pid)
    return f"{pid}:{started:.3f}" if started is not None else f"{pid}:"


def writer_alive(token: str | None) -> bool:
    """Whether the process that wrote `token` still runs. Through psutil on every OS: never
    os.kill(pid, 0), which on Windows terminates the process."""
    if not token:
        return False
    pid_text, _, started = token.partition(":")
    try:
        pid, started_at = int(pid_text), float(started)
    except ValueError:
        return False  # an older token format, or none: its writer is long gone
    now = _create_time(pid)
    return now is not None and abs(now - started_at) < 0.01


def path_to(leaf_id: int | None, parents: dict[int, int | None]) -> list[int]:
    """Message ids from the root down to `leaf_id`."""
    path = []
    seen = set()
    while leaf_id is not None and leaf_id in parents and leaf_id not in seen:
        seen.add(leaf_id)
        path.append(leaf_id)
        leaf_id = parents[leaf_id]
    return path[::-1]


class HistoryRepository:
    """Errors: every method raises storage.errors.DatabaseError with one sentence for the user
    (HistoryWriteError when the history is locked by another program, the disk is full or the
    history is read-only), after rolling its transaction back. The two methods that save a
    streaming answer (save_partial, finish_message) raise SQLAlchemy's errors as they are, for
    the chat service, which keeps the answer on screen when it cannot be saved."""

    def __init__(self, engine: Engine, *, read_only: bool = False) -> None:
        self.engine = engine
        self.path = Path(engine.url.database) if engine.url.database else None
        self.read_only = read_only  # opened read-only: this user cannot write the file
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._local = threading.local()  # the one_transaction() this thread is in, if any
        self._writer = writer_token()
        self.startup_notices: list[str] = []  # e.g. a corrupt DB moved aside; shown by CLI and GUI

    def _session(self) -> Session:
        return self._sessions()

    @contextmanager
    def _read(self):
        shared = getattr(self._local, "tx", None)
        try:
            if shared is not None:
                yield shared.session
                return
            with self._sessions() as s:
                yield s
        except DBAPIError as exc:
            raise translate_error(exc, self.path) from None

    @contextmanager
    def _write(self):
        """One transaction: committed whole, or rolled back and turned into a sentence."""
        shared = getattr(self._local, "tx", None)
        try:
            if shared is not None:  # inside one_transaction(): its transaction commits
                yield shared.session
                shared.session.flush()
                return
            with self._sessions() as s, s.begin():
                yield s
        except DBAPIError as exc:
            raise translate_error(exc, self.path) from None

    @contextmanager
    def one_transaction(self):
        """The repository calls this thread makes inside the block share one transaction (and
        see each other's rows): committed by the handle's commit() (calls after it are on their
        own again) or at the end of the block; rolled back whole if the block raises first."""
        if getattr(self._local, "tx", None) is not None:
            raise RuntimeError("one_transaction() does not nest")
        tx = _SharedTransaction(self)
        self._local.tx = tx
        try:
            yield tx
            tx.commit()
        except BaseException:
            tx.rollback()
            raise
        finally:
            tx.close()

    # -- conversations ---------------------------------------------------------------

    def create_conversation(self, title: str = DEFAULT_TITLE, *, model: str | None = None,
                            system_prompt: str | None = None, settings: dict | None = None) -> int:
        with self._write() as s:
            conv = Conversation(title=title, model=model, system_prompt=system_prompt,
                                settings_json=json.dumps(settings) if settings else None)
            s.add(conv)
            s.flush()
            return conv.id

    def list_conversations(self) -> list[ConversationSummary]:
        """Pinned first, then most recently active first."""
        with self._read() as s:
            rows = s.execute(
                select(Conversation.id, Conversation.title, Conversation.updated_at, Conversation.pinned,
                       Conversation.model).order_by(Conversation.pinned.desc(), Conversation.updated_at.desc(),
                                                    Conversation.id.desc())
            ).all()
        return [ConversationSummary(*row) for row in rows]

    def get_conversation(self, conversation_id: int) -> ConversationRecord | None:
        with self._read() as s:
            conv = s.get(Conversation, conversation_id)
            if conv is None:
                return None
            messages = [_record(m) for m in s.scalars(
                select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id))]
            votes = {v.question_id: _vote_dict(v) for v in s.scalars(
                select(Vote).where(Vote.conversation_id == conversation_id))}
        parents = {m.id: m.parent_id for m in messages}
        leaf = conv.active_leaf_id if conv.active_leaf_id in parents else (messages[-1].id if messages else None)
        return ConversationRecord(
            id=conv.id, title=conv.title, created_at=conv.created_at, updated_at=conv.updated_at,
            pinned=conv.pinned, model=conv.model, system_prompt=conv.system_prompt,
            messages=messages, active_path=path_to(leaf, parents), uuid=conv.uuid or "",
            settings=json.loads(conv.settings_json) if conv.settings_json else {}, votes=votes,
            keep_thoughts=bool(conv.keep_thoughts),
        )

    def save_vote(self, conversation_id: int, question_id: int, vote: dict) -> None:
        """Record (or replace) the vote among a question's parallel answers; see ConversationRecord.votes."""
        with self._write() as s:
            s.execute(delete(Vote).where(Vote.question_id == question_id))
            s.add(_vote_row(conversation_id, question_id, vote))

    def all_conversations(self) -> list[ConversationRecord]:
        return [c for c in (self.get_conversation(s.id) for s in self.list_conversations()) if c is not None]

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        title = " ".join(title.split())[:200] or DEFAULT_TITLE
        self._update_conversation(conversation_id, title=title)

    def set_pinned(self, conversation_id: int, pinned: bool) -> None:
        self._update_conversation(conversation_id, pinned=pinned)

    def set_conversation_keep_thoughts(self, conversation_id: int, keep: bool) -> None:
        """"Keep all thoughts": every answer of the conversation, those there and those to come,
        sends its thought back to the model in later prompts (or, unset, none does), in one transaction."""
        with self._write() as s:
            if s.execute(update(Conversation).where(Conversation.id == conversation_id)
                         .values(keep_thoughts=keep)).rowcount == 0:
                raise KeyError(conversation_id)
            s.execute(update(Message).where(Message.conversation_id == conversation_id,
                                            Message.role == Role.ASSISTANT.value).values(keep_thinking=keep))

    def delete_conversation(self, conversation_id: int) -> None:
        """Deletes the conversation and all its messages (the UI offers an undo window first)."""
        with self._write() as s:
            s.execute(delete(Conversation).where(Conversation.id == conversation_id))

    def _update_conversation(self, conversation_id: int, **values) -> None:
        with self._write() as s:
            if s.execute(update(Conversation).where(Conversation.id == conversation_id).values(**values)).rowcount == 0:
                raise KeyError(conversation_id)

    # -- branches --------------------------------------------------------------------

    def prompt_history(self, conversation_id: int, up_to: int | None = None) -> list[ChatMessage]:
        """The active path (or the path to `up_to`) as the prompt builder needs it: turns with text."""
        conv = self.get_conversation(conversation_id)
        if conv is None:
            return []
        by_id = {m.id: m for m in conv.messages}
        ids = conv.active_path if up_to is None else path_to(up_to, {m.id: m.parent_id for m in conv.messages})
        out = []
        for m in (by_id[i] for i in ids):
            if m.role is Role.ASSISTANT and (m.status is MessageStatus.STREAMING or not m.content.strip()):
                continue
            out.append(ChatMessage(m.role, m.content, m.thinking, m.keep_thinking))
        return out

    def siblings(self, message_id: int) -> list[int]:
        with self._read() as s:
            msg = s.get(Message, message_id)
            if msg is None:
                raise KeyError(message_id)
            parent = Message.parent_id.is_(None) if msg.parent_id is None else Message.parent_id == msg.parent_id
            return list(s.scalars(select(Message.id).where(Message.conversation_id == msg.conversation_id, parent)
                                  .order_by(Message.id)))

    def switch_branch(self, message_id: int) -> int:
        """Make the branch through `message_id` active (down to its newest leaf); returns the leaf."""
        with self._write() as s:
            msg = s.get(Message, message_id)
            if msg is None:
                raise KeyError(message_id)
            rows = s.execute(select(Message.id, Message.parent_id)
                             .where(Message.conversation_id == msg.conversation_id)).all()
            children: dict[int, list[int]] = {}
            for mid, parent in rows:
                children.setdefault(parent, []).append(mid)
            leaf = message_id
            while children.get(leaf):
                leaf = max(children[leaf])
            s.execute(update(Conversation).where(Conversation.id == msg.conversation_id)
                      .values(active_leaf_id=leaf))
            return leaf

    # -- messages --------------------------------------------------------------------

    def add_user_message(self, conversation_id: int, content: str, parent_id: int | None = None, *,
                         as_sibling_of: int | None = None) -> int:
        """A new question at the end of the active path, or (`as_sibling_of`) an edited
        question beside an earlier one, which starts a new branch."""
        with self._write() as s:
            conv = s.get(Conversation, conversation_id)
            if conv is None:
                raise KeyError(conversation_id)
            if as_sibling_of is not None:
                original = s.get(Message, as_sibling_of)
                if original is None or original.conversation_id != conversation_id:
                    raise KeyError(as_sibling_of)
                parent_id = original.parent_id
            elif parent_id is None:
                parent_id = conv.active_leaf_id
            return self._add_user(s, conv, content, parent_id)

    def start_conversation(self, content: str, *, model: str | None = None, system_prompt: str | None = None,
                           settings: dict | None = None) -> tuple[int, int]:
        """A new conversation with its first question, in one transaction (never an empty
        "New chat" left behind). Returns (conversation id, message id)."""
        with self._write() as s:
            conv = Conversation(title=DEFAULT_TITLE, model=model, system_prompt=system_prompt,
                                settings_json=json.dumps(settings) if settings else None)
            s.add(conv)
            s.flush()
            return conv.id, self._add_user(s, conv, content, None)

    @staticmethod
    def _add_user(s: Session, conv: Conversation, content: str, parent_id: int | None) -> int:
        first = s.scalar(select(func.count(Message.id)).where(
            Message.conversation_id == conv.id, Message.role == Role.USER.value)) == 0
        msg = Message(conversation_id=conv.id, parent_id=parent_id, role=Role.USER.value,
                      content=content, status=MessageStatus.COMPLETE.value)
        s.add(msg)
        if first and conv.title == DEFAULT_TITLE:
            conv.title = title_from(content)
        conv.updated_at = utcnow()
        s.flush()
        conv.active_leaf_id = msg.id
        return msg.id

    def start_assistant_message(self, conversation_id: int, parent_id: int, model: str | None,
                                sampling: dict | None = None) -> int:
        with self._write() as s:
            keep = s.scalar(select(Conversation.keep_thoughts).where(Conversation.id == conversation_id))
            msg = Message(conversation_id=conversation_id, parent_id=parent_id, role=Role.ASSISTANT.value,
                          status=MessageStatus.STREAMING.value, model=model, writer=self._writer,
                          sampling_json=json.dumps(sampling) if sampling else None, keep_thinking=bool(keep))
            s.add(msg)
            s.flush()
            s.execute(update(Conversation).where(Conversation.id == conversation_id)
                      .values(updated_at=utcnow(), model=model, active_leaf_id=msg.id))
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
                budget=stats.budget,
                stats_json=json.dumps(asdict(stats)),
            )
        with self._session() as s, s.begin():
            s.execute(update(Message).where(Message.id == message_id).values(**values))

    def get_message(self, message_id: int) -> MessageRecord | None:
        with self._read() as s:
            m = s.get(Message, message_id)
            return _record(m) if m else None

    def set_rating(self, message_id: int, rating: int | None) -> None:
        if rating not in (None, 1, -1):
            raise ValueError("rating must be 1, -1 or None")
        self._update_message(message_id, rating=rating)

    def set_keep_thinking(self, message_id: int, keep: bool) -> None:
        self._update_message(message_id, keep_thinking=keep)

    def _update_message(self, message_id: int, **values) -> None:
        with self._write() as s:
            if s.execute(update(Message).where(Message.id == message_id).values(**values)).rowcount == 0:
                raise KeyError(message_id)

    # -- worked examples ---------------------------------------------------------------

    def liked_examples(self, question: str, k: int = 3, *,
                       exclude_conversation_id: int | None = None) -> list[LikedExample]:
        """Up to `k` of the user's thumbs-up answers (complete, with a thought and an answer) as worked
        examples for `question`, those whose questions are most like it first (storage/examples.py
        says how, Chinese included), never two from one conversation, filled up with the newest
        liked answers when fewer are alike. `exclude_conversation_id`: the conversation being
        answered, whose liked answers are in its context already. No liked answers: []."""
        with self._read() as s:
            return examples.liked_examples(s, question, k, exclude_conversation_id)

    def examples_from_answers(self, message_ids) -> list[LikedExample]:
        """Answers given by id, as worked examples (their question, thought and answer); gone ones are left out."""
        with self._read() as s:
            return examples.examples_from_answers(s, message_ids)

    def list_examples(self) -> list[LibraryExample]:
        """The user's example library, oldest first."""
        with self._read() as s:
            return examples.list_library(s)

    def add_example(self, question: str, thought: str, answer: str, source_message_id: int | None = None) -> int:
        """A new library example (texts trimmed); ValueError without a question or an answer,
        KeyError for an unknown source message."""
        with self._write() as s:
            return examples.add_to_library(s, question, thought, answer, source_message_id)

    def update_example(self, example_id: int, question: str, thought: str, answer: str) -> None:
        with self._write() as s:
            examples.update_in_library(s, example_id, question, thought, answer)

    def delete_example(self, example_id: int) -> None:
        with self._write() as s:
            examples.delete_from_library(s, example_id)

    # -- import ----------------------------------------------------------------------

    def import_conversations(self, conversations: list[ConversationRecord], *, duplicate: bool = False,
                             each: Callable[[ConversationRecord, bool], None] | None = None,
                             ) -> tuple[list[int], list[str]]:
        """Insert whole conversations (all branches) in one transaction: all or nothing.

        A conversation whose uuid is already here is skipped (importing twice adds nothing)
        unless `duplicate`, which imports it again under new uuids. Returns (new ids, skipped titles).
        `each(conversation, imported)` is called after each one; whatever it raises (a cancel) rolls
        the whole transaction back.
        """
        imported, skipped = [], []
        with self._write() as s:
            for conv in conversations:
                conv_uuid = conv.uuid or new_uuid()
                if s.scalar(select(Conversation.id).where(Conversation.uuid == conv_uuid)) is not None:
                    if not duplicate:
                        skipped.append(conv.title)
                        if each is not None:
                            each(conv, False)
                        continue
                    conv_uuid = new_uuid()
                row = Conversation(uuid=conv_uuid, title=conv.title, created_at=conv.created_at,
                                   updated_at=conv.updated_at, pinned=conv.pinned, model=conv.model,
                                   system_prompt=conv.system_prompt, keep_thoughts=conv.keep_thoughts,
                                   settings_json=json.dumps(conv.settings) if conv.settings else None)
                s.add(row)
                s.flush()
                new_ids: dict[int, int] = {}
                for m in _parents_first(conv.messages):
                    msg = Message(
                        uuid=new_uuid() if duplicate or not m.uuid else m.uuid, conversation_id=row.id,
                        parent_id=new_ids.get(m.parent_id) if m.parent_id is not None else None,
                        role=m.role.value, content=m.content, thinking=m.thinking,
                        thinking_seconds=m.thinking_seconds, thinking_tokens=m.thinking_tokens,
                        answer_tokens=m.answer_tokens, prompt_tokens=m.prompt_tokens,
                        status=(MessageStatus.INTERRUPTED if m.status is MessageStatus.STREAMING else m.status).value,
                        model=m.model, stats_json=json.dumps(m.stats) if m.stats else None,
                        sampling_json=json.dumps(m.sampling) if m.sampling else None,
                        keep_thinking=m.keep_thinking, rating=m.rating, budget=m.budget,
                        created_at=m.created_at, updated_at=m.updated_at or m.created_at,
                    )
                    s.add(msg)
                    s.flush()
                    new_ids[m.id] = msg.id
                leaf = conv.active_path[-1] if conv.active_path else None
                row.active_leaf_id = new_ids.get(leaf) if leaf is not None else None
                for question, v in conv.votes.items():
                    if question not in new_ids:
                        continue
                    paths = [dict(p, message_id=new_ids.get(p.get("message_id"))) for p in v.get("paths") or []]
                    s.add(_vote_row(row.id, new_ids[question], dict(v, winner=new_ids.get(v.get("winner")),
                                                                    paths=paths)))
                imported.append(row.id)
                if each is not None:
                    each(conv, True)
        return imported, skipped

    # -- search and recovery ---------------------------------------------------------

    def search(self, query: str, *, include_thoughts: bool = False, limit: int = 50,
               mark: tuple[str, str] = ("[", "]")) -> list[SearchHit]:
        try:
            with self.engine.connect() as conn:
                return search_messages(conn, query, include_thoughts=include_thoughts, limit=limit, mark=mark)
        except DBAPIError as exc:
            raise translate_error(exc, self.path) from None

    def recover_interrupted(self) -> int:
        """Mark `streaming` rows whose writing process is dead as `interrupted`; their text stays."""
        with self._write() as s:
            rows = s.execute(select(Message.id, Message.writer)
                             .where(Message.status == MessageStatus.STREAMING.value)).all()
            dead = [mid for mid, writer in rows if not writer_alive(writer)]
            if dead:
                s.execute(update(Message).where(Message.id.in_(dead))
                          .values(status=MessageStatus.INTERRUPTED.value, writer=None))
            return len(dead)


class _SharedTransaction:
    def __init__(self, repo: HistoryRepository) -> None:
        self._repo = repo
        self.session = repo._sessions()
        self.session.begin()

    def commit(self) -> None:
        """Commit now; the rest of the block runs outside this transaction."""
        if self.session is None:
            return
        try:
            self.session.commit()
        except DBAPIError as exc:
            raise translate_error(exc, self._repo.path) from None
        finally:
            self.close()

    def rollback(self) -> None:
        if self.session is not None:
            self.session.rollback()

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None
            self._repo._local.tx = None


def _parents_first(messages: list[MessageRecord]) -> list[MessageRecord]:
    """Messages ordered so that every parent comes before its children."""
    by_id = {m.id: m for m in messages}
    done: set[int] = set()
    out: list[MessageRecord] = []
    for m in messages:
        chain = []
        while m is not None and m.id not in done:
            chain.append(m)
            done.add(m.id)
            m = by_id.get(m.parent_id) if m.parent_id is not None else None
        out.extend(reversed(chain))
    return out


def open_history(db_path) -> HistoryRepository:
    """Open and migrate the DB (moving a corrupt one aside, restoring a half-upgraded one from
    its backup, opening one this user cannot write read-only), then mark rows left `streaming`
    by dead processes as interrupted."""
    from reasoner_desktop.storage.database import open_database_safely

    opened = open_database_safely(Path(db_path))
    repo = HistoryRepository(opened.engine, read_only=opened.read_only)
    repo.startup_notices.extend(opened.notices)
    if not repo.read_only:
        try:
            repo.recover_interrupted()
        except HistoryWriteError:
            pass  # locked or a full disk: those rows stay `streaming` until a later start
    return repo
