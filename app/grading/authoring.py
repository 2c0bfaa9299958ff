"""Custom coding tasks: load an organization's files as the judge would, and judge them.

A custom task is held to the bank's rule (app.grading.validation): the reference gets full
marks at every validation seed, hidden cases included, and the starter does not. Its code runs
only in the sandbox; here the files are only parsed, and the sizes the trusted side would draw
are bounded, since the judge draws every case's inputs in this process.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from app.grading.tasks import load_from_files
from app.grading.validation import VALIDATION_SEEDS, WRONG_SOLUTION_SEEDS
from sandbox import ReferenceFailedError, Runner, TaskError, TaskSpec, grade

__all__ = ["TaskError", "TaskJudgement", "judge_task", "load_custom_task"]
from sandbox.grading.tasks import eval_dim, resolve_dims

# What one custom task may make this process draw: inputs of a scored case, of the timing case.
MAX_CASE_ELEMENTS = 200_000
MAX_TIMING_ELEMENTS = 2_000_000
MAX_CASES = 16
MAX_PROBES = 8
MAX_OPTIMIZER_STEPS = 50


def load_custom_task(task_id: str, files: dict[str, str]) -> TaskSpec:
    """Load the task as the judge will, or raise TaskError saying what is wrong (nothing runs)."""
    try:
        task = load_from_files(task_id, files)
    except (ValueError, OSError) as exc:
        raise TaskError(str(exc)) from exc
    _check_bounds(task)
    return task


@dataclass(frozen=True)
class JudgedRun:
    """One grading done for the validation: what was graded, at which seed, and the report."""

    what: str  # "reference" | "starter"
    seed: int
    report: dict[str, Any]  # the judge's recruiter view (GradeReport.to_dict("recruiter"))


@dataclass(frozen=True)
class TaskJudgement:
    accepted: bool
    message: str
    runs: list[JudgedRun] = field(default_factory=list)


def judge_task(task: TaskSpec, runner: Runner) -> TaskJudgement:
    """Grade the reference (every validation seed) and the starter through the sandbox.

    A SandboxError other than the reference's own failure propagates: the judge could not
    run, which says nothing about the task.
    """
    runs: list[JudgedRun] = []
    for seed in VALIDATION_SEEDS:
        try:
            report = grade(task, task.reference, runner=runner, seed=seed, hidden=True)
        except ReferenceFailedError as exc:
            diagnosis = _diagnose(task, runner, seed)
            message = _reference_failure(task, exc, seed, diagnosis)
            return TaskJudgement(False, message, runs + diagnosis)
        runs.append(JudgedRun("reference", seed, report.to_dict("recruiter")))
        if report.score < report.max_score:
            return TaskJudgement(
                False,
                f"The reference scores {report.score:g} of {report.max_score:g} at seed {seed}: "
                f"{report.message}",
                runs,
            )
    for seed in WRONG_SOLUTION_SEEDS:
        report = grade(task, task.starter, runner=runner, seed=seed, hidden=True)
        runs.append(JudgedRun("starter", seed, report.to_dict("recruiter")))
        if report.score >= report.max_score:
            return TaskJudgement(
                False,
                "The starter gets full marks: a candidate would pass by submitting it unchanged.",
                runs,
            )
    return TaskJudgement(
        True, "The reference gets full marks and the starter does not: ready to use.", runs
    )


def _reference_failure(
    task: TaskSpec, exc: ReferenceFailedError, seed: int, diagnosis: list[JudgedRun]
) -> str:
    detail = str(exc).removeprefix(f"{task.id}: ")
    wrong = sorted(
        {
            c["name"].removeprefix("gradient ")
            for run in diagnosis
            for c in run.report["checks"]
            if c["status"] == "failed" and c["name"].startswith("gradient ")
        }
    )
    if wrong:
        return (
            f"The reference failed at seed {seed}: its gradient {', '.join(wrong)} disagrees "
            f"with the numerical gradient of its own forward (the judge: {detail})"
        )
    return f"The reference failed at seed {seed}: {detail}"


def _diagnose(task: TaskSpec, runner: Runner, seed: int) -> list[JudgedRun]:
    """Grade the reference against its own first draw, to show which check it fails."""
    try:
        report = grade(
            task, task.reference, runner=runner, seed=seed, hidden=True, self_check=False
        )
    except ReferenceFailedError:
        return []  # it did not even run cleanly: the message says why
    return [JudgedRun("reference", seed, report.to_dict("recruiter"))]


def _check_bounds(task: TaskSpec) -> None:
    cases = [*task.public_cases, *task.hidden_cases]
    if len(cases) > MAX_CASES:
        raise TaskError(f"at most {MAX_CASES} public and hidden cases")
    if task.probes > MAX_PROBES:
        raise TaskError(f"probes: at most {MAX_PROBES}")
    for unit in task.units:
        if unit.steps > MAX_OPTIMIZER_STEPS:
            raise TaskError(f"unit {unit.id}: at most {MAX_OPTIMIZER_STEPS} steps")
    for case in cases:
        _check_case_size(task, case.dims, MAX_CASE_ELEMENTS, "a case")
    if task.timing_case is not None:
        _check_case_size(task, task.timing_case.dims, MAX_TIMING_ELEMENTS, "the timing case")


def _check_case_size(task: TaskSpec, dims: Any, limit: int, what: str) -> None:
    # Dims grow with their ranges through + and *; both corners bound what a draw can give.
    for corner in (0, -1):
        base = {k: v if isinstance(v, int) else v[corner] for k, v in dims.items()}
        resolved = resolve_dims(task, base)
        total = 0
        for name, spec in task.inputs.items():
            sizes = [eval_dim(d, resolved) for d in spec.shape]
            if any(s < 0 for s in sizes):
                raise TaskError(f"input {name}: a negative dimension {sizes}")
            total += math.prod(sizes)
        if total > limit:
            raise TaskError(f"{what} draws {total} input elements, more than the {limit} allowed")
