"""Members: invite by e-mail link through the outbox, join, change roles, remove; reset links."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.deps import SESSION_COOKIE
from app.models import Membership, OutboxEmail, Role
from tests.factories import make_member, make_org, sign_in_as
from tests.web.pages import csrf_of, link_in

PASSWORD = "correct horse battery"


def _path(url: str) -> str:
    return url.removeprefix("http://testserver")


def test_an_admin_invites_a_member_who_joins_with_a_password(
    client: TestClient, session: Session
) -> None:
    org = make_org(session, name="Acme Labs")
    admin = make_member(session, org.organization, Role.ADMIN, name="Ada Admin")
    csrf = sign_in_as(client, session, admin.account)
    response = client.post(
        "/members/invitations",
        data={"csrf_token": csrf, "email": "New@Person.test", "role": "recruiter"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/members?notice=invited"
    page = client.get("/members?notice=invited")
    assert "Invitation sent." in page.text
    assert "new@person.test" in page.text  # listed as pending
    mail = session.scalars(
        select(OutboxEmail).where(OutboxEmail.to_address == "new@person.test")
    ).one()
    assert mail.organization_id == org.organization.id
    assert "Ada Admin invites you to Acme Labs" in mail.body
    outbox = client.get("/outbox")
    assert outbox.status_code == 200
    assert mail.subject in outbox.text

    client.cookies.clear()  # the invited person's own browser
    join = _path(link_in(mail.body, "/join/"))
    form = client.get(join)
    assert "Join Acme Labs" in form.text
    short = client.post(
        join,
        data={"csrf_token": csrf_of(form), "name": "Nia", "password": "short", "confirm": "short"},
    )
    assert short.status_code == 400
    assert "at least 10 characters" in short.text
    joined = client.post(
        join,
        data={
            "csrf_token": csrf_of(form),
            "name": "Nia",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
        follow_redirects=False,
    )
    assert joined.headers["location"] == "/?notice=joined"
    assert "Acme Labs" in client.get("/").text
    membership = session.scalars(
        select(Membership)
        .where(Membership.organization_id == org.organization.id)
        .where(Membership.role == Role.RECRUITER)
    ).one()
    assert membership.account.name == "Nia"
    assert client.get(join).status_code == 400  # the link worked once


def test_an_existing_account_must_sign_in_to_accept(client: TestClient, session: Session) -> None:
    first, second = make_org(session, name="First"), make_org(session, name="Second")
    admin = make_member(session, second.organization, Role.ADMIN)
    person = make_member(session, first.organization, Role.VIEWER, password=PASSWORD)
    csrf = sign_in_as(client, session, admin.account)
    client.post(
        "/members/invitations",
        data={"csrf_token": csrf, "email": person.account.email, "role": "viewer"},
    )
    mail = session.scalars(
        select(OutboxEmail).where(OutboxEmail.to_address == person.account.email)
    ).one()
    join = _path(link_in(mail.body, "/join/"))
    client.cookies.clear()
    page = client.get(join)
    assert "Sign in to accept" in page.text
    refused = client.post(join, data={"csrf_token": csrf_of(client.get("/sign-in"))})
    assert refused.status_code == 403  # the link alone is no way into an existing account
    csrf = sign_in_as(client, session, person.account)
    accepted = client.post(join, data={"csrf_token": csrf}, follow_redirects=False)
    assert accepted.headers["location"] == "/?notice=joined"
    dashboard = client.get("/")
    assert "Second" in dashboard.text
    assert 'name="organization_id"' in dashboard.text  # two orgs: the switcher shows


def test_the_org_switcher_changes_the_organization_of_every_page(
    client: TestClient, session: Session
) -> None:
    first, second = make_org(session, name="Alpha Org"), make_org(session, name="Beta Org")
    person = make_member(session, first.organization, Role.VIEWER)
    make_member(session, second.organization, Role.ADMIN, email=person.account.email)
    csrf = sign_in_as(client, session, person.account)
    assert 'Dashboard <span class="muted">· Alpha Org' in client.get("/").text
    assert client.get("/outbox").status_code == 403  # a viewer in Alpha
    switched = client.post(
        "/organization",
        data={"csrf_token": csrf, "organization_id": str(second.organization.id)},
        follow_redirects=False,
    )
    assert switched.headers["location"] == "/?notice=switched"
    assert "Beta Org" in client.get("/").text
    assert client.get("/outbox").status_code == 200  # an admin in Beta
    stranger = make_org(session, name="Gamma")
    refused = client.post(
        "/organization", data={"csrf_token": csrf, "organization_id": str(stranger.organization.id)}
    )
    assert refused.status_code == 404


def test_roles_change_and_members_leave_but_the_last_owner_stays(
    client: TestClient, session: Session
) -> None:
    org = make_org(session)
    owner = make_member(session, org.organization, Role.OWNER)
    viewer = make_member(session, org.organization, Role.VIEWER)
    csrf = sign_in_as(client, session, owner.account)
    changed = client.post(
        f"/members/{viewer.id}/role",
        data={"csrf_token": csrf, "role": "admin"},
        follow_redirects=False,
    )
    assert changed.headers["location"] == "/members?notice=role-changed"
    session.refresh(viewer)
    assert viewer.role == Role.ADMIN
    # The only owner cannot be demoted by anyone (here: an admin may not touch owners at all).
    csrf_admin = sign_in_as(client, session, viewer.account)
    demote = client.post(
        f"/members/{owner.id}/role", data={"csrf_token": csrf_admin, "role": "viewer"}
    )
    assert demote.status_code == 403
    csrf = sign_in_as(client, session, owner.account)
    last = client.post(f"/members/{owner.id}/role", data={"csrf_token": csrf, "role": "admin"})
    assert last.status_code == 409
    assert "at least one owner" in last.text
    removed = client.post(
        f"/members/{viewer.id}/remove", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert removed.headers["location"] == "/members?notice=removed"
    assert session.get(Membership, viewer.id) is None


def test_a_password_reset_link_sets_a_new_password_and_ends_old_sessions(
    client: TestClient, session: Session
) -> None:
    org = make_org(session)
    member = make_member(session, org.organization, Role.VIEWER, password=PASSWORD)
    sign_in_as(client, session, member.account)
    old_cookie = client.cookies[SESSION_COOKIE]
    client.cookies.clear()
    form = client.get("/password/reset")
    for email in (member.account.email, "nobody@else.test"):
        sent = client.post("/password/reset", data={"csrf_token": csrf_of(form), "email": email})
        assert "If an account uses that address" in sent.text  # the same either way
    (mail,) = session.scalars(select(OutboxEmail).where(OutboxEmail.kind == "password-reset"))
    assert mail.organization_id is None  # no organization's admin may read it
    link = _path(link_in(mail.body, "/password/"))
    page = client.get(link)
    new = "a brand new passphrase"
    done = client.post(
        link,
        data={"csrf_token": csrf_of(page), "password": new, "confirm": new},
        follow_redirects=False,
    )
    assert done.headers["location"] == "/?notice=password-set"
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, old_cookie)
    assert client.get("/", follow_redirects=False).status_code == 303  # the old session ended


def test_candidate_names_render_inert_on_the_dashboard(
    client: TestClient, session: Session
) -> None:
    from app.candidates import service as candidates
    from app.candidates.links import InvitationLinks
    from app.settings import Settings
    from tests.factories import make_assessment, make_question, single_choice

    org = make_org(session)
    member = make_member(session, org.organization, Role.VIEWER)
    assessment = make_assessment(
        session, org.organization, [make_question(session, single_choice("xss-q", "chain_rule"))]
    )
    candidates.invite(
        session,
        organization_id=org.organization.id,
        assessment_id=assessment.id,
        email="x@example.com",
        name="<script>alert(1)</script>",
        valid_days=1,  # expiring soon: listed under "Needs attention"
        links=InvitationLinks.from_settings(Settings()),
    )
    sign_in_as(client, session, member.account)
    page = client.get("/")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>alert(1)</script>" not in page.text


def test_htmx_gets_the_member_row_back_after_a_role_change(
    client: TestClient, session: Session
) -> None:
    org = make_org(session)
    admin = make_member(session, org.organization, Role.ADMIN)
    viewer = make_member(session, org.organization, Role.VIEWER, name="<b>Vic</b>")
    csrf = sign_in_as(client, session, admin.account)
    response = client.post(
        f"/members/{viewer.id}/role",
        data={"csrf_token": csrf, "role": "recruiter"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert '<li class="member">' in response.text
    assert "<html" not in response.text  # a fragment, not a page
    assert "Role of &lt;b&gt;Vic&lt;/b&gt; changed to recruiter." in response.text
    assert '<option value="recruiter" selected>' in response.text
