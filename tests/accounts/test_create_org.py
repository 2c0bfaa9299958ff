"""`chainrule create-org` makes the owner's account and prints a one-time set-password link."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.accounts.errors import LinkInvalidError
from app.accounts.passwords import verify_password
from app.db import make_engine, make_sessionmaker
from app.models import Account, Membership, Role
from app.settings import Settings

BASE = "https://chainrule.example"


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Settings]:
    db: Path = tmp_path_factory.mktemp("cli") / "cli_test.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "PUBLIC_BASE_URL": BASE + "/"}
    env.pop("TEST_DATABASE_URL", None)
    run(env, "migrate")
    return env, Settings(database_url=env["DATABASE_URL"])


def run(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout


@contextmanager
def open_session(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings)
    with make_sessionmaker(engine)() as session:
        yield session
    engine.dispose()


def token_of(url: str) -> str:
    assert url.startswith(f"{BASE}/password/"), url
    return url.rsplit("/", 1)[1]


def test_create_org_json_gives_the_owner_a_one_time_password_link(
    cli_db: tuple[dict[str, str], Settings],
) -> None:
    env, settings = cli_db
    out = json.loads(run(env, "create-org", "Acme", "--admin-email", "Owner@Acme.test", "--json"))
    assert set(out) == {"org_id", "api_key", "set_password_url"}
    token = token_of(out["set_password_url"])
    with open_session(settings) as session:
        account = session.scalars(select(Account).where(Account.email == "owner@acme.test")).one()
        assert account.password_hash is None  # cannot sign in before following the link
        (membership,) = session.scalars(
            select(Membership).where(Membership.account_id == account.id)
        )
        assert str(membership.organization_id) == out["org_id"]
        assert membership.role == Role.OWNER
        assert accounts.password_link_account(session, token=token).id == account.id
        accounts.set_password_with_link(session, token=token, password="correct horse battery")
        assert verify_password(account.password_hash, "correct horse battery")
        with pytest.raises(LinkInvalidError):  # one time only
            accounts.set_password_with_link(session, token=token, password="another password!")


def test_create_org_text_prints_the_key_and_the_link(
    cli_db: tuple[dict[str, str], Settings],
) -> None:
    env, _ = cli_db
    out = run(env, "create-org", "Beta", "--admin-email", "boss@beta.test")
    assert "API key (shown once, store it now): cr_" in out
    assert f"{BASE}/password/" in out


def test_an_owner_of_two_orgs_has_one_account_with_two_memberships(
    cli_db: tuple[dict[str, str], Settings],
) -> None:
    env, settings = cli_db
    first = json.loads(run(env, "create-org", "One", "--admin-email", "both@x.test", "--json"))
    second = json.loads(run(env, "create-org", "Two", "--admin-email", "both@x.test", "--json"))
    with open_session(settings) as session:
        account = session.scalars(select(Account).where(Account.email == "both@x.test")).one()
        orgs = {str(m.organization_id) for m in account.memberships}
        assert orgs == {first["org_id"], second["org_id"]}
        assert {m.role for m in account.memberships} == {Role.OWNER}


def test_create_org_refuses_a_malformed_email(cli_db: tuple[dict[str, str], Settings]) -> None:
    env, _ = cli_db
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "create-org", "Bad", "--admin-email", "not-an-email"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "not an e-mail address" in result.stderr
