"""Accounts: create them, set passwords through one-time links, check a sign-in."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.accounts import links, passwords
from app.accounts.errors import (
    InvalidEmailError,
    LinkInvalidError,
    SignInFailedError,
    SignInLimitedError,
)
from app.db import utcnow
from app.mail import outbox
from app.models import Account, PasswordToken, SignInFailure, WebSession

# Deliberately loose: one @, something on each side, a dot in the domain, no spaces.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
FIRST_PASSWORD_VALID = timedelta(days=7)
RESET_VALID = timedelta(hours=1)


@dataclass(frozen=True)
class SignInLimits:
    per_account: int
    per_address: int
    window: timedelta


def normalize_email(email: str) -> str:
    """Lower-case and trimmed; raise InvalidEmailError when it cannot be an address."""
    email = email.strip().lower()
    if len(email) > 320 or not _EMAIL.match(email):
        raise InvalidEmailError(f"{email[:80]!r} is not an e-mail address.")
    return email


def find_account(session: Session, *, email: str) -> Account | None:
    return session.scalar(select(Account).where(Account.email == email.strip().lower()))


def ensure_account(session: Session, *, email: str, name: str = "") -> Account:
    """Return the account of `email`, creating it (without a password) if needed; flushes."""
    email = normalize_email(email)
    account = find_account(session, email=email)
    if account is None:
        account = Account(email=email, name=name.strip()[:200])
        session.add(account)
        session.flush()
    return account


def add_password_link(
    session: Session, *, account_id: uuid.UUID, valid_for: timedelta = FIRST_PASSWORD_VALID
) -> str:
    """Add a one-time set-password token (flushed, not committed) and return it."""
    token, digest = links.new_token()
    session.add(
        PasswordToken(account_id=account_id, token_hash=digest, expires_at=utcnow() + valid_for)
    )
    session.flush()
    return token


def password_link_account(session: Session, *, token: str) -> Account:
    """The account a live set-password link belongs to, or LinkInvalidError."""
    row = _live_password_token(session, token)
    return session.get_one(Account, row.account_id)


def set_password_with_link(
    session: Session, *, token: str, password: str, name: str | None = None
) -> Account:
    """Set the password through a one-time link: the link is spent, every session ends."""
    passwords.check_new_password(password)
    row = _live_password_token(session, token)
    now = utcnow()
    row.used_at = now
    account = session.get_one(Account, row.account_id)
    account.password_hash = passwords.hash_password(password)
    account.password_changed_at = now
    if name is not None and name.strip():
        account.name = name.strip()[:200]
    # Other links of the account die too, and so does every session signed in with the old one.
    for other in session.scalars(
        select(PasswordToken).where(
            PasswordToken.account_id == account.id, PasswordToken.used_at.is_(None)
        )
    ):
        other.used_at = now
    session.execute(delete(WebSession).where(WebSession.account_id == account.id))
    session.commit()
    return account


def request_password_reset(session: Session, *, email: str, base_url: str) -> None:
    """Mail a reset link if the account exists; say nothing either way (no enumeration)."""
    account = find_account(session, email=email)
    if account is None:
        return
    token = add_password_link(session, account_id=account.id, valid_for=RESET_VALID)
    outbox.queue_email(
        session,
        organization_id=None,
        kind="password-reset",
        to_address=account.email,
        subject="Reset your Chainrule password",
        body=(
            "Someone asked to reset the password of your Chainrule account.\n\n"
            f"Choose a new password here (the link works once, for one hour):\n"
            f"{base_url}/password/{token}\n\n"
            "If it was not you, ignore this message: your password stays as it is.\n"
        ),
    )
    session.commit()


def check_sign_in(
    session: Session, *, email: str, password: str, address: str, limits: SignInLimits
) -> Account:
    """Return the account when e-mail and password match; count and limit failures.

    Failures are counted per e-mail as typed and per client address, so an unknown e-mail is
    limited exactly like a known one and the answer never tells whether an account exists.
    """
    email = email.strip().lower()[:320]
    now = utcnow()
    since = now - limits.window
    _refuse_when_limited(session, email=email, address=address, since=since, limits=limits)
    account = find_account(session, email=email)
    if account is None or not passwords.verify_password(account.password_hash, password):
        if account is None:
            passwords.verify_password(None, password)  # same cost as a wrong password
        session.add(SignInFailure(email=email, address=address[:64], failed_at=now))
        # Failures older than the window count for nothing: drop them so the table stays small.
        session.execute(delete(SignInFailure).where(SignInFailure.failed_at <= since))
        session.commit()
        raise SignInFailedError()
    if account.password_hash and passwords.needs_rehash(account.password_hash):
        account.password_hash = passwords.hash_password(password)
    session.execute(delete(SignInFailure).where(SignInFailure.email == email))
    session.flush()
    return account


def _refuse_when_limited(
    session: Session, *, email: str, address: str, since: datetime, limits: SignInLimits
) -> None:
    for column, value, limit in (
        (SignInFailure.email, email, limits.per_account),
        (SignInFailure.address, address, limits.per_address),
    ):
        count, oldest = session.execute(
            select(func.count(), func.min(SignInFailure.failed_at)).where(
                column == value, SignInFailure.failed_at > since
            )
        ).one()
        if count >= limit:
            oldest_at = _aware(oldest)
            wait = max(1, int((oldest_at + limits.window - utcnow()).total_seconds()) + 1)
            error = SignInLimitedError(
                f"Too many failed sign-ins. Try again in {_minutes(wait)}.",
                retry_after_seconds=wait,
            )
            error.headers["Retry-After"] = str(wait)
            raise error


def _aware(value: datetime) -> datetime:
    # func.min() bypasses the column type, so SQLite hands back naive UTC text.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=utcnow().tzinfo)


def _minutes(seconds: int) -> str:
    minutes = (seconds + 59) // 60
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def _live_password_token(session: Session, token: str) -> PasswordToken:
    row = session.scalar(
        select(PasswordToken).where(PasswordToken.token_hash == links.token_hash(token))
    )
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise LinkInvalidError(
            "This password link was already used or has expired. Ask for a new one."
        )
    return row
