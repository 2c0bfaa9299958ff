"""The one permission table: actions x roles, for browser sessions and API keys alike.

A member acts with their role in the organization; an API key acts with its scope, and a scope
is named like a role (keys made before scopes existed are `admin`). Adding a scope for keys means
adding an entry to KEY_SCOPES, never a second table.
"""

from __future__ import annotations

from enum import StrEnum

from app.models.account import Role


class Action(StrEnum):
    ASSESSMENT_READ = "assessment.read"
    ASSESSMENT_WRITE = "assessment.write"
    INVITATION_WRITE = "invitation.write"
    RESULTS_READ = "results.read"
    QUESTIONS_READ = "questions.read"
    QUESTIONS_WRITE = "questions.write"
    MEMBERS_READ = "members.read"
    MEMBERS_MANAGE = "members.manage"
    OUTBOX_READ = "outbox.read"
    # Webhook endpoints hold signing secrets and send the org's data to outside URLs.
    WEBHOOKS_MANAGE = "webhooks.manage"
    # Making or unmaking an owner, kept apart so an admin cannot lock the owners out.
    OWNERS_MANAGE = "owners.manage"


_VIEWER = frozenset(
    {Action.ASSESSMENT_READ, Action.RESULTS_READ, Action.QUESTIONS_READ, Action.MEMBERS_READ}
)
_RECRUITER = _VIEWER | {Action.ASSESSMENT_WRITE, Action.INVITATION_WRITE, Action.QUESTIONS_WRITE}
_ADMIN = _RECRUITER | {Action.MEMBERS_MANAGE, Action.OUTBOX_READ, Action.WEBHOOKS_MANAGE}
_OWNER = _ADMIN | {Action.OWNERS_MANAGE}

ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.VIEWER: _VIEWER,
    Role.RECRUITER: _RECRUITER,
    Role.ADMIN: _ADMIN,
    Role.OWNER: _OWNER,
}

# An API key's scope -> what it may do: a scope is a role's column of the table (never owner).
KEY_SCOPES: dict[str, frozenset[Action]] = {
    role.value: ROLE_ACTIONS[role] for role in (Role.ADMIN, Role.RECRUITER, Role.VIEWER)
}

# Roles a member with the given role may hand out or take away.
ASSIGNABLE_BY: dict[Role, frozenset[Role]] = {
    Role.OWNER: frozenset(Role),
    Role.ADMIN: frozenset({Role.ADMIN, Role.RECRUITER, Role.VIEWER}),
    Role.RECRUITER: frozenset(),
    Role.VIEWER: frozenset(),
}


def role_allows(role: Role, action: Action) -> bool:
    return action in ROLE_ACTIONS[role]


def key_actions(scope: str) -> frozenset[Action]:
    """What a key with `scope` may do; an unknown scope may do nothing."""
    return KEY_SCOPES.get(scope, frozenset())
