"""Several reasoning paths decoded together, on the bundled model, and the vote (issue: think in parallel)."""

from __future__ import annotations

import json

import pytest

from reasoner_desktop.domain.events import AnswerDelta, Done, PathEvent, ThinkingDelta
from reasoner_desktop.domain.messages import ChatMessage, MessageStatus, Role, ThinkingMode
from reasoner_desktop.inference.engine import GenerationRequest, Sampling
from reasoner_desktop.inference.errors import GenerationError
from reasoner_desktop.services.chat import ChatService, TurnOptions
from reasoner_desktop.storage.repository import open_history
from tests.conftest import PYTHON, cli_env

pytestmark = pytest.mark.model

QUESTION = "Tom has 3 apples and buys 5 more. How many apples does he have?"
SAMPLED = Sampling(temperature=0.9, top_k=40, top_p=0.95, min_p=0.05, seed=11)


def run(engine, n, **kw):
    request = GenerationRequest(messages=[ChatMessage(Role.USER, QUESTION)], mode=ThinkingMode.PROMPTED,
                                max_tokens=kw.pop("max_tokens", 60), samples=n, sampling=kw.pop("sampling", SAMPLED),
                                **kw)
    texts: dict[int, dict[str, str]] = {}
    path_done: dict[int, object] = {}
    order = []
    for ev in engine.stream(request, kw.get("cancel", lambda: False)):
        order.append(ev)
        if isinstance(ev, PathEvent):
            assert ev.path not in path_done, "a path's text after its Done"
            if isinstance(ev.event, Done):
                path_done[ev.path] = ev.event.stats
            else:
                kind = "thinking" if isinstance(ev.event, ThinkingDelta) else "answer"
                assert isinstance(ev.event, (ThinkingDelta, AnswerDelta))
                texts.setdefault(ev.path, {"thinking": "", "answer": ""})[kind] += ev.event.text
    assert isinstance(order[-1], Done) and sum(isinstance(e, Done) for e in order) == 1
    return texts, path_done, order[-1].stats


def test_four_paths_each_think_on_their_own_and_repeat_with_their_seeds(engine):
    texts, done, total = run(engine, 4, max_thinking_tokens=24)
    assert sorted(done) == [0, 1, 2, 3] and total.paths == 4
    for i in range(4):
        # Each path's own parser: its prompted thought starts with the prefill and never holds tags.
        assert texts[i]["thinking"].startswith("Let's think step by step.")
        assert "<think>" not in texts[i]["answer"] and "</think>" not in texts[i]["answer"]
        s = done[i]
        assert s.thinking_tokens <= 24 + 16  # its own budget (plus the budget sentence's tokens)
        assert s.thinking_tokens + s.answer_tokens <= 60 + 16
        assert s.mean_logprob is not None and s.mean_logprob < 0
    assert len({texts[i]["thinking"] + texts[i]["answer"] for i in range(4)}) == 4  # four different paths
    assert total.thinking_tokens == sum(d.thinking_tokens for d in done.values())
    again, _, _ = run(engine, 4, max_thinking_tokens=24)
    assert again == texts  # fixed seeds: the same four paths


def test_one_path_is_todays_generation(engine):
    request = GenerationRequest(messages=[ChatMessage(Role.USER, QUESTION)], mode=ThinkingMode.OFF, max_tokens=8,
                                sampling=Sampling(temperature=0.0, top_k=1))
    events = list(engine.stream(request))
    assert not any(isinstance(e, PathEvent) for e in events) and events[-1].stats.paths == 1


def test_paths_after_a_parallel_turn_reuse_the_prompt(engine):
    run(engine, 3)
    request = GenerationRequest(messages=[ChatMessage(Role.USER, QUESTION)], mode=ThinkingMode.PROMPTED,
                                max_tokens=4, sampling=Sampling(temperature=0.0, top_k=1))
    done = list(engine.stream(request))[-1]
    assert done.stats.prompt_tokens_evaluated == 1  # the shared prompt stayed in sequence 0's cache


def test_paths_that_do_not_fit_say_how_many_do(engine):
    with pytest.raises(GenerationError, match=r"16 paths do not fit .* at most 7 do"):
        run(engine, 16)
    with pytest.raises(GenerationError, match="between 1 and 16"):
        run(engine, 17)


def test_stop_stops_every_path(engine):
    seen: dict[int, int] = {}
    stop = {"now": False}

    def cancel():
        return stop["now"]

    request = GenerationRequest(messages=[ChatMessage(Role.USER, QUESTION)], mode=ThinkingMode.PROMPTED,
                                max_tokens=400, samples=3, sampling=SAMPLED)
    done = {}
    for ev in engine.stream(request, cancel):
        if isinstance(ev, PathEvent) and isinstance(ev.event, ThinkingDelta):
            seen[ev.path] = seen.get(ev.path, 0) + 1
            stop["now"] = len(seen) == 3 and min(seen.values()) >= 3
        elif isinstance(ev, PathEvent):
            done[ev.path] = ev.event.stats
        elif isinstance(ev, Done):
            assert ev.stats.stop_reason == "stopped"
    assert sorted(done) == [0, 1, 2] and {s.stop_reason for s in done.values()} == {"stopped"}
    assert all(s.thinking_tokens + s.answer_tokens < 100 for s in done.values())


def test_a_turn_with_four_paths_stores_siblings_and_a_vote_and_survives_export(engine, data_dir):
    from reasoner_desktop.export.json_format import from_document, to_document
    from reasoner_desktop.export.options import ThinkingExport

    repo = open_history(data_dir / "history.db")
    service = ChatService(repo, engine)
    starts = []
    result = service.run_turn(None, QUESTION, TurnOptions(mode=ThinkingMode.PROMPTED, max_tokens=60, samples=4,
                                                          max_thinking_tokens=24, sampling=SAMPLED),
                              on_start=starts.append)
    assert len(starts) == 1 and len(starts[0].path_message_ids) == 4
    ids = list(starts[0].path_message_ids)
    conv = repo.get_conversation(result.conversation_id)
    question = conv.path_messages[0]
    answers = [m for m in conv.messages if m.parent_id == question.id]
    assert [m.id for m in answers] == ids and len({m.content + m.thinking for m in answers}) == 4
    assert all(m.status is MessageStatus.COMPLETE and m.thinking.startswith("Let's think") for m in answers)
    assert [m.sampling["seed"] for m in answers] == [11, 12, 13, 14]  # each path's seed, on its row
    vote = conv.votes[question.id]
    assert vote["of"] == 4 and vote["method"] in ("extracted", "model", "none")
    assert vote["winner"] == result.message_id and conv.active_path[-1] == result.message_id  # the winner is active
    assert [p["message_id"] for p in vote["paths"]] == ids
    assert [p["final_answer"] for p in vote["paths"]] == [p.final_answer for p in result.paths]
    winners_group = [p for p in result.paths if p.final_answer is not None
                     and vote["paths"][ids.index(p.message_id)]["key"] == vote["paths"][ids.index(result.message_id)]["key"]]
    assert vote["agree"] == (len(winners_group) if vote["method"] == "extracted" else vote["agree"])
    assert result.answer == next(m.content for m in answers if m.id == result.message_id)
    payload = result.to_json()
    assert payload["vote"]["of"] == 4 and len(payload["paths"]) == 4 and payload["seconds"] > 0

    # The JSON export carries the vote; importing it as a copy maps it onto the new messages.
    doc = json.loads(json.dumps(to_document([conv], ThinkingExport.INCLUDE)))
    assert doc["conversations"][0]["votes"][0]["of"] == 4
    (copy,) = from_document(doc)
    new_ids, _ = repo.import_conversations([copy], duplicate=True)
    imported = repo.get_conversation(new_ids[0])
    (iv,) = imported.votes.values()
    assert (iv["answer"], iv["agree"], iv["of"], iv["method"]) == (vote["answer"], vote["agree"], 4, vote["method"])
    winner_text = next(m.content for m in imported.messages if m.id == iv["winner"])
    assert winner_text == result.answer and imported.active_path[-1] == iv["winner"]

    # Markdown and HTML show the vote under the winner and fold the other paths (escaped: answers are untrusted).
    from reasoner_desktop.export.documents import to_html, to_markdown, vote_line

    md, page = to_markdown(conv, ThinkingExport.INCLUDE), to_html(conv, ThinkingExport.INCLUDE)
    line = vote_line(vote)
    assert line in md and line in page and line.startswith((f"{vote['agree']} of 4", "Chosen", "4 paths"))
    assert md.count("<details><summary>Path ") == 3 and page.count('<details class="path">') == 3
    for m in answers:
        if m.id != result.message_id and m.content.strip():
            assert m.content.strip().splitlines()[0][:20] in md

    # The user can pick another path: it becomes the active branch; the vote stays.
    other = next(i for i in ids if i != result.message_id)
    repo.switch_branch(other)
    again = repo.get_conversation(result.conversation_id)
    assert again.active_path[-1] == other and again.votes[question.id]["winner"] == result.message_id
    repo.engine.dispose()


def test_stop_mid_way_leaves_four_partial_rows_that_survive_a_restart(engine, data_dir):
    repo = open_history(data_dir / "history.db")
    seen: set[int] = set()
    stop = {"now": False}

    def on_event(ev):
        if isinstance(ev, PathEvent) and isinstance(ev.event, ThinkingDelta) and ev.event.text.strip():
            seen.add(ev.path)
            stop["now"] = len(seen) == 4

    result = ChatService(repo, engine).run_turn(
        None, QUESTION, TurnOptions(mode=ThinkingMode.PROMPTED, max_tokens=400, samples=4, sampling=SAMPLED),
        on_event=on_event, cancel=lambda: stop["now"])
    assert result.status is MessageStatus.STOPPED
    repo.engine.dispose()
    reopened = open_history(data_dir / "history.db")  # a restart
    conv = reopened.get_conversation(result.conversation_id)
    answers = [m for m in conv.messages if m.role is Role.ASSISTANT]
    assert len(answers) == 4 and {m.status for m in answers} == {MessageStatus.STOPPED}
    assert all(m.thinking.startswith("Let's think step by step.") for m in answers)
    assert conv.votes[conv.path_messages[0].id]["of"] == 4
    reopened.engine.dispose()


def test_cli_samples_prints_each_path_and_the_vote(data_dir):
    import subprocess

    def ask(*extra):
        return subprocess.run([PYTHON, "-m", "reasoner_desktop", "ask", QUESTION, "--think", "--samples", "3",
                               "--seed", "5", "--max-tokens", "40", "--max-thinking", "16", *extra],
                              capture_output=True, text=True, env=cli_env(data_dir), timeout=300)

    out = ask("--json")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert len(d["paths"]) == 3 and set(d["vote"]) == {"answer", "agree", "of", "method"} and d["vote"]["of"] == 3
    assert {"message_id", "thinking", "answer", "final_answer", "thinking_tokens", "answer_tokens",
            "stop_reason"} <= set(d["paths"][0])
    winner = next(p for p in d["paths"] if p["message_id"] == d["message_id"])
    assert d["answer"] == winner["answer"] and d["seconds"] > 0
    text = ask()
    assert text.returncode == 0, text.stderr
    assert text.stdout.count(" path ") == 3 and "paths agree" in text.stdout
    bad = subprocess.run([PYTHON, "-m", "reasoner_desktop", "ask", "Hi", "--samples", "40"], capture_output=True,
                         text=True, env=cli_env(data_dir), timeout=60)
    assert bad.returncode == 2 and "from 1 to 16" in bad.stderr


def test_when_no_answer_can_be_read_the_model_picks_the_most_consistent(engine, data_dir, monkeypatch):
    """Universal self-consistency: with no extractable final answer (forced here: the extraction finds
    nothing), the model is asked which candidate agrees most with the others, and the vote says so."""
    from reasoner_desktop.domain import votes

    monkeypatch.setattr(votes, "extract_answer", lambda text: None)
    repo = open_history(data_dir / "history.db")
    result = ChatService(repo, engine).run_turn(
        None, "Name a colour.", TurnOptions(mode=ThinkingMode.OFF, max_tokens=12, samples=3, sampling=SAMPLED))
    vote = repo.get_conversation(result.conversation_id).votes[result.ids.user_message_id]
    assert vote["method"] == "model" and vote["of"] == 3 and vote["agree"] == 1
    chosen = list(result.ids.path_message_ids).index(vote["winner"])
    asked = votes.model_choice_prompt("Name a colour.", [p.answer for p in result.paths])
    reply = "".join(ev.text for ev in engine.stream(GenerationRequest(
        messages=[ChatMessage(Role.USER, asked)], mode=ThinkingMode.OFF, max_tokens=16,
        sampling=Sampling(temperature=0.0, top_k=1, seed=0))) if isinstance(ev, AnswerDelta))
    assert votes.parse_model_choice(reply, 3) == chosen  # the model's own pick, asked again
    assert vote["winner"] == result.message_id and vote["answer"] == result.paths[chosen].answer.strip()[:200]
    repo.engine.dispose()


def test_more_paths_than_fit_are_refused_before_anything_is_stored(engine, data_dir):
    repo = open_history(data_dir / "history.db")
    with pytest.raises(GenerationError, match=r"16 paths do not fit .* at most 7 do"):
        ChatService(repo, engine).run_turn(None, QUESTION, TurnOptions(mode=ThinkingMode.OFF, samples=16))
    assert repo.list_conversations() == []  # no question without answers, no empty chat
    repo.engine.dispose()


def test_each_path_thinks_longer_on_its_own(engine):
    """Think longer per path: an early end of a path's thought becomes "Wait" (its KV rewound in its own
    sequence), until that path has thought the minimum; the others go on meanwhile."""
    texts, done, _ = run(engine, 3, min_thinking_tokens=48, max_thinking_tokens=96, max_extensions=6,
                         max_tokens=200)
    for i, s in done.items():
        assert s.thinking_tokens >= 48 or s.extensions == 6, (i, s)
        assert s.thinking_tokens <= 96 + 16
        if s.extensions:
            assert "Wait" in texts[i]["thinking"] and s.budget == "extended"
    assert any(s.extensions for s in done.values())
