"""Validate the coding bank through the real sandbox: references full marks, the rest less."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sandbox import Runner, TaskError, TaskSpec, grade, load_tasks

# Hidden cases are drawn from the attempt seed; validating at a few seeds covers the draws.
VALIDATION_SEEDS = (0, 1)


@dataclass
class CodingReport:
    tasks: dict[str, TaskSpec] = field(default_factory=dict)
    mutants: int = 0
    graded: int = 0
    problems: list[str] = field(default_factory=list)


def validate_coding(
    root: Path, runner: Runner, progress: Callable[[str], None] = lambda _: None
) -> CodingReport:
    """Grade every reference, mutant and starter of every task, hidden cases included."""
    report = CodingReport()
    try:
        report.tasks = load_tasks(root)
    except TaskError as exc:
        report.problems.append(str(exc))
        return report
    for task in report.tasks.values():
        report.mutants += len(task.mutants)
        progress(task.id)
        for seed in VALIDATION_SEEDS:
            report.problems += _check_task(task, runner, seed, report)
    return report


def _check_task(task: TaskSpec, runner: Runner, seed: int, report: CodingReport) -> list[str]:
    problems = []
    try:
        reference = grade(task, task.reference, runner=runner, seed=seed, hidden=True)
    except TaskError as exc:
        return [f"{task.id}: {exc}"]
    report.graded += 1
    if reference.score < reference.max_score:
        problems.append(
            f"{task.id}: the reference scores {reference.score:g}/{reference.max_score:g} "
            f"at seed {seed}: {reference.message}"
        )
    wrong = {"starter": task.starter, **{f"mutant {n}": s for n, s in task.mutants.items()}}
    for name, source in wrong.items():
        result = grade(task, source, runner=runner, seed=seed, hidden=True)
        report.graded += 1
        if result.score >= result.max_score:
            problems.append(f"{task.id}: the {name} gets full marks at seed {seed}")
    return problems
