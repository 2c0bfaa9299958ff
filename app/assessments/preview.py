"""Preview as candidate: a recruiter takes the test without recording an attempt.

The preview is a signed, expiring token naming the assessment, the organization, a seed and
the clock's start; everything the test page needs follows from it (the form is drawn from the
seed as an attempt's would be), so a preview writes no row. Answers are checked as the real
test checks them and then forgotten.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

from sqlalchemy.orm import Session

from app.assessments import forms
from app.assessments.service import get_assessment
from app.attempts.presentation import candidate_question
from app.attempts.responses import QuestionSpec, normalize_response
from app.db import utcnow
from app.errors import AttemptExpiredError, DomainError, NotFoundError, QuestionNotFoundError
from app.models import Assessment, QuestionVersion

# Time after the preview's clock ran out during which its page still opens (to its end page).
_GRACE = timedelta(minutes=30)
_PURPOSE = b"chainrule preview token v1"


class PreviewNotFoundError(NotFoundError):
    code, title = "preview-not-found", "This preview link is not valid"


class PreviewExpiredError(DomainError):
    status, code, title = 410, "preview-expired", "This preview has ended"


class PreviewRunsUnavailableError(DomainError):
    status, code, title = 409, "preview-runs-unavailable", "Checks do not run in a preview"


@dataclass(frozen=True)
class Ticket:
    """What a preview token says, once its signature is checked."""

    organization_id: uuid.UUID
    assessment_id: uuid.UUID
    seed: int
    started_at: datetime
    time_limit_minutes: int

    @property
    def deadline(self) -> datetime:
        return self.started_at + timedelta(minutes=self.time_limit_minutes)


@dataclass(frozen=True)
class PreviewView:
    ticket: Ticket
    assessment: Assessment
    form: list[QuestionVersion]
    questions: list[dict[str, Any]]  # as the candidate sees them


def start_preview(
    session: Session, *, secret: str, organization_id: uuid.UUID, assessment_id: uuid.UUID
) -> str:
    """A new preview token of the organization's assessment; the clock starts now."""
    assessment = get_assessment(
        session, organization_id=organization_id, assessment_id=assessment_id
    )
    ticket = Ticket(
        organization_id=organization_id,
        assessment_id=assessment.id,
        seed=secrets.randbits(62),
        started_at=utcnow().replace(microsecond=0),
        time_limit_minutes=assessment.time_limit_minutes,
    )
    return issue_token(secret, ticket)


def open_preview(session: Session, *, secret: str, token: str) -> PreviewView:
    """The preview's assessment and its form, as the attempt with this seed would have it."""
    ticket = read_token(secret, token)
    assessment = get_assessment(
        session, organization_id=ticket.organization_id, assessment_id=ticket.assessment_id
    )
    pools = forms.pools_of(assessment)
    on_offer = forms.questions_on_offer(session, assessment.organization_id) if pools else []
    form = forms.draw_form(
        [item.question for item in assessment.items],
        pools,
        on_offer,
        seed=ticket.seed,
        shuffle=assessment.shuffle_questions,
    )
    shuffle = assessment.shuffle_choices
    questions = [candidate_question(q, ticket.seed, shuffle) for q in form]
    return PreviewView(ticket, assessment, form, questions)


def check_answer(
    session: Session, *, secret: str, token: str, question_id: str, response: dict[str, Any]
) -> dict[str, Any]:
    """Check a response as the real test would (refusing what it refuses); nothing is kept."""
    view = open_preview(session, secret=secret, token=token)
    ensure_running(view.ticket)
    question = next((q for q in view.form if q.question_id == question_id), None)
    if question is None:
        raise QuestionNotFoundError(f"The assessment has no question {question_id!r}.")
    spec = QuestionSpec.from_content(question.question_id, question.kind, question.content)
    return normalize_response(spec, response)


def ensure_running(ticket: Ticket) -> None:
    if utcnow() >= ticket.deadline:
        raise AttemptExpiredError("The preview's time limit has passed.")


def refuse_run(question_id: str) -> NoReturn:
    """Public checks need the judge's queue, which works on stored submissions."""
    raise PreviewRunsUnavailableError(
        "The checks do not run in a preview: the judge runs only code stored as a submission, "
        "and a preview stores nothing. Invite yourself to try them.",
        question_id=question_id,
    )


def read_token(secret: str, token: str) -> Ticket:
    """The ticket of a well-signed token; a token past its grace time has expired."""
    body, _, signature = token.partition(".")
    if not hmac.compare_digest(signature, _signature(secret, body)):
        raise PreviewNotFoundError("This preview link is not valid.")
    try:
        raw = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        ticket = Ticket(
            organization_id=uuid.UUID(raw["o"]),
            assessment_id=uuid.UUID(raw["a"]),
            seed=int(raw["s"]),
            started_at=datetime.fromtimestamp(int(raw["t"]), UTC),
            time_limit_minutes=int(raw["m"]),
        )
    except (ValueError, KeyError, TypeError, binascii.Error) as error:
        raise PreviewNotFoundError("This preview link is not valid.") from error
    if utcnow() >= ticket.deadline + _GRACE:
        raise PreviewExpiredError("This preview has ended. Start a new one from the assessment.")
    return ticket


def issue_token(secret: str, ticket: Ticket) -> str:
    """The signed token standing for `ticket`."""
    payload = {
        "o": str(ticket.organization_id),
        "a": str(ticket.assessment_id),
        "s": ticket.seed,
        "t": int(ticket.started_at.timestamp()),
        "m": ticket.time_limit_minutes,
    }
    raw = json.dumps(payload, separators=(",", ":")).encode()
    body = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return f"{body}.{_signature(secret, body)}"


def _signature(secret: str, body: str) -> str:
    # A key of its own, so no other signature made with the secret can pass as a preview's.
    key = hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()
    digest = hmac.new(key, body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")
