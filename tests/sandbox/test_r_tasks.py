"""The bank's R variants, graded through the real sandbox against the Python task's checks.

Every task folder with an r/ variant is picked up: its R reference gets full marks, its R
starter and every R mutant less (test_r_parity.py checks that the R reference earns exactly the
Python reference's check results on the same seed).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sandbox.grading import grader
from sandbox.grading.loader import load_task
from sandbox.grading.mutants import StaleMutantError
from sandbox.grading.report import CheckStatus, GradeReport, Verdict
from sandbox.grading.tasks import TaskError, TaskSpec
from sandbox.runners import Runner
from tests.sandbox.conftest import CODING

R_TASKS = sorted(p.parents[1].name for p in CODING.glob("*/r/reference.R"))


@pytest.fixture(scope="module")
def r_tasks() -> dict[str, TaskSpec]:
    return {task_id: load_task(CODING / task_id) for task_id in R_TASKS}


def _grade(task: TaskSpec, source: str, runner: Runner, language: str) -> GradeReport:
    return grader.grade(task, source, runner=runner, seed=5, hidden=True, language=language)


def test_affine_and_relu_are_offered_in_r(r_tasks: dict[str, TaskSpec]) -> None:
    assert {"affine", "relu"} <= set(r_tasks)
    for task in r_tasks.values():
        assert task.languages == ("python", "r")
        assert task.variant("r").reference.strip()
        assert len(task.variant("r").mutants) >= 3


@pytest.mark.parametrize("task_id", R_TASKS)
def test_r_reference_gets_full_marks_and_every_r_mutant_and_the_starter_less(
    r_tasks: dict[str, TaskSpec], runner: Runner, task_id: str
) -> None:
    task = r_tasks[task_id]
    variant = task.variant("r")
    ref = _grade(task, variant.reference, runner, "r")
    assert (ref.verdict, ref.score) == (Verdict.PASSED, task.points), ref.message
    assert all(c.status in (CheckStatus.PASSED, CheckStatus.WARNING) for c in ref.checks)
    for name, source in {"starter": variant.starter, **variant.mutants}.items():
        report = _grade(task, source, runner, "r")
        assert report.verdict is not Verdict.PASSED, name
        assert report.score < task.points - 1e-9, name


def test_a_language_the_task_does_not_offer_is_refused(runner: Runner) -> None:
    python_only = next(
        p.parent for p in sorted(CODING.glob("*/task.yaml")) if not (p.parent / "r").is_dir()
    )
    task = load_task(python_only)
    assert task.languages == ("python",)
    with pytest.raises(ValueError, match="not offered in 'r'"):
        _grade(task, "x <- 1\n", runner, "r")


def test_r_variant_files_are_validated(tmp_path: Path) -> None:
    folder = tmp_path / "relu"
    shutil.copytree(CODING / "relu", folder)
    (folder / "r" / "language.yaml").write_text("one_based: [x]\n")
    with pytest.raises(TaskError, match="one_based 'x' is not an int64 input"):
        load_task(folder)
    (folder / "r" / "language.yaml").unlink()
    (folder / "r" / "mutants" / "copy.R").write_text("relu_forward <- function(x) x\n")
    with pytest.raises(StaleMutantError, match=r"diffs against reference\.R, not copies"):
        load_task(folder)
    (folder / "r" / "mutants" / "copy.R").unlink()
    (folder / "r" / "starter.R").unlink()
    with pytest.raises(TaskError, match=r"missing starter\.R"):
        load_task(folder)
