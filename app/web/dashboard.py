"""The recruiter's dashboard at `/`, and switching between one's organizations."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.access.policy import Action
from app.access.principal import Principal
from app.accounts import sessions
from app.dashboard import service as dashboards
from app.deps import SessionDep, allowed, signed_in_member
from app.one_hop import OneHopRoute
from app.web.workspace import render_workspace

router = APIRouter(include_in_schema=False, route_class=OneHopRoute)


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request,
    session: SessionDep,
    principal: Annotated[Principal, allowed(Action.ASSESSMENT_READ)],
) -> HTMLResponse:
    """Open assessments, recent completions and what needs attention."""
    board = dashboards.dashboard(session, organization_id=principal.organization_id)
    return render_workspace(
        request,
        "workspace/dashboard.html",
        {"page_title": "Dashboard", "board": board},
        active="dashboard",
    )


@router.post("/organization")
def switch_organization(
    request: Request,
    session: SessionDep,
    _principal: Annotated[Principal, allowed(None)],
    organization_id: Annotated[uuid.UUID, Form()],
) -> RedirectResponse:
    """Act in another organization one belongs to."""
    member = signed_in_member(request)
    sessions.switch_organization(
        session, web_session=member.web_session, organization_id=organization_id
    )
    return RedirectResponse("/?notice=switched", status_code=303)
