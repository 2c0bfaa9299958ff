"""Plain builders for tests: they flush, never commit."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts import sessions
from app.accounts.passwords import hash_password
from app.accounts.service import find_account
from app.bank.loader import content_version
from app.candidates import service as candidates
from app.candidates.links import InvitationLinks
from app.candidates.service import NewInvitation
from app.deps import SESSION_COOKIE
from app.models import (
    Account,
    Assessment,
    AssessmentItem,
    Membership,
    Organization,
    QuestionVersion,
    Role,
)
from app.organizations.service import NewOrganization, add_api_key
from app.settings import Settings

_counter = itertools.count(1)


def make_org(session: Session, name: str = "Acme") -> NewOrganization:
    org = Organization(name=name)
    session.add(org)
    session.flush()
    return NewOrganization(org, add_api_key(session, organization_id=org.id, name="test"))


def single_choice(qid: str, skill: str, answer: str = "b", **overrides: Any) -> dict[str, Any]:
    return {
        "id": qid,
        "kind": "single_choice",
        "skills": [skill],
        "difficulty": 1,
        "points": 1.0,
        "prompt": f"Question {qid}?",
        "explanation": "Because.",
        "choices": [{"id": c, "text": f"choice {c}"} for c in "abc"],
        "answer": answer,
        **overrides,
    }


def coding(qid: str, skill: str, **overrides: Any) -> dict[str, Any]:
    """A coding question's content without task files: enough to save and show, not to grade."""
    return {
        "id": qid,
        "kind": "coding",
        "skills": [skill],
        "difficulty": 1,
        "points": 10.0,
        "title": f"Task {qid}",
        "statement": "Write `f`.",
        "starter": "def f(x):\n    pass\n",
        "functions": ["f(x) -> y"],
        **overrides,
    }


def make_question(session: Session, content: dict[str, Any], **overrides: Any) -> QuestionVersion:
    content = {"tags": [], **content}
    fields: dict[str, Any] = {
        "question_id": content["id"],
        "version": content_version(content),
        "organization_id": None,
        "source": "bank",
        "kind": content["kind"],
        "skills": content["skills"],
        "difficulty": content.get("difficulty", 1),
        "points": content.get("points", 1.0),
        "content": content,
        "is_current": True,
    }
    question = QuestionVersion(**(fields | overrides))
    session.add(question)
    session.flush()
    return question


def make_assessment(
    session: Session,
    organization: Organization,
    questions: list[QuestionVersion],
    time_limit_minutes: int = 30,
    **overrides: Any,
) -> Assessment:
    assessment = Assessment(
        organization_id=organization.id,
        time_limit_minutes=time_limit_minutes,
        **{"title": f"Assessment {next(_counter)}", **overrides},
    )
    assessment.items = [AssessmentItem(position=i, question=q) for i, q in enumerate(questions)]
    session.add(assessment)
    session.flush()
    return assessment


def make_invitation(
    session: Session, organization: Organization, assessment: Assessment, valid_days: int = 7
) -> NewInvitation:
    return candidates.invite(
        session,
        organization_id=organization.id,
        assessment_id=assessment.id,
        email=f"cand{next(_counter)}@example.com",
        name="Ada Candidate",
        valid_days=valid_days,
        links=InvitationLinks.from_settings(Settings()),
        send_email=False,
    )


def make_member(
    session: Session,
    organization: Organization,
    role: Role = Role.RECRUITER,
    *,
    email: str | None = None,
    password: str | None = None,
    name: str = "",
) -> Membership:
    """A person (with a password when given) who is a member of `organization` with `role`."""
    email = email or f"member{next(_counter)}@example.com"
    account = find_account(session, email=email)
    if account is None:
        account = Account(
            email=email, name=name, password_hash=hash_password(password) if password else None
        )
        session.add(account)
        session.flush()
    membership = Membership(account_id=account.id, organization_id=organization.id, role=role)
    session.add(membership)
    session.flush()
    return membership


def sign_in_as(client: TestClient, session: Session, account: Account) -> str:
    """Give the test client a signed-in session cookie; return the session's CSRF token."""
    new = sessions.sign_in(session, account=account, old_token=None, lifetime=timedelta(hours=1))
    client.cookies.clear()  # one browser, one session cookie
    client.cookies.set(SESSION_COOKIE, new.token)
    return new.session.csrf_token
