"""The candidate's e-mails: the invitation (sent again on resend) and the reminder."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.db import utcnow
from app.mail import outbox
from app.models import Assessment, Candidate, Invitation

INVITATION_KIND = "candidate_invitation"
REMINDER_KIND = "candidate_reminder"


def queue_invitation(
    session: Session,
    *,
    assessment: Assessment,
    candidate: Candidate,
    invitation: Invitation,
    url: str,
    reminder: bool = False,
) -> None:
    """Put the invitation (or a reminder of it) in the outbox and note when it was queued."""
    minutes = assessment.time_limit_minutes + invitation.extra_minutes
    extra = (
        f" (including {invitation.extra_minutes} minutes of extra time agreed with you)"
        if invitation.extra_minutes
        else ""
    )
    expires = invitation.expires_at.strftime("%d %B %Y, %H:%M UTC")
    opening = (
        f"A reminder: you are invited to take the assessment “{assessment.title}”, and you "
        "have not started it yet."
        if reminder
        else f"You are invited to take the assessment “{assessment.title}”."
    )
    body = (
        f"Hello {candidate.name},\n\n{opening}\n\n"
        f"Open this link to read what it covers and start when you are ready:\n{url}\n\n"
        f"Time limit once you start: {minutes} minutes{extra}.\n"
        f"The link works until {expires}.\n\n"
        "If you need an accommodation (extra time or another adjustment), reply to the person "
        "who invited you before you start.\n"
    )
    outbox.queue_email(
        session,
        organization_id=assessment.organization_id,
        kind=REMINDER_KIND if reminder else INVITATION_KIND,
        to_address=candidate.email,
        subject=f"{'Reminder: ' if reminder else ''}Your assessment: {assessment.title}"[:300],
        body=body,
    )
    if reminder:
        invitation.reminded_at = utcnow()
    else:
        invitation.emailed_at = utcnow()
