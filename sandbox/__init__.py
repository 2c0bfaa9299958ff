"""The judge: grades coding submissions in a sandbox child against trusted gradient checks."""

from sandbox.errors import SandboxError
from sandbox.grading.grader import grade
from sandbox.grading.loader import load_task, load_tasks
from sandbox.grading.reference import ReferenceFailedError
from sandbox.grading.report import CheckResult, CheckStatus, GradeReport, Verdict
from sandbox.grading.sources import MAX_SOURCE_BYTES, SourceFileError, read_source
from sandbox.grading.tasks import (
    LANGUAGE_NAMES,
    LANGUAGES,
    LanguageVariant,
    TaskError,
    TaskSpec,
    language_of_file,
)
from sandbox.runners import (
    IsolatedRunner,
    Limits,
    PooledRunner,
    Runner,
    RunOutcome,
    Termination,
    UnsafeLocalRunner,
)

__all__ = [
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "MAX_SOURCE_BYTES",
    "CheckResult",
    "CheckStatus",
    "GradeReport",
    "IsolatedRunner",
    "LanguageVariant",
    "Limits",
    "PooledRunner",
    "ReferenceFailedError",
    "RunOutcome",
    "Runner",
    "SandboxError",
    "SourceFileError",
    "TaskError",
    "TaskSpec",
    "Termination",
    "UnsafeLocalRunner",
    "Verdict",
    "grade",
    "language_of_file",
    "load_task",
    "load_tasks",
    "read_source",
]
