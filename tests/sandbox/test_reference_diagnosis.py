"""A reference's own failures, told apart from the judge's: what an author of a task needs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sandbox.errors import SandboxError
from sandbox.grading import grader, reference
from sandbox.grading.loader import load_task
from sandbox.grading.reference import ReferenceFailedError
from sandbox.grading.report import CheckStatus, Verdict
from sandbox.grading.tasks import TaskSpec
from sandbox.runners import Runner
from tests.sandbox.conftest import CODING


def _relu_with(tmp_path: Path, old: str, new: str) -> TaskSpec:
    folder = tmp_path / "relu"
    shutil.copytree(CODING / "relu", folder)
    ref = folder / "reference.py"
    source = ref.read_text()
    assert old in source
    ref.write_text(source.replace(old, new))
    shutil.rmtree(folder / "mutants")  # diffs against the old reference no longer apply
    return load_task(folder)


def test_without_self_check_the_reference_is_graded_against_its_first_draw(
    tmp_path: Path, runner: Runner
) -> None:
    task = _relu_with(tmp_path, "dout * (cache > 0)", "dout * (cache > 0) * 1.5")
    report = grader.grade(
        task, task.reference, runner=runner, seed=1, hidden=True, self_check=False
    )
    assert report.verdict is Verdict.FAILED
    failed = {c.name for c in report.checks if c.status is CheckStatus.FAILED}
    assert "gradient dx" in failed
    # never cached: a later grading of this version still refuses the reference
    assert all(key[1] != task.version for key in reference._cache)
    with pytest.raises(ReferenceFailedError):
        grader.grade(task, task.reference, runner=runner, seed=1, hidden=True)


def test_a_reference_that_does_not_load_is_the_task_s_failure(
    tmp_path: Path, runner: Runner
) -> None:
    task = _relu_with(tmp_path, "def relu_backward(dout, cache):", "def relu_backward(dout, cache)")
    with pytest.raises(ReferenceFailedError, match="SyntaxError") as caught:
        grader.grade(task, task.starter, runner=runner, seed=1, hidden=False)
    assert isinstance(caught.value, SandboxError)  # the service still retries, then a human


def test_a_reference_gradient_of_the_wrong_size_is_named(tmp_path: Path, runner: Runner) -> None:
    task = _relu_with(tmp_path, "dout * (cache > 0)", "(dout * (cache > 0)).sum(axis=0)")
    with pytest.raises(ReferenceFailedError, match=r"gradient dx .* has shape"):
        grader.grade(task, task.starter, runner=runner, seed=1, hidden=False)
