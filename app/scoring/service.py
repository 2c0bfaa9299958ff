"""Score an attempt: per question, per skill and in total, stored in one Score row."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bank.choices import choice_order
from app.bank.items import parse_item
from app.bank.languages import DEFAULT_LANGUAGE
from app.bank.schemas import QuestionKind
from app.db import utcnow
from app.models import Answer, Attempt, AttemptItem, Score
from app.scoring import rules
from app.skills import Skill


@dataclass(frozen=True)
class QuestionResult:
    question_id: str
    kind: str
    skills: list[str]
    points: float
    score: float
    status: str  # correct | partial | incorrect | unanswered | pending | a judge verdict
    verdict: str | None = None
    report: dict[str, Any] | None = None  # the judge's recruiter view, for coding questions
    # Choice items: the choice ids in the order this candidate saw them.
    choice_order: list[str] | None = None
    language: str | None = None  # coding questions: the language of the answer


@dataclass(frozen=True)
class CodingResult:
    """The graded outcome of a coding answer, as app.grading reports it."""

    fraction: float
    status: str
    verdict: str | None = None
    report: dict[str, Any] | None = None
    language: str | None = None  # of the graded source


def score_attempt(
    session: Session, attempt: Attempt, coding: dict[str, CodingResult] | None = None
) -> Score:
    """Compute and store the attempt's score from its saved answers (and graded coding work)."""
    items = session.scalars(
        select(AttemptItem)
        .where(AttemptItem.attempt_id == attempt.id)
        .order_by(AttemptItem.position)
    ).all()
    shuffle, coding = attempt.assessment.shuffle_choices, coding or {}
    answers = {
        a.question_id: a.response
        for a in session.scalars(select(Answer).where(Answer.attempt_id == attempt.id))
    }
    results = [
        _score_item(item, answers.get(item.question.question_id), attempt.seed, shuffle, coding)
        for item in items
    ]
    per_skill = _per_skill(results)
    values: dict[str, Any] = {
        "score": round(sum(r.score for r in results), 6),
        "max_score": sum(r.points for r in results),
        "per_skill": per_skill,
        "per_question": [asdict(r) for r in results],
        "graded_at": utcnow(),
    }
    score = attempt.score
    if score is None:
        score = attempt.score = Score(**values)
    else:
        for key, value in values.items():
            setattr(score, key, value)
    return score


def _score_item(
    item: AttemptItem,
    response: dict[str, Any] | None,
    seed: int,
    shuffle_choices: bool,
    coding: dict[str, CodingResult],
) -> QuestionResult:
    question = item.question
    verdict = report = order = language = None
    if question.kind == QuestionKind.CODING:
        graded = coding.get(question.question_id)
        fraction = graded.fraction if graded else 0.0
        status = graded.status if graded else ("pending" if response else "unanswered")
        if graded is not None:
            verdict, report, language = graded.verdict, graded.report, graded.language
        if language is None and response is not None:
            language = response.get("language", DEFAULT_LANGUAGE)
    else:
        fraction = rules.credit(parse_item(question.id, question.content), response, seed)
        status = _status(fraction, response)
        choices = question.content.get("choices")
        if choices is not None:
            ids = [c["id"] for c in choices]
            order = choice_order(seed, question.question_id, ids, shuffle_choices)
    return QuestionResult(
        question_id=question.question_id,
        kind=question.kind,
        skills=list(question.skills),
        points=question.points,
        score=round(fraction * question.points, 6),
        status=status,
        verdict=verdict,
        report=report,
        choice_order=order,
        language=language,
    )


def _status(fraction: float, response: dict[str, Any] | None) -> str:
    if response is None:
        return "unanswered"
    if fraction >= 1.0:
        return "correct"
    return "partial" if fraction > 0 else "incorrect"


def _per_skill(results: list[QuestionResult]) -> dict[str, dict[str, float]]:
    """Split each question's points equally among its skills, so skills sum to the total."""
    totals: dict[str, dict[str, float]] = {}
    for r in results:
        share = 1.0 / len(r.skills)
        for skill in r.skills:
            cell = totals.setdefault(skill, {"score": 0.0, "max_score": 0.0})
            cell["score"] += r.score * share
            cell["max_score"] += r.points * share
    order = [s.value for s in Skill]
    return {
        skill: {k: round(v, 6) for k, v in totals[skill].items()}
        for skill in sorted(totals, key=order.index)
    }
