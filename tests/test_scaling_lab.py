"""The scaling lab's problems, cells and chart (services/evaluation.py, domain/tasks.py)."""

from __future__ import annotations

import json
import subprocess

import pytest

from reasoner_desktop.domain.tasks import TASKS, make_problems
from reasoner_desktop.domain.votes import extract_answer
from reasoner_desktop.services.evaluation import EvalCell, EvalConfig, EvalReport
from tests.conftest import PYTHON, cli_env


@pytest.mark.parametrize("task", sorted(TASKS))
def test_problems_repeat_for_a_seed_and_their_checker_knows_the_right_answer(task):
    a, b = make_problems(task, 25, seed=3), make_problems(task, 25, seed=3)
    assert a == b and make_problems(task, 25, seed=4) != a
    assert len({p.question for p in a}) > 15
    for p in a:
        assert p.is_solved_by(extract_answer(f"Let me see. The answer is {p.expected}."))
        assert not p.is_solved_by(extract_answer("The answer is 100000."))
        assert not p.is_solved_by(None)


def test_an_unknown_task_is_one_sentence():
    with pytest.raises(ValueError, match="choose one of"):
        make_problems("poetry", 3)


def test_the_chart_draws_a_line_for_paths_and_for_budgets():
    from reasoner_desktop.ui.scaling_plot import render_plot, series

    cfg = EvalConfig(n=10, samples=(1, 4, 8), max_thinking=(0, 256))
    report = EvalReport(cfg, "model.gguf", [
        EvalCell(1, 0, 10, 1, 1, 130, 1.0), EvalCell(4, 0, 10, 2, 4, 540, 2.0), EvalCell(8, 0, 10, 3, 6, 1100, 3.0),
        EvalCell(1, 256, 10, 2, 2, 2600, 4.0), EvalCell(4, 256, 10, 4, 6, 10400, 9.0),
        EvalCell(8, 256, 10, 5, 8, 21000, 18.0)])
    lines = series(report)
    assert [name.split(":")[0] for name, _, _ in lines] == ["More paths (no thinking)"] * 2 + ["Longer thinking (1 path)"]
    assert [c.samples for c, _ in lines[0][1]] == [1, 4, 8] and lines[1][2]  # pass@k is dashed
    assert [c.max_thinking for c, _ in lines[2][1]] == [0, 256]
    image = render_plot(report, 600, 400)
    colours = {image.pixelColor(x, y).name() for x in range(0, 600, 3) for y in range(0, 400, 3)}
    assert "#0b57d0" in colours and "#d9480f" in colours  # both lines are drawn
    assert report.to_json()["cells"][1] == {"samples": 4, "max_thinking": 0, "n": 10, "accuracy": 0.2,
                                            "coverage": 0.4, "mean_tokens": 54.0, "mean_seconds": 0.2}


@pytest.mark.model
def test_eval_on_the_bundled_model_from_the_command_line(data_dir, tmp_path):
    plot = tmp_path / "curve.png"
    out = subprocess.run([PYTHON, "-m", "reasoner_desktop", "eval", "--task", "word", "--n", "2", "--samples", "1,2",
                          "--max-thinking", "0", "--seed", "1", "--json", "--plot", str(plot)],
                         capture_output=True, text=True, env=cli_env(data_dir), timeout=300)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert [(c["samples"], c["max_thinking"], c["n"]) for c in report["cells"]] == [(1, 0, 2), (2, 0, 2)]
    assert all(0 <= c["accuracy"] <= c["coverage"] <= 1 and c["mean_tokens"] > 0 for c in report["cells"])
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = subprocess.run([PYTHON, "-m", "reasoner_desktop", "eval", "--samples", "0,40"], capture_output=True,
                         text=True, env=cli_env(data_dir), timeout=60)
    assert bad.returncode == 2 and "from 1 to 16" in bad.stderr
