"""Candidate invitations (one, CSV, withdraw, resend, remind, extra time) and the results table."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from app.models import Assessment, Organization
from tests.factories import make_invitation

CSV = "email,name\nmatrix@example.com,Matrix Candidate\n"

BODIES: dict[str, dict[str, Any]] = {
    # REST
    "create_invitations_from_csv": {"content": CSV},
    "remind_not_started_candidates": {},
    "revoke_candidate_invitation": {},
    "resend_invitation": {},
    "remind_candidate": {},
    "set_extra_time": {"json": {"extra_minutes": 15}},
    # Pages
    "invite_candidate": {"data": {"name": "Matrix Candidate", "email": "page@example.com"}},
    "invite_candidates_from_csv": {
        "data": {},
        "files": {"file": ("candidates.csv", CSV.encode(), "text/csv")},
    },
    "remind_all_not_started": {"data": {}},
    "withdraw_invitation": {"data": {}},
    "resend_invitation_page": {"data": {}},
    "remind_candidate_page": {"data": {}},
}
# The upload answers with its per-row report, a page.
PAGE_STATUS = {"invite_candidates_from_csv": 200}


def seed(session: Session, organization: Organization, ids: dict[str, str]) -> None:
    """An open candidate invitation of the world's assessment, for the invitation routes."""
    assessment = session.get(Assessment, uuid.UUID(ids["assessment_id"]))
    assert assessment is not None
    invited = make_invitation(session, organization, assessment)
    ids["candidate_invitation_id"] = str(invited.invitation.id)
