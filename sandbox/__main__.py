"""`python -m sandbox grade TASK_DIR FILE [--json] [--hidden]`: grade one file in the sandbox.

The file's suffix picks the language: FILE.R (or .r) is graded as R, anything else as Python.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sandbox.errors import SandboxError
from sandbox.grading.grader import grade
from sandbox.grading.loader import load_task
from sandbox.grading.report import GradeReport
from sandbox.grading.sources import SourceFileError, read_source
from sandbox.grading.tasks import TaskError, language_of_file
from sandbox.runners import PooledRunner, Runner, UnsafeLocalRunner


def main(argv: list[str] | None = None) -> int:
    """Run the command line; exit 0 when grading ran, whatever the verdict."""
    parser = argparse.ArgumentParser(prog="python -m sandbox")
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("grade", help="grade a solution file against a task folder")
    g.add_argument("task_dir", type=Path)
    g.add_argument("file", type=Path)
    g.add_argument("--json", action="store_true", help="print the report as JSON")
    g.add_argument("--hidden", action="store_true", help="also run the hidden cases")
    g.add_argument("--seed", type=int, default=0, help="attempt seed (hidden cases, probes)")
    g.add_argument(
        "--unsafe",
        action="store_true",
        help="run without isolation (a plain subprocess): only for trusted files",
    )
    args = parser.parse_args(argv)
    try:
        task = load_task(args.task_dir)
        source = read_source(args.file)
    except (TaskError, SourceFileError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        runner = _runner(unsafe=args.unsafe)
    except SandboxError as exc:
        print(f"error: the sandbox is not available: {exc}", file=sys.stderr)
        return 3
    try:
        report = grade(
            task,
            source,
            runner=runner,
            seed=args.seed,
            hidden=args.hidden,
            language=language_of_file(args.file),
        )
    except ValueError as exc:  # a language the task is not offered in
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except SandboxError as exc:
        print(f"error: the sandbox failed: {exc}", file=sys.stderr)
        return 3
    finally:
        runner.close()
    if args.json:
        view = report.to_dict("recruiter")
        keys = ("task_id", "verdict", "score", "max_score", "checks")
        print(json.dumps({k: view[k] for k in keys}, indent=2))
    else:
        print(render(report))
    return 0


def _runner(*, unsafe: bool) -> Runner:
    if unsafe:
        return UnsafeLocalRunner(allow_unsafe=True)
    return PooledRunner(slots=1)


def render(report: GradeReport) -> str:
    """Format a report for a terminal: verdict, score, then one line per check."""
    lines = [
        f"{report.task_id}: {report.verdict.value}  score {report.score:.2f}/{report.max_score:g}",
        report.message,
    ]
    for c in report.checks:
        mark = {"passed": "ok  ", "failed": "FAIL", "error": "ERR ", "warning": "warn"}[c.status]
        err = f"  err {c.max_error:.1e}" if c.max_error is not None else ""
        hidden = " (hidden)" if c.hidden else ""
        lines.append(f"  {mark} {c.case}{hidden} {c.unit}: {c.name}{err}")
        if c.message and c.status != "passed":
            lines.append(f"       {c.message}")
    if report.stdout:
        lines.append("--- your output ---")
        lines.append(report.stdout)
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
