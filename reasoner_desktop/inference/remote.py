"""A remote engine: any OpenAI-compatible `/v1/chat/completions` server (vLLM, SGLang, llama.cpp's
llama-server, Ollama, LM Studio, our own `serve`, hosted APIs), streamed over SSE with httpx. Same interface
and events as LlamaEngine, so the chat service, the CLI and the window use it as they use a local model.

Reasoning arrives in whichever field the server uses: `reasoning_content` (llama-server, SGLang, LM Studio,
DeepSeek), `reasoning` (vLLM >= 0.10, Ollama, OpenRouter), `thinking`; or inline in `content` (`<think>` or
gpt-oss harmony text, from a server started without a reasoning parser), split by our parsers. Thinking
controls are sent only where the server kind documents them (SERVER_KINDS); what a server cannot do is
reported by `capabilities()` so that the composer disables it with the reason."""

from __future__ import annotations

import json
import queue
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

import httpx
import httpx_sse

from reasoner_desktop.domain.events import Done, GenerationStats, StreamEvent, ThinkingDelta
from reasoner_desktop.domain.messages import Role, ThinkingMode
from reasoner_desktop.domain.reasoning import HarmonyParser, ReasoningFormat, make_parser
from reasoner_desktop.inference.errors import GenerationError, ModelLoadError
from reasoner_desktop.inference.presets import Sampling
from reasoner_desktop.inference.prompt import PROMPTED_TEXTS, prompt_language

DEFAULT_CONTEXT = 32_768  # what we assume a served model holds when the settings do not say
CHARS_PER_TOKEN = 4  # token estimates where the server's tokenizer is out of reach
REASONING_FIELDS = ("reasoning_content", "reasoning", "thinking")
POLL_SECONDS = 0.02  # how often a waiting stream looks at the Stop flag


@dataclass(frozen=True, slots=True)
class ServerKind:
    label: str
    thinking_switch: bool = False  # chat_template_kwargs {enable_thinking, thinking}
    effort: bool = False  # reasoning_effort
    budget_field: str | None = None  # a thinking budget in tokens, by this request field
    openrouter_reasoning: bool = False  # reasoning: {effort, max_tokens, enabled}
    max_tokens_field: str = "max_tokens"


# Documented request controls per server (each project's docs for its OpenAI-compatible endpoint).
SERVER_KINDS: dict[str, ServerKind] = {
    "openai-compatible": ServerKind("OpenAI-compatible (generic)"),
    "reasoner-desktop": ServerKind("Reasoner Desktop (serve)", thinking_switch=True, effort=True,
                                   budget_field="thinking_budget"),
    "vllm": ServerKind("vLLM", thinking_switch=True, effort=True, budget_field="thinking_token_budget"),
    "sglang": ServerKind("SGLang", thinking_switch=True, effort=True),
    "llama-server": ServerKind("llama.cpp llama-server", thinking_switch=True, effort=True),
    "ollama": ServerKind("Ollama", effort=True),
    "lmstudio": ServerKind("LM Studio", effort=True),
    "openrouter": ServerKind("OpenRouter", openrouter_reasoning=True),
    "deepseek": ServerKind("DeepSeek API"),
    "openai": ServerKind("OpenAI", effort=True, max_tokens_field="max_completion_tokens"),
}


@dataclass(slots=True)
class RemoteSettings:
    base_url: str  # up to and including /v1
    model: str  # the server's model id
    api_key: str | None = None
    kind: str = "openai-compatible"
    n_ctx: int | None = None  # the served model's context, if known (trimming old turns)
    thinks: bool = True  # the served model is a reasoning model (else thinking is prompted)
    connect_timeout: float = 10.0
    read_timeout: float = 120.0  # a stream that sends nothing for this long has stalled
    sampling: dict = field(default_factory=dict)
    name: str = ""  # the library's name for it (what the history shows)


class RemoteError(ModelLoadError):
    """A remote model that cannot be used (the server is not there, refuses the key, lacks the model)."""


def _host(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc or url


def describe_http_error(exc: BaseException, settings: RemoteSettings, *, stalled: float | None = None) -> str:
    """One sentence for a transport failure."""
    host = _host(settings.base_url)
    cause = exc.__cause__ or exc.__context__
    text = f"{exc} {cause or ''}".lower()
    if isinstance(exc, httpx.ReadTimeout):
        return (f"The server at {host} sent nothing for {stalled or settings.read_timeout:.0f} s and the answer was "
                "stopped; the partial text is kept.")
    if isinstance(exc, httpx.ConnectTimeout):
        return f"Connecting to {host} timed out after {settings.connect_timeout:.0f} s."
    if isinstance(exc, httpx.ConnectError):
        if isinstance(cause, ssl.SSLError) or "ssl" in text or "certificate" in text:
            return f"A secure (TLS) connection to {host} failed: {cause or exc}."
        if "name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text \
                or "name resolution" in text or "no address associated" in text:
            return f"The server name in {settings.base_url} could not be found (DNS)."
        if "refused" in text:
            return f"Nothing answers at {host} (connection refused): is the server running?"
        return f"Cannot connect to {host}: {exc}."
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError)):
        return f"The server at {host} closed the connection in the middle of the answer; the partial text is kept."
    return f"Talking to {host} failed: {exc}."


def describe_status(response: httpx.Response, settings: RemoteSettings) -> str:
    """One sentence for an HTTP error status (the body has been read)."""
    host, code = _host(settings.base_url), response.status_code
    try:
        detail = response.json()
        detail = detail.get("error", detail) if isinstance(detail, dict) else detail
        detail = detail.get("message", "") if isinstance(detail, dict) else str(detail)
    except (ValueError, UnicodeDecodeError):
        detail = response.text[:200]
    detail = " ".join(str(detail).split())[:200]
    if code in (401, 403):
        return f"The server at {host} refused the API key (HTTP {code}); check the key in the model's settings."
    if code == 404:
        return (f"The server at {host} does not know the model {settings.model!r} or the path "
                f"{urlsplit(str(response.request.url)).path} (HTTP 404).")
    if code == 429:
        after = response.headers.get("retry-after")
        wait = f"; try again in {after} s" if after and after.strip().isdigit() else "; try again later"
        return f"The server at {host} is busy or over its rate limit (HTTP 429){wait}."
    if code >= 500:
        return f"The server at {host} failed (HTTP {code}){': ' + detail if detail else ''}."
    return f"The server at {host} refused the request (HTTP {code}){': ' + detail if detail else ''}."


class RemoteEngine:
    """Owned by one thread, like LlamaEngine. Nothing is loaded: construction checks that the server answers
    (GET /models) so that a wrong URL or key is said at once, not at the first question."""

    def __init__(self, name: str, settings: RemoteSettings, *, check: bool = True,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.settings = settings
        self.kind = SERVER_KINDS.get(settings.kind, SERVER_KINDS["openai-compatible"])
        self.name = name
        self.path = settings.base_url  # what the window shows where a local model shows its file
        self.n_ctx = settings.n_ctx or DEFAULT_CONTEXT
        self.format = ReasoningFormat.THINK if settings.thinks else ReasoningFormat.NONE
        self.load_notes: list[str] = []
        self.max_paths = 1
        headers = {"Authorization": f"Bearer {settings.api_key}"} if settings.api_key else {}
        self._client = httpx.Client(base_url=settings.base_url.rstrip("/") + "/", headers=headers,
                                    timeout=httpx.Timeout(30.0, connect=settings.connect_timeout,
                                                          read=settings.read_timeout),
                                    transport=transport, follow_redirects=False)
        if check:
            self.list_models()

    # -- what it can do ------------------------------------------------------------

    @property
    def thinks_natively(self) -> bool:
        return self.settings.thinks

    @property
    def can_disable_thinking(self) -> bool:
        return not self.settings.thinks or self.kind.thinking_switch or self.kind.effort or \
            self.kind.openrouter_reasoning

    @property
    def can_cap_thinking(self) -> bool:
        """A thinking budget the server enforces (we cannot close a remote thought ourselves)."""
        return bool(self.kind.budget_field or self.kind.openrouter_reasoning)

    def capabilities(self) -> dict:
        return {"remote": True, "server": self.kind.label, "can_cap_thinking": self.can_cap_thinking,
                "can_answer_now": False, "max_paths": 1}

    def default_mode(self) -> ThinkingMode:
        return ThinkingMode.AUTO if self.settings.thinks else ThinkingMode.PROMPTED

    def recommended_sampling(self, mode: ThinkingMode | None = None) -> Sampling:
        """The server's own defaults, with what the user set for this model on top (None: not sent)."""
        base = Sampling(temperature=None, top_p=None, top_k=None, min_p=None, repeat_penalty=None, seed=None)
        known = {k: v for k, v in self.settings.sampling.items() if hasattr(base, k) and v is not None}
        return replace(base, **known)

    def tokenize(self, text: str) -> list[int]:
        """An estimate (the server's tokenizer is out of reach): one token per CHARS_PER_TOKEN characters."""
        return [0] * max(1, len(text) // CHARS_PER_TOKEN) if text else []

    def prompt_tokens(self, request) -> int:
        return sum(len(self.tokenize(m.content)) + 4 for m in request.messages)

    def check_paths(self, request) -> None:
        if request.samples != 1:
            raise GenerationError("A remote model answers one path at a time; set Paths to 1.")

    def paths_that_fit(self, prompt_tokens: int) -> int:
        return 1

    def close(self) -> None:
        self._client.close()

    # -- the server ------------------------------------------------------------------

    def list_models(self) -> list[str]:
        """The server's model ids (GET /models); RemoteError with one sentence when it cannot be used."""
        s = self.settings
        try:
            response = self._client.get("models", timeout=httpx.Timeout(s.connect_timeout + 5,
                                                                        connect=s.connect_timeout))
        except httpx.HTTPError as exc:
            raise RemoteError(describe_http_error(exc, s)) from None
        if response.status_code == 404:  # some servers have no model list; the first answer will tell
            return []
        if response.status_code >= 400:
            raise RemoteError(describe_status(response, s))
        try:
            data = response.json().get("data", [])
            return [str(m["id"]) for m in data if isinstance(m, dict) and "id" in m]
        except (ValueError, AttributeError, TypeError):
            raise RemoteError(f"{_host(s.base_url)} does not answer like an OpenAI-compatible server "
                              "(its /models is not the expected JSON).") from None

    def body(self, request) -> dict:
        """The JSON request for one answer: messages, sampling and the thinking controls this server knows."""
        s, kind = self.settings, self.kind
        mode = request.mode or self.default_mode()
        messages = []
        system = request.system_prompt or ""
        if mode is ThinkingMode.PROMPTED:  # any model can be asked to think, in tags our parser splits
            texts = PROMPTED_TEXTS[prompt_language(request.messages)]
            system = (system + "\n\n" if system else "") + texts.instruction.format(open="<think>", close="</think>")
        if system:
            messages.append({"role": "system", "content": system})
        for m in request.messages:
            if m.role is Role.SYSTEM:
                continue
            content = m.content
            if m.role is Role.ASSISTANT and m.keep_thinking and m.thinking:
                content = f"<think>\n{m.thinking}\n</think>\n\n{content}"
            messages.append({"role": m.role.value, "content": content})
        body: dict = {"model": s.model, "messages": messages, "stream": True,
                      "stream_options": {"include_usage": True}}
        sp = request.sampling or self.recommended_sampling(mode)
        for key in ("temperature", "top_p", "seed"):
            value = getattr(sp, key, None)
            if value is not None:
                body[key] = value
        if request.max_tokens:
            body[kind.max_tokens_field] = request.max_tokens
        off = mode is ThinkingMode.OFF
        if kind.thinking_switch and s.thinks:
            body["chat_template_kwargs"] = {"enable_thinking": not off, "thinking": not off}
        if kind.effort and (request.reasoning_effort or (off and not kind.thinking_switch)):
            body["reasoning_effort"] = "none" if off and not kind.thinking_switch else request.reasoning_effort
        budget = request.max_thinking_tokens if not off else None
        if kind.budget_field and budget:
            body[kind.budget_field] = budget
        if kind.openrouter_reasoning and (off or budget or request.reasoning_effort):
            body["reasoning"] = ({"enabled": False} if off else
                                 {"max_tokens": budget} if budget else {"effort": request.reasoning_effort})
        return body

    def stream(self, request, cancel: Callable[[], bool] = lambda: False, *,
               answer_now: Callable[[], bool] = lambda: False) -> Iterator[StreamEvent]:
        """One answer, streamed. Stop (cancel) closes the connection at the next chunk and keeps the text;
        a failure mid-answer raises GenerationError after the text so far has been handed out."""
        self.check_paths(request)
        if request.continue_thought is not None:
            raise GenerationError("Think longer needs a local model: a server cannot be told to go on from a "
                                  "thought; use Regenerate.")
        return self._run(request, cancel)

    def _reader(self, body: dict, inbox: queue.SimpleQueue, stop: threading.Event) -> None:
        """On its own thread: the HTTP stream, event by event, into `inbox` (so that Stop never waits on a
        socket read: a server thinking silently for a minute is left at once)."""
        try:
            with httpx_sse.connect_sse(self._client, "POST", "chat/completions", json=body) as source:
                response = source.response
                inbox.put(("open", response))
                if response.status_code >= 400:
                    response.read()
                    inbox.put(("status", response))
                    return
                kind = response.headers.get("content-type", "")
                if "text/event-stream" not in kind:
                    inbox.put(("not-sse", kind.split(";")[0] or "no content type"))
                    return
                for event in source.iter_sse():
                    if stop.is_set():
                        return
                    inbox.put(("data", event.data))
        except httpx.HTTPError as exc:
            inbox.put(("error", exc))
        except Exception as exc:  # noqa: BLE001 - handed to the owner thread, which raises it there
            inbox.put(("crash", exc))
        finally:
            inbox.put(("end", None))

    def _events(self, body: dict, cancel: Callable[[], bool]) -> Iterator[tuple[str, object]]:
        inbox: queue.SimpleQueue = queue.SimpleQueue()
        stop = threading.Event()
        reader = threading.Thread(target=self._reader, args=(body, inbox, stop), name="remote-stream", daemon=True)
        reader.start()
        response = None
        try:
            while True:
                if cancel():
                    yield "stopped", None
                    return
                try:
                    kind, value = inbox.get(timeout=POLL_SECONDS)
                except queue.Empty:
                    continue
                if kind == "open":
                    response = value
                    continue
                if kind == "end":
                    return
                yield kind, value
        finally:
            stop.set()
            if response is not None:
                try:  # ends the request for the server too (it sees the client go away)
                    response.close()
                except Exception:  # noqa: BLE001 - the reader may be inside the same response; it ends anyway
                    pass

    def _run(self, request, cancel: Callable[[], bool]) -> Iterator[StreamEvent]:
        s = self.settings
        host = _host(s.base_url)
        started = time.perf_counter()
        mode = request.mode or self.default_mode()
        stats = GenerationStats(model=self.name, n_ctx=self.n_ctx, notes=list(self.load_notes),
                                stop_reason="eos", thinking_budget=request.max_thinking_tokens)
        if request.max_thinking_tokens and not self.can_cap_thinking and mode is not ThinkingMode.OFF:
            stats.notes.append(f"{self.kind.label} cannot cap a thought; the thinking budget was not applied.")
        parser = make_parser(ReasoningFormat.THINK)
        harmony_checked = False
        first = thought_end = None
        pieces = thinking_pieces = 0
        usage: dict = {}
        finish = None
        for kind, value in self._events(self.body(request), cancel):
            if kind == "stopped":
                stats.stop_reason = "stopped"
                break
            if kind == "status":
                raise GenerationError(describe_status(value, s))
            if kind == "error":
                raise GenerationError(describe_http_error(value, s))
            if kind == "not-sse":
                raise GenerationError(f"The server at {host} did not stream the answer (it sent {value}, not "
                                      "text/event-stream).")
            if kind == "crash":
                raise GenerationError(f"Reading the answer from {host} failed: {value}.")
            data = str(value).strip()
            if not data:
                continue
            if data == "[DONE]":
                break
            try:
                chunk = json.loads(data)
            except (ValueError, RecursionError):
                raise GenerationError(f"The server at {host} sent a malformed stream (not JSON: {data[:60]!r}).") \
                    from None
            if not isinstance(chunk, dict):
                raise GenerationError(f"The server at {host} sent a malformed stream (an event that is not an object).")
            if isinstance(chunk.get("error"), (dict, str)):
                err = chunk["error"]
                raise GenerationError(f"The server at {host} stopped with an error: "
                                      f"{err.get('message') if isinstance(err, dict) else err}.")
            if isinstance(chunk.get("usage"), dict):
                usage = chunk["usage"]
            choices = chunk.get("choices") if isinstance(chunk.get("choices"), list) else []
            for choice in choices:
                if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                    continue
                delta = choice.get("delta") if isinstance(choice.get("delta"), dict) else {}
                out: list = []
                thought = next((delta[f] for f in REASONING_FIELDS if isinstance(delta.get(f), str) and delta[f]), "")
                if thought:
                    out.append(ThinkingDelta(thought))
                content = delta.get("content")
                if isinstance(content, str) and content:
                    if not harmony_checked:
                        harmony_checked = True
                        if content.lstrip().startswith(("<|channel|>", "<|start|>")):
                            parser = HarmonyParser()
                    out += parser.feed(content)
                if isinstance(choice.get("finish_reason"), str):
                    finish = choice["finish_reason"]
                pieces += bool(out)
                for d in out:
                    now = time.perf_counter()
                    if first is None:
                        first = now
                        stats.ttft_seconds = now - started
                    if isinstance(d, ThinkingDelta):
                        thinking_pieces += 1
                        thought_end = now
                        yield ThinkingDelta(d.text, thinking_pieces, request.max_thinking_tokens)
                    else:
                        yield d
        for d in parser.finish():
            yield d if not isinstance(d, ThinkingDelta) else ThinkingDelta(d.text, thinking_pieces)
        end = time.perf_counter()
        if finish == "length" and stats.stop_reason != "stopped":
            stats.stop_reason = "length"
        details = usage.get("completion_tokens_details")
        details = details if isinstance(details, dict) else {}
        completion = usage.get("completion_tokens") if isinstance(usage.get("completion_tokens"), int) else pieces
        reasoning = details.get("reasoning_tokens") if isinstance(details.get("reasoning_tokens"), int) else None
        stats.thinking_tokens = reasoning if reasoning is not None else thinking_pieces
        stats.answer_tokens = max(0, completion - stats.thinking_tokens)
        # The server's count; else our estimate (llama-cpp-python's server sends no usage when streaming).
        stats.prompt_tokens = usage.get("prompt_tokens") if isinstance(usage.get("prompt_tokens"), int) \
            else self.prompt_tokens(request)
        stats.prompt_tokens_evaluated = stats.prompt_tokens
        stats.total_seconds = end - started
        if first is not None and end > first:
            stats.tokens_per_second = completion / (end - first)
        if thinking_pieces or parser.saw_thought:
            stats.thinking_seconds = (thought_end or end) - started
        yield Done(stats)
