"""Error pages of the workspace: a visitor who must sign in is sent to the sign-in page."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from app.errors import DomainError
from app.web.errors import error_page
from app.web.workspace import safe_next


def workspace_error_page(request: Request, error: DomainError) -> Response:
    """Redirect to sign-in when a page needs it; every other error is the site's error page."""
    if error.code == "sign-in-required":
        target = safe_next(request.url.path if request.method == "GET" else "/")
        query = "" if target == "/" else "?" + urlencode({"next": target})
        return RedirectResponse(f"/sign-in{query}", status_code=303)
    return error_page(request, error)
