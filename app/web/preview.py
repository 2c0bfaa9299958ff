"""Preview as candidate: the candidate's own test page and end page, driven by a preview token."""

from __future__ import annotations

import hashlib
import uuid
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.access.policy import Action
from app.access.principal import Principal
from app.assessments import preview
from app.deps import SessionDep, SettingsDep, allowed
from app.one_hop import OneHopRoute
from app.web import candidate_pages as pages
from app.web.templating import render_page

router = APIRouter(include_in_schema=False, route_class=OneHopRoute)


@router.post("/assessments/{assessment_id}/preview")
def preview_start(
    assessment_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    principal: Annotated[Principal, allowed(Action.ASSESSMENT_READ)],
) -> RedirectResponse:
    """Start a preview of the assessment (its clock starts now) and open its test page."""
    token = preview.start_preview(
        session,
        secret=settings.secret_key.get_secret_value(),
        organization_id=principal.organization_id,
        assessment_id=assessment_id,
    )
    return RedirectResponse(f"/preview/{token}", status_code=303)


@router.get("/preview/{token}", response_class=HTMLResponse)
def preview_page(
    token: str, request: Request, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    """The test page exactly as a candidate gets it, answering to the preview's API."""
    view = preview.open_preview(session, secret=settings.secret_key.get_secret_value(), token=token)
    panels = [pages.question_panel(q, n) for n, q in enumerate(view.questions, start=1)]
    context = {
        "page_title": f"Preview: {view.assessment.title}",
        "token": token,
        "overview": _overview(view),
        "questions": panels,
        # Its own key for the page's unsent-edit store, apart from any real attempt's.
        "attempt_id": "preview-" + hashlib.sha256(token.encode()).hexdigest()[:16],
        "api_base": f"/api/v1/preview/{token}",
        "end_url": f"/preview/{token}/end",
        "preview": {"assessment_id": view.assessment.id},
    }
    return render_page(request, "take/test.html", context)


@router.get("/preview/{token}/end", response_class=HTMLResponse)
def preview_end(
    token: str, request: Request, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    """Where the test page goes once the preview is submitted."""
    view = preview.open_preview(session, secret=settings.secret_key.get_secret_value(), token=token)
    end = pages.EndPage(
        heading="End of the preview",
        message="Nothing was recorded: no attempt, no answers, no events. A candidate sees a "
        "thank-you page here.",
        result=None,
    )
    context = {
        "page_title": f"Preview: {view.assessment.title}",
        "overview": _overview(view),
        "end": end,
        "attempt_id": "preview-" + hashlib.sha256(token.encode()).hexdigest()[:16],
        "preview": {"assessment_id": view.assessment.id},
    }
    return render_page(request, "take/end.html", context)


def _overview(view: preview.PreviewView) -> pages.Overview:
    coding = sum(q.kind == "coding" for q in view.form)
    return pages.Overview(
        title=view.assessment.title,
        time_limit_minutes=view.ticket.time_limit_minutes,
        question_count=len(view.form),
        concept_count=len(view.form) - coding,
        coding_count=coding,
        skills=[],
        status="started",
        candidates_see_results=view.assessment.candidates_see_results,
    )
