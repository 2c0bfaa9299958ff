"""Compose assessments from question ids, pinning the current version of each question."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session, selectinload

from app.assessments import forms
from app.assessments.forms import Pool
from app.bank.items import parse_item
from app.bank.templates import RoleTemplate, TaskSummary, TemplateError, select_form
from app.errors import AssessmentNotFoundError, DomainError, InvalidRequestError
from app.models import Assessment, AssessmentItem, AssessmentPool, QuestionVersion
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


class EmptyAssessmentError(DomainError):
    status, code, title = 400, "empty-assessment", "An assessment needs at least one question"


@dataclass(frozen=True)
class AssessmentDraft:
    """What the builder (page or API) asks for: questions by hand, a template, pools, settings."""

    title: str
    question_ids: list[str] = field(default_factory=list)
    template: str | None = None
    pools: list[Pool] = field(default_factory=list)
    time_limit_minutes: int | None = None
    pass_mark_percent: int | None = None
    candidates_see_results: bool = False
    shuffle_questions: bool = False
    shuffle_choices: bool = True


def compose_assessment(
    session: Session,
    *,
    organization_id: uuid.UUID,
    draft: AssessmentDraft,
    templates: Mapping[str, RoleTemplate],
) -> Assessment:
    """Create an assessment: a template's form, then questions picked by hand, then pools.

    A template's form is drawn once, with a seed kept on the assessment; pools are drawn for each
    candidate from their attempt's seed when they are invited.
    """
    question_ids = list(draft.question_ids)
    time_limit = draft.time_limit_minutes
    form_seed = None
    if draft.template is not None:
        role = templates.get(draft.template)
        if role is None:
            known = ", ".join(sorted(templates))
            raise UnknownTemplateError(f"No role template {draft.template!r}; known: {known}.")
        form_seed = secrets.randbits(62)
        question_ids = _template_questions(session, role, form_seed) + question_ids
        time_limit = time_limit or role.time_limit_minutes
    if not question_ids and not draft.pools:
        raise EmptyAssessmentError("Pick questions, a template or a pool.")
    if time_limit is None:
        raise InvalidRequestError("A time limit is required without a template.")
    versions = _versions(session, organization_id, question_ids)
    fixed = [versions[q] for q in question_ids]
    if draft.pools:
        forms.check_pools(fixed, draft.pools, forms.questions_on_offer(session, organization_id))
    assessment = Assessment(
        organization_id=organization_id,
        title=draft.title,
        time_limit_minutes=time_limit,
        template=draft.template,
        form_seed=form_seed,
        pass_mark_percent=draft.pass_mark_percent,
        candidates_see_results=draft.candidates_see_results,
        shuffle_questions=draft.shuffle_questions,
        shuffle_choices=draft.shuffle_choices,
    )
    assessment.items = [AssessmentItem(position=i, question=q) for i, q in enumerate(fixed)]
    assessment.pools = [
        AssessmentPool(
            position=i, kind=p.kind, skill=p.skill, difficulty=p.difficulty, count=p.count
        )
        for i, p in enumerate(draft.pools)
    ]
    session.add(assessment)
    session.commit()
    return assessment


def _versions(
    session: Session, organization_id: uuid.UUID, question_ids: list[str]
) -> dict[str, QuestionVersion]:
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
    return versions


def pinned_versions(
    session: Session, assessment: Assessment, question_ids: Sequence[str]
) -> list[QuestionVersion]:
    """The versions for a new list of questions: those already in the assessment keep the
    version it pinned, the others get their current one."""
    kept = {i.question.question_id: i.question for i in assessment.items}
    duplicates = sorted({q for q in question_ids if question_ids.count(q) > 1})
    if duplicates:
        raise DuplicateQuestionsError(f"Listed more than once: {', '.join(duplicates)}.")
    new = _versions(session, assessment.organization_id, [q for q in question_ids if q not in kept])
    return [kept.get(q) or new[q] for q in question_ids]


def get_assessment(
    session: Session, *, organization_id: uuid.UUID, assessment_id: uuid.UUID
) -> Assessment:
    """Return an assessment of this organization; another organization's is not found."""
    assessment = session.scalar(
        select(Assessment)
        .where(Assessment.id == assessment_id, Assessment.organization_id == organization_id)
        .options(
            selectinload(Assessment.items).selectinload(AssessmentItem.question),
            selectinload(Assessment.pools),
        )
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
        .options(
            selectinload(Assessment.items).selectinload(AssessmentItem.question),
            selectinload(Assessment.pools),
        )
        .limit(size + 1)
    )
    if after is not None:
        query = query.where(tuple_(Assessment.created_at, Assessment.id) < after)
    return time_page(list(session.scalars(query)), size)


def _template_questions(session: Session, role: RoleTemplate, seed: int) -> list[str]:
    """One form of the template, drawn from the bank's current questions with `seed`."""
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
        return select_form(role, items, tasks, seed=seed)
    except TemplateError as exc:
        raise TemplateUnavailableError(str(exc)) from exc
