"""Shared fixtures of the judge's tests: one runner per session, the four S2 tasks.

The judge never touches the database (sandbox/ does not import app), so these tests run once per
CI run, in the SQLite pass; the PostgreSQL pass (TEST_DATABASE_URL set) leaves them out.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.grading.loader import load_task
from sandbox.grading.tasks import TaskSpec
from sandbox.runners import PooledRunner, Runner

CODING = Path(__file__).resolve().parents[2] / "question_bank" / "coding"
TASK_IDS = ("affine", "relu", "softmax_loss", "batchnorm")

if os.environ.get("TEST_DATABASE_URL"):
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="session")
def runner() -> Iterator[Runner]:
    # The real isolated runner (warm zygotes), shared by every grading test.
    pooled = PooledRunner(slots=2)
    yield pooled
    pooled.close()


@pytest.fixture(scope="session")
def tasks() -> dict[str, TaskSpec]:
    return {task_id: load_task(CODING / task_id) for task_id in TASK_IDS}
