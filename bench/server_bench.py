"""The API server and the remote engine against the engine in-process, in one run, interleaved:

- server_vs_inprocess_decode_ratio: decode tokens/s of a greedy answer streamed through `serve` (the openai
  client) over the same answer from engine.stream in this process (target >= 0.95);
- remote_ttft_overhead_ms: time to first token through our remote engine talking to `serve` on loopback,
  minus the in-process time to first token (target < 20 ms).

Run: .venv/bin/python bench/server_bench.py   (part of `make bench`)
"""

from __future__ import annotations

import json
import statistics
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from reasoner_desktop.domain.messages import ChatMessage, Role, ThinkingMode  # noqa: E402
from reasoner_desktop.inference.engine import GenerationRequest, LlamaEngine  # noqa: E402
from reasoner_desktop.inference.model_files import bundled_model_path  # noqa: E402
from reasoner_desktop.inference.remote import RemoteEngine, RemoteSettings  # noqa: E402
from reasoner_desktop.server.listen import make_server  # noqa: E402
from reasoner_desktop.server.runner import ThreadRunner  # noqa: E402

PROMPT = "Write a long, detailed essay on the history of bread."


def run(tokens: int = 300, repeat: int = 3) -> dict:
    engine = LlamaEngine(bundled_model_path())
    runner = ThreadRunner(engine)
    server = make_server(runner, host="127.0.0.1", port=0, api_key=None)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    server.ready.wait(30)
    url = server.address
    remote = RemoteEngine("bench", RemoteSettings(url, engine.name, kind="reasoner-desktop", thinks=False))
    sampling = replace(engine.recommended_sampling(ThinkingMode.OFF), temperature=0.0, seed=1)
    request = GenerationRequest(messages=[ChatMessage(Role.USER, PROMPT)], mode=ThinkingMode.OFF, max_tokens=tokens,
                                sampling=sampling)
    short = replace(request, max_tokens=2)

    def local(req):  # on the runner's thread, as the server runs it (one thread owns the engine)
        return runner.submit(lambda e: [ev for ev in e.stream(req)][-1].stats).result()

    def through_server() -> float:
        """What a client sees: tokens from its first answer text to the end of the stream, read with httpx
        (the openai client's per-chunk model objects cost CPU that, on 2 cores, the engine then lacks)."""
        first = end = None
        n = 0
        body = {"messages": [{"role": "user", "content": PROMPT}], "max_completion_tokens": tokens,
                "temperature": 0, "seed": 1, "stream": True, "stream_options": {"include_usage": True},
                "chat_template_kwargs": {"enable_thinking": False}}
        with httpx.stream("POST", f"{url}/chat/completions", json=body, timeout=120) as response:
            for line in response.iter_lines():
                if not line.startswith("data: ") or line == "data: [DONE]":
                    continue
                chunk = json.loads(line[6:])
                if chunk["choices"] and chunk["choices"][0]["delta"].get("content"):
                    first = first or time.perf_counter()
                if chunk.get("usage"):
                    n = chunk["usage"]["completion_tokens"]
                end = time.perf_counter()
        return (n - 1) / (end - first)

    def remote_ttft() -> float:
        return [ev for ev in remote.stream(short)][-1].stats.ttft_seconds

    local(short), through_server(), remote_ttft()  # warm up (and fill the prompt cache alike)
    in_process, served, ttft_local, ttft_remote = [], [], [], []
    for _ in range(repeat):
        s = local(request)
        in_process.append(s.answer_tokens / (s.total_seconds - s.ttft_seconds) if s.answer_tokens > 1 else 0)
        served.append(through_server())
        ttft_local.append(local(short).ttft_seconds)
        ttft_remote.append(remote_ttft())
    server.should_exit = True
    thread.join(10)
    runner.close()
    remote.close()
    engine.close()
    ratio = statistics.median(served) / statistics.median(in_process)
    return {
        "server_decode_tokens_per_second": round(statistics.median(served), 1),
        "inprocess_decode_tokens_per_second": round(statistics.median(in_process), 1),
        "server_vs_inprocess_decode_ratio": round(ratio, 3),
        "remote_ttft_ms": round(statistics.median(ttft_remote) * 1000, 1),
        "inprocess_ttft_ms": round(statistics.median(ttft_local) * 1000, 1),
        "remote_ttft_overhead_ms": round((statistics.median(ttft_remote) - statistics.median(ttft_local)) * 1000, 1),
    }


if __name__ == "__main__":
    json.dump(run(), sys.stdout, indent=2)
    print()
