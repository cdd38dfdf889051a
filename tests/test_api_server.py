"""`reasoner-desktop serve` on 127.0.0.1 with the bundled model: the official `openai` client (streaming and
not, reasoning_content then content, usage with reasoning tokens), raw httpx for every error path, a client
that goes away (its generation stops), two clients at once (served in turn), n, stop strings, budgets,
--save-history; and our own remote engine on top of it (`ask --model REMOTE` splits thinking as locally)."""

from __future__ import annotations

import json
import subprocess
import threading
from dataclasses import dataclass, field

import httpx
import pytest
from openai import OpenAI

from reasoner_desktop.domain.events import Done
from reasoner_desktop.inference.engine import LlamaEngine
from reasoner_desktop.server.listen import make_server
from reasoner_desktop.server.runner import ThreadRunner
from reasoner_desktop.storage.repository import open_history
from tests.conftest import PYTHON, cli_env

pytestmark = pytest.mark.model
KEY = "sk-local-test"
ESSAY = [{"role": "user", "content": "Write a long, detailed essay on the history of bread."}]
GREEDY = {"temperature": 0, "seed": 1}


@dataclass
class Recording:
    """The real engine, with the Done of every generation kept (to see how each one ended)."""

    engine: LlamaEngine
    done: list = field(default_factory=list)
    active: int = 0
    overlaps: int = 0

    def __getattr__(self, name):
        return getattr(self.engine, name)

    def stream(self, request, cancel=lambda: False, **kw):
        self.active += 1
        self.overlaps += self.active > 1
        try:
            for event in self.engine.stream(request, cancel, **kw):
                if isinstance(event, Done):
                    self.done.append(event.stats)
                yield event
        finally:
            self.active -= 1


class Serving:
    def __init__(self, engine, *, api_key=None, repo=None, max_queue=16) -> None:
        self.recording = Recording(engine)
        self.runner = ThreadRunner(self.recording, max_queue=max_queue)
        self.server = make_server(self.runner, host="127.0.0.1", port=0, api_key=api_key, repo=repo)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        assert self.server.ready.wait(30), "the server did not start"
        self.url = self.server.address

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)
        self.runner.close()


@pytest.fixture(scope="module")
def local_engine(model_path):
    engine = LlamaEngine(model_path)
    yield engine
    engine.close()


@pytest.fixture
def serving(local_engine):
    s = Serving(local_engine, api_key=KEY)
    yield s
    s.stop()


def client(s: Serving) -> OpenAI:
    return OpenAI(base_url=s.url, api_key=KEY, max_retries=0, timeout=120)


def test_the_openai_client_without_streaming(serving):
    r = client(serving).chat.completions.create(
        model="anything", messages=[{"role": "user", "content": "What is 2 + 3?"}], max_completion_tokens=120,
        extra_body={"chat_template_kwargs": {"enable_thinking": True}}, **GREEDY)
    message = r.choices[0].message
    assert message.content.strip() and r.model == "SmolLM2-135M-Instruct.Q4_1.gguf"
    thought = message.model_extra["reasoning_content"]
    assert thought.strip() and "<think>" not in thought + message.content
    assert r.usage.completion_tokens_details.reasoning_tokens > 0
    assert r.usage.completion_tokens > r.usage.completion_tokens_details.reasoning_tokens
    assert r.usage.prompt_tokens > 0 and r.choices[0].finish_reason == "stop"
    assert [m.id for m in client(serving).models.list().data] == ["SmolLM2-135M-Instruct.Q4_1.gguf"]


def test_the_openai_client_streams_the_thought_then_the_answer(serving):
    stream = client(serving).chat.completions.create(
        model="m", messages=[{"role": "user", "content": "Why is the sky blue?"}], max_completion_tokens=150,
        stream=True, stream_options={"include_usage": True}, **GREEDY)
    order, thought, answer, usage, finish = [], "", "", None, None
    for chunk in stream:
        if chunk.usage:
            usage = chunk.usage
        for choice in chunk.choices:
            delta = choice.delta
            if (r := (delta.model_extra or {}).get("reasoning_content")):
                thought += r
                order.append("thinking")
            if delta.content:
                answer += delta.content
                order.append("answer")
            finish = choice.finish_reason or finish
    assert thought.strip() and answer.strip() and order.count("thinking") > 1
    assert order.index("answer") > order.index("thinking") and "thinking" not in order[order.index("answer"):]
    assert usage.completion_tokens_details.reasoning_tokens > 0 and finish in ("stop", "length")


def test_limits_stop_strings_paths_and_budgets(serving):
    c = client(serving)
    r = c.chat.completions.create(model="m", messages=ESSAY, max_completion_tokens=20,
                                  extra_body={"chat_template_kwargs": {"enable_thinking": False}}, **GREEDY)
    assert r.choices[0].finish_reason == "length" and r.usage.completion_tokens == 20
    assert not r.choices[0].message.model_extra.get("reasoning_content")
    full = r.choices[0].message.content
    word = full.split()[3]
    cut = c.chat.completions.create(model="m", messages=ESSAY, max_completion_tokens=20, stop=[word],
                                    extra_body={"chat_template_kwargs": {"enable_thinking": False}}, **GREEDY)
    assert cut.choices[0].message.content == full[: full.index(word)] and cut.choices[0].finish_reason == "stop"
    two = c.chat.completions.create(model="m", messages=[{"role": "user", "content": "Name a fruit."}], n=2,
                                    max_completion_tokens=60, temperature=0.8, seed=3)
    assert [ch.index for ch in two.choices] == [0, 1] and all(ch.message.content for ch in two.choices)
    capped = c.chat.completions.create(model="m", messages=[{"role": "user", "content": "What is 7 × 8?"}],
                                       max_completion_tokens=200, extra_body={"thinking_budget": 5}, **GREEDY)
    assert serving.recording.done[-1].thinking_tokens <= 5 + 8  # the cap, and the budget sentence/close
    assert capped.choices[0].message.content.strip()


def test_error_paths_are_openai_errors(serving, local_engine):
    url = serving.url
    auth = {"Authorization": f"Bearer {KEY}"}
    ok = {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 5}
    with httpx.Client(timeout=60) as h:
        def post(body=None, *, headers=auth, content=None):
            return h.post(f"{url}/chat/completions", json=body, content=content, headers=headers)

        for r in (post(ok, headers={}), post(ok, headers={"Authorization": "Bearer wrong"}),
                  h.get(f"{url}/models")):
            assert r.status_code == 401 and r.json()["error"]["type"] == "authentication_error"
        assert post(content=b"{not json", headers={**auth, "content-type": "application/json"}).status_code == 400
        for body, param in (({**ok, "temperature": "hot"}, "temperature"), ({**ok, "max_tokens": -3}, "max_tokens"),
                            ({"messages": []}, "messages"), ({"messages": [{"role": "tool", "content": "x"}]}, "messages"),
                            ({"messages": [{"role": "assistant", "content": "x"}]}, "messages"),
                            ({**ok, "n": 99}, "n"), ({**ok, "stop": [1, 2]}, "stop"),
                            ({**ok, "reasoning_effort": "extreme"}, "reasoning_effort"), ([1, 2], None)):
            r = post(body)
            assert r.status_code == 400, body
            assert r.json()["error"]["param"] == param and r.json()["error"]["type"] == "invalid_request_error"
        big = {"messages": [{"role": "user", "content": "x" * 1_100_000}]}
        assert post(big).status_code == 413
        for r, code in ((h.get(f"{url}/nothing-here", headers=auth), 404),
                        (h.get(f"{url}/chat/completions", headers=auth), 405)):
            assert r.status_code == code and r.json()["error"]["message"]  # OpenAI's error shape, not plain text
        assert "access-control-allow-origin" not in {k.lower() for k in post(ok).headers}  # no CORS
    assert serving.recording.overlaps == 0


def test_a_client_that_leaves_stops_its_generation(serving):
    body = {"messages": ESSAY, "max_tokens": 1500, "stream": True, "chat_template_kwargs": {"enable_thinking": False},
            **GREEDY}  # greedy, this runs to 1,500 tokens (about 15 s here) when nobody stops it
    before = len(serving.recording.done)
    with httpx.Client(timeout=60) as h:
        with h.stream("POST", f"{serving.url}/chat/completions", json=body,
                      headers={"Authorization": f"Bearer {KEY}"}) as r:
            for line in r.iter_lines():
                if '"content": "' in line and '"content": ""' not in line:
                    break  # the first words of the answer: leave
    # The engine is free again: the next request is answered, after the abandoned one ended.
    r = client(serving).chat.completions.create(model="m", messages=[{"role": "user", "content": "Hi"}],
                                                max_completion_tokens=10, **GREEDY)
    assert r.choices[0].message.content is not None
    abandoned = serving.recording.done[before]
    assert abandoned.stop_reason == "stopped" and abandoned.answer_tokens < 1500


def test_two_clients_at_once_are_served_in_turn(serving):
    results = {}

    def ask(name: str, question: str) -> None:
        r = client(serving).chat.completions.create(model="m", messages=[{"role": "user", "content": question}],
                                                    max_completion_tokens=60, **GREEDY)
        results[name] = r.choices[0].message.content

    threads = [threading.Thread(target=ask, args=(f"c{i}", q)) for i, q in enumerate(["Name a colour.", "Name a dog."])]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert set(results) == {"c0", "c1"} and all(results.values())
    assert serving.recording.overlaps == 0  # one generation at a time on the engine's thread


def test_a_full_queue_says_busy(local_engine):
    s = Serving(local_engine, max_queue=0)  # one at a time, nobody waits
    try:
        body = {"messages": ESSAY, "max_tokens": 1500, "chat_template_kwargs": {"enable_thinking": False}, **GREEDY}
        with httpx.Client(timeout=60) as h:
            with h.stream("POST", f"{s.url}/chat/completions", json={**body, "stream": True}) as first:
                next(first.iter_lines())  # the first one is running
                r = h.post(f"{s.url}/chat/completions", json={**body, "max_tokens": 5})
                assert r.status_code == 429 and r.headers["retry-after"] == "2"
                assert "busy" in r.json()["error"]["message"]
    finally:
        s.stop()


def test_save_history_keeps_each_completion(local_engine, tmp_path):
    repo = open_history(tmp_path / "history.db")
    s = Serving(local_engine, repo=repo)
    try:
        r = OpenAI(base_url=s.url, api_key="none", max_retries=0).chat.completions.create(
            model="m", messages=[{"role": "system", "content": "Be brief."},
                                 {"role": "user", "content": "What is 2 + 3?"}], max_completion_tokens=80, **GREEDY)
    finally:
        s.stop()
    (summary,) = repo.list_conversations()
    conv = repo.get_conversation(summary.id)
    assert conv.system_prompt == "Be brief." and conv.title == "What is 2 + 3?"
    assert conv.path_messages[-1].content == r.choices[0].message.content
    assert conv.path_messages[-1].thinking == r.choices[0].message.model_extra["reasoning_content"]


def test_serve_refuses_the_network_without_a_key(data_dir):
    out = subprocess.run([PYTHON, "-m", "reasoner_desktop", "serve", "--host", "0.0.0.0"], capture_output=True,
                         text=True, env=cli_env(data_dir), timeout=60)
    assert out.returncode == 2 and "give an API key" in out.stderr and out.stderr.count("\n") == 1


def test_our_remote_engine_on_our_server_splits_like_local(local_engine, data_dir):
    s = Serving(local_engine, api_key=KEY)
    try:
        env = {**cli_env(data_dir), "LAB_KEY": KEY}

        def cli(*args):
            return subprocess.run([PYTHON, "-m", "reasoner_desktop", *args], capture_output=True, text=True,
                                  env=env, timeout=180)

        added = cli("models", "add-remote", "lab", "--base-url", s.url, "--model", local_engine.name,
                    "--kind", "reasoner-desktop", "--api-key-env", "LAB_KEY")
        assert added.returncode == 0, added.stderr
        assert KEY not in (data_dir / "models.json").read_text()
        out = cli("ask", "What is 2 + 3?", "--model", "lab", "--think", "--json", "--temperature", "0", "--seed", "1",
                  "--max-tokens", "150")
        assert out.returncode == 0, out.stderr
        remote = json.loads(out.stdout)
        local = cli("ask", "What is 2 + 3?", "--think", "--json", "--temperature", "0", "--seed", "1",
                    "--max-tokens", "150")
        local = json.loads(local.stdout)
        # The same model, prompted the same way, greedy: the same thought and answer, split the same way.
        assert remote["thinking"].strip() and remote["answer"].strip()
        assert (remote["thinking"], remote["answer"]) == (local["thinking"], local["answer"])
        assert remote["model"] == "lab" and remote["thinking_tokens"] > 0
        history = json.loads(cli("history", "--json").stdout)
        assert {c["model"] for c in history} == {"lab", local["model"]}
    finally:
        s.stop()
