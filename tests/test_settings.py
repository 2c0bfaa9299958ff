"""Settings that size things together."""

from __future__ import annotations

from app.settings import Settings


def test_grading_threads_follow_the_judge_slots_unless_set() -> None:
    # Two fixed threads left six of eight slots idle.
    assert Settings(judge_slots=8).grading_threads == 8
    assert Settings(judge_slots=1).grading_threads == 1
    assert Settings(judge_slots=8, grading_workers=3).grading_threads == 3
