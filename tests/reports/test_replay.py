"""The replay's line diff and its steps."""

from __future__ import annotations

from datetime import UTC, datetime

from app.models import AnswerRevision
from app.reports.replay import Change, clamp_step, diff_lines, replay_step

STARTER = "def f(x):\n    pass\n"


def _revisions(*sources: str, languages: tuple[str, ...] = ()) -> list[AnswerRevision]:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    languages = languages or ("python",) * len(sources)
    return [
        AnswerRevision(seq=n, revision=n * 3, source=s, language=lang, saved_at=at)
        for n, (s, lang) in enumerate(zip(sources, languages, strict=True), start=1)
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
    step = replay_step(_revisions("def f(x):\n    return x\n"), 1, starters={"python": STARTER})
    assert step is not None
    assert (step.step, step.steps, step.revision) == (1, 1, 3)
    assert (step.added, step.removed) == (1, 1)
    assert not step.has_previous
    assert not step.has_next


def test_steps_are_clamped_into_the_history() -> None:
    revisions = _revisions("a\n", "a\nb\n", "b\n")
    assert replay_step(revisions, 99, starters={}).step == 3  # type: ignore[union-attr]
    middle = replay_step(revisions, 2, starters={})
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
    assert replay_step([], 1, starters={"python": STARTER}) is None


def test_a_step_is_compared_with_the_last_code_in_its_own_language() -> None:
    r_starter = "f <- function(x) {\n}\n"
    revisions = _revisions(
        "def f(x):\n    return x\n",
        "f <- function(x) {\n  x\n}\n",
        "def f(x):\n    return 2 * x\n",
        languages=("python", "r", "python"),
    )
    starters = {"python": STARTER, "r": r_starter}
    first_r = replay_step(revisions, 2, starters=starters)
    assert first_r is not None
    assert (first_r.language_name, first_r.switched_from_name, first_r.from_starter) == (
        "R",
        "Python",
        True,
    )
    assert (first_r.added, first_r.removed) == (1, 0), "only `x` is new against R's starter"
    back = replay_step(revisions, 3, starters=starters)
    assert back is not None
    assert (back.language, back.switched_from, back.from_starter) == ("python", "r", False)
    assert [line.text for line in back.lines if line.change != Change.SAME] == [
        "    return x",
        "    return 2 * x",
    ], "compared with the Python of step 1, not with the R of step 2"
    first = replay_step(revisions, 1, starters=starters)
    assert first is not None
    assert first.switched_from is None
