"""The sign-in limit counts only failures inside its window."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.accounts.errors import SignInFailedError, SignInLimitedError
from app.db import utcnow
from app.models import Role, SignInFailure
from tests.factories import make_member, make_org

LIMITS = accounts.SignInLimits(per_account=2, per_address=10, window=timedelta(minutes=15))


def test_old_failures_expire_and_are_dropped(session: Session) -> None:
    org = make_org(session)
    member = make_member(session, org.organization, Role.VIEWER, password="right password!")
    email = member.account.email
    long_ago = utcnow() - timedelta(hours=1)
    session.add_all(
        [SignInFailure(email=email, address="10.0.0.9", failed_at=long_ago) for _ in range(3)]
    )
    session.flush()
    account = accounts.check_sign_in(
        session, email=email, password="right password!", address="10.0.0.9", limits=LIMITS
    )
    assert account.id == member.account_id


def test_the_limit_says_when_to_come_back(session: Session) -> None:
    session.add_all(
        [SignInFailure(email="x@y.test", address="1.2.3.4", failed_at=utcnow()) for _ in range(2)]
    )
    session.flush()
    with pytest.raises(SignInLimitedError) as raised:
        accounts.check_sign_in(
            session, email="x@y.test", password="whatever", address="5.6.7.8", limits=LIMITS
        )
    assert 800 < int(raised.value.headers["Retry-After"]) <= 901
    assert "15 minutes" in raised.value.detail


def test_a_failure_drops_failures_older_than_the_window(session: Session) -> None:
    session.add(
        SignInFailure(email="old@y.test", address="1.2.3.4", failed_at=utcnow() - timedelta(days=1))
    )
    session.flush()
    with pytest.raises(SignInFailedError):
        accounts.check_sign_in(
            session, email="new@y.test", password="whatever", address="5.6.7.8", limits=LIMITS
        )
    emails = set(session.scalars(select(SignInFailure.email)))
    assert emails == {"new@y.test"}
    assert session.scalar(select(func.count()).select_from(SignInFailure)) == 1
