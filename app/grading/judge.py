"""The sandbox runner this process grades with, chosen by settings and built once."""

from __future__ import annotations

import logging

from app.settings import Settings
from sandbox.isolation import probe
from sandbox.runners import IsolatedRunner, PooledRunner, Runner, UnsafeLocalRunner

log = logging.getLogger(__name__)


def build_runner(settings: Settings) -> Runner:
    """Build the configured runner; raises SandboxError when isolation is not available.

    `judge_mode=unsafe` runs candidate code with no isolation at all: for development on a
    machine without bubblewrap, never for real candidates, and it says so loudly.
    """
    mode = settings.judge_mode
    if mode == "unsafe":
        log.critical(
            "JUDGE_MODE=unsafe: candidate code runs WITHOUT any sandbox. Never in production."
        )
        return UnsafeLocalRunner(allow_unsafe=True)
    if mode == "isolated":
        return IsolatedRunner(
            slots=settings.judge_slots,
            allow_weaker=settings.judge_allow_weaker,
            cpu_shares=settings.judge_cpu_shares,
        )
    return PooledRunner(
        slots=settings.judge_slots,
        allow_weaker=settings.judge_allow_weaker,
        cpu_shares=settings.judge_cpu_shares,
    )


def describe_isolation(settings: Settings) -> str:
    """What /readyz says of a judge that started: ok, or which layers it runs without."""
    if settings.judge_mode == "unsafe":
        return "unsafe: candidate code runs without a sandbox"
    caps = probe()
    return "ok" if caps.strict_ok else f"degraded: {caps.describe()}"
