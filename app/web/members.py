"""The members page (invite, change role, remove) and the e-mail outbox page."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.access.policy import ASSIGNABLE_BY, Action
from app.access.principal import Principal
from app.accounts import members
from app.accounts.errors import AlreadyMemberError, InvalidEmailError
from app.deps import SessionDep, SettingsDep, allowed, signed_in_member
from app.mail import outbox
from app.models import Role
from app.one_hop import OneHopRoute
from app.web.workspace import render_workspace

router = APIRouter(include_in_schema=False, route_class=OneHopRoute)


def _members_page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    *,
    error: Exception | None = None,
    email: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    acting = signed_in_member(request).membership
    context = {
        "page_title": "Members",
        "members": members.list_members(session, organization_id=principal.organization_id),
        "invitations": members.pending_invitations(
            session, organization_id=principal.organization_id
        ),
        "assignable": [r for r in Role if r in ASSIGNABLE_BY[Role(acting.role)]],
        "acting_membership_id": acting.id,
        "error": error,
        "invite_email": email,
    }
    return render_workspace(
        request, "workspace/members.html", context, active="members", status_code=status_code
    )


@router.get("/members", response_class=HTMLResponse)
def members_page(
    request: Request,
    session: SessionDep,
    principal: Annotated[Principal, allowed(Action.MEMBERS_READ)],
) -> HTMLResponse:
    """Who belongs to the organization, with which role, and who is invited."""
    return _members_page(request, session, principal)


@router.post("/members/invitations")
def invite_member(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: Annotated[Principal, allowed(Action.MEMBERS_MANAGE)],
    email: Annotated[str, Form(max_length=400)],
    role: Annotated[Role, Form()],
) -> Response:
    """Invite someone by e-mail with a role."""
    try:
        members.invite_member(
            session,
            organization_id=principal.organization_id,
            invited_by=signed_in_member(request).membership,
            email=email,
            role=role,
            base_url=settings.base_url,
        )
    except (InvalidEmailError, AlreadyMemberError) as error:
        return _members_page(
            request, session, principal, error=error, email=email, status_code=error.status
        )
    return RedirectResponse("/members?notice=invited", status_code=303)


@router.post("/members/invitations/{invitation_id}/revoke")
def revoke_invitation(
    invitation_id: uuid.UUID,
    session: SessionDep,
    principal: Annotated[Principal, allowed(Action.MEMBERS_MANAGE)],
) -> RedirectResponse:
    """Withdraw an invitation that was not accepted yet."""
    members.revoke_invitation(
        session, organization_id=principal.organization_id, invitation_id=invitation_id
    )
    return RedirectResponse("/members?notice=revoked", status_code=303)


@router.post("/members/{membership_id}/role")
def change_role(
    membership_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: Annotated[Principal, allowed(Action.MEMBERS_MANAGE)],
    role: Annotated[Role, Form()],
) -> Response:
    """Give a member another role (htmx gets the member's row back, a browser the page)."""
    acting = signed_in_member(request).membership
    member = members.change_role(
        session,
        organization_id=principal.organization_id,
        acting=acting,
        membership_id=membership_id,
        role=role,
    )
    if request.headers.get("hx-request") != "true":
        return RedirectResponse("/members?notice=role-changed", status_code=303)
    context = {
        "m": member,
        "assignable": [r for r in Role if r in ASSIGNABLE_BY[Role(acting.role)]],
        "acting_membership_id": acting.id,
        "row_notice": f"Role of {member.account.name or member.account.email} changed to {role}.",
    }
    return render_workspace(request, "workspace/member_row.html", context, active="members")


@router.post("/members/{membership_id}/remove")
def remove_member(
    membership_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: Annotated[Principal, allowed(Action.MEMBERS_MANAGE)],
) -> RedirectResponse:
    """Take a member out of the organization."""
    members.remove_member(
        session,
        organization_id=principal.organization_id,
        acting=signed_in_member(request).membership,
        membership_id=membership_id,
    )
    return RedirectResponse("/members?notice=removed", status_code=303)


@router.get("/outbox", response_class=HTMLResponse)
def outbox_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: Annotated[Principal, allowed(Action.OUTBOX_READ)],
) -> HTMLResponse:
    """The organization's e-mails, with their links (what admins use when there is no SMTP)."""
    emails = outbox.list_outbox(session, organization_id=principal.organization_id)
    context = {"page_title": "Outbox", "emails": emails, "smtp": bool(settings.smtp_url)}
    return render_workspace(request, "workspace/outbox.html", context, active="outbox")
