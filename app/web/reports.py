"""The candidate report: the page, one replay step as an htmx fragment, and the PDF."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.access.policy import Action
from app.access.principal import Principal
from app.deps import SessionDep, allowed
from app.one_hop import OneHopRoute
from app.reports import service as reports
from app.reports.pdf import render_pdf
from app.web.report_view import report_context
from app.web.templating import STATIC_DIR, render_page, templates
from app.web.workspace import render_workspace

router = APIRouter(include_in_schema=False, route_class=OneHopRoute)

StepQuery = Annotated[int | None, Query(ge=1, le=10_000)]


@router.get("/attempts/{attempt_id}", response_class=HTMLResponse)
def report_page(
    request: Request,
    attempt_id: uuid.UUID,
    session: SessionDep,
    principal: Annotated[Principal, allowed(Action.RESULTS_READ)],
    q: Annotated[str | None, Query(max_length=80)] = None,
    step: StepQuery = None,
) -> HTMLResponse:
    """One candidate's report; `q` and `step` pick a replay step without JavaScript."""
    report = reports.candidate_report(
        session,
        organization_id=principal.organization_id,
        attempt_id=attempt_id,
        steps={q: step} if q and step else None,
    )
    return render_workspace(request, "report/page.html", report_context(report), active="results")


@router.get("/attempts/{attempt_id}/questions/{question_id}/replay", response_class=HTMLResponse)
def replay_fragment(
    request: Request,
    attempt_id: uuid.UUID,
    question_id: str,
    session: SessionDep,
    principal: Annotated[Principal, allowed(Action.RESULTS_READ)],
    step: StepQuery = None,
) -> HTMLResponse:
    """One step of a coding answer's replay (the part htmx swaps in)."""
    replay = reports.code_replay(
        session,
        organization_id=principal.organization_id,
        attempt_id=attempt_id,
        question_id=question_id,
        step=step or 1,
    )
    context = {"attempt_id": attempt_id, "question_id": question_id, "replay": replay}
    return render_page(request, "report/replay.html", context)


@router.get("/attempts/{attempt_id}/report.pdf")
def report_pdf(
    request: Request,
    attempt_id: uuid.UUID,
    session: SessionDep,
    principal: Annotated[Principal, allowed(Action.RESULTS_READ)],
) -> Response:
    """The same report as a PDF, for the hiring file."""
    report = reports.candidate_report(
        session, organization_id=principal.organization_id, attempt_id=attempt_id
    )
    html = templates.get_template("report/pdf.html").render(report_context(report) | {"pdf": True})
    pdf = render_pdf(html, base_url=str(request.base_url), static_dir=STATIC_DIR)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            # The attempt id, never the candidate's name: nothing they typed reaches a header.
            "Content-Disposition": f'attachment; filename="report-{attempt_id}.pdf"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
