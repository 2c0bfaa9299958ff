"""The builder's edit form: settings, questions picked through a search, pools, totals; saved
with the ETag it was read with, so a save over someone else's is a readable conflict."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from app.access.policy import Action
from app.access.principal import Principal
from app.assessments import editing, totals
from app.assessments import service as assessments
from app.assessments.editing import PreconditionFailedError, settings_of
from app.assessments.forms import Pool
from app.assessments.service import AssessmentDraft
from app.bank.templates import role_templates
from app.deps import SessionDep, SettingsDep, allowed
from app.errors import DomainError
from app.models import Assessment
from app.one_hop import OneHopRoute
from app.questions import service as questions
from app.skills import Skill
from app.web import builder_form
from app.web.builder_form import BuilderForm, PoolRow
from app.web.candidate_pages import KIND_NAMES, SKILL_NAMES
from app.web.workspace import render_workspace

router = APIRouter(prefix="/assessments", include_in_schema=False, route_class=OneHopRoute)

_SEARCH_LIMIT = 40
_SETTING_NAMES = {
    "title": "name",
    "time_limit_minutes": "time limit",
    "pass_mark_percent": "pass mark",
    "candidates_see_results": "candidates see their result",
    "shuffle_questions": "shuffle questions",
    "shuffle_choices": "shuffle choices",
}


async def read_form(request: Request) -> FormData:
    return await request.form()


FormDep = Annotated[FormData, Depends(read_form)]
Writer = Annotated[Principal, allowed(Action.ASSESSMENT_WRITE)]


@router.get("/new/blank", response_class=HTMLResponse)
def builder_blank(request: Request, session: SessionDep, principal: Writer) -> HTMLResponse:
    """The builder with nothing picked yet."""
    return render_builder(request, session, principal, BuilderForm(), assessment=None)


@router.post("")
def builder_create(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    form_data: FormDep,
    principal: Writer,
) -> Response:
    """Create an assessment from a role template or from the builder's form."""
    form = builder_form.from_form(form_data)
    if form.action != "save":
        return render_builder(request, session, principal, form, assessment=None)
    values, pools = form.check()
    if form.errors or _short_pools(session, principal, None, form, pools):
        return render_builder(request, session, principal, form, assessment=None, status=422)
    draft = AssessmentDraft(
        question_ids=form.question_ids, template=form.template or None, pools=pools, **values
    )
    try:
        created = assessments.compose_assessment(
            session,
            organization_id=principal.organization_id,
            draft=draft,
            templates=role_templates(settings.bank_dir / "templates"),
        )
    except DomainError as error:
        return render_builder(
            request,
            session,
            principal,
            form,
            assessment=None,
            error=error.detail,
            status=error.status,
        )
    return RedirectResponse(f"/assessments/{created.id}?notice=assessment-created", 303)


@router.get("/{assessment_id}/edit", response_class=HTMLResponse)
def builder_page(
    assessment_id: uuid.UUID, request: Request, session: SessionDep, principal: Writer
) -> HTMLResponse:
    """The builder, filled with the assessment as saved."""
    assessment = assessments.get_assessment(
        session, organization_id=principal.organization_id, assessment_id=assessment_id
    )
    form = builder_form.from_assessment(assessment, editing.etag(assessment))
    return render_builder(request, session, principal, form, assessment=assessment)


@router.post("/{assessment_id}/edit")
def builder_save(
    assessment_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    form_data: FormDep,
    principal: Writer,
) -> Response:
    """Search the questions (keeping what was typed) or save the form."""
    assessment = assessments.get_assessment(
        session, organization_id=principal.organization_id, assessment_id=assessment_id
    )
    form = builder_form.from_form(form_data)
    locked = editing.has_invitations(session, assessment.id)
    if locked:  # the page shows no question fields then; what was saved stays
        form.question_ids = [i.question.question_id for i in assessment.items]
        form.pools = [
            PoolRow(p.kind, p.skill, str(p.difficulty), str(p.count)) for p in assessment.pools
        ]
    if form.action != "save":
        return render_builder(request, session, principal, form, assessment=assessment)
    values, pools = form.check()
    if form.errors or _short_pools(session, principal, assessment, form, pools):
        return render_builder(request, session, principal, form, assessment=assessment, status=422)
    try:
        editing.update_assessment(
            session,
            organization_id=principal.organization_id,
            assessment_id=assessment.id,
            changes=values,
            form=None if locked else form.form_change(pools),
            if_match=form.etag or None,
        )
    except PreconditionFailedError as error:
        session.rollback()
        current = assessments.get_assessment(
            session, organization_id=principal.organization_id, assessment_id=assessment_id
        )
        form.etag = str(error.extensions["etag"])  # saving again replaces theirs, knowingly
        return render_builder(
            request,
            session,
            principal,
            form,
            assessment=current,
            conflict=_their_changes(current, values),
            status=409,
        )
    except DomainError as error:
        session.rollback()
        return render_builder(
            request,
            session,
            principal,
            form,
            assessment=assessment,
            error=error.detail,
            status=error.status,
        )
    return RedirectResponse(f"/assessments/{assessment.id}?notice=assessment-saved", 303)


def _short_pools(
    session: SessionDep,
    principal: Principal,
    assessment: Assessment | None,
    form: BuilderForm,
    pools: list[Pool],
) -> bool:
    """Mark each pool row asking for more questions than match; True when any does."""
    draft = totals.draft_totals(
        session,
        organization_id=principal.organization_id,
        assessment=assessment,
        question_ids=form.question_ids,
        pools=pools,
    )
    rows = list(form.valid_pools())
    for i, offer in zip(rows, draft.totals.pools, strict=True):
        if offer.is_short:
            form.errors[f"pool-{i}"] = (
                f"Only {offer.available} question(s) match; this pool asks for {offer.pool.count}."
            )
    return any(o.is_short for o in draft.totals.pools)


def _their_changes(current: Assessment, mine: dict[str, Any]) -> list[str]:
    """The saved settings that differ from what the recruiter typed, in words."""
    saved = settings_of(current).__dict__
    return [
        f"{_SETTING_NAMES[name]}: {_shown(saved[name])}"
        for name in _SETTING_NAMES
        if saved[name] != mine.get(name)
    ]


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "none" if value is None else str(value)


def render_builder(
    request: Request,
    session: SessionDep,
    principal: Principal,
    form: BuilderForm,
    *,
    assessment: Assessment | None,
    error: str | None = None,
    conflict: list[str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The builder page for `form` (new when `assessment` is None)."""
    if not form.pools or not form.pools[-1].is_blank:
        form.pools.append(PoolRow())  # a free row to start a pool in
    valid_rows = list(form.valid_pools().items())
    draft = totals.draft_totals(
        session,
        organization_id=principal.organization_id,
        assessment=assessment,
        question_ids=form.question_ids,
        pools=[p for _, p in valid_rows],
    )
    offers = {i: offer for (i, _), offer in zip(valid_rows, draft.totals.pools, strict=True)}
    locked = assessment is not None and editing.has_invitations(session, assessment.id)
    context = {
        "page_title": f"Edit {assessment.title}" if assessment else "New assessment",
        "form": form,
        "assessment": assessment,
        "locked": locked,
        "selected": draft.selected,
        "unknown": draft.unknown,
        "totals": draft.totals,
        "offers": offers,
        "results": _search(session, principal, form),
        "error": error,
        "conflict": conflict,
        "skills": list(Skill),
        "skill_names": SKILL_NAMES,
        "kind_names": KIND_NAMES,
    }
    return render_workspace(
        request, "workspace/builder.html", context, active="assessments", status_code=status
    )


def _search(session: SessionDep, principal: Principal, form: BuilderForm) -> list[Any] | None:
    """The questions matching the search fields, those already picked left out; None: no search."""
    wanted = form.search
    if not any(wanted.values()):
        return None
    level = wanted.get("difficulty", "")
    found = questions.search_questions(
        session,
        principal.organization_id,
        skill=wanted["skill"] if wanted.get("skill") in SKILL_NAMES else None,
        difficulty=int(level) if level in ("1", "2", "3") else None,
        kind=wanted["kind"] if wanted.get("kind") in KIND_NAMES else None,
        text=wanted.get("text", "")[:200] or None,
    )
    picked = set(form.question_ids)
    return [q for q in found if q.question_id not in picked][:_SEARCH_LIMIT]
