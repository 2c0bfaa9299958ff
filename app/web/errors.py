"""Readable error pages for browser paths; the API answers the same errors as problem+json."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from app.errors import DomainError
from app.web.templating import render_page

# What a candidate can do about each problem, in words; the domain's title and detail say what.
_ADVICE = {
    "invitation-not-found": (
        "This link is not valid",
        "Check that you opened the whole link from your invitation e-mail. If it still does "
        "not work, contact the person who invited you.",
    ),
    "invitation-expired": (
        "This invitation has expired",
        "Contact the person who invited you: they can send you a new invitation.",
    ),
    "invitation-revoked": (
        "This invitation was withdrawn",
        "The person who invited you withdrew this invitation, so the test can no longer be "
        "taken with this link. Anything you saved before was kept. If you think this is a "
        "mistake, contact them.",
    ),
    "assessment-closed": (
        "This assessment is closed",
        "The organization no longer accepts candidates for it, so it cannot be started. If you "
        "think this is a mistake, contact the person who invited you.",
    ),
    "attempt-submitted": (
        "This test was already submitted",
        "Your answers were recorded. There is nothing more to do.",
    ),
    "attempt-expired": (
        "The time for this test is over",
        "Your answers saved before the deadline were submitted for grading.",
    ),
    "not-found": ("Page not found", "Check the address, or open the link you were sent again."),
    "database-unavailable": (
        "The service is briefly unavailable",
        "Wait a moment and reload the page. Saved answers are safe, and answers typed on a test "
        "page are kept in this browser and sent when the test opens again.",
    ),
    "server-stopping": (
        "The service is restarting",
        "Reload the page in a moment. Saved answers are safe, and answers typed on a test page "
        "are kept in this browser and sent when the test opens again.",
    ),
    "internal-error": (
        "Something went wrong on our side",
        "Your saved answers are safe. Wait a moment and reload the page.",
    ),
}


def error_page(request: Request, error: DomainError) -> HTMLResponse:
    """Render `error` as an HTML page with its own status."""
    heading, advice = _ADVICE.get(error.code, (error.title, ""))
    detail = error.detail if error.detail != error.title else ""
    page = render_page(
        request,
        "errors/error.html",
        {
            "page_title": heading,
            "heading": heading,
            "detail": detail or error.title,
            "advice": advice,
            "status": error.status,
        },
        status_code=error.status,
    )
    page.headers.update(error.headers)  # Retry-After, as the API gives it
    return page
