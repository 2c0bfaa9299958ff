"""`bank sync`: upsert by id and content hash; edits make new versions; attempts keep theirs."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bank.loader import content_version
from app.bank.sync import QuestionPayload, sync_bank
from app.models import QuestionVersion
from tests import factories


def _payload(qid: str, prompt: str) -> QuestionPayload:
    content: dict[str, Any] = factories.single_choice(qid, "chain_rule", prompt=prompt)
    content["tags"] = []
    return QuestionPayload(
        question_id=qid,
        version=content_version(content),
        kind="single_choice",
        skills=["chain_rule"],
        difficulty=1,
        points=1.0,
        content=content,
    )


def _versions(session: Session, qid: str) -> list[tuple[str, bool]]:
    rows = session.scalars(
        select(QuestionVersion)
        .where(QuestionVersion.question_id == qid)
        .order_by(QuestionVersion.created_at)
    )
    return [(q.content["prompt"], q.is_current) for q in rows]


def test_sync_is_idempotent(session: Session) -> None:
    first = sync_bank(session, [_payload("sy-a", "v1"), _payload("sy-b", "v1")])
    assert sorted(first.created) == ["sy-a", "sy-b"]
    again = sync_bank(session, [_payload("sy-a", "v1"), _payload("sy-b", "v1")])
    assert (again.created, again.new_versions, again.unchanged) == ([], [], 2)


def test_edit_makes_a_new_version_and_attempts_keep_theirs(
    client: TestClient, session: Session
) -> None:
    sync_bank(session, [_payload("sy-edit", "Old prompt?")])
    org = factories.make_org(session)
    auth = {"Authorization": f"Bearer {org.api_key}"}
    old = client.post(
        "/api/v1/assessments",
        json={"title": "before", "question_ids": ["sy-edit"], "time_limit_minutes": 5},
        headers=auth,
    ).json()
    invite = client.post(
        f"/api/v1/assessments/{old['id']}/invitations",
        json={"candidate": {"email": "k@example.com", "name": "K"}},
        headers=auth,
    ).json()

    report = sync_bank(session, [_payload("sy-edit", "New prompt?")])
    assert report.new_versions == ["sy-edit"]
    assert _versions(session, "sy-edit") == [("Old prompt?", False), ("New prompt?", True)]

    new = client.post(
        "/api/v1/assessments",
        json={"title": "after", "question_ids": ["sy-edit"], "time_limit_minutes": 5},
        headers=auth,
    ).json()
    assert new["questions"][0]["version"] != old["questions"][0]["version"]
    kept = client.get(f"/api/v1/assessments/{old['id']}", headers=auth).json()
    assert kept["questions"][0]["version"] == old["questions"][0]["version"]
    started = client.post(f"/api/v1/take/{invite['token']}/start").json()
    assert started["questions"][0]["prompt"] == "Old prompt?"
    listed = client.get("/api/v1/questions/sy-edit", headers=auth).json()
    assert listed["prompt"] == "New prompt?"


def test_removed_item_retires_and_a_reverted_edit_revives(session: Session) -> None:
    sync_bank(session, [_payload("sy-r", "one"), _payload("sy-keep", "k")])
    retired = sync_bank(session, [_payload("sy-keep", "k")])
    assert retired.retired == ["sy-r"]
    assert _versions(session, "sy-r") == [("one", False)]
    sync_bank(session, [_payload("sy-r", "two"), _payload("sy-keep", "k")])
    sync_bank(session, [_payload("sy-r", "one"), _payload("sy-keep", "k")])
    assert sorted(_versions(session, "sy-r")) == [("one", True), ("two", False)]
