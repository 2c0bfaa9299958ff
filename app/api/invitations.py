"""/api/v1: invite candidates (one or a CSV), list, withdraw, resend, remind, extra time."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from app.access.policy import Action
from app.access.principal import ForbiddenError, Principal
from app.api import invitation_schemas as schemas
from app.api.idempotency import GuardedPosts
from app.api.problems import problem_responses
from app.api.schemas import CandidateRead
from app.assessments.forms import PoolUnavailableError
from app.candidates import bulk, invitations
from app.candidates import service as candidates
from app.candidates.errors import (
    CandidateInvitationNotFoundError,
    CsvTooLargeError,
    CsvUnreadableError,
    InvalidCandidateError,
    InvitationClosedError,
)
from app.deps import GradingQueueDep, LinksDep, SessionDep, SettingsDep, allowed
from app.errors import (
    AssessmentArchivedError,
    AssessmentNotFoundError,
    InvalidCursorError,
    InvalidRequestError,
    UnauthorizedError,
)

router = APIRouter(tags=["invitations"], route_class=GuardedPosts)
_ONE = "/invitations/{candidate_invitation_id}"
_GUARD = (UnauthorizedError, ForbiddenError)
Writer = Annotated[Principal, allowed(Action.INVITATION_WRITE)]


async def csv_upload(request: Request) -> bytes:
    """The request body, read only up to the CSV limit (a bigger body is refused unread)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > bulk.MAX_CSV_BYTES:
        raise CsvTooLargeError(f"The file is over {bulk.MAX_CSV_BYTES // 1024} KB; split it.")
    data = bytearray()
    async for chunk in request.stream():
        data.extend(chunk)
        if len(data) > bulk.MAX_CSV_BYTES:
            raise CsvTooLargeError(f"The file is over {bulk.MAX_CSV_BYTES // 1024} KB; split it.")
    return bytes(data)


def invitation_read(new: candidates.NewInvitation) -> schemas.InvitationRead:
    return schemas.InvitationRead(
        invitation_id=new.invitation.id,
        attempt_id=new.attempt.id,
        token=new.token,
        url=new.url,
        expires_at=new.invitation.expires_at,
    )


def invitation_status(
    view: invitations.InvitationView, principal: Principal
) -> schemas.InvitationStatus:
    inv, attempt = view.invitation, view.attempt
    return schemas.InvitationStatus(
        invitation_id=inv.id,
        attempt_id=attempt.id,
        assessment_id=attempt.assessment_id,
        candidate=CandidateRead(email=attempt.candidate.email, name=attempt.candidate.name),
        state=view.state.value,
        attempt_status=attempt.status,
        # The link lets anyone take the test as the candidate: only for those who invite.
        url=view.link if principal.can(Action.INVITATION_WRITE) else None,
        created_at=inv.created_at,
        expires_at=inv.expires_at,
        extra_minutes=inv.extra_minutes,
        deadline=attempt.deadline,
        revoked_at=inv.revoked_at,
        emailed_at=inv.emailed_at,
        reminded_at=inv.reminded_at,
    )


@router.post(
    "/assessments/{assessment_id}/invitations",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        *_GUARD,
        AssessmentNotFoundError,
        AssessmentArchivedError,
        PoolUnavailableError,
        InvalidRequestError,
        InvalidCandidateError,
    ),
)
def create_invitation(
    assessment_id: uuid.UUID,
    body: schemas.InvitationCreate,
    session: SessionDep,
    settings: SettingsDep,
    links: LinksDep,
    principal: Writer,
) -> schemas.InvitationRead:
    """Invite a candidate; the link is e-mailed unless `send_email` is false."""
    new = candidates.invite(
        session,
        organization_id=principal.organization_id,
        assessment_id=assessment_id,
        email=body.candidate.email,
        name=body.candidate.name,
        valid_days=body.valid_days or settings.invitation_valid_days,
        links=links,
        extra_minutes=body.extra_minutes,
        send_email=body.send_email,
    )
    return invitation_read(new)


@router.post(
    "/assessments/{assessment_id}/invitations/csv",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": f"UTF-8 CSV: {bulk.LIMITS_TEXT}",
        }
    },
    responses=problem_responses(
        *_GUARD,
        AssessmentNotFoundError,
        AssessmentArchivedError,
        PoolUnavailableError,
        CsvTooLargeError,
        CsvUnreadableError,
    ),
)
def create_invitations_from_csv(
    assessment_id: uuid.UUID,
    data: Annotated[bytes, Depends(csv_upload)],
    session: SessionDep,
    settings: SettingsDep,
    links: LinksDep,
    principal: Writer,
) -> schemas.CsvReportRead:
    """Invite every good row of a CSV (e-mailing each); bad rows are reported, not invited."""
    report = bulk.invite_csv(
        session,
        organization_id=principal.organization_id,
        assessment_id=assessment_id,
        data=data,
        valid_days=settings.invitation_valid_days,
        links=links,
    )
    return schemas.CsvReportRead(
        invited=len(report.invited),
        refused=len(report.refused),
        rows=[
            schemas.CsvRowRead(
                row=r.row,
                email=r.email,
                name=r.name,
                invitation=invitation_read(r.invited) if r.invited else None,
                problem=r.problem,
            )
            for r in report.rows
        ],
    )


@router.get(
    "/assessments/{assessment_id}/invitations",
    responses=problem_responses(*_GUARD, AssessmentNotFoundError, InvalidCursorError),
)
def list_invitations(
    assessment_id: uuid.UUID,
    session: SessionDep,
    links: LinksDep,
    principal: Annotated[Principal, allowed(Action.ASSESSMENT_READ)],
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> schemas.InvitationPage:
    """An assessment's invitations with their state, newest first, a page at a time."""
    page = invitations.invitation_page(
        session,
        organization_id=principal.organization_id,
        assessment_id=assessment_id,
        links=links,
        cursor=cursor,
        limit=limit,
    )
    return schemas.InvitationPage(
        items=[invitation_status(v, principal) for v in page.items], next_cursor=page.next_cursor
    )


@router.post(
    "/assessments/{assessment_id}/invitations/remind",
    responses=problem_responses(*_GUARD, AssessmentNotFoundError),
)
def remind_not_started_candidates(
    assessment_id: uuid.UUID, session: SessionDep, links: LinksDep, principal: Writer
) -> schemas.RemindedRead:
    """E-mail a reminder to every candidate whose open invitation is not started."""
    count = invitations.remind_not_started(
        session, organization_id=principal.organization_id, assessment_id=assessment_id, links=links
    )
    return schemas.RemindedRead(reminded=count)


@router.get(_ONE, responses=problem_responses(*_GUARD, CandidateInvitationNotFoundError))
def get_invitation(
    candidate_invitation_id: uuid.UUID,
    session: SessionDep,
    links: LinksDep,
    principal: Annotated[Principal, allowed(Action.ASSESSMENT_READ)],
) -> schemas.InvitationStatus:
    """One invitation with its state."""
    view = invitations.get_invitation(
        session,
        organization_id=principal.organization_id,
        invitation_id=candidate_invitation_id,
        links=links,
    )
    return invitation_status(view, principal)


@router.post(
    f"{_ONE}/revoke",
    responses=problem_responses(*_GUARD, CandidateInvitationNotFoundError, InvitationClosedError),
)
def revoke_candidate_invitation(
    candidate_invitation_id: uuid.UUID,
    session: SessionDep,
    links: LinksDep,
    queue: GradingQueueDep,
    principal: Writer,
) -> schemas.InvitationStatus:
    """Withdraw an invitation; a started test ends now and what was saved is graded."""
    revoked = invitations.revoke(
        session,
        organization_id=principal.organization_id,
        invitation_id=candidate_invitation_id,
        links=links,
    )
    for submission_id in revoked.submission_ids:
        queue.enqueue(submission_id, final=True)
    return invitation_status(revoked.view, principal)


@router.post(
    f"{_ONE}/resend",
    responses=problem_responses(*_GUARD, CandidateInvitationNotFoundError, InvitationClosedError),
)
def resend_invitation(
    candidate_invitation_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    links: LinksDep,
    principal: Writer,
) -> schemas.InvitationStatus:
    """E-mail the same link again; an expired link is renewed for the default validity."""
    view = invitations.resend(
        session,
        organization_id=principal.organization_id,
        invitation_id=candidate_invitation_id,
        links=links,
        valid_days=settings.invitation_valid_days,
    )
    return invitation_status(view, principal)


@router.post(
    f"{_ONE}/remind",
    responses=problem_responses(*_GUARD, CandidateInvitationNotFoundError, InvitationClosedError),
)
def remind_candidate(
    candidate_invitation_id: uuid.UUID, session: SessionDep, links: LinksDep, principal: Writer
) -> schemas.InvitationStatus:
    """E-mail a reminder to a candidate who has not started."""
    view = invitations.remind(
        session,
        organization_id=principal.organization_id,
        invitation_id=candidate_invitation_id,
        links=links,
    )
    return invitation_status(view, principal)


@router.put(
    f"{_ONE}/extra-time",
    responses=problem_responses(
        *_GUARD, CandidateInvitationNotFoundError, InvitationClosedError, InvalidRequestError
    ),
)
def set_extra_time(
    candidate_invitation_id: uuid.UUID,
    body: schemas.ExtraTimePut,
    session: SessionDep,
    links: LinksDep,
    principal: Writer,
) -> schemas.InvitationStatus:
    """Set a candidate's extra time; a started candidate's deadline moves with it."""
    view = invitations.set_extra_time(
        session,
        organization_id=principal.organization_id,
        invitation_id=candidate_invitation_id,
        extra_minutes=body.extra_minutes,
        links=links,
    )
    return invitation_status(view, principal)
