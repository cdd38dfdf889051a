"""Reasoner Desktop against bare llama-cpp-python, in one run.

    make bench         # full run: bench/results.json and bench/results.md (a few minutes)
    make bench-smoke   # the same harness with tiny sizes, under a minute (CI keeps it alive)

Every figure is a median over interleaved runs (raw, engine, GUI, raw, engine, GUI, ...) and every
speed is also a ratio to the raw baseline measured in the same run, on the bundled model, greedy.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import llama_cpp  # noqa: E402

import report  # noqa: E402
from reasoner_desktop.domain.events import AnswerDelta, ThinkingDelta  # noqa: E402
from reasoner_desktop.domain.messages import ChatMessage, MessageStatus, Role, ThinkingMode  # noqa: E402
from reasoner_desktop.inference import hardware  # noqa: E402
from reasoner_desktop.inference.engine import EngineSettings, GenerationRequest, LlamaEngine, Sampling  # noqa: E402
from reasoner_desktop.inference.llama_adapter import new_llama  # noqa: E402
from reasoner_desktop.inference.model_files import bundled_model_path  # noqa: E402

GREEDY = Sampling(temperature=0.0, top_p=1.0, top_k=1, min_p=0.0, repeat_penalty=1.0)
N_CTX = 4096
# A question that makes the tiny model write at length (greedy, it keeps going).
LONG_PROMPT = ("Write a very long, detailed essay about the history of mathematics, from Babylon to the "
               "twentieth century, with many sections.")
TARGETS = {
    "engine_vs_best_raw_decode_ratio": (">=", 0.97),
    "long_chat_2000_ttft_ratio": ("<", 3),
    "gui_vs_raw_decode_ratio": (">=", 0.95),
    "gui_max_stall_ms": ("<", 30),
    "render_long_vs_short_ratio": ("<", 2),
    "startup_to_window_seconds": ("<", 1.5),
    "rss_overhead_mb": ("<", 200),
    "history_open_2000_ms": ("<", 150),
    "history_search_ms": ("<", 50),
    "import_chatgpt_5000_nodes_seconds": ("<", 5),
    "server_vs_inprocess_decode_ratio": (">=", 0.95),
    "remote_ttft_overhead_ms": ("<", 20),
    "parallel_vs_raw_batched_efficiency": (">=", 0.9),
    "parallel_8_vs_sequential_time_ratio": ("<", 1),
}


def median(xs):
    return statistics.median(xs) if xs else None


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))] if xs else None


# -- raw llama-cpp-python ------------------------------------------------------------------

def raw_llama(model: Path, n_threads: int | None = None, flash_attn: bool = False) -> llama_cpp.Llama:
    """Bare llama-cpp-python, nothing of ours in the loop (new_llama only applies this machine's
    crash workaround: no AMX weight repacking, as the engine does). n_threads None is
    llama-cpp-python's own default: half the logical CPUs."""
    return new_llama(model_path=str(model), n_ctx=N_CTX, n_threads=n_threads, n_batch=512, flash_attn=flash_attn)


def thread_counts() -> list[int]:
    """Generation thread counts to try for the best raw baseline: 1 to every core this process may use."""
    n = hardware.logical_cores()
    return sorted({1, max(1, n // 2), hardware.performance_cores(), n})


def raw_decode(llm: llama_cpp.Llama, prompt_tokens: list[int], n: int) -> float:
    """Tokens/s of a bare generate loop: from the first sampled token to the n-th."""
    llm.reset()
    first = None
    count = 0
    for _ in llm.generate(prompt_tokens, top_k=1, top_p=1.0, min_p=0.0, temp=0.0, repeat_penalty=1.0, reset=True):
        count += 1
        if first is None:
            first = time.perf_counter()
        if count >= n:
            break
    return (count - 1) / (time.perf_counter() - first)


def prompt_tokens(engine: LlamaEngine, request: GenerationRequest) -> list[int]:
    _plan, tokens, _dropped = engine._fit_prompt(request, lambda: False)
    return tokens


# -- our engine ----------------------------------------------------------------------------

def engine_decode(engine: LlamaEngine, request: GenerationRequest):
    engine._llm.reset()  # no KV reuse between runs: prompt evaluation is not what is measured
    done = None
    for event in engine.stream(request):
        done = event
    s = done.stats
    return s.tokens_per_second, s.thinking_tokens + s.answer_tokens, s


# -- parallel paths ------------------------------------------------------------------------

def raw_batched(model: Path, toks: list[int], n_seq: int, steps: int, n_threads: int, n_threads_batch: int) -> float:
    """Aggregate tokens/s of a bare llama.cpp batched loop: the prompt once in sequence 0, copied to the
    others (llama_memory_seq_cp), then one llama_batch of n_seq tokens a step, argmax sampling."""
    import ctypes  # noqa: F401
    import llama_cpp.llama_cpp as c
    import numpy as np

    llm = new_llama(n_seq_max=16, model_path=str(model), n_ctx=N_CTX, n_threads=n_threads,
                    n_threads_batch=n_threads_batch, n_batch=512)
    try:
        ctx = llm._ctx.ctx
        mem = c.llama_get_memory(ctx)
        n_vocab = llm.n_vocab()
        llm.eval(toks)
        for seq in range(1, n_seq):
            c.llama_memory_seq_cp(mem, 0, seq, -1, -1)
        first = int(np.ctypeslib.as_array(c.llama_get_logits_ith(ctx, -1), shape=(n_vocab,)).argmax())
        current = [first] * n_seq
        batch = c.llama_batch_init(512, 0, 1)
        start = time.perf_counter()
        for step in range(steps):
            for i in range(n_seq):
                batch.token[i], batch.pos[i], batch.n_seq_id[i] = current[i], len(toks) + step, 1
                batch.seq_id[i][0], batch.logits[i] = i, True
            batch.n_tokens = n_seq
            if c.llama_decode(ctx, batch) != 0:
                raise RuntimeError("llama_decode failed")
            current = [int(np.ctypeslib.as_array(c.llama_get_logits_ith(ctx, i), shape=(n_vocab,)).argmax())
                       for i in range(n_seq)]
        elapsed = time.perf_counter() - start
        c.llama_batch_free(batch)
        return n_seq * steps / elapsed
    finally:
        llm.close()


def parallel(engine: LlamaEngine, model: Path, steps: int, reps: int) -> dict:
    """N paths of one answer against a bare batched loop on the same prompt, and against N answers one
    after another. Greedy, so that every path writes `steps` tokens (the weights are read once a step for
    all paths: that is the gain)."""
    request = GenerationRequest(messages=[ChatMessage(Role.USER, LONG_PROMPT)], mode=ThinkingMode.OFF,
                                max_tokens=steps, sampling=GREEDY)
    toks = prompt_tokens(engine, request)
    r: dict = {}
    app: dict[int, list[float]] = {}
    raw: dict[int, list[float]] = {}
    for _ in range(reps):
        for n in (1, 4, 8):
            from dataclasses import replace

            engine._llm.reset()
            done = None
            for event in engine.stream(replace(request, samples=n)):
                done = event
            s = done.stats
            if s.thinking_tokens + s.answer_tokens != n * steps:
                raise RuntimeError(f"{n} paths wrote {s.thinking_tokens + s.answer_tokens} tokens, not {n * steps}")
            app.setdefault(n, []).append(s.tokens_per_second)
            raw.setdefault(n, []).append(raw_batched(model, toks, n, steps, engine.n_threads, engine.n_threads_batch))
    for n in (1, 4, 8):
        r[f"parallel_{n}_tokens_per_second"] = round(median(app[n]), 1)
        r[f"raw_batched_{n}_tokens_per_second"] = round(median(raw[n]), 1)
    # One 8-path answer against 8 one-path answers of the same length (decode time).
    r["parallel_8_vs_sequential_time_ratio"] = round(median(app[1]) / median(app[8]), 3)
    r["parallel_vs_raw_batched_efficiency"] = round(median(app[8]) / median(raw[8]), 3)
    r["parallel_path_tokens"] = steps
    return r


# -- the real window -----------------------------------------------------------------------

class GuiRun:
    """The main window offscreen, thought pane visible, streaming a long prompted-thinking turn,
    while a 5 ms heartbeat timer on the GUI thread measures how late the event loop is."""

    def __init__(self, data_dir: Path) -> None:
        from PySide6.QtCore import Qt, QTimer
        from PySide6.QtWidgets import QApplication

        from reasoner_desktop.app import build_main_window

        self.app = QApplication.instance() or QApplication([])
        self.window = build_main_window(data_dir)
        self.window.resize(1280, 800)
        self.window.show()
        self.window.actions.show_thoughts.setChecked(True)
        self._wait(lambda: self.window.model_name is not None, 60)
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._beat)
        self.last_beat = None
        self.stalls: list[float] = []

    def _wait(self, cond, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not cond():
            if time.monotonic() > end:
                raise TimeoutError("the window did not get there in time")
            self.app.processEvents()
            time.sleep(0.002)

    def _beat(self) -> None:
        now = time.perf_counter()
        if self.last_beat is not None:
            self.stalls.append(max(0.0, (now - self.last_beat) * 1000 - 5))
        self.last_beat = now

    def stream(self, tokens: int) -> dict:
        from reasoner_desktop.services.chat import TurnOptions

        w = self.window
        w.new_chat()
        half = tokens // 2
        w.turn_options = TurnOptions(mode=ThinkingMode.PROMPTED, max_tokens=tokens, max_thinking_tokens=half,
                                     min_thinking_tokens=half, max_extensions=200, sampling=GREEDY)
        w.worker_host.worker._engine._llm.reset()
        w.input.setPlainText(LONG_PROMPT)
        self.stalls, self.last_beat = [], None
        self.timer.start()
        w.send()
        self._wait(lambda: w.streaming_id is None, 600)
        self.timer.stop()
        result = w.last_result.to_json()
        result["stalls"] = self.stalls
        return result

    def close(self) -> None:
        self.window.close()


def gui_stream(data_dir: Path, tokens: int) -> dict:
    """One streamed turn in the real window, in a child process. (In this process the model already
    runs on the main thread; llama.cpp's OpenMP threads of a second calling thread — the window's
    worker — would keep spinning and halve both sides' speed, which no user ever sees.)"""
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--gui-child", str(tokens), str(data_dir)],
                         capture_output=True, text=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
                         timeout=900, cwd=ROOT)
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if out.returncode or not lines:
        raise RuntimeError(f"the window's run failed: {out.stderr[-2000:]}")
    return json.loads(lines[-1])


def _gui_child(tokens: int, data_dir: Path) -> int:
    gui = GuiRun(data_dir)
    res = gui.stream(tokens)
    gui.close()
    sys.stdout.write(json.dumps(res) + "\n")
    sys.stdout.flush()
    return 0


def render_cost(data_dir: Path, tokens: list[str], short: int, long: int, per_update: int = 4) -> dict:
    """Milliseconds per streamed update (append, flush, layout and paint) with `short` and then
    `long` tokens already on screen, for the thought pane and for the answer."""
    from PySide6.QtWidgets import QApplication

    from reasoner_desktop.app import build_main_window

    app = QApplication.instance() or QApplication([])
    w = build_main_window(data_dir)
    conv = w.repo.create_conversation("render")
    user = w.repo.add_user_message(conv, "render")
    asst = w.repo.start_assistant_message(conv, user, "bench")
    w.resize(1280, 800)
    w.show()
    w.actions.show_thoughts.setChecked(True)
    from reasoner_desktop.services.chat import TurnIds

    w.stream.on_turn_started(TurnIds(conv, user, asst))
    w.stream._timer.stop()  # updates are driven by hand here, one per 33 ms frame's worth of tokens
    app.processEvents()

    def updates(kind: str, upto: int, measure: bool) -> list[float]:
        feed = w.stream.on_thinking_delta if kind == "thinking" else w.stream.on_answer_delta
        out, shown = [], 0
        while shown < upto:
            t = time.perf_counter()
            for tok in tokens[shown % len(tokens): shown % len(tokens) + per_update] or tokens[:per_update]:
                feed(asst, tok)
            w.stream.flush()
            app.processEvents()
            if measure:
                out.append((time.perf_counter() - t) * 1000)
            shown += per_update
        return out

    res = {}
    for kind in ("thinking", "answer"):
        updates(kind, short, False)
        res[f"{kind}_short"] = median(updates(kind, 20 * per_update, True))
        updates(kind, long - short, False)
        long_updates = updates(kind, 60 * per_update, True)  # includes Markdown blocks completing
        res[f"{kind}_long"] = median(long_updates)
        res[f"{kind}_long_max"] = max(long_updates)
    w.close()
    return res


# -- long conversations ------------------------------------------------------------------

def long_chat(engine: LlamaEngine, tmp: Path, n_messages: int, reps: int, raw=None) -> dict:
    """Time from asking to the first token, wall clock (history read, prompt fitted, evaluated),
    in a conversation of `n_messages` messages against a fresh one. "cold": the first question
    after opening it (its kept turns are evaluated); "warm": the next one (the KV cache is reused)."""
    import random

    from reasoner_desktop.services.chat import ChatService, TurnOptions
    from reasoner_desktop.storage.repository import open_history

    repo = open_history(tmp / f"long-{n_messages}.db")
    rng = random.Random(7)
    words = LONG_PROMPT.split() + "river bread number answer because therefore think step".split()
    cid = repo.create_conversation("long")
    for i in range(n_messages // 2):
        uid = repo.add_user_message(cid, f"Question {i}: " + " ".join(rng.choices(words, k=rng.randint(8, 40))))
        aid = repo.start_assistant_message(cid, uid, "bench")
        repo.finish_message(aid, " ".join(rng.choices(words, k=rng.randint(30, 120))), "", MessageStatus.COMPLETE)
    service = ChatService(repo, engine)
    opts = TurnOptions(mode=ThinkingMode.OFF, max_tokens=8, sampling=GREEDY)

    def ttft(conversation: int | None, question: str) -> tuple[float, object]:
        first: list[float] = []
        start = time.perf_counter()
        result = service.run_turn(conversation, question, opts,
                                  on_event=lambda ev: first or not isinstance(ev, (ThinkingDelta, AnswerDelta))
                                  or first.append(time.perf_counter()))
        return first[0] - start, result

    fresh, cold, warm, dropped, fit, cold_eval, warm_eval, raw_cold = [], [], [], [], [], [], [], []
    for i in range(reps):
        engine._llm.reset()
        fresh.append(ttft(None, "What is the capital of France?")[0])
        engine._llm.reset()
        t, res = ttft(cid, f"Please sum up question {i}.")
        cold.append(t)
        if raw is not None:  # the same prompt, evaluated by bare llama-cpp-python, to its first token
            prompt = engine._llm.cached_tokens()[: res.stats.prompt_tokens]
            raw.reset()
            start = time.perf_counter()
            raw.eval(prompt)
            raw.sample(top_k=1)
            raw_cold.append(time.perf_counter() - start)
        dropped.append(res.stats.dropped_messages)
        cold_eval.append(res.stats.prompt_tokens_evaluated)
        t, res = ttft(cid, "And in one word?")
        warm.append(t)
        warm_eval.append(res.stats.prompt_tokens_evaluated)
        history = repo.prompt_history(cid)
        start = time.perf_counter()
        engine._fit_prompt(GenerationRequest(messages=history, mode=ThinkingMode.OFF), lambda: False)
        fit.append(time.perf_counter() - start)
    key = f"long_chat_{n_messages}"
    return {
        "fresh_chat_ttft_seconds": round(median(fresh), 3),
        f"{key}_cold_ttft_seconds": round(median(cold), 3),
        f"{key}_warm_ttft_seconds": round(median(warm), 3),
        f"{key}_fit_prompt_ms": round(median(fit) * 1000, 1),
        f"{key}_messages_left_out": int(median(dropped)),
        f"{key}_cold_prompt_tokens_evaluated": int(median(cold_eval)),
        f"{key}_warm_prompt_tokens_evaluated": int(median(warm_eval)),
        f"{key}_ttft_ratio": round(median(warm) / median(fresh), 2),
        # The first question after opening it evaluates the whole kept prompt: against bare llama.cpp
        # evaluating the same tokens (the app's own cost on top: history, fitting, rendering).
        **({f"{key}_cold_vs_raw_prompt_ratio": round(median(cold) / median(raw_cold), 3)} if raw_cold else {}),
    }


# -- processes -----------------------------------------------------------------------------

def startup_seconds(data_dir: Path) -> float:
    env = {**os.environ, "REASONER_DESKTOP_EXIT_AFTER_SHOW": "1", "QT_QPA_PLATFORM": "offscreen"}
    t = time.time()
    out = subprocess.run([sys.executable, "-m", "reasoner_desktop", "--data-dir", str(data_dir), "gui"],
                         capture_output=True, text=True, env=env, timeout=60, cwd=ROOT)
    line = next(ln for ln in out.stderr.splitlines() if ln.startswith("window-shown "))
    return float(line.split()[1]) - t


RSS_RAW = """
import psutil, sys
from reasoner_desktop.inference.llama_adapter import new_llama
llm = new_llama(model_path=sys.argv[1], n_ctx=%d, n_batch=512)  # the app's automatic context for this model
for i, _ in enumerate(llm.generate(llm.tokenize(b"Hello, how are you?"), top_k=1, temp=0.0)):
    if i == 16: break
print(psutil.Process().memory_info().rss // 2**20)
""" % 8192

RSS_APP = """
import sys, time
from pathlib import Path
from PySide6.QtWidgets import QApplication
app = QApplication([])
from reasoner_desktop.app import build_main_window
from reasoner_desktop.services.chat import TurnOptions
w = build_main_window(Path(sys.argv[1]))
w.show()
def wait(cond):
    end = time.monotonic() + 120
    while not cond() and time.monotonic() < end:
        app.processEvents(); time.sleep(0.005)
wait(lambda: w.model_name is not None)
w.turn_options = TurnOptions(mode=None, max_tokens=16)
w.input.setPlainText("Hello, how are you?")
w.send()
wait(lambda: w.streaming_id is None)
import psutil
print(psutil.Process().memory_info().rss // 2**20, flush=True)
w.close()
"""


def rss_mb(code: str, arg: str) -> int:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", code, arg], capture_output=True, text=True, env=env, timeout=180,
                         cwd=ROOT)
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return int(out.stdout.strip().splitlines()[-1])


# -- the run -------------------------------------------------------------------------------

def run(smoke: bool) -> dict:
    model = bundled_model_path()
    if model is None:
        raise SystemExit("The bundled model is not installed: run `make venv`.")
    reps = 1 if smoke else 3
    decode_n = 48 if smoke else 400
    gui_n = 64 if smoke else 2000
    tmp = Path(tempfile.mkdtemp(prefix="reasoner-bench-"))
    r: dict = {}

    # Start-up first, while nothing else runs.
    r["startup_to_window_seconds"] = round(median([startup_seconds(tmp / f"start{i}") for i in range(reps + 1)]), 3)

    raws = {t: raw_llama(model, t) for t in thread_counts()}
    raw_default = raw_llama(model, None)  # llama-cpp-python's default threads: what the app used before
    engine = LlamaEngine(model, EngineSettings(n_ctx=N_CTX))
    off = GenerationRequest(messages=[ChatMessage(Role.USER, LONG_PROMPT)], mode=ThinkingMode.OFF,
                            max_tokens=decode_n, sampling=GREEDY)
    toks = prompt_tokens(engine, off)

    raw_rates: dict[int, list[float]] = {t: [] for t in raws}
    engine_rates, default_rates, gui_rates, gui_raw_rates, stalls, counts, gui_counts = [], [], [], [], [], [], []
    for _ in range(reps):
        rate, n, _s = engine_decode(engine, off)
        engine_rates.append(rate)
        counts.append(n)
        for t, llm in raws.items():
            raw_rates[t].append(raw_decode(llm, toks, n))
        default_rates.append(raw_decode(raw_default, toks, n))
        best_t = max(raw_rates, key=lambda t: median(raw_rates[t]))
        res = gui_stream(tmp / "gui", gui_n)
        gui_text = res["thinking"] + "\n\n" + res["answer"]
        n_gui = res["thinking_tokens"] + res["answer_tokens"]
        gui_counts.append(n_gui)
        gui_rates.append(res["tokens_per_second"])
        stalls.extend(res["stalls"])
        gui_raw_rates.append(raw_decode(raws[best_t], toks, n_gui))
    best = median(raw_rates[best_t])
    r["raw_decode_tokens_per_second_by_threads"] = {t: round(median(v), 1) for t, v in raw_rates.items()}
    r["raw_best_threads"] = best_t
    r["raw_best_decode_tokens_per_second"] = round(best, 1)
    r["raw_default_threads_decode_tokens_per_second"] = round(median(default_rates), 1)
    r["engine_threads"] = engine.n_threads
    r["engine_decode_tokens_per_second"] = round(median(engine_rates), 1)
    r["engine_vs_best_raw_decode_ratio"] = round(median(engine_rates) / best, 3)
    r["engine_vs_raw_default_threads_ratio"] = round(median(engine_rates) / median(default_rates), 3)
    r["engine_decode_tokens"] = int(median(counts))
    r["gui_decode_tokens_per_second"] = round(median(gui_rates), 1)
    r["gui_raw_decode_tokens_per_second"] = round(median(gui_raw_rates), 1)
    r["gui_vs_raw_decode_ratio"] = round(median(gui_rates) / median(gui_raw_rates), 3)
    r["gui_stream_tokens"] = int(median(gui_counts))
    r["gui_max_stall_ms"] = round(max(stalls), 1) if stalls else None
    r["gui_p99_stall_ms"] = round(pct(stalls, 0.99), 2) if stalls else None
    r["gui_heartbeats"] = len(stalls)

    # KV prefix reuse and time to first answer token: two turns of one conversation, thinking off.
    from reasoner_desktop.services.chat import ChatService, TurnOptions
    from reasoner_desktop.storage.repository import open_history

    repo = open_history(tmp / "turns.db")
    ttfts, evaluated, total = [], [], []
    for _ in range(reps):
        engine._llm.reset()
        service = ChatService(repo, engine)
        opts = TurnOptions(mode=ThinkingMode.OFF, max_tokens=48, sampling=GREEDY)
        t1 = service.run_turn(None, "What is the capital of France?", opts)
        ttfts.append(t1.stats.ttft_seconds)
        t2 = service.run_turn(t1.ids.conversation_id, "And of Italy?", opts)
        evaluated.append(t2.stats.prompt_tokens_evaluated)
        total.append(t2.stats.prompt_tokens)
    r["ttft_seconds"] = round(median(ttfts), 3)
    r["turn2_prompt_tokens_evaluated"] = int(median(evaluated))
    r["turn2_prompt_tokens_total"] = int(median(total))
    r.update(long_chat(engine, tmp, 200 if smoke else 2_000, reps, raws[best_t]))
    r.update(parallel(engine, model, 16 if smoke else 128, reps))

    # Rendering cost with few and with many tokens on screen (no model: the GUI alone), replaying
    # what the model really wrote in the GUI runs (its paragraphs and line breaks), token by token.
    def pieces(text: str) -> list[str]:
        return [engine._llm.detokenize([t]).decode("utf-8", "replace") for t in engine.tokenize(text)]

    words = pieces(gui_text)
    # The worst case too: one paragraph that never ends (Qt lays out a whole paragraph per change).
    paragraph = pieces(" ".join(gui_text.split()))
    engine.close()
    for llm in (*raws.values(), raw_default):
        llm.close()
    long_n = 400 if smoke else 4000
    rc = render_cost(tmp / "render", words, 100, long_n)
    worst = render_cost(tmp / "render-paragraph", paragraph, 100, long_n)
    r["render_ms_per_update_short"] = round(max(rc["thinking_short"], rc["answer_short"]), 3)
    r["render_ms_per_update_long"] = round(max(rc["thinking_long"], rc["answer_long"]), 3)
    r["render_ms_max_update_long"] = round(max(rc["thinking_long_max"], rc["answer_long_max"]), 3)
    r["render_long_vs_short_ratio"] = round(r["render_ms_per_update_long"] / r["render_ms_per_update_short"], 2)
    r["render_detail_ms"] = {k: round(v, 3) for k, v in rc.items()}
    r["render_one_paragraph_ms"] = {k: round(v, 3) for k, v in worst.items()}

    raw_mb = rss_mb(RSS_RAW, str(model))
    app_mb = rss_mb(RSS_APP, str(tmp / "rss"))
    r["rss_raw_mb"], r["rss_app_mb"], r["rss_overhead_mb"] = raw_mb, app_mb, app_mb - raw_mb

    sys.path.insert(0, str(HERE))
    import history_bench

    r.update(history_bench.run(2_000 if smoke else 100_000, repeat=3 if smoke else 15))
    import import_bench

    r.update(import_bench.run(5_000, repeat=1 if smoke else 3))
    import server_bench

    r.update(server_bench.run(40 if smoke else 300, repeat=1 if smoke else 3))
    return r


def verdicts(r: dict) -> dict:
    return report.verdicts(r, TARGETS)


def write(r: dict, smoke: bool, out_dir: Path = HERE) -> tuple[Path, Path]:
    from PySide6 import __version__ as pyside

    meta = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, {platform.system()} {platform.release()}",
        "cpu": _cpu_name(),
        "model": bundled_model_path().name,
        "versions": {"python": platform.python_version(), "llama_cpp_python": llama_cpp.__version__,
                     "pyside6": pyside},
        "smoke": smoke,
    }
    doc = {"meta": meta, "results": r, "targets_met": verdicts(r)}
    name = "results-smoke" if smoke else "results"
    jpath, mpath = out_dir / f"{name}.json", out_dir / f"{name}.md"
    jpath.write_text(json.dumps(doc, indent=2) + "\n")
    lines = [f"# Benchmark results{' (smoke)' if smoke else ''}", "",
             f"{meta['date']} · {meta['machine']} · {meta['cpu']} · model {meta['model']} · "
             f"Python {meta['versions']['python']}, llama-cpp-python {meta['versions']['llama_cpp_python']}, "
             f"PySide6 {meta['versions']['pyside6']}", "",
             *report.table(r, TARGETS, doc["targets_met"])]
    mpath.write_text("\n".join(lines) + "\n")
    return jpath, mpath


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--smoke", action="store_true", help="tiny sizes: checks the harness, not the speed")
    p.add_argument("--out", type=Path, default=HERE, help="where results(.json|.md) go (default: bench/)")
    p.add_argument("--gui-child", nargs=2, metavar=("TOKENS", "DATA_DIR"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.gui_child:
        return _gui_child(int(args.gui_child[0]), Path(args.gui_child[1]))
    r = run(args.smoke)
    jpath, mpath = write(r, args.smoke, args.out)
    print(mpath.read_text())
    print(f"wrote {jpath} and {mpath}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
