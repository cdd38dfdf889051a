"""The real llama.cpp engine on the bundled SmolLM2 model."""

import pytest

from reasoner_desktop.domain.events import AnswerDelta, ContextTrimmed, Done, ThinkingDelta
from reasoner_desktop.domain.messages import ChatMessage, Role, ThinkingMode
from reasoner_desktop.inference.engine import EngineSettings, GenerationRequest, LlamaEngine, Sampling
from reasoner_desktop.inference.errors import GenerationError, ModelLoadError, UnsupportedArchitecture

GREEDY = Sampling(temperature=0.0, top_k=1)


def run(engine, messages, **kw):
    kw.setdefault("sampling", GREEDY)
    events = list(engine.stream(GenerationRequest(messages=messages, **kw)))
    thinking = "".join(e.text for e in events if isinstance(e, ThinkingDelta))
    answer = "".join(e.text for e in events if isinstance(e, AnswerDelta))
    assert isinstance(events[-1], Done) and sum(isinstance(e, Done) for e in events) == 1
    return events, thinking, answer, events[-1].stats


@pytest.mark.model
def test_the_bundled_model_is_prompted_to_think(engine):
    assert not engine.thinks_natively
    events, thinking, answer, stats = run(engine, [ChatMessage(Role.USER, "Tom has 3 apples and buys 5 more. How many?")],
                                          max_tokens=200)
    assert thinking.startswith("Let's think step by step.") and len(thinking) > 40
    assert answer.strip()
    # Thought first, then answer: no thinking delta after the first answer delta.
    kinds = [type(e) for e in events if not isinstance(e, Done)]
    assert ThinkingDelta not in kinds[kinds.index(AnswerDelta):]
    assert stats.thinking_tokens > 0 and stats.answer_tokens > 0
    assert stats.ttft_seconds is not None and stats.thinking_seconds > 0 and stats.tokens_per_second > 0


@pytest.mark.model
def test_max_thinking_cuts_the_thought_and_still_answers(engine):
    _, thinking, answer, stats = run(engine, [ChatMessage(Role.USER, "Explain why the sky is blue.")],
                                     max_thinking_tokens=24, max_tokens=120)
    assert stats.thinking_tokens <= 24 and stats.budget == "cut"
    assert thinking and answer.strip()


@pytest.mark.model
def test_a_small_token_allowance_still_leaves_room_for_an_answer(engine):
    _, thinking, answer, stats = run(engine, [ChatMessage(Role.USER, "Write a long essay about rivers.")],
                                     max_tokens=40, max_thinking_tokens=1000)
    assert stats.thinking_tokens <= 30 and stats.budget == "cut"
    assert thinking and answer.strip()


@pytest.mark.model
def test_thinking_off_gives_no_thought(engine):
    _, thinking, answer, stats = run(engine, [ChatMessage(Role.USER, "Say hello.")], mode=ThinkingMode.OFF,
                                     max_tokens=40)
    assert thinking == "" and answer.strip() and stats.thinking_tokens == 0


@pytest.mark.model
def test_second_turn_evaluates_only_new_tokens(engine):
    q1 = [ChatMessage(Role.USER, "Name a fruit.")]
    _, _, a1, s1 = run(engine, q1, mode=ThinkingMode.OFF, max_tokens=20)
    q2 = q1 + [ChatMessage(Role.ASSISTANT, a1), ChatMessage(Role.USER, "Another one?")]
    _, _, _, s2 = run(engine, q2, mode=ThinkingMode.OFF, max_tokens=20)
    assert s2.prompt_tokens > s1.prompt_tokens
    assert s2.prompt_tokens_evaluated < s2.prompt_tokens - s1.prompt_tokens + 8


@pytest.mark.model
def test_cancel_stops_before_the_next_token(engine):
    """Stop is checked before every token: after the flag is set, not one more token is generated."""
    events = []
    stop = {"after": None}

    def cancel():
        if stop["after"] is None and sum(isinstance(e, (ThinkingDelta, AnswerDelta)) for e in events) >= 4:
            stop["after"] = engine._llm.n_tokens  # tokens in the context when Stop was pressed
        return stop["after"] is not None

    for ev in engine.stream(GenerationRequest([ChatMessage(Role.USER, "Count to one hundred.")], max_tokens=500,
                                              sampling=Sampling(temperature=0.7, seed=7)), cancel):
        events.append(ev)
    stats = events[-1].stats
    assert stats.stop_reason == "stopped" and stop["after"] is not None
    assert engine._llm.n_tokens == stop["after"]  # nothing was evaluated after the flag


def test_random_bytes_gguf_is_a_clear_error(tmp_path):
    bad = tmp_path / "noise.gguf"
    bad.write_bytes(b"GGUF\x03\x00\x00\x00" + bytes(range(256)) * 64)
    with pytest.raises(ModelLoadError) as info:
        LlamaEngine(bad)
    assert str(bad) in str(info.value) and "\n" not in str(info.value)


def test_truncated_real_model_is_a_clear_error(tmp_path, model_path):
    cut = tmp_path / "cut.gguf"
    with open(model_path, "rb") as src:
        cut.write_bytes(src.read(3_000_000))
    with pytest.raises(ModelLoadError, match="truncated"):
        LlamaEngine(cut)


@pytest.mark.model
def test_min_thinking_makes_the_model_think_longer(engine):
    q = [ChatMessage(Role.USER, "Tom has 3 apples and buys 5 more. How many?")]
    _, t0, a0, s0 = run(engine, q, max_tokens=600)
    _, t1, a1, s1 = run(engine, q, max_tokens=600, min_thinking_tokens=200)
    assert s1.thinking_tokens >= 200 > s0.thinking_tokens
    assert s1.budget == "extended" and s1.extensions >= 1 and "Wait" in t1
    assert len(t1) > len(t0) and a1.strip()


@pytest.mark.model
def test_budget_message_is_written_before_the_cut(engine):
    _, thinking, answer, stats = run(engine, [ChatMessage(Role.USER, "Why is the sea salty?")],
                                     max_thinking_tokens=16, budget_message="Time is up; answering now.",
                                     max_tokens=80)
    assert "Time is up; answering now." in thinking and stats.budget == "cut" and answer.strip()
    # The small model often goes on thinking after the cut and closes the thought itself: that text is
    # thought, and its closing tag never shows in the answer.
    assert "</think>" not in answer and "<think>" not in answer and "</think>" not in thinking


@pytest.mark.model
def test_an_overlong_conversation_drops_old_turns_and_says_so(engine):
    long_turn = "word " * 300
    history = []
    for i in range(8):
        history += [ChatMessage(Role.USER, f"{i}: {long_turn}"), ChatMessage(Role.ASSISTANT, "ok")]
    history.append(ChatMessage(Role.USER, "Last question: say hi."))
    events, _, answer, stats = run(engine, history, mode=ThinkingMode.OFF, max_tokens=20,
                                   system_prompt="Be brief.")
    trimmed = [e for e in events if isinstance(e, ContextTrimmed)]
    assert len(trimmed) == 1 and trimmed[0].dropped_messages == stats.dropped_messages > 0
    assert stats.prompt_tokens <= engine.n_ctx and answer.strip()


@pytest.mark.model
def test_a_single_message_too_long_for_the_context_is_a_clear_error(engine):
    with pytest.raises(GenerationError, match="too long for this model's context window"):
        list(engine.stream(GenerationRequest([ChatMessage(Role.USER, "word " * 5000)])))


def test_context_is_capped_at_the_trained_length(model_path):
    eng = LlamaEngine(model_path, EngineSettings(n_ctx=1_000_000))
    try:
        assert eng.n_ctx == eng.info.context_length == 8192
    finally:
        eng.close()


@pytest.mark.parametrize("gpu_build", [False, True])
def test_gpu_layers_follow_what_the_build_supports(model_path, monkeypatch, gpu_build):
    """A CPU-only build ignores GPU layers with a note (llama.cpp gets 0); a GPU build gets them."""
    from reasoner_desktop.inference import engine as engine_module

    given = {}

    class Spy(engine_module.LlamaAdapter):
        def __init__(self, path, **kwargs):
            given.update(kwargs)
            kwargs["n_gpu_layers"] = 0  # this machine has no GPU: load on the CPU whatever was asked
            super().__init__(path, **kwargs)

    monkeypatch.setattr(engine_module, "_supports_gpu_offload", lambda: gpu_build)
    monkeypatch.setattr(engine_module, "LlamaAdapter", Spy)
    eng = LlamaEngine(model_path, EngineSettings(n_ctx=512, n_gpu_layers=-1))
    try:
        notes = [n for n in eng.load_notes if "CPU-only" in n]
        assert given["n_gpu_layers"] == (-1 if gpu_build else 0)
        assert bool(notes) is not gpu_build
    finally:
        eng.close()


def test_unsupported_architecture_is_named(tmp_path):
    import gguf
    import numpy as np

    path = tmp_path / "alien.gguf"
    writer = gguf.GGUFWriter(str(path), "notarealarch")
    writer.add_name("Alien")
    writer.add_tensor("token_embd.weight", np.zeros((4, 8), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    with pytest.raises(UnsupportedArchitecture, match="'notarealarch' is not supported"):
        LlamaEngine(path)


def test_the_engine_survives_a_failed_load_and_loads_another(model_path, tmp_path):
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"nope")
    with pytest.raises(ModelLoadError):
        LlamaEngine(bad)
    good = LlamaEngine(model_path, EngineSettings(n_ctx=512))
    good.close()


@pytest.mark.model
def test_think_longer_takes_back_a_closing_tag_the_model_wrote(engine, monkeypatch):
    """Few-shot examples (manual CoT) teach the model to close its own thought; with a
    minimum, the engine takes the `</think>` back (KV cache and parser rewound) and writes Wait."""
    from reasoner_desktop.domain.messages import FewShotExample
    from reasoner_desktop.inference import generation

    calls = []
    real = generation.Generation._take_back_close

    def spy(self):
        out = real(self)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(generation.Generation, "_take_back_close", spy)
    examples = (FewShotExample("What is 2 plus 2?", "2 plus 2 is 4.", "4"),
                FewShotExample("What is 10 minus 3?", "10 minus 3 is 7.", "7"))
    q = [ChatMessage(Role.USER, "What is 6 plus 1?")]
    _, t0, a0, s0 = run(engine, q, examples=examples, max_tokens=200)
    assert s0.extensions == 0 and not s0.thought_cut and a0.strip()  # the model closed its thought itself
    _, t1, a1, s1 = run(engine, q, examples=examples, max_tokens=200, min_thinking_tokens=60)
    assert True in calls, "the rewind path was not taken"
    assert s1.thinking_tokens >= 60 and s1.budget == "extended" and "Wait" in t1
    assert "</think>" not in t1 and "</think>" not in a1 and a1.strip()
    assert t1.startswith(t0)  # the thought handed out before the rewind is not repeated or changed


OOM_SCRIPT = """
import resource, sys
from reasoner_desktop.inference.engine import LlamaEngine, EngineSettings
from reasoner_desktop.inference.errors import ModelLoadError
from reasoner_desktop.inference.model_files import bundled_model_path
vm = next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmSize:"))
limit = vm + int(sys.argv[1]) * 2**20
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
try:
    LlamaEngine(bundled_model_path(), EngineSettings(n_ctx=512)).close()
    print("LOADED")
except ModelLoadError as e:
    print(type(e).__name__ + ": " + str(e))
"""


@pytest.mark.parametrize("headroom_mb", [40, 150, 280, 330])
def test_too_little_memory_is_one_sentence_never_an_abort(headroom_mb):
    """llama.cpp aborts the process on some failed allocations; the engine must refuse first."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", OOM_SCRIPT, str(headroom_mb)], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.startswith("NotEnoughMemory: Not enough memory"), out.stdout


def _gpu_that_holds(monkeypatch, fits: int | None):
    """A GPU build whose GPU takes at most `fits` layers (None: none at all): llama.cpp fails to load
    with more, as it does when VRAM runs out. This machine has no GPU, so what does fit loads on the CPU."""
    from reasoner_desktop.inference import engine as engine_module
    from reasoner_desktop.inference import offload
    from reasoner_desktop.inference.gguf_info import read_model_info

    asked = []

    class TightGpu(engine_module.LlamaAdapter):
        def __init__(self, path, **kwargs):
            layers = kwargs["n_gpu_layers"]
            asked.append(layers)
            total = offload.total_layers(engine_module._block_count(read_model_info(path)))
            if layers and (fits is None or (total if layers == -1 else layers) > fits):
                raise ValueError(f"Failed to load model from file: {path}")
            super().__init__(path, **{**kwargs, "n_gpu_layers": 0})

    monkeypatch.setattr(engine_module, "_supports_gpu_offload", lambda: True)
    monkeypatch.setattr(engine_module, "LlamaAdapter", TightGpu)
    return asked


def test_a_gpu_build_offloads_every_layer_by_default(model_path, monkeypatch):
    asked = _gpu_that_holds(monkeypatch, fits=1000)
    eng = LlamaEngine(model_path, EngineSettings(n_ctx=512))
    try:
        assert asked == [-1]  # all of them, as LM Studio and Ollama do
        blocks = int(eng.info.parameters[f"{eng.info.architecture}.block_count"])
        assert eng.offload.describe() == f"GPU: {blocks + 1} of {blocks + 1} layers"
        assert eng.offload.note() is None and not eng.load_notes
    finally:
        eng.close()


def test_when_the_gpu_is_too_small_fewer_layers_are_offloaded_and_said(model_path, monkeypatch):
    asked = _gpu_that_holds(monkeypatch, fits=16)
    eng = LlamaEngine(model_path, EngineSettings(n_ctx=512))
    try:
        total = int(eng.info.parameters[f"{eng.info.architecture}.block_count"]) + 1
        assert asked == [-1, int(total * 0.75), int(total * 0.5)] and int(total * 0.5) <= 16
        assert eng.offload.on_gpu == int(total * 0.5)
        assert f"Only {total // 2} of {total} layers fit in GPU memory" in " ".join(eng.load_notes)
        # the note reaches the first answer's notes (the status bar and the CLI show them)
        request = GenerationRequest([ChatMessage(Role.USER, "Hi")])
        assert any("layers fit in GPU memory" in n for n in eng._plan(request, request.messages).notes)
    finally:
        eng.close()


def test_no_room_on_the_gpu_at_all_runs_on_the_cpu(model_path, monkeypatch):
    asked = _gpu_that_holds(monkeypatch, fits=None)
    eng = LlamaEngine(model_path, EngineSettings(n_ctx=512))
    try:
        assert asked[0] == -1 and asked[-1] == 0 and len(asked) == 5
        assert eng.offload.describe() == "CPU"
        assert any("runs on the CPU" in n for n in eng.load_notes)
    finally:
        eng.close()


def test_a_layer_count_the_user_set_is_tried_once(model_path, monkeypatch):
    from reasoner_desktop.inference.errors import ModelLoadError

    asked = _gpu_that_holds(monkeypatch, fits=4)
    with pytest.raises(ModelLoadError):
        LlamaEngine(model_path, EngineSettings(n_ctx=512, n_gpu_layers=20))
    assert asked == [20]


def test_a_cpu_build_offloads_nothing_and_says_nothing(model_path, monkeypatch):
    from reasoner_desktop.inference import engine as engine_module

    monkeypatch.setattr(engine_module, "_supports_gpu_offload", lambda: False)
    eng = LlamaEngine(model_path, EngineSettings(n_ctx=512))
    try:
        assert eng.offload.layers == 0 and eng.offload.describe() == "CPU" and not eng.load_notes
    finally:
        eng.close()
