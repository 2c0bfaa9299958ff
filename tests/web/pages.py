"""Read what a browser would from a page: hidden CSRF fields, links in e-mails."""

from __future__ import annotations

import re

from httpx import Response

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(response: Response) -> str:
    match = _CSRF.search(response.text)
    assert match, "the page has no CSRF field"
    return match.group(1)


def link_in(body: str, path: str) -> str:
    match = re.search(rf"https?://[^\s]+{re.escape(path)}[^\s]+", body)
    assert match, f"no {path} link in:\n{body}"
    return match.group(0)
