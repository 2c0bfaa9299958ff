"""The practice task of the candidate's landing page: loaded from question_bank/practice/ at
start, graded like a coding question on its public cases, never a question of any assessment."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from app.settings import Settings
from sandbox import TaskSpec, load_task


@dataclass(frozen=True)
class PracticeTask:
    task: TaskSpec

    @property
    def id(self) -> str:
        return self.task.id

    @property
    def title(self) -> str:
        return self.task.title

    @property
    def statement(self) -> str:
        return self.task.statement

    @property
    def starter(self) -> str:
        return self.task.starter

    @property
    def functions(self) -> list[str]:
        return list(self.task.functions)


def load_practice(settings: Settings) -> PracticeTask:
    """Load the configured practice task (once per process); raises TaskError when invalid."""
    return _load(settings.bank_dir / "practice" / settings.practice_task)


@lru_cache(maxsize=4)
def _load(folder: Path) -> PracticeTask:
    return PracticeTask(load_task(folder))
