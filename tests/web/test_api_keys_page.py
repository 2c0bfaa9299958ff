"""The API keys settings page: a key is created with a scope, shown once, listed, revoked."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import ApiKey, Role
from tests.factories import make_member, make_org, sign_in_as
from tests.web.pages import csrf_of


def test_an_admin_creates_a_key_that_is_shown_once_and_works(
    client: TestClient, session: Session
) -> None:
    org = make_org(session, name="Acme")
    admin = make_member(session, org.organization, Role.ADMIN)
    csrf = sign_in_as(client, session, admin.account)
    page = client.get("/settings/api-keys")
    assert page.status_code == 200
    assert 'aria-current="page">API keys' in page.text

    created = client.post(
        "/settings/api-keys", data={"csrf_token": csrf, "name": "ATS <sync>", "scope": "write"}
    )
    assert created.status_code == 200
    assert created.headers["cache-control"] == "no-store"
    secret = re.search(r'id="new-key"[^>]*value="([^"]+)"', created.text)
    assert secret, created.text
    assert "ATS &lt;sync&gt;" in created.text  # autoescaped, never markup
    row = session.scalars(select(ApiKey).where(ApiKey.name == "ATS <sync>")).one()
    assert row.scope == "write"
    key = {"Authorization": f"Bearer {secret.group(1)}"}
    assert client.get("/api/v1/assessments", headers=key).status_code == 200

    again = client.get("/settings/api-keys")
    assert secret.group(1) not in again.text  # shown once
    assert "ATS &lt;sync&gt;" in again.text

    revoked = client.post(
        f"/settings/api-keys/{row.id}/revoke",
        data={"csrf_token": csrf_of(again)},
        follow_redirects=False,
    )
    assert revoked.headers["location"] == "/settings/api-keys?notice=key-revoked"
    assert "API key revoked." in client.get(revoked.headers["location"]).text
    assert client.get("/api/v1/assessments", headers=key).status_code == 401


def test_a_key_without_a_name_is_refused_on_the_page(client: TestClient, session: Session) -> None:
    org = make_org(session)
    admin = make_member(session, org.organization, Role.OWNER)
    csrf = sign_in_as(client, session, admin.account)
    before = session.scalars(select(ApiKey)).all()
    for name in ("   ", "x" * 201):
        response = client.post(
            "/settings/api-keys", data={"csrf_token": csrf, "name": name, "scope": "read"}
        )
        assert response.status_code == 400
        assert 'role="alert"' in response.text
        assert 'aria-invalid="true"' in response.text
    # A NUL is refused before the page's own checks, as in every form (app.api.guards).
    response = client.post(
        "/settings/api-keys", data={"csrf_token": csrf, "name": "a\x00b", "scope": "read"}
    )
    assert response.status_code == 422
    assert "NUL" in response.text
    assert session.scalars(select(ApiKey)).all() == before


def test_the_nav_shows_api_keys_to_those_who_manage_them(
    client: TestClient, session: Session
) -> None:
    org = make_org(session)
    recruiter = make_member(session, org.organization, Role.RECRUITER)
    sign_in_as(client, session, recruiter.account)
    assert "/settings/api-keys" not in client.get("/members").text
    assert client.get("/settings/api-keys").status_code == 403
