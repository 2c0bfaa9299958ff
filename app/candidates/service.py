"""Invite candidates: one invitation, one token and one attempt per invite."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.assessments import forms
from app.assessments import service as assessments
from app.db import utcnow
from app.errors import AssessmentArchivedError
from app.models import Attempt, AttemptStatus, Candidate, Invitation
from app.organizations.service import hash_secret

# Seeds stay within a signed 63-bit range so every database stores them as BIGINT.
_SEED_BITS = 62


@dataclass(frozen=True)
class NewInvitation:
    invitation: Invitation
    attempt: Attempt
    token: str  # shown once, never stored


def invite(
    session: Session,
    *,
    organization_id: uuid.UUID,
    assessment_id: uuid.UUID,
    email: str,
    name: str,
    valid_days: int,
) -> NewInvitation:
    """Invite a candidate (created on first invite, matched by e-mail) to an assessment."""
    assessment = assessments.get_assessment(
        session, organization_id=organization_id, assessment_id=assessment_id
    )
    if assessment.archived_at is not None:
        raise AssessmentArchivedError("An archived assessment takes no new invitations.")
    candidate = _get_or_create_candidate(
        session, organization_id=organization_id, email=email, name=name
    )
    token = secrets.token_urlsafe(24)
    invitation = Invitation(
        assessment_id=assessment.id,
        candidate_id=candidate.id,
        token_hash=hash_secret(token),
        expires_at=utcnow() + timedelta(days=valid_days),
    )
    session.add(invitation)
    session.flush()
    attempt = Attempt(
        invitation_id=invitation.id,
        assessment_id=assessment.id,
        candidate_id=candidate.id,
        candidate_name=name,
        seed=secrets.randbits(_SEED_BITS),
        status=AttemptStatus.INVITED,
    )
    session.add(attempt)
    session.flush()
    forms.assign_form(session, attempt, assessment)
    session.commit()
    return NewInvitation(invitation, attempt, token)


def _get_or_create_candidate(
    session: Session, *, organization_id: uuid.UUID, email: str, name: str
) -> Candidate:
    email = email.strip().lower()
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
