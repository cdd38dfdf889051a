"""The OpenAI-compatible API (Starlette, streamed with sse-starlette): `GET /v1/models` and
`POST /v1/chat/completions`, the thought in `reasoning_content` and the answer in `content`, as
llama-server, SGLang and LM Studio send them, so that any OpenAI client (and our own remote engine) can use
the model this app runs.

Requests honour reasoning_effort, max_completion_tokens / max_tokens, a thinking budget (thinking_budget,
vLLM's thinking_token_budget, OpenRouter's reasoning.max_tokens), chat_template_kwargs.enable_thinking, n
(parallel paths), seed, temperature, top_p and stop. The engine runs on one thread (runner.py), first come
first served; each stream is buffered so that a slow client never holds the model, and a client that goes
away cancels its generation (or its place in the queue)."""

from __future__ import annotations

import asyncio
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from sse_starlette.sse import EventSourceResponse
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from reasoner_desktop.domain.events import AnswerDelta, Done, PathEvent, ThinkingDelta
from reasoner_desktop.domain.history import ConversationRecord, MessageRecord
from reasoner_desktop.domain.messages import ChatMessage, MessageStatus, Role, ThinkingMode
from reasoner_desktop.inference.engine import GenerationRequest
from reasoner_desktop.inference.errors import GenerationError
from reasoner_desktop.server.runner import Busy, EngineRunner

MAX_BODY_BYTES = 1_000_000
MAX_MESSAGES = 2_000
MAX_STOPS = 16
EFFORTS = ("low", "medium", "high")


class BadRequest(Exception):
    def __init__(self, message: str, param: str | None = None, status: int = 400,
                 kind: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.param, self.status, self.kind = param, status, kind


def error(status: int, message: str, kind: str = "invalid_request_error", param: str | None = None,
          headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "param": param, "code": None}},
                        status_code=status, headers=headers)


# -- the request ----------------------------------------------------------------------------------

@dataclass(slots=True)
class Parsed:
    request: GenerationRequest
    stream: bool
    include_usage: bool
    stops: list[str]
    n: int
    mode: ThinkingMode | None
    messages: list[ChatMessage] = field(default_factory=list)


def _int(body: dict, *names: str, lo: int = 1, hi: int = 1 << 20) -> int | None:
    for name in names:
        value = body.get(name)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
            raise BadRequest(f"{name} must be a whole number from {lo} to {hi:,}.", name)
        return value
    return None


def _float(body: dict, name: str, lo: float, hi: float) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not lo <= value <= hi:
        raise BadRequest(f"{name} must be a number from {lo} to {hi}.", name)
    return float(value)


def _text(content, where: str) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str):
                parts.append(part["text"])
            else:
                raise BadRequest(f"{where}: only text content parts are supported.", "messages")
        return "".join(parts)
    if content is None:
        return ""
    raise BadRequest(f"{where}: content must be a string or a list of text parts.", "messages")


def parse_body(body, engine) -> Parsed:
    """The request's fields, checked; BadRequest names the first wrong one."""
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    raw = body.get("messages")
    if not isinstance(raw, list) or not raw or len(raw) > MAX_MESSAGES:
        raise BadRequest(f"messages must be a list of 1 to {MAX_MESSAGES:,} messages.", "messages")
    system, messages = [], []
    for i, m in enumerate(raw):
        if not isinstance(m, dict) or not isinstance(m.get("role"), str):
            raise BadRequest(f"messages[{i}] must be an object with a role.", "messages")
        role, text = m["role"], _text(m.get("content"), f"messages[{i}]")
        if role in ("system", "developer"):
            system.append(text)
        elif role in ("user", "assistant"):
            messages.append(ChatMessage(Role(role), text))
        else:
            raise BadRequest(f"messages[{i}]: role {role!r} is not supported (system, user, assistant).", "messages")
    if not messages or messages[-1].role is not Role.USER:
        raise BadRequest("The last message must be the user's.", "messages")

    mode = None
    kwargs = body.get("chat_template_kwargs")
    if kwargs is not None and not isinstance(kwargs, dict):
        raise BadRequest("chat_template_kwargs must be an object.", "chat_template_kwargs")
    switch = (kwargs or {}).get("enable_thinking", (kwargs or {}).get("thinking"))
    if switch is not None:
        if not isinstance(switch, bool):
            raise BadRequest("chat_template_kwargs.enable_thinking must be true or false.", "chat_template_kwargs")
        mode = ThinkingMode.OFF if not switch else (ThinkingMode.AUTO if engine.thinks_natively
                                                    else ThinkingMode.PROMPTED)
    effort = body.get("reasoning_effort")
    if effort is not None and effort not in ("none", "minimal", *EFFORTS):
        raise BadRequest("reasoning_effort must be none, minimal, low, medium or high.", "reasoning_effort")
    if effort == "none":
        mode, effort = ThinkingMode.OFF, None
    elif effort == "minimal":
        effort = "low"
    reasoning = body.get("reasoning")
    budget = _int(body, "thinking_budget", "thinking_token_budget")
    if isinstance(reasoning, dict) and budget is None:
        budget = _int(reasoning, "max_tokens")
        if reasoning.get("enabled") is False:
            mode = ThinkingMode.OFF
    max_tokens = _int(body, "max_completion_tokens", "max_tokens")
    n = _int(body, "n", hi=16) or 1
    if n > engine.max_paths:
        raise BadRequest(f"n must be at most {engine.max_paths} for this model.", "n")
    stop = body.get("stop")
    stops = [stop] if isinstance(stop, str) else stop if isinstance(stop, list) else [] if stop is None else None
    if stops is None or len(stops) > MAX_STOPS or not all(isinstance(s, str) and s for s in stops):
        raise BadRequest(f"stop must be a string or a list of up to {MAX_STOPS} non-empty strings.", "stop")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise BadRequest("stream must be true or false.", "stream")
    options = body.get("stream_options")
    include_usage = isinstance(options, dict) and options.get("include_usage") is True

    seed = _int(body, "seed", lo=-(1 << 63), hi=(1 << 64) - 1)
    temperature, top_p = _float(body, "temperature", 0.0, 2.0), _float(body, "top_p", 0.0, 1.0)
    sampling = engine.recommended_sampling(mode)
    changes = {k: v for k, v in (("seed", seed), ("temperature", temperature), ("top_p", top_p)) if v is not None}
    if changes:
        sampling = replace(sampling, **changes)
    request = GenerationRequest(messages=messages, mode=mode, system_prompt="\n\n".join(system) or None,
                                max_tokens=max_tokens, max_thinking_tokens=budget, sampling=sampling,
                                reasoning_effort=effort, samples=n)
    return Parsed(request, stream, include_usage, stops, n, mode, messages)


class StopFilter:
    """Cuts an answer at the first stop string; holds back a tail that could be the start of one."""

    def __init__(self, stops: list[str]) -> None:
        self.stops = stops
        self.hold = max((len(s) for s in stops), default=1) - 1
        self.buffer = ""
        self.stopped = False

    def feed(self, text: str) -> str:
        if self.stopped:
            return ""
        self.buffer += text
        cut = min((i for s in self.stops if (i := self.buffer.find(s)) >= 0), default=-1)
        if cut >= 0:
            out, self.buffer, self.stopped = self.buffer[:cut], "", True
            return out
        if not self.stops:
            out, self.buffer = self.buffer, ""
            return out
        keep = len(self.buffer) - self.hold
        out, self.buffer = self.buffer[:max(keep, 0)], self.buffer[max(keep, 0):]
        return out

    def flush(self) -> str:
        out, self.buffer = ("" if self.stopped else self.buffer), ""
        return out


# -- the app --------------------------------------------------------------------------------------

def create_app(runner: EngineRunner, *, api_key: str | None = None, repo=None,
               max_body_bytes: int = MAX_BODY_BYTES) -> Starlette:
    """The API on `runner`'s engine. With `api_key`, every request needs `Authorization: Bearer KEY`; with
    `repo`, every finished completion is kept as a conversation in the history."""

    def authorised(request: Request) -> bool:
        if not api_key:
            return True
        given = request.headers.get("authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {api_key}".encode())

    def refused() -> JSONResponse:
        return error(401, "Missing or wrong API key (Authorization: Bearer KEY).", "authentication_error")

    async def models(request: Request) -> JSONResponse:
        if not authorised(request):
            return refused()
        return JSONResponse({"object": "list", "data": [
            {"id": runner.model_name, "object": "model", "created": 0, "owned_by": "reasoner-desktop"}]})

    async def read_body(request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_body_bytes:
            raise BadRequest(f"The request is larger than {max_body_bytes:,} bytes.", status=413)
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_body_bytes:
                raise BadRequest(f"The request is larger than {max_body_bytes:,} bytes.", status=413)
            chunks.append(chunk)
        return b"".join(chunks)

    async def completions(request: Request):
        if not authorised(request):
            return refused()
        if runner.engine is None:
            return error(503, "No model is loaded yet; try again when the app has loaded one.", "server_error",
                         headers={"Retry-After": "5"})
        try:
            raw = await read_body(request)
            try:
                body = json.loads(raw)
            except (ValueError, RecursionError):
                raise BadRequest("The request body is not valid JSON.") from None
            parsed = parse_body(body, runner.engine)  # reads what the engine is, never runs it
        except BadRequest as exc:
            return error(exc.status, str(exc), exc.kind, exc.param)
        completion_id = f"chatcmpl-{secrets.token_hex(12)}"
        created = int(time.time())
        job = Generation(parsed, runner.model_name, asyncio.get_running_loop())
        try:
            job.future = runner.submit(job.run)
        except Busy as exc:
            return error(429, f"The model is busy: {exc}; try again shortly.", "rate_limit_error",
                         headers={"Retry-After": "2"})
        if parsed.stream:
            return EventSourceResponse(_stream(job, completion_id, created, parsed, repo), ping=15,
                                       headers={"Cache-Control": "no-cache"})
        watcher = asyncio.create_task(_watch_disconnect(request, job.cancel))
        try:
            await job.finished.wait()
        finally:
            watcher.cancel()
        if job.error:
            return error(500, job.error, "server_error")
        await asyncio.to_thread(_save, repo, job, completion_id)  # SQLite never holds the event loop
        return JSONResponse(_completion(job, completion_id, created, parsed))

    async def not_here(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 405:
            return error(405, f"{request.method} is not allowed on {request.url.path}.", headers=exc.headers)
        return error(exc.status_code, f"No such endpoint: {request.url.path} (this server has /v1/models and "
                     "/v1/chat/completions).", param=None)

    return Starlette(routes=[Route("/v1/models", models, methods=["GET"]),
                             Route("/v1/chat/completions", completions, methods=["POST"])],
                     exception_handlers={HTTPException: not_here})


async def _watch_disconnect(request: Request, cancel: threading.Event) -> None:
    """The body has been read: the next message from the client is its going away."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            cancel.set()
            return


@dataclass(slots=True)
class Choice:
    thinking: list[str] = field(default_factory=list)
    answer: list[str] = field(default_factory=list)
    finish: str | None = None
    stats: object = None


class Generation:
    """One completion: run on the engine's thread, its events handed to the event loop as they come
    (an unbounded queue: the engine never waits for a slow client)."""

    def __init__(self, parsed: Parsed, model: str, loop: asyncio.AbstractEventLoop) -> None:
        self.parsed, self.model, self.loop = parsed, model, loop
        self.cancel = threading.Event()
        self.events: asyncio.Queue = asyncio.Queue()
        self.finished = asyncio.Event()
        self.choices = [Choice() for _ in range(parsed.n)]
        self.filters = [StopFilter(parsed.stops) for _ in range(parsed.n)]
        self.stats = None
        self.error: str | None = None
        self.future = None

    def _post(self, item) -> None:
        self.loop.call_soon_threadsafe(self.events.put_nowait, item)

    def run(self, engine) -> None:
        try:
            if self.cancel.is_set():  # the client left while it waited its turn
                return
            for event in engine.stream(self.parsed.request, self.cancel.is_set):
                index, inner = (event.path, event.event) if isinstance(event, PathEvent) else (0, event)
                if isinstance(inner, ThinkingDelta) and inner.text:
                    self.choices[index].thinking.append(inner.text)
                    self._post(("thinking", index, inner.text))
                elif isinstance(inner, AnswerDelta) and inner.text:
                    out = self.filters[index].feed(inner.text)
                    if out:
                        self.choices[index].answer.append(out)
                        self._post(("content", index, out))
                    if self.filters[index].stopped:
                        self.choices[index].finish = "stop"
                        if all(f.stopped or c.stats is not None for f, c in zip(self.filters, self.choices)):
                            self.cancel.set()  # every path has hit a stop string or ended
                elif isinstance(inner, Done) and isinstance(event, PathEvent):
                    self._end_choice(index, inner.stats)
                elif isinstance(inner, Done):
                    self.stats = inner.stats
                    if self.parsed.n == 1:
                        self._end_choice(0, inner.stats)
        except GenerationError as exc:
            self.error = str(exc)
        except Exception as exc:  # noqa: BLE001 - the client gets one sentence; the server goes on
            self.error = f"The model failed: {exc}"
        finally:
            self._post(("end", None, None))
            self.loop.call_soon_threadsafe(self.finished.set)

    def _end_choice(self, index: int, stats) -> None:
        choice = self.choices[index]
        rest = self.filters[index].flush()
        if rest:
            choice.answer.append(rest)
            self._post(("content", index, rest))
        choice.stats = stats
        if choice.finish is None:
            choice.finish = "length" if getattr(stats, "stop_reason", "") == "length" else "stop"
        self._post(("finish", index, choice.finish))

    def usage(self) -> dict:
        stats = [c.stats for c in self.choices if c.stats is not None] or ([self.stats] if self.stats else [])
        prompt = getattr(self.stats or (stats[0] if stats else None), "prompt_tokens", 0) or 0
        thinking = sum(s.thinking_tokens for s in stats)
        completion = thinking + sum(s.answer_tokens for s in stats)
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
                "completion_tokens_details": {"reasoning_tokens": thinking}}


def _chunk(completion_id: str, created: int, model: str, choices: list, usage: dict | None = None) -> str:
    doc = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model,
           "choices": choices}
    if usage is not None:
        doc["usage"] = usage
    return json.dumps(doc, ensure_ascii=False)


async def _stream(job: Generation, completion_id: str, created: int, parsed: Parsed, repo):
    """SSE: a role delta per choice, then reasoning_content / content deltas, a finish per choice, usage if
    asked, [DONE]. The generator is cancelled when the client goes away: that cancels the generation."""
    model = job.model
    try:
        yield {"data": _chunk(completion_id, created, model, [
            {"index": i, "delta": {"role": "assistant", "content": ""}, "logprobs": None, "finish_reason": None}
            for i in range(parsed.n)])}
        while True:
            kind, index, value = await job.events.get()
            if kind == "end":
                break
            if kind == "thinking":
                delta = {"reasoning_content": value}
            elif kind == "content":
                delta = {"content": value}
            else:
                yield {"data": _chunk(completion_id, created, model, [
                    {"index": index, "delta": {}, "logprobs": None, "finish_reason": value}])}
                continue
            yield {"data": _chunk(completion_id, created, model, [
                {"index": index, "delta": delta, "logprobs": None, "finish_reason": None}])}
        if job.error:
            yield {"data": json.dumps({"error": {"message": job.error, "type": "server_error", "code": 500}})}
        else:
            if parsed.include_usage:
                yield {"data": _chunk(completion_id, created, model, [], job.usage())}
            await asyncio.to_thread(_save, repo, job, completion_id)
        yield {"data": "[DONE]"}
    finally:
        job.cancel.set()  # a client that left stops its generation (no-op when it ended)


def _completion(job: Generation, completion_id: str, created: int, parsed: Parsed) -> dict:
    return {"id": completion_id, "object": "chat.completion", "created": created, "model": job.model,
            "choices": [{"index": i, "message": {"role": "assistant", "content": "".join(c.answer),
                                                 "reasoning_content": "".join(c.thinking) or None},
                         "logprobs": None, "finish_reason": c.finish or "stop"}
                        for i, c in enumerate(job.choices)],
            "usage": job.usage()}


def _save(repo, job: Generation, completion_id: str) -> None:
    """--save-history: the request's messages and the answer(s), as a conversation of its own."""
    if repo is None or job.error:
        return
    now = datetime.now(UTC)
    records: list[MessageRecord] = []
    parent = None
    for m in job.parsed.messages:
        records.append(MessageRecord(len(records) + 1, 0, parent, m.role, m.content, "", MessageStatus.COMPLETE,
                                     None, None, None, None, now))
        parent = len(records)
    question = parent
    for c in job.choices:
        s = c.stats
        records.append(MessageRecord(len(records) + 1, 0, question, Role.ASSISTANT, "".join(c.answer),
                                     "".join(c.thinking), MessageStatus.COMPLETE, job.model,
                                     getattr(s, "thinking_seconds", None), getattr(s, "thinking_tokens", None),
                                     getattr(s, "answer_tokens", None), now))
    first = next((m.content for m in job.parsed.messages if m.role is Role.USER), "API request")
    conv = ConversationRecord(id=0, title=" ".join(first.split())[:60] or "API request", created_at=now,
                              updated_at=now, pinned=False, model=job.model,
                              system_prompt=job.parsed.request.system_prompt, messages=records,
                              active_path=[*range(1, question + 1), question + 1], uuid=f"api:{completion_id}")
    try:
        repo.import_conversations([conv])
    except Exception:  # noqa: BLE001 - the client has its answer; the history's own error is logged there
        import logging

        logging.getLogger(__name__).exception("Saving an API completion failed")
