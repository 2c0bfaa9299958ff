"""Deliver the outbox over SMTP: a background thread in the server, one pass in tests."""

from __future__ import annotations

import logging
import smtplib
import threading
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.db import utcnow
from app.models import OutboxEmail

log = logging.getLogger(__name__)
MAX_TRIES = 8
CLAIM_FOR = timedelta(minutes=2)  # another process leaves a claimed row alone this long


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    tls: bool  # smtps:// (implicit TLS); smtp:// upgrades with STARTTLS when offered
    username: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> SmtpTarget:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://host:port or smtps://user:pw@host")
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if parts.scheme == "smtps" else 25),
            tls=parts.scheme == "smtps",
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


def send_due(sessions: sessionmaker[Session], target: SmtpTarget, *, sender: str) -> int:
    """Send every message that is due; return how many were sent."""
    sent = 0
    while (email := _claim_next(sessions)) is not None:
        try:
            _deliver(target, sender, email)
        except (OSError, smtplib.SMTPException) as exc:
            _record_failure(sessions, email, exc)
            continue
        with sessions() as session:
            session.execute(
                update(OutboxEmail).where(OutboxEmail.id == email.id).values(sent_at=utcnow())
            )
            session.commit()
        sent += 1
    return sent


def _claim_next(sessions: sessionmaker[Session]) -> OutboxEmail | None:
    with sessions() as session:
        now = utcnow()
        email = session.scalar(
            select(OutboxEmail)
            .where(
                OutboxEmail.sent_at.is_(None),
                OutboxEmail.tries < MAX_TRIES,
                OutboxEmail.next_attempt_at <= now,
            )
            .order_by(OutboxEmail.next_attempt_at)
            .limit(1)
        )
        if email is None:
            return None
        # A compare-and-set on next_attempt_at: only one process wins the row.
        claimed = session.execute(
            update(OutboxEmail)
            .where(OutboxEmail.id == email.id, OutboxEmail.next_attempt_at == email.next_attempt_at)
            .values(next_attempt_at=now + CLAIM_FOR, tries=OutboxEmail.tries + 1)
        ).rowcount  # type: ignore[attr-defined]
        session.commit()
        return email if claimed else _claim_next(sessions)


def _record_failure(sessions: sessionmaker[Session], email: OutboxEmail, exc: Exception) -> None:
    log.warning("sending e-mail %s failed: %s", email.id, exc)
    backoff = timedelta(seconds=30 * 2 ** min(email.tries, 8))
    with sessions() as session:
        session.execute(
            update(OutboxEmail)
            .where(OutboxEmail.id == email.id)
            .values(next_attempt_at=utcnow() + backoff, last_error=str(exc)[:500])
        )
        session.commit()


def _deliver(target: SmtpTarget, sender: str, email: OutboxEmail) -> None:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Message-ID"] = f"<{email.id}@chainrule>"
    message.set_content(email.body)
    smtp_class = smtplib.SMTP_SSL if target.tls else smtplib.SMTP
    with smtp_class(target.host, target.port, timeout=20) as smtp:
        if not target.tls:
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls()
        if target.username:
            smtp.login(target.username, target.password or "")
        smtp.send_message(message)


class OutboxSender:
    """A daemon thread that sends due messages every `interval` seconds until stopped."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        target: SmtpTarget,
        *,
        sender: str,
        interval: float = 1.0,
    ) -> None:
        self._sessions, self._target, self._sender = sessions, target, sender
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox-sender", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                send_due(self._sessions, self._target, sender=self._sender)
            except Exception:  # a database hiccup must not kill the sender; try again later
                log.exception("the outbox sender failed; retrying")
            self._stop.wait(self._interval)
