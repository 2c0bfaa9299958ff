"""A recruiter's invitations of one assessment: list them, withdraw, resend, remind, extra time.

Reminders are sent when a recruiter asks (one candidate, or everyone who has not started);
nothing sends them on a schedule.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session, joinedload

from app.assessments import service as assessments
from app.attempts import lifecycle
from app.candidates import mail
from app.candidates.errors import (
    CandidateInvitationNotFoundError,
    InvalidCandidateError,
    InvitationClosedError,
)
from app.candidates.links import InvitationLinks
from app.candidates.service import MAX_EXTRA_MINUTES
from app.db import utcnow
from app.models import Assessment, Attempt, AttemptStatus, Invitation
from app.pagination import Page, newest_first


class InvitationState(StrEnum):
    NOT_STARTED = "not_started"
    LINK_EXPIRED = "link_expired"
    IN_PROGRESS = "in_progress"
    FINISHED = "finished"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class InvitationView:
    attempt: Attempt
    state: InvitationState
    link: str | None  # None when the link cannot be rebuilt (made with another key)

    @property
    def invitation(self) -> Invitation:
        return self.attempt.invitation


@dataclass(frozen=True)
class Revoked:
    view: InvitationView
    submission_ids: list[uuid.UUID]  # the closed attempt's code, to queue after the commit


def state_of(attempt: Attempt, now: datetime) -> InvitationState:
    invitation = attempt.invitation
    if invitation.revoked_at is not None:
        return InvitationState.WITHDRAWN
    if attempt.status == AttemptStatus.STARTED and not lifecycle.is_past_deadline(attempt, now):
        return InvitationState.IN_PROGRESS
    if attempt.status != AttemptStatus.INVITED:
        return InvitationState.FINISHED
    if now >= invitation.expires_at:
        return InvitationState.LINK_EXPIRED
    return InvitationState.NOT_STARTED


def list_invitations(
    session: Session,
    *,
    organization_id: uuid.UUID,
    assessment_id: uuid.UUID,
    links: InvitationLinks,
) -> list[InvitationView]:
    """Every invitation of an assessment, newest first."""
    assessments.get_assessment(
        session, organization_id=organization_id, assessment_id=assessment_id
    )
    now = utcnow()
    attempts = session.scalars(
        _org_attempts(organization_id)
        .where(Attempt.assessment_id == assessment_id)
        .order_by(Invitation.created_at.desc(), Invitation.id)
    )
    return [InvitationView(a, state_of(a, now), links.link_of(a.invitation)) for a in attempts]


def invitation_page(
    session: Session,
    *,
    organization_id: uuid.UUID,
    assessment_id: uuid.UUID,
    links: InvitationLinks,
    cursor: str | None,
    limit: int,
) -> Page[InvitationView]:
    """One page of an assessment's invitations, newest first, resuming after `cursor`."""
    assessments.get_assessment(
        session, organization_id=organization_id, assessment_id=assessment_id
    )
    query = _org_attempts(organization_id).where(Attempt.assessment_id == assessment_id)
    # An attempt is made with its invitation, so the attempt's key orders the invitations.
    page = newest_first(session, query, Attempt, cursor, limit)
    now = utcnow()
    views = [InvitationView(a, state_of(a, now), links.link_of(a.invitation)) for a in page.items]
    return Page(views, page.next_cursor)


def get_invitation(
    session: Session,
    *,
    organization_id: uuid.UUID,
    invitation_id: uuid.UUID,
    links: InvitationLinks,
    assessment_id: uuid.UUID | None = None,
) -> InvitationView:
    """One invitation of this organization (of `assessment_id`, when given)."""
    query = _org_attempts(organization_id).where(Attempt.invitation_id == invitation_id)
    if assessment_id is not None:
        query = query.where(Attempt.assessment_id == assessment_id)
    attempt = session.scalar(query)
    if attempt is None:
        raise CandidateInvitationNotFoundError(f"No invitation {invitation_id}.")
    return InvitationView(attempt, state_of(attempt, utcnow()), links.link_of(attempt.invitation))


def revoke(
    session: Session,
    *,
    organization_id: uuid.UUID,
    invitation_id: uuid.UUID,
    links: InvitationLinks,
    assessment_id: uuid.UUID | None = None,
) -> Revoked:
    """Withdraw an invitation: its link stops working at once.

    A candidate who has started is stopped: the attempt ends now and what they saved is kept
    and graded, as at a deadline. A finished attempt has nothing left to withdraw.
    """
    view = get_invitation(
        session,
        organization_id=organization_id,
        invitation_id=invitation_id,
        links=links,
        assessment_id=assessment_id,
    )
    attempt, now = view.attempt, utcnow()
    lifecycle.close_if_expired(session, attempt, now)
    if view.invitation.revoked_at is not None:
        return Revoked(view, [])  # withdrawing twice changes nothing
    if attempt.status not in (AttemptStatus.INVITED, AttemptStatus.STARTED):
        raise InvitationClosedError("The candidate has finished this test; nothing to withdraw.")
    view.invitation.revoked_at = now
    submission_ids: list[uuid.UUID] = []
    if attempt.status == AttemptStatus.STARTED:
        closed = lifecycle.close(session, attempt, status=AttemptStatus.SUBMITTED, at=now)
        if closed is None:  # the candidate submitted meanwhile
            session.rollback()
            raise InvitationClosedError("The candidate has just finished; nothing to withdraw.")
        submission_ids = closed
    session.commit()
    return Revoked(InvitationView(attempt, InvitationState.WITHDRAWN, view.link), submission_ids)


def resend(
    session: Session,
    *,
    organization_id: uuid.UUID,
    invitation_id: uuid.UUID,
    links: InvitationLinks,
    valid_days: int,
    assessment_id: uuid.UUID | None = None,
) -> InvitationView:
    """E-mail the same link again; an expired link gets `valid_days` more first."""
    view = _open_view(session, organization_id, invitation_id, links, assessment_id)
    if view.state == InvitationState.LINK_EXPIRED:
        view.invitation.expires_at = utcnow() + timedelta(days=valid_days)
    _send(session, view, reminder=False)
    session.commit()
    return InvitationView(view.attempt, state_of(view.attempt, utcnow()), view.link)


def remind(
    session: Session,
    *,
    organization_id: uuid.UUID,
    invitation_id: uuid.UUID,
    links: InvitationLinks,
    assessment_id: uuid.UUID | None = None,
) -> InvitationView:
    """Remind a candidate who has not started yet, with the same link."""
    view = _open_view(session, organization_id, invitation_id, links, assessment_id)
    if view.state != InvitationState.NOT_STARTED:
        raise InvitationClosedError(_why_no_reminder(view.state))
    _send(session, view, reminder=True)
    session.commit()
    return view


def remind_not_started(
    session: Session,
    *,
    organization_id: uuid.UUID,
    assessment_id: uuid.UUID,
    links: InvitationLinks,
) -> int:
    """Remind everyone whose invitation is open and not started; return how many."""
    views = list_invitations(
        session, organization_id=organization_id, assessment_id=assessment_id, links=links
    )
    due = [v for v in views if v.state == InvitationState.NOT_STARTED and v.link is not None]
    for view in due:
        _send(session, view, reminder=True)
    session.commit()
    return len(due)


def set_extra_time(
    session: Session,
    *,
    organization_id: uuid.UUID,
    invitation_id: uuid.UUID,
    extra_minutes: int,
    links: InvitationLinks,
    assessment_id: uuid.UUID | None = None,
) -> InvitationView:
    """Set the candidate's extra time; a started candidate's deadline moves with it."""
    if not 0 <= extra_minutes <= MAX_EXTRA_MINUTES:
        raise InvalidCandidateError(f"Extra time is 0 to {MAX_EXTRA_MINUTES} minutes.")
    view = get_invitation(
        session,
        organization_id=organization_id,
        invitation_id=invitation_id,
        links=links,
        assessment_id=assessment_id,
    )
    attempt, invitation = view.attempt, view.invitation
    lifecycle.close_if_expired(session, attempt)
    if invitation.revoked_at is not None or attempt.status not in (
        AttemptStatus.INVITED,
        AttemptStatus.STARTED,
    ):
        raise InvitationClosedError("Extra time can only be given before the test ends.")
    change = extra_minutes - invitation.extra_minutes
    if attempt.status == AttemptStatus.STARTED:
        if change < 0:
            raise InvitationClosedError(
                "The candidate has started: their extra time can grow, not shrink."
            )
        # Conditional on the attempt still running, so a deadline passing meanwhile wins.
        assert attempt.deadline is not None, "a started attempt has a deadline"
        moved = session.execute(
            update(Attempt)
            .where(
                Attempt.id == attempt.id,
                Attempt.status == AttemptStatus.STARTED,
                Attempt.deadline == attempt.deadline,
            )
            .values(deadline=attempt.deadline + timedelta(minutes=change))
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
        if not moved:
            session.rollback()
            raise InvitationClosedError("The test ended, or its time changed, meanwhile.")
    invitation.extra_minutes = extra_minutes
    session.commit()
    session.refresh(attempt)
    return InvitationView(attempt, state_of(attempt, utcnow()), view.link)


def _open_view(
    session: Session,
    organization_id: uuid.UUID,
    invitation_id: uuid.UUID,
    links: InvitationLinks,
    assessment_id: uuid.UUID | None,
) -> InvitationView:
    view = get_invitation(
        session,
        organization_id=organization_id,
        invitation_id=invitation_id,
        links=links,
        assessment_id=assessment_id,
    )
    if view.state in (InvitationState.WITHDRAWN, InvitationState.FINISHED):
        raise InvitationClosedError(_why_no_reminder(view.state))
    if view.link is None:
        raise InvitationClosedError(
            "This invitation was made before links could be sent again; withdraw it and "
            "invite the candidate anew."
        )
    return view


def _send(session: Session, view: InvitationView, *, reminder: bool) -> None:
    assert view.link is not None
    mail.queue_invitation(
        session,
        assessment=view.attempt.assessment,
        candidate=view.attempt.candidate,
        invitation=view.invitation,
        url=view.link,
        reminder=reminder,
    )


def _why_no_reminder(state: InvitationState) -> str:
    return {
        InvitationState.WITHDRAWN: "This invitation was withdrawn.",
        InvitationState.FINISHED: "The candidate has finished this test.",
        InvitationState.IN_PROGRESS: "The candidate has already started.",
        InvitationState.LINK_EXPIRED: "The link has expired; resend the invitation instead.",
    }.get(state, "This invitation cannot change now.")


def _org_attempts(organization_id: uuid.UUID) -> Select[Attempt]:
    return (
        select(Attempt)
        .join(Invitation, Invitation.id == Attempt.invitation_id)
        .join(Assessment, Assessment.id == Attempt.assessment_id)
        .where(Assessment.organization_id == organization_id)
        .options(
            joinedload(Attempt.invitation),
            joinedload(Attempt.candidate),
            joinedload(Attempt.assessment),
        )
    )
