"""The two organizations the permission matrix plays in: members, keys and every area's rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.access.policy import KEY_SCOPES
from app.accounts import links
from app.models import ApiKey, MemberInvitation, Role
from app.organizations.service import add_api_key, hash_secret
from tests.access.areas import SEEDS
from tests.factories import (
    make_assessment,
    make_invitation,
    make_member,
    make_org,
    make_question,
    single_choice,
)


@dataclass(frozen=True)
class World:
    """Plain values only: the rows are built once and each cell reads them on its own session."""

    ids: dict[str, str]
    accounts: dict[Role, uuid.UUID]  # the account of the member with each role
    keys: dict[str, str]  # an API key's secret for each scope


def build_world(session: Session, name: str) -> World:
    org = make_org(session, name=name)
    question = make_question(
        session,
        single_choice(f"custom-{name}", "chain_rule", answer="a"),
        organization_id=org.organization.id,
        source="custom",
    )
    assessment = make_assessment(session, org.organization, [question])
    invited = make_invitation(session, org.organization, assessment)
    members = {role: make_member(session, org.organization, role) for role in Role}
    target = make_member(session, org.organization, Role.VIEWER)
    pending = MemberInvitation(
        organization_id=org.organization.id,
        email=f"pending-{name}@example.com",
        role=Role.VIEWER,
        token_hash=links.new_token()[1],
        expires_at=invited.invitation.expires_at,
    )
    session.add(pending)
    keys = {}
    for scope in KEY_SCOPES:
        keys[scope] = add_api_key(session, organization_id=org.organization.id, name=scope)
        key_row = session.query(ApiKey).filter_by(key_hash=hash_secret(keys[scope])).one()
        key_row.scope = scope
    session.flush()
    ids = {
        "assessment_id": str(assessment.id),
        "attempt_id": str(invited.attempt.id),
        "question_id": question.question_id,
        "membership_id": str(target.id),
        "invitation_id": str(pending.id),
        "organization_id": str(org.organization.id),
    }
    for seed in SEEDS:
        seed(session, org.organization, ids)
    return World(ids, {role: m.account_id for role, m in members.items()}, keys)
