"""What every runner promises: the Runner protocol, how a run ended, what it reports."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from sandbox.isolation.limits import Limits
from sandbox.wire import Job, Result

STDERR_TAIL_BYTES = 4096


class Termination(StrEnum):
    """How the child ended."""

    EXITED = "exited"
    TIMEOUT = "timeout"  # wall deadline or CPU limit
    MEMORY_LIMIT = "memory_limit"  # OOM kill, or MemoryError raised in candidate code
    OUTPUT_LIMIT = "output_limit"
    KILLED = "killed"  # by a signal, e.g. SIGSEGV


@dataclass(frozen=True)
class RunOutcome:
    """Everything the trusted side learns from one run."""

    termination: Termination
    result: Result | None  # None when no valid result frame came back
    protocol_error: str | None  # a malformed frame (-> verdict "rejected")
    exit_code: int | None
    signal: int | None
    cpu_seconds: float
    wall_seconds: float
    peak_memory_bytes: int | None
    stderr_tail: str


class Runner(Protocol):
    """Runs one job in a child and reports what happened."""

    def run(self, job: Job, limits: Limits) -> RunOutcome:
        """Run the job under the limits."""
        ...

    def close(self) -> None:
        """Release every process and resource the runner holds."""
        ...
