"""The replay's line diff and its steps."""

from __future__ import annotations

from datetime import UTC, datetime

from app.models import AnswerRevision
from app.reports.replay import Change, clamp_step, diff_lines, replay_step

STARTER = "def f(x):\n    pass\n"


def _revisions(*sources: str) -> list[AnswerRevision]:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        AnswerRevision(seq=n, revision=n * 3, source=s, saved_at=at)
        for n, s in enumerate(sources, start=1)
    ]


def test_the_diff_keeps_every_new_line_and_marks_the_old_ones_where_they_were() -> None:
    lines = diff_lines("a\nb\nc\n", "a\nB\nc\nd\n")
    assert [(line.change, line.old_number, line.new_number, line.text) for line in lines] == [
        (Change.SAME, 1, 1, "a"),
        (Change.REMOVED, 2, None, "b"),
        (Change.ADDED, None, 2, "B"),
        (Change.SAME, 3, 3, "c"),
        (Change.ADDED, None, 4, "d"),
    ]


def test_repeated_lines_still_align() -> None:
    old = "\n".join(["return x"] * 300)
    new = old + "\nreturn y"
    changes = [line.change for line in diff_lines(old, new)]
    assert changes.count(Change.SAME) == 300
    assert changes.count(Change.ADDED) == 1


def test_the_first_step_is_compared_with_the_starter() -> None:
    step = replay_step(_revisions("def f(x):\n    return x\n"), 1, starter=STARTER)
    assert step is not None
    assert (step.step, step.steps, step.revision) == (1, 1, 3)
    assert (step.added, step.removed) == (1, 1)
    assert not step.has_previous
    assert not step.has_next


def test_steps_are_clamped_into_the_history() -> None:
    revisions = _revisions("a\n", "a\nb\n", "b\n")
    assert replay_step(revisions, 99, starter="").step == 3  # type: ignore[union-attr]
    middle = replay_step(revisions, 2, starter="")
    assert middle is not None
    assert (middle.has_previous, middle.has_next, middle.added, middle.removed) == (
        True,
        True,
        1,
        0,
    )
    assert clamp_step(None, 3) == 1
    assert clamp_step(0, 3) == 1
    assert clamp_step(5, 0) == 1


def test_no_saved_code_is_no_replay() -> None:
    assert replay_step([], 1, starter=STARTER) is None
