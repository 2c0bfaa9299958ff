"""Invitations through the REST API: e-mail, extra time, withdraw, resend, remind, links."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from app.db import utcnow
from app.models import ApiKey, Attempt, Invitation
from app.organizations.service import add_api_key, hash_secret
from tests.candidates.conftest import World
from tests.problems import assert_problem


def _deadline(body: dict[str, object]) -> datetime:
    return datetime.fromisoformat(str(body["deadline"]))


def test_invitation_is_emailed_with_a_link_that_opens_the_test(world: World) -> None:
    body = world.invite("ada@example.com", "Ada Lovelace")
    [email] = world.mail_to("ada@example.com")
    assert email.kind == "candidate_invitation"
    assert body["url"] in email.body
    assert "30 minutes" in email.body
    assert body["url"].endswith(f"/take/{body['token']}")
    assert world.client.get(f"/api/v1/take/{body['token']}").status_code == 200


def test_send_email_false_leaves_the_outbox_empty(world: World) -> None:
    world.invite("quiet@example.com", send_email=False)
    assert world.mail_to("quiet@example.com") == []


def test_extra_time_lengthens_the_candidates_own_deadline(world: World) -> None:
    plain = world.invite("plain@example.com")
    extra = world.invite("extra@example.com", extra_minutes=15)
    assert (
        "45 minutes (including 15 minutes of extra time"
        in world.mail_to("extra@example.com")[0].body
    )
    a = world.client.post(f"/api/v1/take/{plain['token']}/start").json()
    b = world.client.post(f"/api/v1/take/{extra['token']}/start").json()
    assert b["extra_minutes"] == 15
    assert _deadline(a) - datetime.fromisoformat(a["started_at"]) == timedelta(minutes=30)
    assert _deadline(b) - datetime.fromisoformat(b["started_at"]) == timedelta(minutes=45)


def test_extra_time_given_after_the_start_moves_the_deadline(world: World) -> None:
    invited = world.invite("late@example.com")
    started = world.client.post(f"/api/v1/take/{invited['token']}/start").json()
    response = world.client.put(
        f"/api/v1/invitations/{invited['invitation_id']}/extra-time",
        json={"extra_minutes": 20},
        headers=world.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["extra_minutes"] == 20
    now = world.client.get(f"/api/v1/take/{invited['token']}").json()
    assert _deadline(now) - _deadline(started) == timedelta(minutes=20)
    shrink = world.client.put(
        f"/api/v1/invitations/{invited['invitation_id']}/extra-time",
        json={"extra_minutes": 5},
        headers=world.headers,
    )
    assert_problem(shrink, 409, "invitation-closed")
    assert (
        world.client.get(f"/api/v1/take/{invited['token']}").json()["deadline"] == now["deadline"]
    )


def test_extra_time_out_of_range_is_refused(world: World) -> None:
    invited = world.invite("range@example.com")
    response = world.client.put(
        f"/api/v1/invitations/{invited['invitation_id']}/extra-time",
        json={"extra_minutes": 601},
        headers=world.headers,
    )
    assert_problem(response, 422, "invalid-request")


def test_inviting_one_by_one_again_makes_a_second_link(world: World) -> None:
    first = world.invite("twice@example.com")
    second = world.invite("TWICE@example.com", "Twice")
    assert first["url"] != second["url"]
    assert len(world.mail_to("twice@example.com")) == 2


def test_revoked_link_answers_410_and_the_page_says_withdrawn(world: World) -> None:
    invited = world.invite("gone@example.com")
    response = world.client.post(
        f"/api/v1/invitations/{invited['invitation_id']}/revoke", headers=world.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "withdrawn"
    token = invited["token"]
    assert_problem(world.client.get(f"/api/v1/take/{token}"), 410, "invitation-revoked")
    assert_problem(world.client.post(f"/api/v1/take/{token}/start"), 410, "invitation-revoked")
    page = world.client.get(f"/take/{token}")
    assert page.status_code == 410
    assert page.headers["content-type"].startswith("text/html")
    assert "This invitation was withdrawn" in page.text
    # The candidate can be invited again afterwards.
    world.invite("gone@example.com")


def test_revoking_a_started_test_ends_it_and_keeps_what_was_saved(world: World) -> None:
    invited = world.invite("mid@example.com")
    token = invited["token"]
    world.client.post(f"/api/v1/take/{token}/start")
    saved = world.client.put(
        f"/api/v1/take/{token}/answers/inv-q", json={"response": {"choice": "b"}}
    )
    assert saved.status_code == 200, saved.text
    revoked = world.client.post(
        f"/api/v1/invitations/{invited['invitation_id']}/revoke", headers=world.headers
    )
    assert revoked.status_code == 200, revoked.text
    late = world.client.put(
        f"/api/v1/take/{token}/answers/inv-q", json={"response": {"choice": "a"}}
    )
    assert_problem(late, 410, "invitation-revoked")
    assert_problem(world.client.post(f"/api/v1/take/{token}/submit"), 410, "invitation-revoked")
    attempt = world.client.get(f"/api/v1/attempts/{invited['attempt_id']}", headers=world.headers)
    assert attempt.json()["status"] == "submitted"
    assert attempt.json()["score"] == 1.0  # the answer saved before the withdrawal counts


def test_a_finished_test_cannot_be_withdrawn(world: World) -> None:
    invited = world.invite("done@example.com")
    world.client.post(f"/api/v1/take/{invited['token']}/start")
    world.client.post(f"/api/v1/take/{invited['token']}/submit")
    response = world.client.post(
        f"/api/v1/invitations/{invited['invitation_id']}/revoke", headers=world.headers
    )
    assert_problem(response, 409, "invitation-closed")


def test_resend_mails_the_same_link_and_renews_an_expired_one(world: World) -> None:
    invited = world.invite("again@example.com")
    invitation = world.session.get(Invitation, uuid.UUID(invited["invitation_id"]))
    assert invitation is not None
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    world.session.flush()
    assert_problem(world.client.get(f"/api/v1/take/{invited['token']}"), 403, "invitation-expired")
    response = world.client.post(
        f"/api/v1/invitations/{invited['invitation_id']}/resend", headers=world.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "not_started"
    _first, second = world.mail_to("again@example.com")
    assert invited["url"] in second.body
    assert second.kind == "candidate_invitation"
    assert world.client.get(f"/api/v1/take/{invited['token']}").status_code == 200


def test_reminders_go_to_who_has_not_started(world: World) -> None:
    waiting = world.invite("waiting@example.com")
    busy = world.invite("busy@example.com")
    world.client.post(f"/api/v1/take/{busy['token']}/start")
    one = world.client.post(
        f"/api/v1/invitations/{waiting['invitation_id']}/remind", headers=world.headers
    )
    assert one.status_code == 200, one.text
    assert one.json()["reminded_at"] is not None
    refused = world.client.post(
        f"/api/v1/invitations/{busy['invitation_id']}/remind", headers=world.headers
    )
    assert_problem(refused, 409, "invitation-closed")
    everyone = world.client.post(f"{world.base}/invitations/remind", headers=world.headers)
    assert everyone.json() == {"reminded": 1}
    reminders = [m for m in world.mail_to("waiting@example.com") if m.kind == "candidate_reminder"]
    assert len(reminders) == 2
    assert waiting["url"] in reminders[0].body
    assert [m.kind for m in world.mail_to("busy@example.com")] == ["candidate_invitation"]


def test_list_shows_states_and_links_only_to_those_who_invite(world: World) -> None:
    invited = world.invite("listed@example.com", "Listed")
    world.invite("other@example.com", "Other")
    world.client.post(
        f"/api/v1/invitations/{invited['invitation_id']}/revoke", headers=world.headers
    )
    body = world.client.get(f"{world.base}/invitations", headers=world.headers).json()
    states = {i["candidate"]["email"]: (i["state"], i["url"]) for i in body["items"]}
    assert states["listed@example.com"] == ("withdrawn", invited["url"])
    assert states["other@example.com"][0] == "not_started"

    viewer_key = add_api_key(
        world.session, organization_id=world.assessment.organization_id, name="viewer"
    )
    row = world.session.query(ApiKey).filter_by(key_hash=hash_secret(viewer_key)).one()
    row.scope = "viewer"
    world.session.flush()
    seen = world.client.get(
        f"{world.base}/invitations", headers={"Authorization": f"Bearer {viewer_key}"}
    ).json()
    assert {i["url"] for i in seen["items"]} == {None}


def test_the_list_pages_newest_first_with_a_cursor(world: World) -> None:
    made = [world.invite(f"page{n}@example.com") for n in range(5)]
    start = utcnow()
    for n, invited in enumerate(made):  # distinct times: the key, not the clock, decides
        attempt = world.session.get_one(Attempt, uuid.UUID(invited["attempt_id"]))
        attempt.created_at = start + timedelta(seconds=n)
    world.session.flush()
    seen: list[str] = []
    cursor = None
    while True:
        query = f"?limit=2&cursor={cursor}" if cursor else "?limit=2"
        body = world.client.get(f"{world.base}/invitations{query}", headers=world.headers).json()
        assert len(body["items"]) <= 2
        seen += [i["invitation_id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [i["invitation_id"] for i in reversed(made)]
    broken = world.client.get(f"{world.base}/invitations?cursor=nonsense", headers=world.headers)
    assert_problem(broken, 400, "invalid-cursor")


def test_unknown_invitation_is_404(world: World) -> None:
    response = world.client.post(
        "/api/v1/invitations/00000000-0000-4000-8000-000000000000/resend", headers=world.headers
    )
    assert_problem(response, 404, "invitation-not-found")


def test_attempt_row_is_one_per_invitation(world: World) -> None:
    invited = world.invite("row@example.com")
    attempt = world.session.get(Attempt, uuid.UUID(invited["attempt_id"]))
    assert attempt is not None
    assert attempt.invitation.extra_minutes == 0
