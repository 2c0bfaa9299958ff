"""Gather one attempt's report: results per question, code with its checks and replay, standing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.attempts import history
from app.attempts import service as attempts
from app.attempts.integrity import IntegritySummary
from app.attempts.presentation import candidate_question
from app.bank.instances import render_for_attempt
from app.bank.items import parse_item
from app.bank.languages import DEFAULT_LANGUAGE, code_languages, language_name
from app.bank.schemas import NumericItem, QuestionKind
from app.models import (
    AnswerRevision,
    Assessment,
    Attempt,
    AttemptItem,
    QuestionVersion,
    Submission,
    SubmissionPurpose,
)
from app.reports import cohort
from app.reports.replay import ReplayStep, replay_step


@dataclass(frozen=True)
class ChoiceLine:
    text: str
    chosen: bool
    correct: bool


@dataclass(frozen=True)
class CodeWork:
    source: str | None  # the graded source (the final submission), else the last saved one
    language: str  # its language's display name
    checks: list[dict[str, Any]]  # the judge's recruiter view, hidden cases included
    hidden: dict[str, int] | None
    message: str
    seconds: float | None
    revisions: int
    replay: ReplayStep | None


@dataclass(frozen=True)
class QuestionReport:
    number: int
    question_id: str
    kind: str
    prompt: str
    skills: list[str]
    points: float
    score: float | None
    status: str
    verdict: str | None = None
    choices: list[ChoiceLine] = field(default_factory=list)
    given: str | None = None  # true/false and numeric answers, as the candidate gave them
    expected: str | None = None
    code: CodeWork | None = None


@dataclass(frozen=True)
class Report:
    attempt: Attempt
    assessment: Assessment
    questions: list[QuestionReport]
    standing: cohort.Standing
    integrity: IntegritySummary


def candidate_report(
    session: Session,
    *,
    organization_id: uuid.UUID,
    attempt_id: uuid.UUID,
    steps: dict[str, int] | None = None,
) -> Report:
    """The report of an attempt of this organization; `steps` picks a replay step per question."""
    detail = attempts.attempt_detail(
        session, organization_id=organization_id, attempt_id=attempt_id
    )
    attempt = detail.attempt
    assessment = session.get_one(Assessment, attempt.assessment_id)
    results = {r["question_id"]: r for r in (attempt.score.per_question if attempt.score else [])}
    answers = {qid: a.response for qid, a in attempts.answers_of(session, attempt.id).items()}
    finals = _final_submissions(session, attempt.id)
    questions = []
    for number, item in enumerate(_items(session, attempt.id), start=1):
        question = item.question
        qid = question.question_id
        args = (number, question, attempt, results.get(qid), answers.get(qid))
        if question.kind == QuestionKind.CODING:
            revisions = history.code_history(session, attempt_id=attempt.id, question_id=qid)
            step = (steps or {}).get(qid, 1)
            questions.append(_coding(*args, finals.get(qid), revisions, step))
        else:
            questions.append(_concept(*args))
    return Report(
        attempt=attempt,
        assessment=assessment,
        questions=questions,
        standing=cohort.standing(session, attempt),
        integrity=detail.integrity,
    )


def code_replay(
    session: Session,
    *,
    organization_id: uuid.UUID,
    attempt_id: uuid.UUID,
    question_id: str,
    step: int,
) -> ReplayStep | None:
    """One step of the replay of a coding answer of an attempt of this organization."""
    revisions = attempts.code_history(
        session, organization_id=organization_id, attempt_id=attempt_id, question_id=question_id
    )
    attempt = attempts.get_attempt(session, organization_id=organization_id, attempt_id=attempt_id)
    starters: dict[str, str] = {}
    for item in _items(session, attempt.id):
        if item.question.question_id == question_id:
            starters = _starters(item.question)
    return replay_step(revisions, step, starters=starters)


def _items(session: Session, attempt_id: uuid.UUID) -> list[AttemptItem]:
    """The attempt's own form (pools drew it per candidate), in the order the candidate saw."""
    return list(
        session.scalars(
            select(AttemptItem)
            .where(AttemptItem.attempt_id == attempt_id)
            .order_by(AttemptItem.position)
        )
    )


def _final_submissions(session: Session, attempt_id: uuid.UUID) -> dict[str, Submission]:
    rows = session.scalars(
        select(Submission)
        .where(
            Submission.attempt_id == attempt_id,
            Submission.purpose == SubmissionPurpose.FINAL,
        )
        .order_by(Submission.created_at)
    )
    return {s.question_id: s for s in rows}  # the latest final submission per question


def _base(
    number: int,
    question: QuestionVersion,
    attempt: Attempt,
    result: dict[str, Any] | None,
    response: dict[str, Any] | None,
) -> dict[str, Any]:
    # Before the attempt is scored (still in progress) there is no result, only what was saved.
    unscored = "answered" if response else "unanswered"
    shown = candidate_question(question, attempt.seed)
    return {
        "number": number,
        "question_id": question.question_id,
        "kind": question.kind,
        "prompt": str(shown.get("prompt") or ""),
        "skills": list(question.skills),
        "points": question.points,
        "score": result["score"] if result else None,
        "status": result["status"] if result else unscored,
        "verdict": result.get("verdict") if result else None,
    }


def _concept(
    number: int,
    question: QuestionVersion,
    attempt: Attempt,
    result: dict[str, Any] | None,
    response: dict[str, Any] | None,
) -> QuestionReport:
    base = _base(number, question, attempt, result, response)
    response = response or {}
    item = parse_item(question.id, question.content)
    shown = candidate_question(question, attempt.seed)
    if "choices" in shown:
        answer = question.content.get("answer")
        right = set(answer) if isinstance(answer, list) else {answer}
        picked = set(response.get("choices", [])) | {response.get("choice")}
        base["choices"] = [
            ChoiceLine(c["text"], c["id"] in picked, c["id"] in right) for c in shown["choices"]
        ]
    elif "value" in response:
        base["given"] = _text(response["value"])
    if isinstance(item, NumericItem):
        target = render_for_attempt(item, attempt.seed) if item.is_parameterized else item
        base["expected"] = _text(target.answer)
    elif "choices" not in shown:
        base["expected"] = _text(question.content.get("answer"))
    return QuestionReport(**base)


def _coding(
    number: int,
    question: QuestionVersion,
    attempt: Attempt,
    result: dict[str, Any] | None,
    response: dict[str, Any] | None,
    final: Submission | None,
    revisions: list[AnswerRevision],
    step: int,
) -> QuestionReport:
    base = _base(number, question, attempt, result, response)
    report = (result or {}).get("report") or (final.report if final else None) or {}
    source = final.source if final else (response or {}).get("source")
    language = final.language if final else (response or {}).get("language", DEFAULT_LANGUAGE)
    base["code"] = CodeWork(
        source=source if isinstance(source, str) else None,
        language=language_name(language),
        checks=list(report.get("checks", [])),
        hidden=report.get("hidden"),
        message=str(report.get("message", "")),
        seconds=report.get("seconds"),
        revisions=len(revisions),
        replay=replay_step(revisions, step, starters=_starters(question)),
    )
    return QuestionReport(**base)


def _starters(question: QuestionVersion) -> dict[str, str]:
    return {lang.id: lang.starter for lang in code_languages(question.content)}


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float):
        return f"{value:.6g}"
    return "" if value is None else str(value)
