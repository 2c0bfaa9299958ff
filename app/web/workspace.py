"""The recruiter's pages share a layout: who is signed in, which organization, the CSRF token."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from app.access.policy import ROLE_ACTIONS, Action
from app.accounts.sessions import SignedIn
from app.deps import SESSION_COOKIE, signed_in_member
from app.settings import Settings
from app.web.templating import render_page

# Notices shown after a redirect are picked by key, so no text from the URL reaches the page.
NOTICES = {
    "invited": "Invitation sent.",
    "role-changed": "Role changed.",
    "removed": "Member removed.",
    "revoked": "Invitation withdrawn.",
    "key-revoked": "API key revoked.",
    "switched": "Organization switched.",
    "password-set": "Your password is set. Welcome!",
    "joined": "You joined the organization.",
    "created": "Question created.",
    "saved": "Saved as a new version; assessments that use the question keep theirs.",
    "archived": "Question archived: it leaves the library and new assessments.",
    "assessment-created": "Assessment created.",
    "assessment-saved": "Assessment saved.",
    "assessment-duplicated": "This is a copy: change it and save.",
    "assessment-archived": "Assessment archived: no new invitations or starts.",
}


@dataclass(frozen=True)
class OrgChoice:
    organization_id: uuid.UUID
    name: str
    role: str
    is_current: bool


@dataclass(frozen=True)
class MemberView:
    name: str
    email: str
    role: str
    organization_name: str
    organizations: list[OrgChoice]
    can: frozenset[str]


def member_view(member: SignedIn) -> MemberView:
    return MemberView(
        name=member.account.name or member.account.email,
        email=member.account.email,
        role=member.role.value,
        organization_name=member.membership.organization.name,
        organizations=[
            OrgChoice(
                m.organization_id,
                m.organization.name,
                m.role,
                m.organization_id == member.membership.organization_id,
            )
            for m in member.memberships
        ],
        can=frozenset(a.value for a in ROLE_ACTIONS[member.role]),
    )


def render_workspace(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    active: str,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a signed-in page (after a Permission dependency ran) inside the workspace layout."""
    member = signed_in_member(request)
    notice = NOTICES.get(request.query_params.get("notice", ""))
    return render_page(
        request,
        template,
        {
            **context,
            "member": member_view(member),
            "csrf_token": member.web_session.csrf_token,
            "active": active,
            "notice": notice,
            "actions": Action,
        },
        status_code=status_code,
    )


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    # HttpOnly: no script reads it; Lax: not sent on cross-site POSTs; Secure behind https.
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_hours * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=settings.secure_cookies
    )


def safe_next(target: str | None) -> str:
    """Only a path on this site (never `//host` or a scheme) may follow a sign-in."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target
