"""Runners: how one job reaches a child process and how its outcome comes back.

``PooledRunner`` (warm zygotes, isolated: the default) and ``IsolatedRunner`` (fresh bwrap per
run) refuse to run without every isolation layer unless ``allow_weaker=True``.
``UnsafeLocalRunner`` is a plain subprocess without any isolation, for the benchmark baseline and
for tests of the grading logic only.
"""

from sandbox.isolation.limits import Limits
from sandbox.runners.base import Runner, RunOutcome, Termination
from sandbox.runners.fresh import IsolatedRunner
from sandbox.runners.pooled import PooledRunner
from sandbox.runners.unsafe import UnsafeForkServerRunner, UnsafeLocalRunner

__all__ = [
    "IsolatedRunner",
    "Limits",
    "PooledRunner",
    "RunOutcome",
    "Runner",
    "Termination",
    "UnsafeForkServerRunner",
    "UnsafeLocalRunner",
]
