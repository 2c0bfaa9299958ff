"""An assessment's results table: one row per attempt, filtered and sorted in SQL, a page at a time.

The page sorts by any column and pages by number; the REST list keeps its cursor (oldest first)
and shares the filters.
"""

from __future__ import annotations

import math
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    and_,
    false,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, contains_eager, joinedload
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from app.assessments import service as assessments
from app.attempts import lifecycle
from app.db import UTCDateTime, utcnow
from app.models import Assessment, Attempt, AttemptStatus, Candidate, IntegrityEvent, Score
from app.scoring import pass_mark
from app.skills import Skill

PER_PAGE = 25
MAX_TEXT = 200
# Sort keys of the page; a skill's key is `skill:<id>`.
SORTS = ("invited", "name", "email", "status", "score", "percent", "time", "flags")


@dataclass(frozen=True)
class ResultsFilter:
    status: AttemptStatus | None = None
    passed: bool | None = None
    text: str = ""  # part of the name or e-mail, any case


@dataclass(frozen=True)
class ResultsOrder:
    sort: str = "invited"
    descending: bool = False


@dataclass(frozen=True)
class ResultRow:
    attempt: Attempt
    percent: float | None
    passed: bool | None
    skill_percents: dict[str, float | None]  # the assessment's skills; None: nothing graded yet
    seconds_used: int | None
    flags: dict[str, int]  # integrity events by type

    @property
    def flag_count(self) -> int:
        return sum(self.flags.values())


@dataclass(frozen=True)
class ResultsTable:
    assessment: Assessment
    skills: list[str]
    rows: list[ResultRow]
    total: int
    page: int
    pages: int


def results_table(
    session: Session,
    *,
    organization_id: uuid.UUID,
    assessment_id: uuid.UUID,
    filters: ResultsFilter,
    order: ResultsOrder,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> ResultsTable:
    """One page of an assessment's results; a page past the last shows the last."""
    assessment = assessments.get_assessment(
        session, organization_id=organization_id, assessment_id=assessment_id
    )
    query = filtered_attempts(assessment, filters)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    attempts = list(
        session.scalars(sorted_attempts(query, order).offset((page - 1) * per_page).limit(per_page))
    )
    return ResultsTable(
        assessment, assessment_skills(assessment), rows_of(session, attempts), total, page, pages
    )


def all_rows(
    session: Session,
    *,
    organization_id: uuid.UUID,
    assessment_id: uuid.UUID,
    filters: ResultsFilter,
    order: ResultsOrder,
) -> ResultsTable:
    """Every row of the results table in its order, for the CSV export."""
    assessment = assessments.get_assessment(
        session, organization_id=organization_id, assessment_id=assessment_id
    )
    query = sorted_attempts(filtered_attempts(assessment, filters), order)
    attempts = list(session.scalars(query))
    rows = rows_of(session, attempts)
    return ResultsTable(assessment, assessment_skills(assessment), rows, len(rows), 1, 1)


def filtered_attempts(assessment: Assessment, filters: ResultsFilter) -> Select[Attempt]:
    """The assessment's attempts with their candidate and score, narrowed by `filters`."""
    query = (
        select(Attempt)
        .join(Candidate, Candidate.id == Attempt.candidate_id)
        .outerjoin(Score, Score.attempt_id == Attempt.id)
        .where(Attempt.assessment_id == assessment.id)
        .options(
            contains_eager(Attempt.candidate),
            contains_eager(Attempt.score),
            joinedload(Attempt.invitation),
        )
    )
    if filters.status is not None:
        query = query.where(Attempt.status == filters.status)
    if text := filters.text.strip()[:MAX_TEXT]:
        query = query.where(
            or_(
                Attempt.candidate_name.icontains(text, autoescape=True),
                Candidate.email.icontains(text, autoescape=True),
            )
        )
    if filters.passed is not None:
        query = query.where(_passed_clause(assessment.pass_mark_percent, filters.passed))
    return query


def sorted_attempts(query: Select[Attempt], order: ResultsOrder) -> Select[Attempt]:
    key = _sort_key(order.sort)
    primary = key.desc() if order.descending else key.asc()
    # Rows without a value (not graded, not started) go last either way; invitation order
    # breaks ties so that pages never repeat or skip a row.
    return query.order_by(primary.nulls_last(), Attempt.created_at, Attempt.id)


def is_sort_key(sort: str) -> bool:
    return sort in SORTS or sort.removeprefix("skill:") in set(Skill)


def assessment_skills(assessment: Assessment) -> list[str]:
    """The skills an assessment's questions and pools cover, in taxonomy order."""
    covered = {s for item in assessment.items for s in item.question.skills}
    covered |= {pool.skill for pool in assessment.pools}
    return [s.value for s in Skill if s.value in covered]


def rows_of(session: Session, attempts: list[Attempt]) -> list[ResultRow]:
    """The table's rows for `attempts`; a started attempt past its deadline is closed first."""
    now = utcnow()
    for attempt in attempts:
        lifecycle.close_if_expired(session, attempt, now)
    flags = _flags(session, [a.id for a in attempts])
    rows = []
    for attempt in attempts:
        score = attempt.score
        per_skill: dict[str, Any] = score.per_skill if score else {}
        rows.append(
            ResultRow(
                attempt=attempt,
                percent=pass_mark.percent(score.score, score.max_score) if score else None,
                passed=pass_mark.passed(attempt),
                skill_percents={
                    skill: pass_mark.percent(part["score"], part["max_score"])
                    for skill, part in per_skill.items()
                },
                seconds_used=_seconds_used(attempt, now),
                flags=dict(flags.get(attempt.id, {})),
            )
        )
    return rows


def _flags(session: Session, attempt_ids: list[uuid.UUID]) -> dict[uuid.UUID, Counter[str]]:
    counts: dict[uuid.UUID, Counter[str]] = {}
    if not attempt_ids:
        return counts
    for attempt_id, kind, n in session.execute(
        select(IntegrityEvent.attempt_id, IntegrityEvent.type, func.count())
        .where(IntegrityEvent.attempt_id.in_(attempt_ids))
        .group_by(IntegrityEvent.attempt_id, IntegrityEvent.type)
    ):
        counts.setdefault(attempt_id, Counter())[kind] = n
    return counts


def _seconds_used(attempt: Attempt, now: datetime) -> int | None:
    if attempt.started_at is None:
        return None
    end = attempt.submitted_at or min(now, attempt.deadline or now)
    return max(0, int((end - attempt.started_at).total_seconds()))


def _passed_clause(mark: int | None, passed: bool) -> ColumnElement[bool]:
    if mark is None:
        return false()  # no pass mark: nobody passed, nobody failed
    reached = Score.score * 100 + pass_mark.TOLERANCE >= Score.max_score * mark
    return and_(
        Attempt.graded_at.is_not(None), Score.max_score > 0, reached if passed else ~reached
    )


def _sort_key(sort: str) -> Any:
    if sort.startswith("skill:") and is_sort_key(sort):
        part = sort.removeprefix("skill:")
        earned = Score.per_skill[(part, "score")].as_float()
        out_of = Score.per_skill[(part, "max_score")].as_float()
        return earned / func.nullif(out_of, 0)
    keys: dict[str, Any] = {
        "name": func.lower(Attempt.candidate_name),
        "email": Candidate.email,
        "status": Attempt.status,
        "score": Score.score,
        "percent": Score.score / func.nullif(Score.max_score, 0),
        "time": _SecondsBetween(
            Attempt.started_at, func.coalesce(Attempt.submitted_at, literal(utcnow(), UTCDateTime))
        ),
        "flags": select(func.count())
        .where(IntegrityEvent.attempt_id == Attempt.id)
        .correlate(Attempt)
        .scalar_subquery(),
    }
    return keys.get(sort, Attempt.created_at)


class _SecondsBetween(FunctionElement[float]):
    """Seconds from the first timestamp to the second (SQLite and PostgreSQL spell it apart)."""

    type = Float()
    inherit_cache = True


@compiles(_SecondsBetween, "sqlite")
def _seconds_sqlite(element: _SecondsBetween, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


@compiles(_SecondsBetween, "postgresql")
def _seconds_postgresql(element: _SecondsBetween, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXTRACT(EPOCH FROM ({end} - {start}))"
