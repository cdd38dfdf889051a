"""The remote engine against real HTTP servers on 127.0.0.1: a stub that replays streams recorded from each
server's documented format (vLLM, SGLang, llama-server, Ollama, OpenRouter, raw <think> and harmony text),
every error a server or the network can give, and llama-cpp-python's own OpenAI-compatible server running
the bundled model (thinking prompted, split by our parser, through `ask --model REMOTE`)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from reasoner_desktop.domain.events import AnswerDelta, Done, ThinkingDelta
from reasoner_desktop.domain.messages import ChatMessage, Role, ThinkingMode
from reasoner_desktop.inference.engine import GenerationRequest
from reasoner_desktop.inference.errors import GenerationError
from reasoner_desktop.inference.library import ModelLibrary, engine_settings_for
from reasoner_desktop.inference.remote import RemoteEngine, RemoteError, RemoteSettings
from reasoner_desktop.inference.secrets import FILE, KEY_FILE, load_key, save_key
from tests.conftest import PYTHON, cli_env

SSE = Path(__file__).parent / "fixtures" / "sse"
KEY = "sk-test-123"


class Stub(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.bodies: list[dict] = []
        self.release = threading.Event()  # a held stream goes on (or ends) when this is set
        self.holding = threading.Event()  # a held stream has sent its first chunk
        self.client_gone = threading.Event()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def stop(self) -> None:
        self.release.set()
        self.shutdown()
        self.server_close()


class Handler(BaseHTTPRequestHandler):
    server: Stub

    def log_message(self, *args) -> None:
        pass

    def _json(self, code: int, doc, headers: dict | None = None) -> None:
        data = json.dumps(doc).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _authorised(self) -> bool:
        if self.headers.get("Authorization") != f"Bearer {KEY}":
            self._json(401, {"error": {"message": "Invalid API key", "type": "invalid_request_error"}})
            return False
        return True

    def do_GET(self) -> None:
        if not self._authorised():
            return
        if self.path != "/v1/models":
            return self._json(404, {"error": {"message": "not found"}})
        ids = [p.stem for p in SSE.glob("*.sse")] + ["held"]
        self._json(200, {"object": "list", "data": [{"id": i, "object": "model"} for i in ids]})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.bodies.append(body)
        if not self._authorised():
            return
        model = body["model"]
        if model.startswith("e") and model[1:].isdigit():
            code = int(model[1:])
            return self._json(code, {"error": {"message": f"failure {code}", "type": "server_error"}},
                              {"Retry-After": "7"} if code == 429 else None)
        if model == "json":
            return self._json(200, {"choices": [{"message": {"content": "not streamed"}}]})
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        try:
            if model == "held":  # one chunk, then nothing until released (a stall, or a Stop to test)
                first = {"choices": [{"index": 0, "delta": {"reasoning_content": "Let me see"}}]}
                self.wfile.write(f"data: {json.dumps(first)}\n\n".encode())
                self.wfile.flush()
                self.server.holding.set()
                self.server.release.wait(30)
                self.wfile.write(b": still here\n\n")
                self.wfile.flush()
                return
            for event in (SSE / f"{model}.sse").read_text().split("\n\n"):
                if event:
                    self.wfile.write((event + "\n\n").encode())
                    self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.server.client_gone.set()


@pytest.fixture
def stub():
    s = Stub()
    yield s
    s.stop()


def engine_for(stub: Stub, model: str, **kw) -> RemoteEngine:
    return RemoteEngine("remote", RemoteSettings(stub.url, model, api_key=KEY, **kw))


def ask(engine, text="What is 17 × 23?", cancel=lambda: False, **kw):
    request = GenerationRequest(messages=[ChatMessage(Role.USER, text)], **kw)
    events = list(engine.stream(request, cancel))
    thinking = "".join(e.text for e in events if isinstance(e, ThinkingDelta))
    answer = "".join(e.text for e in events if isinstance(e, AnswerDelta))
    assert isinstance(events[-1], Done) and sum(isinstance(e, Done) for e in events) == 1
    return thinking, answer, events[-1].stats, events


@pytest.mark.parametrize("recording", ["vllm_reasoning", "sglang_reasoning_content", "llama_server_reasoning_content",
                                       "ollama_reasoning", "openrouter_reasoning", "inline_think", "harmony_inline"])
def test_every_servers_reasoning_lands_in_the_thought(stub, recording):
    thinking, answer, stats, events = ask(engine_for(stub, recording))
    assert "391" in thinking and thinking.strip().startswith(("Okay", "Multiply"))
    assert answer.strip() == "17 × 23 = **391**."
    first_answer = next(i for i, e in enumerate(events) if isinstance(e, AnswerDelta))
    assert all(not isinstance(e, ThinkingDelta) for e in events[first_answer:])  # the thought comes first
    assert stats.stop_reason == "eos" and stats.ttft_seconds is not None and stats.thinking_seconds > 0
    if recording == "openrouter_reasoning":  # the server's own count when it gives one
        assert stats.thinking_tokens == 28 and stats.answer_tokens == 12
    for tag in ("<think>", "</think>", "<|channel|>", "<|message|>"):
        assert tag not in thinking + answer


def test_thinking_controls_follow_the_server(stub):
    ask(engine_for(stub, "vllm_reasoning", kind="vllm"), mode=ThinkingMode.OFF, max_tokens=50)
    body = stub.bodies[-1]
    assert body["chat_template_kwargs"] == {"enable_thinking": False, "thinking": False}
    assert body["max_tokens"] == 50 and body["stream"] is True and body["stream_options"] == {"include_usage": True}
    ask(engine_for(stub, "vllm_reasoning", kind="vllm"), max_thinking_tokens=300, reasoning_effort="high")
    body = stub.bodies[-1]
    assert body["thinking_token_budget"] == 300 and body["reasoning_effort"] == "high"
    assert body["chat_template_kwargs"]["enable_thinking"] is True
    ask(engine_for(stub, "openrouter_reasoning", kind="openrouter"), max_thinking_tokens=300)
    assert stub.bodies[-1]["reasoning"] == {"max_tokens": 300}
    _, _, stats, _ = ask(engine_for(stub, "sglang_reasoning_content", kind="sglang"), max_thinking_tokens=300)
    assert "thinking_token_budget" not in stub.bodies[-1]  # SGLang has no such field: not sent, and said
    assert any("cannot cap a thought" in n for n in stats.notes)
    generic = engine_for(stub, "vllm_reasoning")
    ask(generic)
    assert set(stub.bodies[-1]) == {"model", "messages", "stream", "stream_options"}  # nothing a server may refuse
    assert not generic.can_cap_thinking and generic.capabilities()["can_answer_now"] is False


def test_prompted_thinking_for_a_model_that_does_not_think(stub):
    engine = engine_for(stub, "inline_think", thinks=False)
    assert engine.default_mode() is ThinkingMode.PROMPTED and not engine.thinks_natively
    thinking, answer, _, _ = ask(engine, "你好，17 乘 23 是多少？")
    system = stub.bodies[-1]["messages"][0]
    assert system["role"] == "system" and "<think>" in system["content"]
    assert "391" in thinking and answer.strip().endswith("**391**.")


def test_what_a_server_cannot_do_is_one_sentence(stub):
    engine = engine_for(stub, "vllm_reasoning")
    with pytest.raises(GenerationError, match="Think longer needs a local model"):
        ask(engine, continue_thought="Let me see")
    with pytest.raises(GenerationError, match="one path at a time"):
        ask(engine, samples=3)


def test_length_stop_and_the_partial_text(stub):
    thinking, answer, stats, _ = ask(engine_for(stub, "length"))
    assert (thinking, answer, stats.stop_reason) == ("Thinking", "The ans", "length")


def test_stop_closes_the_stream_at_once_and_keeps_the_text(stub):
    engine = engine_for(stub, "held")
    stop = threading.Event()
    events = []
    request = GenerationRequest(messages=[ChatMessage(Role.USER, "Think hard")])
    for event in engine.stream(request, stop.is_set):
        events.append(event)
        if isinstance(event, ThinkingDelta):
            assert stub.holding.wait(10)
            stop.set()  # the user presses Stop while the server sends nothing
    assert not stub.release.is_set()  # the stream ended while the server was still holding it
    assert isinstance(events[-1], Done) and events[-1].stats.stop_reason == "stopped"
    assert "".join(e.text for e in events if isinstance(e, ThinkingDelta)) == "Let me see"


@pytest.mark.parametrize(("model", "sentence"), [
    ("e401", "refused the API key (HTTP 401)"),
    ("e403", "refused the API key (HTTP 403)"),
    ("e404", "does not know the model 'e404'"),
    ("e429", "busy or over its rate limit (HTTP 429); try again in 7 s"),
    ("e500", "failed (HTTP 500): failure 500"),
    ("e503", "failed (HTTP 503)"),
    ("json", "did not stream the answer"),
    ("error_event", "stopped with an error: CUDA out of memory"),
    ("malformed", "malformed stream"),
])
def test_server_errors_are_one_sentence(stub, model, sentence):
    with pytest.raises(GenerationError) as info:
        ask(engine_for(stub, model))
    message = str(info.value)
    assert sentence in message and "\n" not in message and "127.0.0.1" in message


def test_a_stalled_stream_and_a_bad_key_and_no_server(stub):
    with pytest.raises(GenerationError, match="sent nothing for 1 s"):
        ask(engine_for(stub, "held", read_timeout=1.0))
    with pytest.raises(RemoteError, match="refused the API key"):
        RemoteEngine("r", RemoteSettings(stub.url, "vllm_reasoning", api_key="wrong"))
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    with pytest.raises(RemoteError, match=r"Nothing answers at 127\.0\.0\.1:\d+ \(connection refused\)"):
        RemoteEngine("r", RemoteSettings(f"http://127.0.0.1:{port}/v1", "m"))
    with pytest.raises(RemoteError, match="could not be found \\(DNS\\)"):
        RemoteEngine("r", RemoteSettings("http://no-such-host.invalid/v1", "m"))
    with pytest.raises(RemoteError, match="secure \\(TLS\\) connection"):
        RemoteEngine("r", RemoteSettings(stub.url.replace("http://", "https://"), "m"))


def test_keys_stay_out_of_models_json(tmp_path, monkeypatch):
    library = ModelLibrary(tmp_path)
    entry = library.add_remote("box", "http://gpu-box:8000/v1/", "Qwen/Qwen3-8B", kind="vllm", n_ctx=40960)
    assert save_key(tmp_path, "box", KEY) == FILE  # no keychain on this machine: the 0600 file, and said so
    key_file = tmp_path / KEY_FILE
    if os.name == "posix":
        assert key_file.stat().st_mode & 0o777 == 0o600
    assert KEY not in (tmp_path / "models.json").read_text()
    settings = engine_settings_for(ModelLibrary(tmp_path).get("box"), tmp_path)
    assert isinstance(settings, RemoteSettings)
    assert (settings.base_url, settings.model, settings.api_key, settings.n_ctx, settings.name) == (
        "http://gpu-box:8000/v1", "Qwen/Qwen3-8B", KEY, 40960, "box")
    assert entry.source == "remote"

    import keyring
    from keyring.backend import KeyringBackend

    class Memory(KeyringBackend):  # an OS keychain, for the keychain path
        priority = 10
        store: dict = {}

        def get_password(self, service, username):
            return self.store.get((service, username))

        def set_password(self, service, username, password):
            self.store[(service, username)] = password

        def delete_password(self, service, username):
            self.store.pop((service, username), None)

    previous = keyring.get_keyring()
    keyring.set_keyring(Memory())
    try:
        assert save_key(tmp_path, "box", "sk-other") == "keychain"
        assert load_key(tmp_path, "box") == "sk-other" and "box" not in key_file.read_text()
    finally:
        keyring.set_keyring(previous)


# -- llama-cpp-python's OpenAI-compatible server on the bundled model ---------------------------------------

@pytest.fixture(scope="module")
def llama_server(model_path):
    """`python -m llama_cpp.server` on 127.0.0.1, ready when uvicorn says it is listening."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(model_path), "--host",
                             "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--model_alias", "smol",
                             "--verbose", "False"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in proc.stderr:  # blocks until the server writes: no polling
        lines.append(line)
        if "Uvicorn running on" in line:
            break
    else:
        raise AssertionError("llama_cpp.server did not start:\n" + "".join(lines[-20:]))
    threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()  # keep its pipe drained
    yield f"http://127.0.0.1:{port}/v1"
    proc.terminate()
    proc.wait(30)


@pytest.mark.model
def test_ask_through_llama_cpp_server_splits_thinking_like_local(llama_server, data_dir):
    def cli(*args):
        return subprocess.run([PYTHON, "-m", "reasoner_desktop", *args], capture_output=True, text=True,
                              env=cli_env(data_dir), timeout=180)

    added = cli("models", "add-remote", "smol-remote", "--base-url", llama_server, "--model", "smol",
                "--not-thinking")
    assert added.returncode == 0, added.stderr
    assert "Added smol-remote: smol at " in added.stdout
    wrong = cli("models", "add-remote", "nope", "--base-url", llama_server, "--model", "no-such-model")
    assert wrong.returncode == 2 and "has no model 'no-such-model'" in wrong.stderr
    out = cli("ask", "What is 2 + 3?", "--model", "smol-remote", "--json", "--temperature", "0", "--seed", "1",
              "--max-tokens", "100", "--no-think")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["model"] == "smol-remote" and result["status"] == "complete" and result["answer"].strip()
    assert result["answer_tokens"] > 0 and result["prompt_tokens"] > 0  # the server's usage
    # Prompted thinking goes to any server: the instruction is sent, and whatever the model writes inside the
    # tags (this 135M model often writes none) never leaks into the answer.
    out = cli("ask", "What is 2 + 3?", "--model", "smol-remote", "--think", "--json", "--temperature", "0",
              "--seed", "1", "--max-tokens", "150")
    assert out.returncode == 0, out.stderr
    thought = json.loads(out.stdout)
    assert "<think>" not in thought["answer"] and "</think>" not in thought["answer"]
    history = json.loads(cli("history", "--json").stdout)
    assert {c["model"] for c in history} == {"smol-remote"}
    assert history[0]["messages"][-1]["content"] in (result["answer"], thought["answer"])
