"""Invite candidates: one invitation, one token and one attempt per invite.

`add_invitation` is the one place an invitation is made (a single invite, a CSV row, the API
and the pages all go through it), so whatever must happen on every new invitation goes there.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.assessments import forms
from app.assessments import service as assessments
from app.candidates import mail
from app.candidates.errors import AlreadyInvitedError, InvalidCandidateError
from app.candidates.links import InvitationLinks
from app.db import utcnow
from app.errors import AssessmentArchivedError
from app.models import Assessment, Attempt, AttemptStatus, Candidate, Invitation
from app.organizations.service import hash_secret

# Seeds stay within a signed 63-bit range so every database stores them as BIGINT.
_SEED_BITS = 62
MAX_EXTRA_MINUTES = 600
MAX_VALID_DAYS = 365
_EMAIL_CHARS = 320
_NAME_CHARS = 200


@dataclass(frozen=True)
class NewInvitation:
    invitation: Invitation
    attempt: Attempt
    token: str  # the link's secret part; only its hash is stored
    url: str


@dataclass(frozen=True)
class CandidateDetails:
    email: str
    name: str
    extra_minutes: int = 0


def invite(
    session: Session,
    *,
    organization_id: uuid.UUID,
    assessment_id: uuid.UUID,
    email: str,
    name: str,
    valid_days: int,
    links: InvitationLinks,
    extra_minutes: int = 0,
    send_email: bool = True,
) -> NewInvitation:
    """Invite a candidate (created on first invite, matched by e-mail) to an assessment."""
    assessment = assessments.get_assessment(
        session, organization_id=organization_id, assessment_id=assessment_id
    )
    new = add_invitation(
        session,
        assessment=assessment,
        details=CandidateDetails(email, name, extra_minutes),
        valid_days=valid_days,
        links=links,
        send_email=send_email,
    )
    session.commit()
    return new


def add_invitation(
    session: Session,
    *,
    assessment: Assessment,
    details: CandidateDetails,
    valid_days: int,
    links: InvitationLinks,
    send_email: bool,
    refuse_open_duplicate: bool = False,
) -> NewInvitation:
    """Make an invitation and its attempt, and queue its e-mail; flushed, the caller commits.

    One by one, a recruiter may invite someone again on purpose (a second link); a list says
    `refuse_open_duplicate`, so uploading the same file twice invites nobody twice.
    """
    if assessment.archived_at is not None:
        raise AssessmentArchivedError("An archived assessment takes no new invitations.")
    details = check_details(details)
    if not 1 <= valid_days <= MAX_VALID_DAYS:
        raise InvalidCandidateError(f"An invitation is valid for 1 to {MAX_VALID_DAYS} days.")
    candidate = _get_or_create_candidate(
        session, organization_id=assessment.organization_id, email=details.email, name=details.name
    )
    if refuse_open_duplicate and open_invitation_exists(
        session, assessment_id=assessment.id, candidate_id=candidate.id
    ):
        raise AlreadyInvitedError(
            f"{details.email} already has an invitation to this assessment that is not used "
            "yet; resend it, or withdraw it first.",
            email=details.email,
        )
    invitation_id = uuid.uuid4()
    token = links.token(invitation_id)
    invitation = Invitation(
        id=invitation_id,
        assessment_id=assessment.id,
        candidate_id=candidate.id,
        token_hash=hash_secret(token),
        expires_at=utcnow() + timedelta(days=valid_days),
        extra_minutes=details.extra_minutes,
    )
    session.add(invitation)
    session.flush()
    attempt = Attempt(
        invitation_id=invitation.id,
        assessment_id=assessment.id,
        candidate_id=candidate.id,
        candidate_name=details.name,
        seed=secrets.randbits(_SEED_BITS),
        status=AttemptStatus.INVITED,
    )
    session.add(attempt)
    session.flush()
    forms.assign_form(session, attempt, assessment)
    url = links.url(token)
    if send_email:
        mail.queue_invitation(
            session, assessment=assessment, candidate=candidate, invitation=invitation, url=url
        )
    session.flush()
    return NewInvitation(invitation, attempt, token, url)


def check_details(details: CandidateDetails) -> CandidateDetails:
    """Trim and check a candidate's e-mail, name and extra time; raise InvalidCandidateError."""
    email = details.email.strip().lower()
    name = " ".join(details.name.split())
    local, _, domain = email.partition("@")
    if not local or "." not in domain or any(c.isspace() for c in email) or "@" in domain:
        raise InvalidCandidateError(f"{details.email.strip()!r} is not an e-mail address.")
    if len(email) > _EMAIL_CHARS:
        raise InvalidCandidateError(f"The e-mail address is over {_EMAIL_CHARS} characters.")
    if not name:
        raise InvalidCandidateError("The candidate's name is missing.")
    if len(name) > _NAME_CHARS:
        raise InvalidCandidateError(f"The name is over {_NAME_CHARS} characters.")
    if not 0 <= details.extra_minutes <= MAX_EXTRA_MINUTES:
        raise InvalidCandidateError(f"Extra time is 0 to {MAX_EXTRA_MINUTES} minutes.")
    return CandidateDetails(email, name, details.extra_minutes)


def open_invitation_exists(
    session: Session, *, assessment_id: uuid.UUID, candidate_id: uuid.UUID
) -> bool:
    """Whether the candidate holds an unused, unexpired, not withdrawn invitation here."""
    return (
        session.scalar(
            select(Invitation.id)
            .join(Attempt, Attempt.invitation_id == Invitation.id)
            .where(
                Invitation.assessment_id == assessment_id,
                Invitation.candidate_id == candidate_id,
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > utcnow(),
                Attempt.status == AttemptStatus.INVITED,
            )
            .limit(1)
        )
        is not None
    )


def _get_or_create_candidate(
    session: Session, *, organization_id: uuid.UUID, email: str, name: str
) -> Candidate:
    candidate = session.scalar(
        select(Candidate).where(
            Candidate.organization_id == organization_id, Candidate.email == email
        )
    )
    if candidate is None:
        candidate = Candidate(organization_id=organization_id, email=email, name=name)
        session.add(candidate)
        session.flush()
    elif name and candidate.name != name:
        candidate.name = name
    return candidate
