"""The invitations page of an assessment: invite one, upload a CSV, and act on each invitation."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.access.policy import Action
from app.access.principal import Principal
from app.assessments import service as assessments
from app.candidates import bulk, invitations
from app.candidates import service as candidates
from app.candidates.bulk import CsvReport
from app.candidates.errors import InvalidCandidateError
from app.candidates.invitations import InvitationState
from app.candidates.service import MAX_EXTRA_MINUTES, MAX_VALID_DAYS
from app.deps import GradingQueueDep, LinksDep, SessionDep, SettingsDep, allowed
from app.errors import DomainError
from app.one_hop import OneHopRoute
from app.web.workspace import render_workspace

router = APIRouter(include_in_schema=False, route_class=OneHopRoute)
PAGE = "/assessments/{assessment_id}/invitations"
ONE = PAGE + "/{candidate_invitation_id}"
PER_PAGE = 50
Reader = Annotated[Principal, allowed(Action.ASSESSMENT_READ)]
Writer = Annotated[Principal, allowed(Action.INVITATION_WRITE)]

# What the page calls each state: the words a recruiter uses.
STATUS_LABELS = {
    InvitationState.NOT_STARTED: "pending",
    InvitationState.IN_PROGRESS: "started",
    InvitationState.FINISHED: "submitted",
    InvitationState.LINK_EXPIRED: "expired",
    InvitationState.WITHDRAWN: "withdrawn",
}
# Notices after a redirect, picked by key so that no text from the URL reaches the page.
NOTICES = {
    "invited": "Invitation sent.",
    "resent": "Invitation sent again.",
    "reminded": "Reminder sent.",
    "withdrawn": "Invitation withdrawn: its link no longer works.",
}


def _page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    links: LinksDep,
    principal: Principal,
    assessment_id: uuid.UUID,
    *,
    cursor: str | None = None,
    error: DomainError | None = None,
    form: dict[str, str] | None = None,
    report: CsvReport | None = None,
    csv_error: DomainError | None = None,
    reminded: int | None = None,
) -> HTMLResponse:
    assessment = assessments.get_assessment(
        session, organization_id=principal.organization_id, assessment_id=assessment_id
    )
    page = invitations.invitation_page(
        session,
        organization_id=principal.organization_id,
        assessment_id=assessment_id,
        links=links,
        cursor=cursor,
        limit=PER_PAGE,
    )
    context = {
        "page_title": f"Invitations: {assessment.title}",
        "assessment": assessment,
        "views": page.items,
        "next_cursor": page.next_cursor,
        "is_first_page": cursor is None,
        "labels": STATUS_LABELS,
        "states": InvitationState,
        "can_invite": principal.can(Action.INVITATION_WRITE),
        "error": error,
        "form": form or {"valid_days": str(settings.invitation_valid_days), "extra_minutes": "0"},
        "report": report,
        "csv_error": csv_error,
        "csv_limits": bulk.LIMITS_TEXT,
        "max_valid_days": MAX_VALID_DAYS,
        "max_extra_minutes": MAX_EXTRA_MINUTES,
        "row_notice": NOTICES.get(request.query_params.get("done", "")),
        "reminded": reminded,
    }
    failed = error or csv_error
    return render_workspace(
        request,
        "workspace/invitations.html",
        context,
        active="assessments",
        status_code=failed.status if failed else 200,
    )


@router.get(PAGE, response_class=HTMLResponse)
def invitations_page(
    request: Request,
    assessment_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    links: LinksDep,
    principal: Reader,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    reminded: Annotated[int | None, Query(ge=0, le=1_000_000)] = None,
) -> HTMLResponse:
    """An assessment's invitations with their status; who may invite also finds the forms."""
    return _page(
        request,
        session,
        settings,
        links,
        principal,
        assessment_id,
        cursor=cursor,
        reminded=reminded,
    )


@router.post(PAGE)
def invite_candidate(
    request: Request,
    assessment_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    links: LinksDep,
    principal: Writer,
    name: Annotated[str, Form(max_length=1000)],
    email: Annotated[str, Form(max_length=1000)],
    valid_days: Annotated[str, Form(max_length=20)] = "",
    extra_minutes: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Invite one candidate; the link is e-mailed to them."""
    form = {"name": name, "email": email, "valid_days": valid_days, "extra_minutes": extra_minutes}
    try:
        candidates.invite(
            session,
            organization_id=principal.organization_id,
            assessment_id=assessment_id,
            email=email,
            name=name,
            valid_days=_whole(valid_days, "The link's validity", settings.invitation_valid_days),
            extra_minutes=_whole(extra_minutes, "Extra time", 0),
            links=links,
        )
    except DomainError as error:
        if error.status == 404:
            raise
        return _page(
            request, session, settings, links, principal, assessment_id, error=error, form=form
        )
    return RedirectResponse(f"{_path(assessment_id)}?done=invited", status_code=303)


@router.post(PAGE + "/csv", response_class=HTMLResponse)
def invite_candidates_from_csv(
    request: Request,
    assessment_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    links: LinksDep,
    principal: Writer,
    file: Annotated[UploadFile, File()],
) -> HTMLResponse:
    """Invite every good row of a CSV file and show what became of each row."""
    # One byte past the limit is enough to know the file is too large.
    data = file.file.read(bulk.MAX_CSV_BYTES + 1)
    try:
        report = bulk.invite_csv(
            session,
            organization_id=principal.organization_id,
            assessment_id=assessment_id,
            data=data,
            valid_days=settings.invitation_valid_days,
            links=links,
        )
    except DomainError as error:
        if error.status == 404:
            raise
        return _page(request, session, settings, links, principal, assessment_id, csv_error=error)
    return _page(request, session, settings, links, principal, assessment_id, report=report)


@router.post(PAGE + "/remind")
def remind_all_not_started(
    assessment_id: uuid.UUID, session: SessionDep, links: LinksDep, principal: Writer
) -> RedirectResponse:
    """Remind everyone whose invitation is open and not started."""
    count = invitations.remind_not_started(
        session, organization_id=principal.organization_id, assessment_id=assessment_id, links=links
    )
    return RedirectResponse(f"{_path(assessment_id)}?reminded={count}", status_code=303)


@router.get(ONE + "/withdraw", response_class=HTMLResponse)
def withdraw_confirmation(
    request: Request,
    assessment_id: uuid.UUID,
    candidate_invitation_id: uuid.UUID,
    session: SessionDep,
    links: LinksDep,
    principal: Writer,
) -> HTMLResponse:
    """Ask before withdrawing: what it does to the candidate, and a way back."""
    view = invitations.get_invitation(
        session,
        organization_id=principal.organization_id,
        invitation_id=candidate_invitation_id,
        links=links,
        assessment_id=assessment_id,
    )
    context = {
        "page_title": "Withdraw the invitation?",
        "view": view,
        "label": STATUS_LABELS[view.state],
        "states": InvitationState,
        "back": _path(assessment_id),
    }
    return render_workspace(
        request, "workspace/invitation_withdraw.html", context, active="assessments"
    )


@router.post(ONE + "/withdraw")
def withdraw_invitation(
    assessment_id: uuid.UUID,
    candidate_invitation_id: uuid.UUID,
    session: SessionDep,
    links: LinksDep,
    queue: GradingQueueDep,
    principal: Writer,
) -> RedirectResponse:
    """Withdraw an invitation; a started test ends now and what was saved is graded."""
    revoked = invitations.revoke(
        session,
        organization_id=principal.organization_id,
        invitation_id=candidate_invitation_id,
        links=links,
        assessment_id=assessment_id,
    )
    for submission_id in revoked.submission_ids:
        queue.enqueue(submission_id, final=True)
    return RedirectResponse(f"{_path(assessment_id)}?done=withdrawn", status_code=303)


@router.post(ONE + "/resend")
def resend_invitation_page(
    assessment_id: uuid.UUID,
    candidate_invitation_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    links: LinksDep,
    principal: Writer,
) -> RedirectResponse:
    """E-mail the same link again (an expired one is renewed first)."""
    invitations.resend(
        session,
        organization_id=principal.organization_id,
        invitation_id=candidate_invitation_id,
        links=links,
        valid_days=settings.invitation_valid_days,
        assessment_id=assessment_id,
    )
    return RedirectResponse(f"{_path(assessment_id)}?done=resent", status_code=303)


@router.post(ONE + "/remind")
def remind_candidate_page(
    assessment_id: uuid.UUID,
    candidate_invitation_id: uuid.UUID,
    session: SessionDep,
    links: LinksDep,
    principal: Writer,
) -> RedirectResponse:
    """Remind one candidate who has not started."""
    invitations.remind(
        session,
        organization_id=principal.organization_id,
        invitation_id=candidate_invitation_id,
        links=links,
        assessment_id=assessment_id,
    )
    return RedirectResponse(f"{_path(assessment_id)}?done=reminded", status_code=303)


def _path(assessment_id: uuid.UUID) -> str:
    return PAGE.format(assessment_id=assessment_id)


def _whole(text: str, what: str, default: int) -> int:
    """A form's whole number; blank means the default."""
    text = text.strip()
    if not text:
        return default
    if not (text.isdigit() and len(text) <= 6):
        raise InvalidCandidateError(f"{what} must be a whole number, not {text[:20]!r}.")
    return int(text)
