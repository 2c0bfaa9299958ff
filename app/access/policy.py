"""The one permission table: actions x roles, for browser sessions and API keys alike.

A member acts with their role in the organization; an API key acts with its scope, and each
scope is one role's column of the table: `read` = viewer, `write` = recruiter, `admin` = admin
(never owner). Keys made before scopes existed are `admin`; keys scoped by role name before the
read/write/admin names (`viewer`, `recruiter`) were renamed by a migration and still resolve here.
Adding a scope for keys means adding an entry to KEY_SCOPES, never a second table.
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
    API_KEYS_MANAGE = "api_keys.manage"
    # Webhook endpoints hold signing secrets and send the org's data to outside URLs.
    WEBHOOKS_MANAGE = "webhooks.manage"
    # Making or unmaking an owner, kept apart so an admin cannot lock the owners out.
    OWNERS_MANAGE = "owners.manage"


_VIEWER = frozenset(
    {Action.ASSESSMENT_READ, Action.RESULTS_READ, Action.QUESTIONS_READ, Action.MEMBERS_READ}
)
_RECRUITER = _VIEWER | {Action.ASSESSMENT_WRITE, Action.INVITATION_WRITE, Action.QUESTIONS_WRITE}
_ADMIN = _RECRUITER | {
    Action.MEMBERS_MANAGE,
    Action.OUTBOX_READ,
    Action.API_KEYS_MANAGE,
    Action.WEBHOOKS_MANAGE,
}
_OWNER = _ADMIN | {Action.OWNERS_MANAGE}

ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.VIEWER: _VIEWER,
    Role.RECRUITER: _RECRUITER,
    Role.ADMIN: _ADMIN,
    Role.OWNER: _OWNER,
}


class KeyScope(StrEnum):
    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


# The role whose column of the table each key scope takes (never owner).
SCOPE_ROLES: dict[KeyScope, Role] = {
    KeyScope.READ: Role.VIEWER,
    KeyScope.WRITE: Role.RECRUITER,
    KeyScope.ADMIN: Role.ADMIN,
}
# An API key's scope -> what it may do.
KEY_SCOPES: dict[str, frozenset[Action]] = {
    scope.value: ROLE_ACTIONS[role] for scope, role in SCOPE_ROLES.items()
}
# Scope names of the first scoped keys (named after roles), kept working.
_LEGACY_SCOPES = {"viewer": KeyScope.READ, "recruiter": KeyScope.WRITE}

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
    return KEY_SCOPES.get(_LEGACY_SCOPES.get(scope, scope), frozenset())
