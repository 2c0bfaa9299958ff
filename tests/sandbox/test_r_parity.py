"""A task's Python and R references get identical check results on the same cases.

The R variant of a task is graded by the Python task's cases, values and tolerances: the checks
compare every R answer with the Python reference's arrays. So the R reference, graded like a
submission, must come out exactly as the Python reference does: the same checks in the same
order, each with the same status and points, its errors equal to round-off. A check that passed
for one and failed for the other, or a shape the R side returned differently, is a task whose
two languages disagree about what a right answer is.
"""

from __future__ import annotations

import pytest

from sandbox import CheckResult, GradeReport, Runner, TaskSpec, Verdict, grade, load_task
from tests.sandbox.conftest import CODING

# One attempt's public and hidden cases (and the timing trials) for both languages: the seed of
# test_r_tasks.py, so both references are prepared once per task (the graders' cache).
ATTEMPT_SEED = 5
# The references agree to a few ulps: so do the errors the checks report of each.
ROUND_OFF = 1e-12
# A probe's error is itself round-off (a central difference against <g, u>), reported over its
# allowance (about 1e-8 * |g|): a few ulps of g move that ratio by up to ~1e-8, far from 1.
PROBE_RATIO = 1e-6

R_TASKS = sorted(path.parents[1].name for path in CODING.glob("*/r/reference.R"))


def _same_check(c: CheckResult) -> tuple[object, ...]:
    return (c.case, c.hidden, c.unit, c.name, c.status, c.points, c.max_points,
            c.shape, c.expected_shape)  # fmt: skip


def _numbers(c: CheckResult) -> dict[str, float | None]:
    if c.name.endswith("time"):
        return {}  # CPU times of two different programs: only their verdicts must agree
    return {"max_error": c.max_error, "max_abs_error": c.max_abs_error, **c.details}


def _graded(task: TaskSpec, language: str, runner: Runner) -> GradeReport:
    source = task.variant(language).reference
    return grade(task, source, runner=runner, seed=ATTEMPT_SEED, hidden=True, language=language)


def test_every_r_task_is_compared() -> None:
    assert {"affine", "relu", "sigmoid", "tanh", "softmax_loss", "mse_loss", "two_layer_net",
            "batchnorm"} <= set(R_TASKS)  # fmt: skip


@pytest.mark.parametrize("task_id", R_TASKS)
def test_python_and_r_references_get_identical_check_results(task_id: str, runner: Runner) -> None:
    task = load_task(CODING / task_id)
    assert task.languages == ("python", "r")
    python = _graded(task, "python", runner)
    r = _graded(task, "r", runner)
    assert python.verdict is Verdict.PASSED
    assert r.verdict is Verdict.PASSED, r.message
    assert r.score == python.score
    assert [_same_check(c) for c in r.checks] == [_same_check(c) for c in python.checks]
    assert any(c.hidden for c in r.checks)
    for mine, theirs in zip(r.checks, python.checks, strict=True):
        got, want = _numbers(mine), _numbers(theirs)
        assert got.keys() == want.keys(), mine.name
        for key, value in want.items():
            where = (mine.case, mine.name, key)
            if value is None:
                assert got[key] is None, where
            else:
                slack = PROBE_RATIO if key.endswith("_over_allowed") else ROUND_OFF
                assert got[key] == pytest.approx(value, abs=slack), where
