"""The question library: custom questions through the API and the library pages."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.models import Organization, QuestionValidation, ValidationStatus

_CHOICE = {
    "kind": "single_choice",
    "skills": ["chain_rule"],
    "difficulty": 1,
    "prompt": "Which?",
    "choices": [{"id": "a", "text": "this"}, {"id": "b", "text": "that"}],
    "answer": "a",
    "explanation": "Because.",
}
_FORM = {
    "kind": "single_choice",
    "skills": "chain_rule",
    "difficulty": "1",
    "points": "1",
    "prompt": "Which?",
    "choice_a": "this",
    "choice_b": "that",
    "answer": "a",
    "explanation": "Because.",
}

BODIES: dict[str, dict[str, Any]] = {
    "create_question": {"json": _CHOICE},
    "update_question": {"json": _CHOICE},
    "archive_question": {},
    "library_create": {"data": _FORM},
    "library_update": {"data": _FORM},
    "library_archive": {"data": {}},
}


def seed(session: Session, organization: Organization, ids: dict[str, str]) -> None:
    """A finished judge's check of the world's custom question, for the routes that show one."""
    session.add(
        QuestionValidation(
            organization_id=organization.id,
            question_id=ids["question_id"],
            content={"kind": "coding", "files": {}},
            skills=["chain_rule"],
            difficulty=1,
            points=1.0,
            status=ValidationStatus.REJECTED,
            message="The reference failed.",
            report={"runs": []},
        )
    )
    session.flush()
