"""Compose assessments from question ids, pinning the current version of each question."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session, selectinload

from app.bank.items import parse_item
from app.bank.templates import RoleTemplate, TaskSummary, TemplateError, select_form
from app.errors import AssessmentNotFoundError, DomainError
from app.models import Assessment, AssessmentItem, QuestionVersion
from app.pagination import Page, decode_time_cursor, page_size, time_page
from app.questions import service as questions


class UnknownQuestionsError(DomainError):
    status, code, title = 400, "unknown-questions", "Some question ids are not known"


class DuplicateQuestionsError(DomainError):
    status, code, title = 400, "duplicate-questions", "A question is listed twice"


class UnknownTemplateError(DomainError):
    status, code, title = 400, "unknown-template", "No role template has this id"


class TemplateUnavailableError(DomainError):
    status, code, title = 409, "template-unavailable", "The bank cannot fill this template"


def compose_assessment(
    session: Session,
    *,
    organization_id: uuid.UUID,
    title: str,
    question_ids: list[str] | None,
    template: str | None,
    time_limit_minutes: int | None,
    templates: Mapping[str, RoleTemplate],
    candidates_see_results: bool = False,
) -> Assessment:
    """Create an assessment from explicit question ids, or from a role template."""
    if template is not None:
        role = templates.get(template)
        if role is None:
            known = ", ".join(sorted(templates))
            raise UnknownTemplateError(f"No role template {template!r}; known: {known}.")
        return create_assessment(
            session,
            organization_id=organization_id,
            title=title,
            question_ids=_template_questions(session, role),
            time_limit_minutes=time_limit_minutes or role.time_limit_minutes,
            template=role.id,
            candidates_see_results=candidates_see_results,
        )
    assert question_ids is not None, "the request schema requires ids or a template"
    assert time_limit_minutes is not None, "the request schema requires a time limit with ids"
    return create_assessment(
        session,
        organization_id=organization_id,
        title=title,
        question_ids=question_ids,
        time_limit_minutes=time_limit_minutes,
        candidates_see_results=candidates_see_results,
    )


def create_assessment(
    session: Session,
    *,
    organization_id: uuid.UUID,
    title: str,
    question_ids: list[str],
    time_limit_minutes: int,
    template: str | None = None,
    candidates_see_results: bool = False,
) -> Assessment:
    """Create an assessment of the given questions, in order, at their current versions."""
    duplicates = sorted({q for q in question_ids if question_ids.count(q) > 1})
    if duplicates:
        raise DuplicateQuestionsError(f"Listed more than once: {', '.join(duplicates)}.")
    versions = questions.current_versions(
        session, organization_id=organization_id, question_ids=question_ids
    )
    unknown = [q for q in question_ids if q not in versions]
    if unknown:
        raise UnknownQuestionsError(
            f"Unknown question ids: {', '.join(unknown)}.", question_ids=unknown
        )
    assessment = Assessment(
        organization_id=organization_id,
        title=title,
        time_limit_minutes=time_limit_minutes,
        template=template,
        candidates_see_results=candidates_see_results,
    )
    assessment.items = [
        AssessmentItem(position=i, question=versions[q]) for i, q in enumerate(question_ids)
    ]
    session.add(assessment)
    session.commit()
    return assessment


def get_assessment(
    session: Session, *, organization_id: uuid.UUID, assessment_id: uuid.UUID
) -> Assessment:
    """Return an assessment of this organization; another organization's is not found."""
    assessment = session.scalar(
        select(Assessment)
        .where(Assessment.id == assessment_id, Assessment.organization_id == organization_id)
        .options(selectinload(Assessment.items).selectinload(AssessmentItem.question))
    )
    if assessment is None:
        raise AssessmentNotFoundError(f"No assessment {assessment_id}.")
    return assessment


def list_assessments(
    session: Session, *, organization_id: uuid.UUID, cursor: str | None, limit: int
) -> Page[Assessment]:
    """Newest first, one page after `cursor`."""
    after = decode_time_cursor(cursor)
    size = page_size(limit)
    query = (
        select(Assessment)
        .where(Assessment.organization_id == organization_id)
        .order_by(Assessment.created_at.desc(), Assessment.id.desc())
        .options(selectinload(Assessment.items).selectinload(AssessmentItem.question))
        .limit(size + 1)
    )
    if after is not None:
        query = query.where(tuple_(Assessment.created_at, Assessment.id) < after)
    return time_page(list(session.scalars(query)), size)


def _template_questions(session: Session, role: RoleTemplate) -> list[str]:
    """One form of the template, drawn from the bank's current questions with a fresh seed."""
    bank = session.scalars(
        select(QuestionVersion).where(
            QuestionVersion.source == "bank", QuestionVersion.is_current.is_(True)
        )
    ).all()
    items = [parse_item(q.id, q.content) for q in bank if q.kind != "coding"]
    tasks = [
        TaskSummary(q.question_id, tuple(q.skills), q.difficulty)
        for q in bank
        if q.kind == "coding"
    ]
    try:
        return select_form(role, items, tasks, seed=secrets.randbits(63))
    except TemplateError as exc:
        raise TemplateUnavailableError(str(exc)) from exc
