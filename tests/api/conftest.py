"""A small world the bad-input tests share: an organization, two questions (one answer, a
number), an assessment and a fresh invitation."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests import factories


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    org = factories.make_org(session)
    questions = [
        factories.make_question(session, factories.single_choice("bi-single", "forward_pass")),
        factories.make_question(
            session,
            {
                "id": "bi-num",
                "kind": "numeric",
                "skills": ["chain_rule"],
                "difficulty": 1,
                "prompt": "2+2?",
                "explanation": "4",
                "answer": 4.0,
                "tolerance": {"abs": 0.1},
            },
        ),
    ]
    assessment = factories.make_assessment(session, org.organization, questions)
    invitation = factories.make_invitation(session, org.organization, assessment)
    return {
        "org": org,
        "assessment": assessment,
        "token": invitation.token,
        "attempt_id": invitation.attempt.id,
        "auth": {"Authorization": f"Bearer {org.api_key}"},
    }
