"""A NUL in any form field or uploaded file, url-encoded or multipart, is refused before any
route reads it: a readable page in the browser, a problem on the API, and nothing stored."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import ApiKey, QuestionVersion, Role
from tests.factories import make_member, make_org, sign_in_as
from tests.problems import assert_problem

CONCEPT = {
    "kind": "single_choice",
    "skills": "chain_rule",
    "difficulty": "1",
    "points": "1",
    "prompt": "Which rule?",
    "choice_a": "chain",
    "choice_b": "product",
    "answer": "a",
    "explanation": "Composition.",
}


def _admin(client: TestClient, session: Session) -> str:
    org = make_org(session)
    member = make_member(session, org.organization, Role.ADMIN)
    return sign_in_as(client, session, member.account)


def _custom_questions(session: Session) -> list[QuestionVersion]:
    return list(session.scalars(select(QuestionVersion).where(QuestionVersion.source == "custom")))


def test_a_nul_in_a_url_encoded_field_is_a_readable_page(
    client: TestClient, session: Session
) -> None:
    csrf = _admin(client, session)
    form = CONCEPT | {"csrf_token": csrf, "prompt": "Which\x00rule?"}
    refused = client.post("/library", data=form, follow_redirects=False)
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("text/html")
    assert "NUL" in refused.text
    assert _custom_questions(session) == []
    # The same form without it is saved: only the NUL was the problem.
    saved = client.post("/library", data=CONCEPT | {"csrf_token": csrf}, follow_redirects=False)
    assert saved.status_code == 303
    assert len(_custom_questions(session)) == 1


def test_a_nul_in_a_multipart_field_or_file_is_refused(
    client: TestClient, session: Session
) -> None:
    csrf = _admin(client, session)
    keys_before = len(session.scalars(select(ApiKey)).all())
    for fields, files in (
        ({"csrf_token": csrf, "name": "bad\x00name", "scope": "read"}, {}),
        (
            {"csrf_token": csrf, "name": "ok", "scope": "read"},
            {"attachment": ("people.csv", b"email,name\nx@example.com,X\x00\n", "text/csv")},
        ),
    ):
        refused = client.post("/settings/api-keys", data=fields, files=files or {"x": b""})
        assert refused.status_code == 422, refused.text
        assert "NUL" in refused.text
    # A raw NUL in a part's file name (browsers write it as %00; a script need not).
    raw = (
        f'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{csrf}\r\n'
        '--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nok\r\n'
        '--b\r\nContent-Disposition: form-data; name="scope"\r\n\r\nread\r\n'
        '--b\r\nContent-Disposition: form-data; name="f"; filename="a\x00.csv"\r\n\r\nx\r\n'
        "--b--\r\n"
    ).encode()
    refused = client.post(
        "/settings/api-keys",
        content=raw,
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert refused.status_code == 422, refused.text
    assert len(session.scalars(select(ApiKey)).all()) == keys_before
    # "%00" typed as text in a multipart field is text, not a NUL.
    kept = client.post(
        "/settings/api-keys",
        data={"csrf_token": csrf, "name": "50%00 off", "scope": "read"},
        files={"x": b""},
    )
    assert kept.status_code == 200, kept.text
    assert session.scalars(select(ApiKey).where(ApiKey.name == "50%00 off")).one()


def test_a_nul_in_a_form_sent_to_the_api_is_a_problem(client: TestClient, session: Session) -> None:
    org = make_org(session)
    headers = {"Authorization": f"Bearer {org.api_key}"}
    for sent in (
        {"data": {"title": "a\x00b"}, "files": {"x": b""}},  # multipart
        {"data": {"title": "a\x00b"}},  # url-encoded (%00)
    ):
        assert_problem(
            client.post("/api/v1/assessments", headers=headers, **sent), 422, "nul-in-form"
        )
