"""Every format on a sample of its real export (tests/fixtures/imports/, sources in SOURCES.md): recognised,
imported faithfully (counts on the active path, branches, thoughts, titles, as counted by hand in
expected.json), searchable, idempotent, lossless through our JSON export; and any mutation of a sample,
any truncation or garbage, gives our one-sentence import error and changes nothing."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reasoner_desktop.domain.messages import Role
from reasoner_desktop.export.options import ExportFormat, ImportFormatError, ThinkingExport
from reasoner_desktop.services.exporting import export_conversations
from reasoner_desktop.services.importing import import_paths
from reasoner_desktop.storage.repository import open_history
from tests.conftest import PYTHON, cli_env

SAMPLES = Path(__file__).parent / "fixtures" / "imports"
EXPECTED = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))
NAMES = sorted(EXPECTED)
JSON_SAMPLES = [n for n in NAMES if n.endswith(".json")]


@pytest.fixture
def repo(tmp_path):
    r = open_history(tmp_path / "history.db")
    yield r
    r.engine.dispose()


def snapshot(repo) -> list:
    return [repo.get_conversation(c.id) for c in repo.list_conversations()]


def summary(conv) -> dict:
    path = conv.path_messages
    children: dict = {}
    for m in conv.messages:
        children[m.parent_id] = children.get(m.parent_id, 0) + 1
    return {"user_messages_on_active_path": sum(m.role is Role.USER for m in path),
            "assistant_messages_on_active_path": sum(m.role is Role.ASSISTANT for m in path),
            "branch_points": sum(1 for n in children.values() if n > 1),
            "thoughts": sum(1 for m in conv.messages if m.thinking.strip()),
            "total_messages": len(conv.messages)}


@pytest.mark.parametrize("name", NAMES)
def test_each_sample_imports_faithfully(repo, name):
    expected = EXPECTED[name]
    (report,) = import_paths(repo, [SAMPLES / name])
    assert report.source == expected["format"]  # detection named the format
    convs = [repo.get_conversation(i) for i in report.imported]
    assert len(convs) == expected["conversations"]
    for conv, want in zip(convs, expected["per_conversation"], strict=True):
        if want["title"]:
            assert conv.title == want["title"]
        else:  # untitled: named after its first question, as the source app shows it
            assert conv.title and conv.title in conv.path_messages[0].content
        assert summary(conv) == {k: want[k] for k in summary(conv)}, conv.title
        assert conv.path_messages[0].role is Role.USER
        assert all(m.created_at.year >= 2020 for m in conv.messages)  # times survived, in their units
        assert all(not m.thinking for m in conv.messages if m.role is Role.USER)
        assert all("<think>" not in m.content and "<details" not in m.content for m in conv.messages)
    stats = report.stats
    assert stats.conversations == expected["conversations"]
    assert stats.thoughts == sum(c["thoughts"] for c in expected["per_conversation"])
    assert report.line().startswith(f"{Path(name).name} (")


@pytest.mark.parametrize("name", NAMES)
def test_twice_adds_nothing_and_thoughts_are_searchable(repo, name):
    (first,) = import_paths(repo, [SAMPLES / name])
    before = snapshot(repo)
    (second,) = import_paths(repo, [SAMPLES / name])
    assert second.imported == [] and len(second.already) == len(first.imported)
    assert "already in the history" in second.line()
    assert snapshot(repo) == before
    thought = next(m.thinking for c in before for m in c.messages if m.thinking.strip())
    word = max(thought.split(), key=len).strip(".,:;()*")
    assert any(h.conversation_id in first.imported for h in repo.search(word, include_thoughts=True))


@pytest.mark.parametrize("name", NAMES)
def test_round_trip_through_our_json_is_lossless(tmp_path, name):
    a, b = open_history(tmp_path / "a.db"), open_history(tmp_path / "b.db")
    import_paths(a, [SAMPLES / name])
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    export_conversations(a, None, ExportFormat.JSON, ThinkingExport.INCLUDE, one)
    (report,) = import_paths(b, [one])
    assert report.source == "reasoner-desktop"
    export_conversations(b, None, ExportFormat.JSON, ThinkingExport.INCLUDE, two)
    doc1, doc2 = json.loads(one.read_text()), json.loads(two.read_text())
    assert doc1["conversations"] == doc2["conversations"]
    assert [summary(c) for c in snapshot(a)] == [summary(c) for c in snapshot(b)]
    for db in (a, b):
        db.engine.dispose()


@pytest.mark.parametrize("name", NAMES)
def test_forcing_the_format(repo, name):
    fmt = EXPECTED[name]["format"]
    (report,) = import_paths(repo, [SAMPLES / name], fmt=fmt)
    assert report.source == fmt
    wrong = "claude" if fmt != "claude" else "chatgpt"
    with pytest.raises(ImportFormatError, match="does not look like"):
        import_paths(repo, [SAMPLES / name], fmt=wrong, duplicate=True)


def test_jan_thread_from_the_folder_above_or_a_file_in_it(repo, tmp_path):
    threads = tmp_path / "jan" / "threads"
    shutil.copytree(SAMPLES / "jan", threads)
    (thread,) = list(threads.iterdir())
    for target in (tmp_path / "jan", threads, thread / "messages.jsonl", thread / "thread.json"):
        (report,) = import_paths(repo, [target], duplicate=True)
        assert report.source == "jan" and len(report.imported) == 1
    assert len(snapshot(repo)) == 4


@pytest.mark.parametrize("name", ["chatgpt_o1_thoughts.json", "claude_conversations.json",
                                  "deepseek_conversations.json"])
def test_the_zip_the_web_app_sends(repo, tmp_path, name):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("users.json", "[]")
        zf.write(SAMPLES / name, "conversations.json")
    (report,) = import_paths(repo, [archive])
    assert report.source == EXPECTED[name]["format"]
    assert len(report.imported) == EXPECTED[name]["conversations"]


# -- malformed input: one sentence naming the file, nothing written ----------------------------------------

def refused(repo, path: Path) -> str:
    with pytest.raises(ImportFormatError) as info:
        import_paths(repo, [path])
    assert snapshot(repo) == []
    message = str(info.value)
    assert "\n" not in message and len(message) < 400
    return message


@pytest.mark.parametrize("name", JSON_SAMPLES)
def test_truncated_garbage_and_huge_files(repo, tmp_path, name):
    raw = (SAMPLES / name).read_bytes()
    cut = tmp_path / name
    cut.write_bytes(raw[: len(raw) // 2])
    message = refused(repo, cut)
    assert name in message and "truncated" in message
    cut.write_bytes(bytes(random.Random(7).randrange(256) for _ in range(4096)))
    assert name in refused(repo, cut)
    # A 100 MB string where a question was: the first question that the file holds verbatim, made huge.
    probe = open_history(tmp_path / "probe.db")
    (report,) = import_paths(probe, [SAMPLES / name])
    questions = [m.content for i in report.imported for m in probe.get_conversation(i).messages if m.role is Role.USER]
    probe.engine.dispose()
    text = raw.decode("utf-8")
    question = next(q for q in questions if json.dumps(q, ensure_ascii=False) in text)
    cut.write_text(text.replace(json.dumps(question, ensure_ascii=False), json.dumps("y" * 100_000_000)))
    assert "too long to be a chat message" in refused(repo, cut)


def test_a_zip_bomb_and_deep_nesting(repo, tmp_path):
    bomb = tmp_path / "conversations.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("conversations.json", "[" + " " * (300 * 2**20) + "]")
    assert "unpacks to too much data" in refused(repo, bomb)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000)
    assert "nested too deeply" in refused(repo, deep) or "not valid JSON" in refused(repo, deep)
    jsonl = tmp_path / "messages.jsonl"
    jsonl.write_text('{"role": "user", "content": "hi"}\n' + "{" * 100_000 + "\n")
    assert "messages.jsonl line 2" in refused(repo, jsonl)


def test_the_command_line_reports_and_refuses(data_dir, tmp_path):
    def cli(*args):
        return subprocess.run([PYTHON, "-m", "reasoner_desktop", *args], capture_output=True, text=True,
                              env=cli_env(data_dir), timeout=120)

    files = [str(SAMPLES / n) for n in JSON_SAMPLES] + [str(SAMPLES / "jan")]
    out = cli("import", *files)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == len(files)
    assert lines[0].startswith("chatgpt_o1_thoughts.json (ChatGPT): 2 conversations, 24 messages, 1 with thoughts")
    assert any(ln.startswith("jan (Jan): 1 conversation, 5 messages, 2 with thoughts, 1 branch point") for ln in lines)
    bad = tmp_path / "claude.json"
    bad.write_text('[{"uuid": "x", "chat_messages": [{"sender": "human", "text": 5}]}]')
    out = cli("import", str(bad))
    assert out.returncode == 2 and out.stderr.strip().count("\n") == 0 and "claude.json" in out.stderr
    assert "Traceback" not in out.stderr


# -- property: random mutations of real samples never raise anything but our import error -----------------

def _mutate(data, rng: random.Random, n: int):
    """Replace, delete or retype `n` random values anywhere in the document."""
    replacements = [None, True, 0, -1, 1e308, float("nan"), "", "x" * 50, [], {}, [None], {"": None},
                    2**70, "2024-13-45T99:99", "\u0000", [[[[]]]], {"type": "thinking"}]
    for _ in range(n):
        slots = []
        stack = [data]
        while stack:
            x = stack.pop()
            if isinstance(x, dict):
                slots.extend((x, k) for k in x)
                stack.extend(x.values())
            elif isinstance(x, list):
                slots.extend((x, i) for i in range(len(x)))
                stack.extend(x)
        if not slots:
            return rng.choice(replacements)
        container, key = rng.choice(slots)
        action = rng.random()
        if action < 0.25:
            del container[key]
        elif action < 0.4 and isinstance(container[key], str):
            container[key] = container[key][: rng.randrange(len(container[key]) + 1)]
        else:
            container[key] = rng.choice(replacements)
    return data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(JSON_SAMPLES + ["jan"]), seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6))
def test_mutated_samples_only_ever_raise_our_error(tmp_path_factory, name, seed, n):
    rng = random.Random(seed)
    tmp = tmp_path_factory.mktemp("mut")
    repo = open_history(tmp / "h.db")
    try:
        if name == "jan":
            folder = tmp / "thread"
            shutil.copytree(next((SAMPLES / "jan").iterdir()), folder)
            which = folder / rng.choice(["thread.json", "messages.jsonl"])
            if which.suffix == ".jsonl":
                rows = [json.loads(line) for line in which.read_text().splitlines()]
                which.write_text("\n".join(json.dumps(r) for r in _mutate(rows, rng, n)) + "\n")
            else:
                which.write_text(json.dumps(_mutate(json.loads(which.read_text()), rng, n)))
            target = folder
        else:
            target = tmp / name
            target.write_text(json.dumps(_mutate(json.loads((SAMPLES / name).read_text()), rng, n)))
        try:
            import_paths(repo, [target])
        except ImportFormatError as exc:
            assert str(exc) and "\n" not in str(exc)
            assert snapshot(repo) == []
    finally:
        repo.engine.dispose()
