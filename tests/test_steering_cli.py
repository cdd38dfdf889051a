"""CLI parity for steering: `ask --think-longer`, `ask --keep-thoughts`, `history keep-thought`, and
`ask --examples liked` (real subprocesses, the bundled model, a real history file)."""

import json

import pytest

from reasoner_desktop.config import DB_FILENAME
from reasoner_desktop.storage.repository import open_history
from tests.test_cli import cli

pytestmark = pytest.mark.model
SEEDED = ("--seed", "7", "--temperature", "0.7")


def ask(data_dir, *args):
    out = cli(data_dir, "ask", *args, "--json", *SEEDED)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def repo_of(data_dir):
    return open_history(data_dir / DB_FILENAME)


def test_think_longer_from_the_command_line(data_dir):
    first = ask(data_dir, "Tom has 3 apples and buys 5 more. How many?", "--think", "--max-thinking", "40",
                "--max-tokens", "200")
    again = ask(data_dir, "--think-longer", str(first["message_id"]), "--min-thinking", "48", "--max-tokens", "300")
    assert again["message_id"] != first["message_id"] and again["continued_from"] == first["message_id"]
    assert again["thinking"].startswith(first["thinking"].rstrip() + "\nWait")
    assert again["thinking_tokens"] >= first["thinking_tokens"] + 48 - 2
    repo = repo_of(data_dir)
    assert repo.get_message(again["message_id"]).parent_id == repo.get_message(first["message_id"]).parent_id
    # A question and --think-longer together, or an unknown answer: one sentence, exit 2.
    both = cli(data_dir, "ask", "Why?", "--think-longer", str(first["message_id"]))
    assert both.returncode == 2 and "not a question" in both.stderr and "Traceback" not in both.stderr
    for extra in (("--samples", "2"), ("--continue", str(first["conversation_id"])), ("--no-think",)):
        out = cli(data_dir, "ask", "--think-longer", str(first["message_id"]), *extra)
        assert out.returncode == 2 and "takes no --samples" in out.stderr, extra
    missing = cli(data_dir, "ask", "--think-longer", "99999")
    assert missing.returncode == 2 and "No answer with id 99999" in missing.stderr


def test_keep_thoughts_and_history_keep_thought(data_dir):
    # Two conversations with the same first turn (seeded); the next question sees its thought in one only.
    first, twin = (ask(data_dir, "Name a large river in Europe.", "--think", "--max-thinking", "40", "--max-tokens",
                       "80") for _ in range(2))
    assert (first["thinking"], first["answer"]) == (twin["thinking"], twin["answer"]) and first["thinking"]
    plain = ask(data_dir, "And one in Asia?", "--continue", str(first["conversation_id"]), "--max-tokens", "8",
                "--no-think")
    kept = ask(data_dir, "And one in Asia?", "--continue", str(twin["conversation_id"]), "--max-tokens", "8",
               "--no-think", "--keep-thoughts")
    assert kept["prompt_tokens"] - plain["prompt_tokens"] >= first["thinking_tokens"] - 4

    on = cli(data_dir, "history", "keep-thought", str(first["message_id"]), "on")
    assert on.returncode == 0 and "kept in" in on.stdout
    assert repo_of(data_dir).get_message(first["message_id"]).keep_thinking
    off = cli(data_dir, "history", "keep-thought", str(first["message_id"]), "off")
    assert off.returncode == 0 and not repo_of(data_dir).get_message(first["message_id"]).keep_thinking
    for bad in (("keep-thought", "x", "on"), ("keep-thought", str(first["message_id"]), "maybe"), ("keep-thought",)):
        out = cli(data_dir, "history", *bad)
        assert out.returncode == 2 and "Usage: history keep-thought" in out.stderr
    out = cli(data_dir, "history", "keep-thought", "99999", "on")
    assert out.returncode == 2 and "No answer with id 99999" in out.stderr


def test_examples_from_liked_answers(data_dir):
    none = ask(data_dir, "Tom has 3 apples and buys 5 more. How many?", "--think", "--examples", "liked",
               "--max-thinking", "32", "--max-tokens", "80")
    assert none["examples_used"] == []  # nothing liked yet
    off = cli(data_dir, "ask", "Why?", "--examples", "liked", "--no-think")
    assert off.returncode == 2 and "--examples liked is for prompted thinking" in off.stderr
    repo = repo_of(data_dir)
    repo.set_rating(none["message_id"], 1)
    repo.engine.dispose()
    used = ask(data_dir, "Ann has 4 apples and buys 2 more. How many?", "--think", "--examples", "liked", "--k", "2",
               "--max-thinking", "32", "--max-tokens", "80")
    assert used["examples_used"] == [none["message_id"]]
    assert used["prompt_tokens"] > none["prompt_tokens"] + len(none["thinking"]) // 8  # the example is in it
