"""The practice task meets the coding bank's bar and never becomes a question."""

from __future__ import annotations

from app.grading.practice import load_practice
from app.grading.tasks import coding_payloads
from app.grading.validation import VALIDATION_SEEDS, validate_coding
from app.settings import Settings
from sandbox import Runner


def test_practice_reference_gets_full_marks_and_the_rest_less(
    settings: Settings, judge: Runner
) -> None:
    report = validate_coding(settings.bank_dir / "practice", judge)
    assert report.problems == []
    assert set(report.tasks) == {settings.practice_task}
    assert report.mutants >= 3
    # the reference at each validation seed; the starter and every mutant at the first
    assert report.graded == len(VALIDATION_SEEDS) + 1 + report.mutants
    assert report.autodiff[settings.practice_task] <= 1e-12, "checked against autograd"


def test_practice_task_is_not_synced_as_a_question(settings: Settings) -> None:
    practice = load_practice(settings)
    synced = {p.question_id for p in coding_payloads(settings.bank_dir / "coding")}
    assert practice.id not in synced
    assert practice.starter
    assert practice.statement
    assert practice.functions
