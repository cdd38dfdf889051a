"""The real `reasoner-desktop` command in subprocesses, on the bundled model."""

import json
import subprocess

import pytest

from tests.conftest import PYTHON, cli_env

pytestmark = pytest.mark.model


def cli(data_dir, *args, timeout=120):
    return subprocess.run([PYTHON, "-m", "reasoner_desktop", *args], capture_output=True, text=True,
                          env=cli_env(data_dir), timeout=timeout)


def test_version(data_dir):
    out = cli(data_dir, "--version")
    assert out.returncode == 0 and out.stdout.startswith("reasoner-desktop ")


def test_ask_with_thinking_then_history_after_exit(data_dir):
    out = cli(data_dir, "ask", "Tom has 3 apples and buys 5 more. How many?", "--think", "--json", "--temperature", "0",
              "--max-tokens", "200")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    for key in ("conversation_id", "message_id", "thinking", "answer", "thinking_seconds", "model", "status"):
        assert key in result
    assert result["thinking"].strip() and result["answer"].strip()
    assert result["status"] == "complete" and result["model"].endswith(".gguf")

    hist = cli(data_dir, "history", "--json")
    assert hist.returncode == 0, hist.stderr
    (conv,) = json.loads(hist.stdout)
    assert conv["id"] == result["conversation_id"]
    user, answer = conv["messages"]
    assert user["role"] == "user" and user["content"].startswith("Tom has 3 apples")
    assert answer["id"] == result["message_id"] and answer["parent_id"] == user["id"]
    assert (answer["thinking"], answer["content"]) == (result["thinking"], result["answer"])
    for key in ("id", "parent_id", "role", "content", "thinking", "status", "created_at"):
        assert key in answer


def test_continue_a_conversation_and_plain_text_output(data_dir):
    first = json.loads(cli(data_dir, "ask", "Hi", "--no-think", "--json", "--max-tokens", "20", "--seed", "1").stdout)
    assert first["thinking"] == ""
    out = cli(data_dir, "ask", "What did I say?", "--continue", str(first["conversation_id"]), "--max-tokens", "60", "--seed", "1")
    assert out.returncode == 0 and "Thinking…" in out.stdout and "Answer:" in out.stdout
    conv = json.loads(cli(data_dir, "history", str(first["conversation_id"]), "--json").stdout)
    assert [m["role"] for m in conv["messages"]] == ["user", "assistant", "user", "assistant"]


def test_data_dir_option_beats_env(data_dir, tmp_path):
    other = tmp_path / "elsewhere"
    assert cli(data_dir, "--data-dir", str(other), "ask", "Hi", "--no-think", "--max-tokens", "5", "--seed", "1").returncode == 0
    assert (other / "history.db").exists() and not (data_dir / "history.db").exists()


@pytest.mark.parametrize("content", [None, b"not a model at all", b"GGUF\x03\x00\x00\x00" + bytes(5000)])
def test_bad_model_file_is_one_line_and_exit_2(data_dir, tmp_path, content):
    path = tmp_path / "bad.gguf"
    if content is not None:
        path.write_bytes(content)
    out = cli(data_dir, "ask", "Hi", "--model", str(path))
    assert out.returncode == 2
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert str(path) in out.stderr or path.name in out.stderr


def test_unknown_conversation_is_a_clear_error(data_dir):
    out = cli(data_dir, "history", "42", "--json")
    assert out.returncode == 2 and "No conversation with id 42" in out.stderr


def ask_json(data_dir, *args):
    out = cli(data_dir, "ask", *args, "--json", "--seed", "7")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


Q = "Tom has 3 apples and buys 5 more. How many?"


def test_max_thinking_cuts_the_thought_and_the_model_still_answers(data_dir):
    r = ask_json(data_dir, Q, "--max-thinking", "24", "--max-tokens", "150")
    assert 0 < r["thinking_tokens"] <= 24 and r["budget"] == "cut" and r["answer"].strip()
    for key in ("thinking_tokens", "answer_tokens", "budget", "ttft_seconds", "tokens_per_second"):
        assert key in r


def test_min_thinking_makes_a_longer_thought(data_dir):
    base = ask_json(data_dir, Q, "--max-tokens", "600", "--temperature", "0")
    longer = ask_json(data_dir, Q, "--min-thinking", "200", "--max-tokens", "600", "--temperature", "0")
    assert longer["thinking_tokens"] >= 200 > base["thinking_tokens"]
    assert len(longer["thinking"]) > len(base["thinking"])
    assert longer["budget"] == "extended" and longer["answer"].strip()


def test_thinking_modes(data_dir):
    off = ask_json(data_dir, "Say hello.", "--thinking", "off", "--max-tokens", "30")
    assert off["thinking"] == "" and off["thinking_tokens"] == 0 and off["answer"].strip()
    prompted = ask_json(data_dir, "Say hello.", "--thinking", "prompted", "--max-tokens", "80")
    assert prompted["thinking"].startswith("Let's think step by step.")


def test_few_shot_examples_file(data_dir, tmp_path):
    good = tmp_path / "examples.json"
    good.write_text(json.dumps([{"question": "2+2?", "thought": "Two and two make four.", "answer": "4"}]))
    r = ask_json(data_dir, "3+3?", "--examples", str(good), "--max-tokens", "80")
    assert r["thinking"] and r["status"] == "complete"
    bad = tmp_path / "bad.json"
    bad.write_text('{"question": "not a list"')
    out = cli(data_dir, "ask", "3+3?", "--examples", str(bad))
    assert out.returncode == 2 and "must be a JSON list" in out.stderr and "Traceback" not in out.stderr


def test_truncated_real_model_exits_2_with_one_sentence(data_dir, tmp_path, model_path):
    cut = tmp_path / "cut.gguf"
    with open(model_path, "rb") as src:
        cut.write_bytes(src.read(5_000_000))
    out = cli(data_dir, "ask", "Hi", "--model", str(cut))
    assert out.returncode == 2 and "truncated" in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_search_finds_thought_words_only_with_thoughts_flag(data_dir):
    r = ask_json(data_dir, Q, "--max-tokens", "200", "--temperature", "0")
    import re

    def words(text):
        return set(re.findall(r"[a-z]+", text.lower()))

    only_in_thought = words(r["thinking"]) - words(r["answer"]) - words(Q)
    word = max(sorted(only_in_thought), key=len)
    plain = json.loads(cli(data_dir, "search", word, "--json").stdout)
    assert all(h["field"] == "content" and h["message_id"] != r["message_id"] for h in plain)
    hits = json.loads(cli(data_dir, "search", word, "--thoughts", "--json").stdout)
    assert any(h["message_id"] == r["message_id"] and h["field"] == "thinking" for h in hits)
    assert all(f"[{word}" in h["snippet"].lower() for h in hits)
    text_out = cli(data_dir, "search", "zzzznotthere").stdout
    assert "No matches." in text_out


def test_garbage_db_is_moved_aside_with_a_message(data_dir):
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "history.db").write_bytes(b"\x00garbage" * 1000)
    out = cli(data_dir, "history", "--json")
    assert out.returncode == 0 and json.loads(out.stdout) == []
    assert "damaged" in out.stderr and "moved to history.db.corrupt-" in out.stderr
    assert len(list(data_dir.glob("history.db.corrupt-*"))) == 1
    assert cli(data_dir, "ask", "Hi", "--no-think", "--max-tokens", "5", "--seed", "1").returncode == 0


def test_newer_db_is_refused_by_the_cli(data_dir):
    assert cli(data_dir, "history").returncode == 0
    con = __import__("sqlite3").connect(data_dir / "history.db")
    con.execute("update alembic_version set version_num='9999'")
    con.commit()
    con.close()
    out = cli(data_dir, "history")
    assert out.returncode == 2 and "newer version" in out.stderr and "Traceback" not in out.stderr


def test_export_import_between_two_data_folders(data_dir, tmp_path):
    r = ask_json(data_dir, "Name a color.", "--max-tokens", "60")
    out = tmp_path / "backup.json"
    exp = cli(data_dir, "export", "--all", "--format", "json", "-o", str(out))
    assert exp.returncode == 0, exp.stderr
    again = cli(data_dir, "export", "--all", "--format", "json", "-o", str(out))
    assert again.returncode == 2 and "use --force" in again.stderr
    other = tmp_path / "other"
    imp = cli(other, "import", str(out))
    assert imp.returncode == 0
    thoughts = 1 if r["thinking"].strip() else 0
    assert imp.stdout.splitlines()[0] == (f"backup.json (Reasoner Desktop): 1 conversation, 2 messages, {thoughts} "
                                          "with thoughts, 0 branch points imported.")
    assert "0 conversations, 0 messages, 0 with thoughts, 0 branch points imported; skipped 1 already in the " \
           "history." in cli(other, "import", str(out)).stdout
    (conv,) = json.loads(cli(other, "history", "--json").stdout)
    assert conv["messages"][1]["thinking"] == r["thinking"] and conv["messages"][1]["content"] == r["answer"]
    md = tmp_path / "chat.md"
    assert cli(data_dir, "export", str(r["conversation_id"]), "--format", "md", "--thinking", "omit",
               "-o", str(md)).returncode == 0
    assert r["answer"][:20] in md.read_text() and r["thinking"][:30] not in md.read_text()
    bad = tmp_path / "bad.json"
    bad.write_text("[{\"mapping\": 5}]")
    out = cli(other, "import", str(bad))
    assert out.returncode == 2 and "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
