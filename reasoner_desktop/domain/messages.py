"""Chat message value types shared by every layer."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"


class MessageStatus(StrEnum):
    """Life cycle of an assistant message row."""

    STREAMING = "streaming"  # being written right now
    COMPLETE = "complete"  # the model finished on its own
    STOPPED = "stopped"  # the user pressed Stop; partial text kept
    ERROR = "error"  # generation failed; partial text kept
    INTERRUPTED = "interrupted"  # the writing process died; partial text kept


class ThinkingMode(StrEnum):
    AUTO = "auto"  # a reasoning model thinks natively; others answer directly
    OFF = "off"  # ask the model not to think (where it can)
    PROMPTED = "prompted"  # instruct a non-reasoning model to think, prefill the opening tag


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One turn as the prompt builder sees it: text and reasoning kept apart."""

    role: Role
    content: str
    thinking: str = ""
    keep_thinking: bool = False  # send this turn's thought back to the model in later prompts


@dataclass(frozen=True, slots=True)
class FewShotExample:
    """A worked example for manual chain of thought (Wei et al. 2022), editable by the user."""

    question: str
    thought: str
    answer: str
