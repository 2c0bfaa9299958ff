"""Assessments, invitations, members and sessions: the routes of the first workspace."""

from __future__ import annotations

from typing import Any

BODIES: dict[str, dict[str, Any]] = {
    "create_assessment": {
        "json": {"title": "M", "question_ids": ["{question_id}"], "time_limit_minutes": 10}
    },
    "create_invitation": {"json": {"candidate": {"email": "m@example.com", "name": "M"}}},
    "invite_member": {"data": {"email": "newcomer@example.com", "role": "viewer"}},
    "change_role": {"data": {"role": "recruiter"}},
    "remove_member": {"data": {}},
    "revoke_invitation": {"data": {}},
    "switch_organization": {"data": {"organization_id": "{organization_id}"}},
    "sign_out": {"data": {}},
}
FORM_TARGETS = {"switch_organization": {"organization_id"}}
