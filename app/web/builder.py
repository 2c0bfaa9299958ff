"""The assessments pages: the list, starting a new one from a role template, an assessment's
overview, duplicating and archiving it. The form itself is in builder_edit."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.access.policy import Action
from app.access.principal import Principal
from app.assessments import editing, totals
from app.assessments import service as assessments
from app.bank.templates import role_templates
from app.deps import SessionDep, SettingsDep, allowed
from app.one_hop import OneHopRoute
from app.web.candidate_pages import KIND_NAMES, SKILL_NAMES
from app.web.workspace import render_workspace

router = APIRouter(prefix="/assessments", include_in_schema=False, route_class=OneHopRoute)

Reader = Annotated[Principal, allowed(Action.ASSESSMENT_READ)]
Writer = Annotated[Principal, allowed(Action.ASSESSMENT_WRITE)]
_PAGE = 100


@router.get("", response_class=HTMLResponse)
def assessments_page(
    request: Request, session: SessionDep, principal: Reader, cursor: str | None = None
) -> HTMLResponse:
    """The organization's assessments, open and archived, newest first."""
    page = assessments.list_assessments(
        session, organization_id=principal.organization_id, cursor=cursor, limit=_PAGE
    )
    ids = [a.id for a in page.items]
    context = {
        "page_title": "Assessments",
        "open": [a for a in page.items if a.archived_at is None],
        "archived": [a for a in page.items if a.archived_at is not None],
        "totals": totals.totals_of(session, principal.organization_id, page.items),
        "activity": totals.activity_of(session, ids),
        "next_cursor": page.next_cursor,
    }
    return render_workspace(request, "workspace/assessments.html", context, active="assessments")


@router.get("/new", response_class=HTMLResponse)
def assessment_new(request: Request, settings: SettingsDep, _principal: Writer) -> HTMLResponse:
    """Start an assessment: a role template, or a blank one."""
    templates = role_templates(settings.bank_dir / "templates")
    context = {
        "page_title": "New assessment",
        "templates": sorted(templates.values(), key=lambda t: t.title),
        "skill_names": SKILL_NAMES,
    }
    return render_workspace(request, "workspace/assessment_new.html", context, active="assessments")


@router.get("/{assessment_id}", response_class=HTMLResponse)
def assessment_page(
    assessment_id: uuid.UUID, request: Request, session: SessionDep, principal: Reader
) -> HTMLResponse:
    """One assessment: its settings, questions and pools, and where to go from here."""
    assessment = assessments.get_assessment(
        session, organization_id=principal.organization_id, assessment_id=assessment_id
    )
    context = {
        "page_title": assessment.title,
        "assessment": assessment,
        "totals": totals.assessment_totals(session, assessment),
        "activity": totals.activity_of(session, [assessment.id])[assessment.id],
        "locked": editing.has_invitations(session, assessment.id),
        "skill_names": SKILL_NAMES,
        "kind_names": KIND_NAMES,
    }
    return render_workspace(request, "workspace/assessment.html", context, active="assessments")


@router.post("/{assessment_id}/duplicate")
def assessment_duplicate(
    assessment_id: uuid.UUID, session: SessionDep, principal: Writer
) -> RedirectResponse:
    """Copy the assessment and open the copy in the builder."""
    copy = editing.duplicate_assessment(
        session, organization_id=principal.organization_id, assessment_id=assessment_id
    )
    return RedirectResponse(f"/assessments/{copy.id}/edit?notice=assessment-duplicated", 303)


@router.post("/{assessment_id}/archive")
def assessment_archive(
    assessment_id: uuid.UUID, session: SessionDep, principal: Writer
) -> RedirectResponse:
    """Close the assessment to new invitations and starts."""
    editing.archive_assessment(
        session, organization_id=principal.organization_id, assessment_id=assessment_id
    )
    return RedirectResponse(f"/assessments/{assessment_id}?notice=assessment-archived", 303)
