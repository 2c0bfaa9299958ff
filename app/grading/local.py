"""`chainrule grade`: grade a solution file through the real sandbox, for task authors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.grading.judge import build_runner
from app.settings import Settings
from sandbox import (
    LANGUAGE_NAMES,
    GradeReport,
    SourceFileError,
    TaskError,
    grade,
    language_of_file,
    load_tasks,
    read_source,
)

__all__ = ["LocalReport", "SourceFileError", "TaskError", "grade_file"]


@dataclass(frozen=True)
class LocalReport:
    report: GradeReport

    def as_json(self) -> dict[str, Any]:
        view = self.report.to_dict("recruiter")
        return {
            "task_id": view["task_id"],
            "verdict": view["verdict"],
            "score": view["score"],
            "max_score": view["max_score"],
            "message": view["message"],
            "checks": view["checks"],
        }

    def as_text(self) -> str:
        r = self.report
        lines = [f"{r.task_id}: {r.verdict.value}  {r.score:g} / {r.max_score:g}", r.message]
        for check in r.checks:
            where = "hidden" if check.hidden else "public"
            error = f"  max error {check.max_error:.2e}" if check.max_error is not None else ""
            lines.append(
                f"  [{check.status.value:>7}] {where} {check.case} {check.unit}.{check.name}"
                f"  {check.points:g}/{check.max_points:g}{error}"
                + (f"  {check.message}" if check.message else "")
            )
        return "\n".join(line for line in lines if line)


def grade_file(
    settings: Settings, *, task_id: str, path: Path, hidden: bool, seed: int = 0
) -> LocalReport:
    """Grade `path` against bank task `task_id` with the configured sandbox runner."""
    tasks = load_tasks(settings.bank_dir / "coding")
    if task_id not in tasks:
        raise TaskError(f"no task {task_id!r}; known: {', '.join(sorted(tasks))}")
    task = tasks[task_id]
    language = language_of_file(path)  # FILE.R is graded as R, anything else as Python
    if language not in task.languages:
        raise TaskError(f"task {task_id} is not offered in {LANGUAGE_NAMES[language]}")
    source = read_source(path)  # size and encoding refused with a message (SourceFileError)
    runner = build_runner(settings)
    try:
        report = grade(task, source, runner=runner, seed=seed, hidden=hidden, language=language)
        return LocalReport(report)
    finally:
        runner.close()
