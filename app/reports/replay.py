"""The replay of a coding answer: its kept revisions, one step each, as a line diff.

Step k compares revision k with the one before it in the same language (the first in a language
with that language's starter code), over the whole file, so each step shows the code as it then
stood with what changed marked; a step in another language than the one before says so.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from app.bank.languages import language_name
from app.models import AnswerRevision


class Change(StrEnum):
    SAME = "same"
    ADDED = "added"
    REMOVED = "removed"


@dataclass(frozen=True)
class DiffLine:
    change: Change
    old_number: int | None
    new_number: int | None
    text: str


@dataclass(frozen=True)
class ReplayStep:
    step: int  # 1-based
    steps: int
    revision: int  # the answer's revision number the code was saved as
    saved_at: datetime
    added: int
    removed: int
    lines: list[DiffLine]
    language: str
    from_starter: bool  # compared with the language's starter: its first revision in it
    switched_from: str | None = None  # the language of the step before, when another

    @property
    def language_name(self) -> str:
        return language_name(self.language)

    @property
    def switched_from_name(self) -> str | None:
        return language_name(self.switched_from) if self.switched_from else None

    @property
    def has_previous(self) -> bool:
        return self.step > 1

    @property
    def has_next(self) -> bool:
        return self.step < self.steps


def clamp_step(step: int | None, steps: int) -> int:
    """A step inside 1..steps (the first when none is asked for)."""
    return min(max(step or 1, 1), max(steps, 1))


def replay_step(
    revisions: list[AnswerRevision], step: int, *, starters: Mapping[str, str]
) -> ReplayStep | None:
    """The diff of revision `step` against the one before in its language; None if none saved."""
    if not revisions:
        return None
    step = clamp_step(step, len(revisions))
    current = revisions[step - 1]
    earlier = [r for r in revisions[: step - 1] if r.language == current.language]
    before = earlier[-1].source if earlier else starters.get(current.language, "")
    previous = revisions[step - 2].language if step > 1 else current.language
    lines = diff_lines(before, current.source)
    return ReplayStep(
        step=step,
        steps=len(revisions),
        revision=current.revision,
        saved_at=current.saved_at,
        added=sum(1 for line in lines if line.change == Change.ADDED),
        removed=sum(1 for line in lines if line.change == Change.REMOVED),
        lines=lines,
        language=current.language,
        from_starter=not earlier,
        switched_from=previous if previous != current.language else None,
    )


def diff_lines(old: str, new: str) -> list[DiffLine]:
    """Every line of `new` in order, with the lines of `old` it no longer has where they were."""
    a, b = old.splitlines(), new.splitlines()
    # No junk heuristic: code repeats lines (blank ones, `return`) that must still align.
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    out: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out += [
                DiffLine(Change.SAME, i1 + k + 1, j1 + k + 1, b[j1 + k]) for k in range(j2 - j1)
            ]
            continue
        out += [DiffLine(Change.REMOVED, i + 1, None, a[i]) for i in range(i1, i2)]
        out += [DiffLine(Change.ADDED, None, j + 1, b[j]) for j in range(j1, j2)]
    return out
