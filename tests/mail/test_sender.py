"""The outbox goes out over SMTP, once per message, and a failure is retried later."""

from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker

from app.mail import outbox
from app.mail.sender import SmtpTarget, send_due
from app.models import OutboxEmail
from tests.mail.smtp_sink import smtp_sink


def _sessions(connection: Connection) -> sessionmaker[Session]:
    # The sender opens and commits its own sessions; savepoints keep them in the test's rollback.
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


def test_due_mail_is_sent_once_over_smtp(connection: Connection, session: Session) -> None:
    email = outbox.queue_email(
        session,
        organization_id=None,
        kind="test",
        to_address="someone@example.com",
        subject="Hello <there>",
        body="A link: http://x/join/abc\n",
    )
    session.commit()
    with smtp_sink() as (url, sink):
        target = SmtpTarget.parse(url)
        assert send_due(_sessions(connection), target, sender="Chainrule <no-reply@x.test>") == 1
        assert send_due(_sessions(connection), target, sender="Chainrule <no-reply@x.test>") == 0
    (message,) = sink.messages
    assert message["To"] == "someone@example.com"
    assert message["Subject"] == "Hello <there>"
    assert "http://x/join/abc" in message.get_payload()
    session.refresh(email)
    assert email.sent_at is not None


def test_an_unreachable_server_leaves_the_mail_for_a_later_try(
    connection: Connection, session: Session
) -> None:
    email = outbox.queue_email(
        session, organization_id=None, kind="test", to_address="a@b.test", subject="S", body="B"
    )
    session.commit()
    with smtp_sink() as (url, _sink):
        pass  # stopped: nothing listens on its port any more
    assert send_due(_sessions(connection), SmtpTarget.parse(url), sender="x@y.test") == 0
    fresh = session.get_one(OutboxEmail, email.id)
    session.refresh(fresh)
    assert fresh.sent_at is None
    assert fresh.tries == 1
    assert fresh.last_error
    assert fresh.next_attempt_at > fresh.created_at


def test_smtp_urls_are_parsed_with_credentials() -> None:
    target = SmtpTarget.parse("smtps://user%40x:p%3Ass@mail.test")
    assert (target.host, target.port, target.tls) == ("mail.test", 465, True)
    assert (target.username, target.password) == ("user@x", "p:ss")
