"""Who a request acts as: a signed-in member or an API key, always within one organization."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app.access.policy import ROLE_ACTIONS, Action, key_actions
from app.errors import DomainError
from app.models.account import Role


class ForbiddenError(DomainError):
    status, code, title = 403, "forbidden", "You may not do this"


@dataclass(frozen=True)
class Principal:
    organization_id: uuid.UUID
    actions: frozenset[Action]
    account_id: uuid.UUID | None = None
    role: Role | None = None  # a member's role; None for an API key
    api_key_id: uuid.UUID | None = None

    @classmethod
    def member(cls, *, organization_id: uuid.UUID, account_id: uuid.UUID, role: Role) -> Principal:
        return cls(organization_id, ROLE_ACTIONS[role], account_id=account_id, role=role)

    @classmethod
    def api_key(cls, *, organization_id: uuid.UUID, api_key_id: uuid.UUID, scope: str) -> Principal:
        return cls(organization_id, key_actions(scope), api_key_id=api_key_id)

    def can(self, action: Action) -> bool:
        return action in self.actions

    def require(self, action: Action) -> None:
        """Raise ForbiddenError unless this principal may do `action`."""
        if action not in self.actions:
            raise ForbiddenError(f"Your role does not allow {action.value}.", action=action.value)
