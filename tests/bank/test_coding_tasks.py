"""Grades the coding bank through the real judge: references get full marks, the rest less.

Every reference, starter and mutant runs in the isolated runner the judge's own tests use, on the
public cases and one attempt's hidden cases. The autograd tests next door prove the mutants are
wrong in their numbers; these prove the judge's checks actually catch each of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import GradeReport, PooledRunner, Runner, TaskSpec, Verdict, grade, load_task

CODING = Path(__file__).resolve().parents[2] / "question_bank" / "coding"

TASKS = (
    "sigmoid",
    "tanh",
    "svm_loss",
    "mse_loss",
    "linear_softmax",
    "linear_svm",
    "two_layer_net",
    "layernorm",
    "dropout",
    "conv",
    "max_pool",
    "spatial_batchnorm",
    "rnn",
    "lstm",
    "word_embedding",
    "temporal",
    "optimizers",
    "attention",
    "bce_with_logits",
    "groupnorm",
    "autograd_engine",
    "gradient_checker",
    "training_loop",
    "residual_block",
    "fc_net",
    "gru",
)

# One attempt's hidden cases; the references are also checked on other seeds by hand when a
# task's input distributions change (a reference on a kink makes the grader raise TaskError).
ATTEMPT_SEED = 20261129

MUTANTS = [
    (task, path.stem)
    for task in TASKS
    for path in sorted((CODING / task / "mutants").glob("*.diff"))
]


@pytest.fixture(scope="module")
def runner() -> Iterator[Runner]:
    pooled = PooledRunner(slots=2)
    yield pooled
    pooled.close()


_tasks: dict[str, TaskSpec] = {}


def task(task_id: str) -> TaskSpec:
    if task_id not in _tasks:
        _tasks[task_id] = load_task(CODING / task_id)
    return _tasks[task_id]


def graded(task_id: str, relative: str, runner: Runner) -> GradeReport:
    source = (CODING / task_id / relative).read_text(encoding="utf-8")
    return grade(task(task_id), source, runner=runner, seed=ATTEMPT_SEED, hidden=True)


def failures(report: GradeReport) -> list[str]:
    return [f"{c.name}: {c.message}" for c in report.checks if c.status != "passed"]


@pytest.mark.parametrize("task_id", TASKS)
def test_reference_gets_full_marks(task_id: str, runner: Runner) -> None:
    report = graded(task_id, "reference.py", runner)
    assert report.verdict is Verdict.PASSED, failures(report)
    assert report.score == pytest.approx(report.max_score)


@pytest.mark.parametrize("task_id", TASKS)
def test_starter_scores_less_than_full_marks(task_id: str, runner: Runner) -> None:
    report = graded(task_id, "starter.py", runner)
    assert report.verdict is not Verdict.PASSED
    assert report.score < report.max_score


@pytest.mark.parametrize(("task_id", "mutant"), MUTANTS, ids=[f"{t}/{m}" for t, m in MUTANTS])
def test_mutant_scores_less_than_full_marks(task_id: str, mutant: str, runner: Runner) -> None:
    source = task(task_id).mutants[mutant]
    report = grade(task(task_id), source, runner=runner, seed=ATTEMPT_SEED, hidden=True)
    assert report.verdict is not Verdict.PASSED
    assert report.score < report.max_score
