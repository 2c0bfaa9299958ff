"""The Greenhouse assessment partner API: Greenhouse lists our tests, sends one, reads its status.

A sent test is an invitation like any other (same e-mail, same events) plus an order row that
remembers where Greenhouse wants the completion PATCH.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.assessments import service as assessments
from app.attempts import service as attempts
from app.candidates import service as candidates
from app.candidates.links import InvitationLinks
from app.errors import AssessmentNotFoundError, NotFoundError
from app.models import Assessment, AttemptStatus, GreenhouseOrder, IntegrationError
from app.pagination import Page, oldest_first
from app.webhooks.endpoints import check_url

log = logging.getLogger(__name__)
PROVIDER = "greenhouse"
# The recruiter's page for one attempt; Greenhouse links to it once the test is complete.
PROFILE_PATH = "/attempts/{attempt_id}"


class PartnerInterviewNotFoundError(NotFoundError):
    code, title = "partner-interview-not-found", "No test was sent with this partner_interview_id"


@dataclass(frozen=True)
class GreenhouseCandidate:
    first_name: str
    last_name: str
    preferred_name: str | None
    email: str

    @property
    def display_name(self) -> str:
        first = self.preferred_name or self.first_name
        return f"{first} {self.last_name}".strip()


def list_tests(session: Session, *, organization_id: uuid.UUID) -> list[dict[str, str]]:
    """The organization's open (not archived) assessments as Greenhouse shows them, newest first."""
    rows = session.execute(
        select(Assessment.id, Assessment.title)
        .where(Assessment.organization_id == organization_id, Assessment.archived_at.is_(None))
        .order_by(Assessment.created_at.desc())
    )
    return [{"partner_test_id": str(r.id), "partner_test_name": r.title} for r in rows]


def send_test(
    session: Session,
    *,
    organization_id: uuid.UUID,
    partner_test_id: str,
    candidate: GreenhouseCandidate,
    callback_url: str,
    callback_key: str,
    sent_by: str | None,
    greenhouse_profile_url: str | None,
    valid_days: int,
    links: InvitationLinks,
    allow_private: bool,
) -> GreenhouseOrder:
    """Invite the candidate, e-mail the link and remember the callback; one transaction.

    Greenhouse retries send_test without an Idempotency-Key: a retry (same test, e-mail and
    profile url) gets the first order back and creates nothing, even while the first runs.
    """
    key = request_key(partner_test_id, candidate.email, greenhouse_profile_url)
    if (first := _order_for_request(session, organization_id, key)) is not None:
        return first
    try:
        assessment_id = uuid.UUID(partner_test_id)
    except ValueError as exc:
        raise AssessmentNotFoundError(f"No test {partner_test_id!r}.") from exc
    check_url(callback_url, allow_private=allow_private)
    assessment = assessments.get_assessment(
        session, organization_id=organization_id, assessment_id=assessment_id
    )
    try:
        # The same invitation (and e-mail with the link) as any other, in this transaction.
        new = candidates.add_invitation(
            session,
            assessment=assessment,
            details=candidates.CandidateDetails(candidate.email, candidate.display_name),
            valid_days=valid_days,
            links=links,
            send_email=True,
        )
        order = GreenhouseOrder(
            organization_id=organization_id,
            attempt_id=new.attempt.id,
            request_key=key,
            callback_url=callback_url,
            callback_key=callback_key,
            sent_by=sent_by,
            greenhouse_profile_url=greenhouse_profile_url,
        )
        session.add(order)
        session.commit()
    except IntegrityError:
        # A retry running at the same time committed first (PostgreSQL made this one wait on
        # the unique key): everything here is rolled back, e-mail included; answer with its order.
        session.rollback()
        if (first := _order_for_request(session, organization_id, key)) is None:
            raise
        return first
    return order


def request_key(partner_test_id: str, email: str, greenhouse_profile_url: str | None) -> str:
    """What identifies one send_test among Greenhouse's retries."""
    parts = (partner_test_id.strip().lower(), email.strip().lower(), greenhouse_profile_url or "")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _order_for_request(
    session: Session, organization_id: uuid.UUID, key: str
) -> GreenhouseOrder | None:
    return session.scalar(
        select(GreenhouseOrder).where(
            GreenhouseOrder.organization_id == organization_id,
            GreenhouseOrder.request_key == key,
        )
    )


def test_status(
    session: Session, *, organization_id: uuid.UUID, partner_interview_id: str, base_url: str
) -> dict[str, Any]:
    """The status Greenhouse shows: `complete` with score, report link and per-skill metadata."""
    order = _order(session, organization_id, partner_interview_id)
    attempt = attempts.get_attempt(
        session, organization_id=organization_id, attempt_id=order.attempt_id
    )
    score = attempt.score
    complete = attempt.graded_at is not None and score is not None
    status = "complete" if complete else _STATUS.get(AttemptStatus(attempt.status), "in_progress")
    metadata: dict[str, Any] = {"status": attempt.status}
    partner_score = None
    if complete and score is not None:
        partner_score = _percent(score.score, score.max_score)
        metadata["score"] = score.score
        metadata["max_score"] = score.max_score
        for skill, cell in score.per_skill.items():
            metadata[f"{skill}_percent"] = _percent(cell["score"], cell["max_score"])
    return {
        "partner_status": status,
        "partner_profile_url": (
            base_url + PROFILE_PATH.format(attempt_id=attempt.id) if complete else None
        ),
        "partner_score": partner_score,
        "metadata": metadata,
    }


# Greenhouse reads only "complete"; the others are shown to recruiters as they are.
_STATUS = {
    AttemptStatus.INVITED: "sent",
    AttemptStatus.STARTED: "started",
    AttemptStatus.SUBMITTED: "grading",
    AttemptStatus.EXPIRED: "grading",
}


def record_error(
    session: Session,
    *,
    organization_id: uuid.UUID,
    api_call: str,
    errors: list[str],
    **details: Any,
) -> IntegrationError:
    """Keep an error Greenhouse reported about one of our responses, for the organization."""
    log.warning("greenhouse reported an error on %s: %s", api_call, errors)
    row = IntegrationError(
        organization_id=organization_id,
        provider=PROVIDER,
        api_call=api_call,
        errors=errors,
        details={k: v for k, v in details.items() if v is not None},
    )
    session.add(row)
    session.commit()
    return row


def list_errors(
    session: Session, *, organization_id: uuid.UUID, cursor: str | None, limit: int
) -> Page[IntegrationError]:
    """The errors integrations reported for this organization, oldest first."""
    query = select(IntegrationError).where(IntegrationError.organization_id == organization_id)
    return oldest_first(session, query, IntegrationError, cursor, limit)


def _order(
    session: Session, organization_id: uuid.UUID, partner_interview_id: str
) -> GreenhouseOrder:
    try:
        order_id = uuid.UUID(partner_interview_id)
    except ValueError as exc:
        raise PartnerInterviewNotFoundError() from exc
    order = session.get(GreenhouseOrder, order_id)
    if order is None or order.organization_id != organization_id:
        raise PartnerInterviewNotFoundError()
    return order


def _percent(score: float, max_score: float) -> float:
    return round(100.0 * score / max_score, 1) if max_score else 0.0
