"""Server-side browser sessions: start, find, sign in (rotating the token), sign out, switch."""

from __future__ import annotations

import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.accounts import links
from app.accounts.errors import CsrfError, MemberNotFoundError, NoOrganizationError
from app.db import begin_write, utcnow
from app.models import Account, Membership, Role, WebSession

ANONYMOUS_LIFETIME = timedelta(hours=2)


@dataclass(frozen=True)
class NewSession:
    session: WebSession
    token: str  # for the cookie; only its hash is stored


@dataclass(frozen=True)
class SignedIn:
    """A signed-in session with its account and the membership it acts in."""

    web_session: WebSession
    account: Account
    membership: Membership
    memberships: list[Membership]

    @property
    def role(self) -> Role:
        return Role(self.membership.role)


def start_anonymous(session: Session) -> NewSession:
    """A session for the forms shown before sign-in (it carries their CSRF token)."""
    begin_write(session)  # reached from a GET, whose session starts read-only
    new = _add(session, account_id=None, organization_id=None, lifetime=ANONYMOUS_LIFETIME)
    session.commit()
    return new


def sign_in(
    session: Session, *, account: Account, old_token: str | None, lifetime: timedelta
) -> NewSession:
    """Replace any session the browser had by a fresh one (no fixation) for `account`."""
    if old_token:
        session.execute(
            delete(WebSession).where(WebSession.token_hash == links.token_hash(old_token))
        )
    first = session.scalar(
        select(Membership)
        .where(Membership.account_id == account.id)
        .order_by(Membership.created_at, Membership.id)
        .limit(1)
    )
    new = _add(
        session,
        account_id=account.id,
        organization_id=first.organization_id if first else None,
        lifetime=lifetime,
    )
    session.execute(delete(WebSession).where(WebSession.expires_at <= utcnow()))
    session.commit()
    return new


def sign_out(session: Session, *, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == links.token_hash(token)))
    session.commit()


def find_session(session: Session, *, token: str | None) -> WebSession | None:
    """The live session of a cookie's token, or None."""
    if not token:
        return None
    row = session.scalar(select(WebSession).where(WebSession.token_hash == links.token_hash(token)))
    if row is None or row.expires_at <= utcnow():
        return None
    return row


def signed_in(session: Session, *, web_session: WebSession) -> SignedIn | None:
    """The account and current membership of a session; None when nobody is signed in."""
    if web_session.account_id is None:
        return None
    account = session.get(Account, web_session.account_id)
    if account is None:
        return None
    memberships = list(
        session.scalars(
            select(Membership)
            .where(Membership.account_id == account.id)
            .order_by(Membership.created_at, Membership.id)
        )
    )
    if not memberships:
        raise NoOrganizationError(
            "Your account is not a member of any organization. Ask an admin to invite you."
        )
    current = next(
        (m for m in memberships if m.organization_id == web_session.organization_id),
        memberships[0],  # removed from the org the session was in: fall back, never leak
    )
    return SignedIn(web_session, account, current, memberships)


def switch_organization(
    session: Session, *, web_session: WebSession, organization_id: uuid.UUID
) -> None:
    """Make the session act in another organization the account belongs to."""
    member = session.scalar(
        select(Membership).where(
            Membership.account_id == web_session.account_id,
            Membership.organization_id == organization_id,
        )
    )
    if member is None:
        raise MemberNotFoundError("You are not a member of that organization.")
    web_session.organization_id = organization_id
    session.commit()


def check_csrf(web_session: WebSession | None, submitted: str | None) -> None:
    """Raise CsrfError unless `submitted` is this session's synchronizer token."""
    if (
        web_session is None
        or not submitted
        or not hmac.compare_digest(web_session.csrf_token.encode(), submitted.encode())
    ):
        raise CsrfError(
            "The form was sent without a valid security token. Reload the page and try again."
        )


def _add(
    session: Session,
    *,
    account_id: uuid.UUID | None,
    organization_id: uuid.UUID | None,
    lifetime: timedelta,
) -> NewSession:
    token, digest = links.new_token()
    row = WebSession(
        token_hash=digest,
        account_id=account_id,
        organization_id=organization_id,
        csrf_token=secrets.token_urlsafe(32),
        expires_at=utcnow() + lifetime,
    )
    session.add(row)
    session.flush()
    return NewSession(row, token)
