"""The `data` of each event: what an integrator needs to act, never a candidate's token."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.models import Attempt, Candidate, Invitation


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _candidate(attempt: Attempt, candidate: Candidate) -> dict[str, str]:
    # The name this attempt was invited under (a later invite may use another one).
    return {"email": candidate.email, "name": attempt.candidate_name}


def invitation_data(
    invitation: Invitation, attempt: Attempt, candidate: Candidate
) -> dict[str, Any]:
    return {
        "invitation_id": str(invitation.id),
        "attempt_id": str(attempt.id),
        "assessment_id": str(invitation.assessment_id),
        "candidate": _candidate(attempt, candidate),
        "expires_at": _time(invitation.expires_at),
    }


def attempt_data(attempt: Attempt, *, with_score: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "attempt_id": str(attempt.id),
        "assessment_id": str(attempt.assessment_id),
        "invitation_id": str(attempt.invitation_id),
        "candidate": _candidate(attempt, attempt.candidate),
        "status": attempt.status,
        "started_at": _time(attempt.started_at),
        "deadline": _time(attempt.deadline),
        "submitted_at": _time(attempt.submitted_at),
    }
    if with_score and attempt.score is not None:
        data["score"] = attempt.score.score
        data["max_score"] = attempt.score.max_score
        data["per_skill"] = attempt.score.per_skill
    return data
