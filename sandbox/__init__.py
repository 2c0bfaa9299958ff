"""The judge: grades coding submissions in a sandbox child against trusted gradient checks."""

from sandbox.errors import SandboxError
from sandbox.grader import ReferenceFailedError, grade
from sandbox.report import CheckResult, CheckStatus, GradeReport, Verdict
from sandbox.runners import (
    IsolatedRunner,
    Limits,
    PooledRunner,
    Runner,
    RunOutcome,
    Termination,
    UnsafeLocalRunner,
)
from sandbox.tasks import TaskError, TaskSpec, load_task, load_tasks

__all__ = [
    "CheckResult",
    "CheckStatus",
    "GradeReport",
    "IsolatedRunner",
    "Limits",
    "PooledRunner",
    "ReferenceFailedError",
    "RunOutcome",
    "Runner",
    "SandboxError",
    "TaskError",
    "TaskSpec",
    "Termination",
    "UnsafeLocalRunner",
    "Verdict",
    "grade",
    "load_task",
    "load_tasks",
]
