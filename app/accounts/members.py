"""Members of an organization: list, invite by e-mail link, accept, change role, remove."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from app.access.policy import ASSIGNABLE_BY
from app.access.principal import ForbiddenError
from app.accounts import links, passwords
from app.accounts import service as accounts
from app.accounts.errors import (
    AlreadyMemberError,
    InvitationNotPendingError,
    LastOwnerError,
    LinkInvalidError,
    MemberNotFoundError,
)
from app.db import utcnow
from app.mail import outbox
from app.models import Account, MemberInvitation, Membership, Organization, Role

INVITATION_VALID = timedelta(days=7)


@dataclass(frozen=True)
class PendingJoin:
    invitation: MemberInvitation
    organization: Organization
    account: Account | None  # the invited e-mail's account, when it already exists


def list_members(session: Session, *, organization_id: uuid.UUID) -> list[Membership]:
    return list(
        session.scalars(
            select(Membership)
            .options(joinedload(Membership.account))
            .join(Account)
            .where(Membership.organization_id == organization_id)
            .order_by(Account.email)
        )
    )


def pending_invitations(session: Session, *, organization_id: uuid.UUID) -> list[MemberInvitation]:
    return list(
        session.scalars(
            select(MemberInvitation)
            .where(
                MemberInvitation.organization_id == organization_id,
                MemberInvitation.accepted_at.is_(None),
                MemberInvitation.revoked_at.is_(None),
                MemberInvitation.expires_at > utcnow(),
            )
            .order_by(MemberInvitation.created_at.desc())
        )
    )


def invite_member(
    session: Session,
    *,
    organization_id: uuid.UUID,
    invited_by: Membership,
    email: str,
    role: Role,
    base_url: str,
) -> MemberInvitation:
    """Invite `email` with `role`: a one-time link goes out through the outbox."""
    _check_assignable(invited_by, role)
    email = accounts.normalize_email(email)
    already = session.scalar(
        select(Membership)
        .join(Account)
        .where(Membership.organization_id == organization_id, Account.email == email)
    )
    if already is not None:
        raise AlreadyMemberError(f"{email} is already a member.")
    token, digest = links.new_token()
    invitation = MemberInvitation(
        organization_id=organization_id,
        email=email,
        role=role.value,
        token_hash=digest,
        invited_by_id=invited_by.account_id,
        expires_at=utcnow() + INVITATION_VALID,
    )
    session.add(invitation)
    organization = session.get_one(Organization, organization_id)
    inviter = invited_by.account.name or invited_by.account.email
    outbox.queue_email(
        session,
        organization_id=organization_id,
        kind="member-invitation",
        to_address=email,
        subject=f"Join {organization.name} on Chainrule",
        body=(
            f"{inviter} invites you to {organization.name} on Chainrule as {role.value}.\n\n"
            f"Accept here (the link works once, for {INVITATION_VALID.days} days):\n"
            f"{base_url}/join/{token}\n"
        ),
    )
    session.commit()
    return invitation


def revoke_invitation(
    session: Session, *, organization_id: uuid.UUID, invitation_id: uuid.UUID
) -> None:
    invitation = session.get(MemberInvitation, invitation_id)
    if (
        invitation is None
        or invitation.organization_id != organization_id
        or invitation.accepted_at is not None
        or invitation.revoked_at is not None
    ):
        raise InvitationNotPendingError()
    invitation.revoked_at = utcnow()
    session.commit()


def find_pending_join(session: Session, *, token: str) -> PendingJoin:
    """What a join link offers, or LinkInvalidError when it was used, revoked or expired."""
    invitation = session.scalar(
        select(MemberInvitation).where(MemberInvitation.token_hash == links.token_hash(token))
    )
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.revoked_at is not None
        or invitation.expires_at <= utcnow()
    ):
        raise LinkInvalidError(
            "This invitation was already used, was withdrawn or has expired. "
            "Ask the person who invited you for a new one."
        )
    organization = session.get_one(Organization, invitation.organization_id)
    return PendingJoin(
        invitation, organization, accounts.find_account(session, email=invitation.email)
    )


def accept_invitation(
    session: Session,
    *,
    token: str,
    signed_in_account_id: uuid.UUID | None,
    name: str = "",
    password: str = "",
) -> Account:
    """Join the organization. A new person sets a name and password; an existing account with a
    password must be signed in as itself (the link alone is not a way into someone's account)."""
    pending = find_pending_join(session, token=token)
    account = pending.account
    if account is not None and account.password_hash is not None:
        if account.id != signed_in_account_id:
            raise ForbiddenError("Sign in as the invited e-mail address to accept.")
    else:
        passwords.check_new_password(password)
        account = account or accounts.ensure_account(session, email=pending.invitation.email)
        account.password_hash = passwords.hash_password(password)
        account.password_changed_at = utcnow()
        account.name = name.strip()[:200] or account.name
    existing = session.scalar(
        select(Membership).where(
            Membership.account_id == account.id,
            Membership.organization_id == pending.invitation.organization_id,
        )
    )
    if existing is None:
        session.add(
            Membership(
                account_id=account.id,
                organization_id=pending.invitation.organization_id,
                role=pending.invitation.role,
            )
        )
    pending.invitation.accepted_at = utcnow()
    session.commit()
    return account


def get_member(
    session: Session, *, organization_id: uuid.UUID, membership_id: uuid.UUID
) -> Membership:
    member = session.get(Membership, membership_id)
    if member is None or member.organization_id != organization_id:
        raise MemberNotFoundError()  # another organization's member is just "not found"
    return member


def change_role(
    session: Session,
    *,
    organization_id: uuid.UUID,
    acting: Membership,
    membership_id: uuid.UUID,
    role: Role,
) -> Membership:
    """Give a member another role, within what the acting member may assign."""
    member = get_member(session, organization_id=organization_id, membership_id=membership_id)
    _check_assignable(acting, Role(member.role))
    _check_assignable(acting, role)
    if member.role == Role.OWNER and role != Role.OWNER:
        _keep_an_owner(session, organization_id)
    member.role = role.value
    session.commit()
    return member


def remove_member(
    session: Session, *, organization_id: uuid.UUID, acting: Membership, membership_id: uuid.UUID
) -> None:
    member = get_member(session, organization_id=organization_id, membership_id=membership_id)
    _check_assignable(acting, Role(member.role))
    if member.role == Role.OWNER:
        _keep_an_owner(session, organization_id)
    session.delete(member)
    session.commit()


def _check_assignable(acting: Membership, role: Role) -> None:
    if role not in ASSIGNABLE_BY[Role(acting.role)]:
        raise ForbiddenError(f"Your role cannot give or take the {role.value} role.")


def _keep_an_owner(session: Session, organization_id: uuid.UUID) -> None:
    owners = session.scalar(
        select(func.count()).where(
            Membership.organization_id == organization_id, Membership.role == Role.OWNER
        )
    )
    if (owners or 0) <= 1:
        raise LastOwnerError("Make someone else an owner first.")
