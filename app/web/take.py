"""/take/{token}: the candidate's landing page, test page and end page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.attempts import service as attempts
from app.deps import PracticeDep, SessionDep
from app.models import AttemptStatus
from app.one_hop import OneHopRoute
from app.web import candidate_pages as pages
from app.web.markdown import render_markdown
from app.web.templating import render_page

router = APIRouter(prefix="/take/{token}", include_in_schema=False, route_class=OneHopRoute)


@router.get("", response_class=HTMLResponse)
def take_page(
    token: str, request: Request, session: SessionDep, practice: PracticeDep
) -> HTMLResponse:
    """The landing page before start, the test while it runs, the end page after."""
    view = attempts.overview(session, token=token)
    summary = pages.overview(view)
    context: dict[str, object] = {"token": token, "overview": summary, "page_title": summary.title}
    if view.attempt.status == AttemptStatus.INVITED:
        template = "take/landing.html"
        # The practice statement sits under the landing page's h2 "Try the editor first".
        context["practice_html"] = render_markdown(practice.statement, heading_shift=2)
    elif view.attempt.status == AttemptStatus.STARTED:
        template = "take/test.html"
        context["questions"] = pages.question_panels(view)
        context["attempt_id"] = str(view.attempt.id)
    else:
        template = "take/end.html"
        context["end"] = pages.end_page(view)
        context["attempt_id"] = str(view.attempt.id)
    return render_page(request, template, context)


@router.post("/start")
def start_test(token: str, session: SessionDep) -> RedirectResponse:
    """Start the clock, then show the test at the same address (it resumes from there)."""
    attempts.start(session, token=token)
    return RedirectResponse(f"/take/{token}", status_code=303)
