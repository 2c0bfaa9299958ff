"""Sign-in, sign-out and sessions: rotation, cookie flags, CSRF, and the rate limit."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.deps import SESSION_COOKIE
from app.models import Role, WebSession
from app.settings import Settings
from tests.apps import AppPool, on_session
from tests.factories import make_member, make_org, sign_in_as
from tests.web.pages import csrf_of

PASSWORD = "correct horse battery"


@pytest.fixture
def owner_email(session: Session) -> str:
    org = make_org(session, name="Acme Labs")
    make_member(session, org.organization, Role.OWNER, email="owner@acme.test", password=PASSWORD)
    return "owner@acme.test"


def sign_in(client: TestClient, email: str, password: str, **extra: str) -> tuple[int, str]:
    form = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={"csrf_token": csrf_of(form), "email": email, "password": password, **extra},
        follow_redirects=False,
    )
    return response.status_code, response.text


def test_signed_out_dashboard_redirects_to_sign_in(client: TestClient) -> None:
    response = client.get("/members", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=%2Fmembers"
    assert client.get("/", follow_redirects=False).headers["location"] == "/sign-in"


def test_sign_in_rotates_the_session_and_opens_the_dashboard(
    client: TestClient, owner_email: str
) -> None:
    form = client.get("/sign-in")
    before = client.cookies[SESSION_COOKIE]
    response = client.post(
        "/sign-in",
        data={"csrf_token": csrf_of(form), "email": "Owner@Acme.test", "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    after = client.cookies[SESSION_COOKIE]
    assert after != before  # no fixation: the pre-sign-in token is gone
    page = client.get("/")
    assert page.status_code == 200
    assert "Acme Labs" in page.text
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, before)
    assert client.get("/", follow_redirects=False).status_code == 303


def test_session_cookie_is_httponly_and_lax(client: TestClient, owner_email: str) -> None:
    client.get("/sign-in")
    form = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={"csrf_token": csrf_of(form), "email": owner_email, "password": PASSWORD},
        follow_redirects=False,
    )
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie  # PUBLIC_BASE_URL is http here


def test_session_cookie_is_secure_behind_https(
    apps: AppPool, settings: Settings, session: Session
) -> None:
    app = apps.borrow(settings.model_copy(update={"public_base_url": "https://hr.test"}))
    on_session(app, session)
    # No lifespan (as tests/conftest.py): its own engine would wait 30 s on this test's write lock.
    client = TestClient(app, base_url="https://testserver")
    cookie = client.get("/sign-in").headers["set-cookie"].lower()
    assert "secure" in cookie
    assert "httponly" in cookie


def test_wrong_password_and_unknown_email_get_the_same_answer(
    client: TestClient, owner_email: str
) -> None:
    wrong = sign_in(client, owner_email, "not the password")
    unknown = sign_in(client, "nobody@acme.test", "not the password")
    assert wrong[0] == unknown[0] == 400
    assert "The e-mail or password is not right" in wrong[1]
    assert normalized(wrong[1], owner_email) == normalized(unknown[1], "nobody@acme.test")


def normalized(page: str, email: str) -> str:
    """The page without what differs by design: the typed e-mail and per-response tokens."""
    page = page.replace(email, "EMAIL")
    return re.sub(r'(nonce|name="csrf_token" value)="[^"]*"', r"\1=...", page)


def test_failed_sign_ins_are_limited_per_account_even_with_the_right_password(
    client: TestClient, owner_email: str
) -> None:
    for _ in range(5):
        assert sign_in(client, owner_email, "guess")[0] == 400
    status, text = sign_in(client, owner_email, PASSWORD)
    assert status == 429
    assert "Too many failed sign-ins" in text
    # An unknown e-mail is limited the same way: the limit does not reveal who has an account.
    for _ in range(5):
        sign_in(client, "ghost@acme.test", "guess")
    assert sign_in(client, "ghost@acme.test", "guess")[0] == 429


def test_failed_sign_ins_are_limited_per_address(
    client: TestClient, session: Session, owner_email: str
) -> None:
    for n in range(20):
        assert sign_in(client, f"spray{n}@acme.test", "guess")[0] == 400
    assert sign_in(client, owner_email, PASSWORD)[0] == 429


def test_sign_in_without_or_with_a_forged_csrf_token_is_a_403_page(
    client: TestClient, owner_email: str
) -> None:
    client.get("/sign-in")
    for token in (None, "forged"):
        data = {"email": owner_email, "password": PASSWORD}
        if token:
            data["csrf_token"] = token
        response = client.post("/sign-in", data=data, follow_redirects=False)
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("text/html")
        assert "security token" in response.text


def test_a_signed_in_form_without_its_token_is_refused(
    client: TestClient, session: Session
) -> None:
    org = make_org(session)
    admin = make_member(session, org.organization, Role.ADMIN)
    sign_in_as(client, session, admin.account)
    response = client.post(
        "/members/invitations", data={"email": "x@y.test", "role": "viewer"}, follow_redirects=False
    )
    assert response.status_code == 403
    assert "security token" in response.text


def test_sign_out_ends_the_session(client: TestClient, session: Session) -> None:
    org = make_org(session)
    member = make_member(session, org.organization, Role.VIEWER)
    csrf = sign_in_as(client, session, member.account)
    token = client.cookies[SESSION_COOKIE]
    response = client.post("/sign-out", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.headers["location"] == "/sign-in"
    assert 'chainrule_session=""' in response.headers["set-cookie"]
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, token)
    assert client.get("/", follow_redirects=False).status_code == 303
    assert (
        session.scalar(
            select(func.count())
            .select_from(WebSession)
            .where(WebSession.account_id == member.account_id)
        )
        == 0
    )


def test_sign_in_never_redirects_off_site(client: TestClient, owner_email: str) -> None:
    form = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={
            "csrf_token": csrf_of(form),
            "email": owner_email,
            "password": PASSWORD,
            "next": "//evil.test/x",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"
