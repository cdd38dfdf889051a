"""SIGKILL a real `reasoner-desktop ask` at random moments mid-thought and mid-answer.

After every kill the DB passes `PRAGMA integrity_check` and holds the partial text
(a prefix of what the process had printed); the next CLI start marks it interrupted."""

import json
import random
import signal
import sqlite3
import subprocess
import threading

import pytest

from tests.conftest import PYTHON, cli_env

pytestmark = pytest.mark.model
KILLS = 25
THINKING_HEADER = "Thinking…\n"
ANSWER_HEADER = "\n\nAnswer:\n"


def split_printed(out: str) -> tuple[str, str]:
    body = out.split(THINKING_HEADER, 1)[1] if THINKING_HEADER in out else out
    thought, _, answer = body.partition(ANSWER_HEADER)
    return thought, answer


def start_and_kill(data_dir, seed: int, phase: str, chars: int) -> tuple[str, bool]:
    """Start `ask` and SIGKILL it once it has printed `chars` characters of generated text in `phase`
    (the thought, or the answer): kill moments are chosen by progress, not by timers, so a busy
    machine only makes the run slower, never different."""
    # Answer-phase runs cut the thought short, so that the answer comes soon.
    budget = ["--max-thinking", "40"] if phase == "answer" else []
    proc = subprocess.Popen(
        [PYTHON, "-m", "reasoner_desktop", "ask", "Write a long, detailed essay on the history of bread.",
         "--max-tokens", "1500", "--temperature", "0.8", "--seed", str(seed), *budget],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=cli_env(data_dir))
    chunks: list[bytes] = []
    reached = threading.Event()

    def progress() -> int:
        thought, answer = split_printed(b"".join(chunks).decode("utf-8", errors="replace"))
        if phase == "thought":
            # The prefilled "Let's think step by step." is printed before the first token; count beyond it.
            return len(thought) - len("Let's think step by step.")
        return len(answer) if ANSWER_HEADER in b"".join(chunks).decode("utf-8", errors="replace") else -1

    def drain():
        while data := proc.stdout.read1(4096):
            chunks.append(data)
            if progress() >= chars:
                reached.set()
        reached.set()  # ended by itself

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    assert reached.wait(240), "ask made no progress"
    finished = proc.poll() is not None
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    reader.join(10)
    return b"".join(chunks).decode("utf-8", errors="replace"), finished or progress() < chars


def test_sigkill_mid_answer_leaves_a_sound_db_with_the_partial_text(data_dir):
    rng = random.Random(20261124)
    db = data_dir / "history.db"
    phases = {"thought": 0, "answer": 0}
    killed_rows = {}
    for i in range(KILLS):
        phase = "answer" if i % 2 else "thought"
        printed, finished = start_and_kill(data_dir, seed=i, phase=phase,
                                           chars=rng.randint(1, 200) if phase == "answer" else rng.randint(1, 800))
        con = sqlite3.connect(db)
        try:
            assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            mid, status, content, thinking = con.execute(
                "SELECT id, status, content, thinking FROM messages WHERE role='assistant' "
                "ORDER BY id DESC LIMIT 1").fetchone()
            # Rows of earlier kills were recovered when this process started.
            assert {row[0] for row in con.execute(
                "SELECT status FROM messages WHERE role='assistant' AND id < ?", (mid,))} <= {"interrupted",
                                                                                             "complete"}
        finally:
            con.close()
        if finished:
            continue  # it completed before the kill: nothing to check for this point
        printed_thought, printed_answer = split_printed(printed)
        phases["answer" if ANSWER_HEADER in printed else "thought"] += 1
        assert status == "streaming"  # the dead writer's row, not yet recovered
        # The first text is saved at once, and it was printed before the next token was generated.
        assert thinking, f"kill {i}: no partial thought saved"
        assert printed_thought.startswith(thinking), f"kill {i}: saved thought is not what was streamed"
        assert printed_answer.startswith(content), f"kill {i}: saved answer is not what was streamed"
        killed_rows[mid] = (thinking, content)

    assert len(killed_rows) >= 20, f"only {len(killed_rows)} kills landed mid-generation"
    assert phases["thought"] >= 3 and phases["answer"] >= 3, phases

    out = subprocess.run([PYTHON, "-m", "reasoner_desktop", "history", "--json"], capture_output=True, text=True,
                         env=cli_env(data_dir), timeout=60)
    assert out.returncode == 0, out.stderr
    stored = {m["id"]: m for conv in json.loads(out.stdout) for m in conv["messages"]}
    for mid, (thinking, content) in killed_rows.items():
        assert stored[mid]["status"] == "interrupted"
        assert (stored[mid]["thinking"], stored[mid]["content"]) == (thinking, content)
