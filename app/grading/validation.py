"""Validate the coding bank: references agree with autodiff and get full marks, the rest less.

Every language a task offers is graded: each language's reference gets full marks, its starter
and each of its mutants less, against the same cases and checks.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

from app.grading.autodiff import REFERENCE_TOL, worst_discrepancy
from sandbox import LANGUAGE_NAMES, Runner, TaskError, TaskSpec, grade, load_task

# Hidden cases are drawn from the attempt seed; validating at a few seeds covers the draws.
VALIDATION_SEEDS = (0, 1)
# A mutant or starter needs to lose marks on one attempt's cases to be shown wrong; the
# references need every seed (a draw on a kink shows at one seed, not another). Grading the
# wrong solutions at the first seed only keeps validate's cost near one grading per file.
WRONG_SOLUTION_SEEDS = VALIDATION_SEEDS[:1]


@dataclass
class CodingReport:
    tasks: dict[str, TaskSpec] = field(default_factory=dict)
    mutants: int = 0
    graded: int = 0
    problems: list[str] = field(default_factory=list)
    # The reference's worst relative discrepancy from autodiff, per task that has an autodiff.py.
    autodiff: dict[str, float] = field(default_factory=dict)
    without_autodiff: list[str] = field(default_factory=list)


def validate_coding(
    root: Path,
    runner: Runner,
    progress: Callable[[str], None] = lambda _: None,
    only: Collection[str] | None = None,
) -> CodingReport:
    """Cross-check references with autodiff; grade references, mutants, starters (hidden too).

    Every task is loaded; with `only`, just those tasks are cross-checked and graded.
    """
    report = CodingReport()
    # One folder at a time, so a stale mutant diff in one task hides nothing about the others.
    for yaml_path in sorted(root.glob("*/task.yaml")):
        try:
            task = load_task(yaml_path.parent)
        except TaskError as exc:
            report.problems.append(str(exc))
            continue
        if task.id in report.tasks:
            report.problems.append(f"{yaml_path}: duplicate task id {task.id!r}")
            continue
        report.tasks[task.id] = task
    for task in report.tasks.values():
        if only is not None and task.id not in only:
            continue
        report.mutants += sum(len(task.variant(lang).mutants) for lang in task.languages)
        progress(task.id)
        report.problems += _cross_check(root / task.id, report)
        for language in task.languages:
            for seed in VALIDATION_SEEDS:
                report.problems += _check_task(task, runner, seed, report, language)
    return report


def _cross_check(task_dir: Path, report: CodingReport) -> list[str]:
    # Self-grading cannot see a consistently wrong reference (a leaky ReLU with its matching
    # backward); an independent autodiff can.
    found = worst_discrepancy(task_dir)
    if found is None:
        report.without_autodiff.append(task_dir.name)
        return []
    report.autodiff[task_dir.name] = found.worst
    if not found.worst <= REFERENCE_TOL:
        return [
            f"{task_dir.name}: the reference disagrees with autodiff by {found.worst:.3g} "
            f"(more than {REFERENCE_TOL:g}) at {found.where}"
        ]
    return []


def _check_task(
    task: TaskSpec, runner: Runner, seed: int, report: CodingReport, language: str = "python"
) -> list[str]:
    """Grade one language's reference (full marks), then its starter and mutants (less)."""
    variant = task.variant(language)
    # Python keeps the bare task id in its messages; another language names itself.
    who = task.id if language == "python" else f"{task.id} ({LANGUAGE_NAMES[language]})"
    problems = []
    try:
        reference = grade(
            task, variant.reference, runner=runner, seed=seed, hidden=True, language=language
        )
    except TaskError as exc:
        return [f"{who}: {exc}"]
    report.graded += 1
    if reference.score < reference.max_score:
        problems.append(
            f"{who}: the reference scores {reference.score:g}/{reference.max_score:g} "
            f"at seed {seed}: {reference.message}"
        )
    if seed not in WRONG_SOLUTION_SEEDS:
        return problems
    wrong = {"starter": variant.starter, **{f"mutant {n}": s for n, s in variant.mutants.items()}}
    for name, source in wrong.items():
        result = grade(task, source, runner=runner, seed=seed, hidden=True, language=language)
        report.graded += 1
        if result.score >= result.max_score:
            problems.append(f"{who}: the {name} gets full marks at seed {seed}")
    return problems
