"""The Jinja2 environment of the browser pages and the security headers every page carries."""

from __future__ import annotations

import re
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"

# A strict policy: no inline script, nothing from another origin (DESIGN.md §10). CodeMirror
# injects its base styles as a <style> element, allowed by a per-response nonce only; KaTeX sets
# styles through the CSSOM, which the policy does not restrict.
_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def page_headers(nonce: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": _POLICY.format(nonce=nonce),
        "Referrer-Policy": "no-referrer",  # the invitation token is in the URL
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }


@lru_cache(maxsize=64)
def _asset_version(path: str) -> str:
    file = STATIC_DIR / path
    return format(int(file.stat().st_mtime), "x") if file.exists() else "missing"


def asset(path: str) -> str:
    """URL of a static file, versioned so a new build is never hidden by the browser's cache."""
    return f"/static/{path}?v={_asset_version(path)}"


def dom_id(text: str) -> str:
    """`text` made safe for an id attribute (and a CSS selector): letters, digits, - and _."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", text)


templates = Jinja2Templates(directory=WEB_DIR / "templates")
templates.env.globals["asset"] = asset
templates.env.filters["dom_id"] = dom_id


def render_page(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """Render a page with the security headers and a fresh style nonce."""
    nonce = secrets.token_urlsafe(16)
    return templates.TemplateResponse(
        request,
        template,
        {**context, "style_nonce": nonce},
        status_code=status_code,
        headers=page_headers(nonce),
    )
