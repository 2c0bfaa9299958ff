"""Turn a report's HTML into a PDF (WeasyPrint) that fetches nothing from outside the server.

Everything in the report that a candidate wrote is escaped text, so it cannot add an element
that loads something; the fetcher below is the second wall: it serves only the server's own
static files (read from disk, under one folder) and data: URLs, and refuses every other URL.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from weasyprint import HTML, URLFetcher
from weasyprint.urls import URLFetcherResponse

log = logging.getLogger(__name__)


class RefusedFetchError(ValueError):
    """A URL outside the server's static files; WeasyPrint leaves that resource out."""


class StaticOnlyFetcher(URLFetcher):  # type: ignore[misc]
    """Serve `<base>/static/<path>` from `static_dir` and data: URLs; refuse everything else."""

    def __init__(self, base_url: str, static_dir: Path) -> None:
        super().__init__(timeout=1, allow_redirects=False)
        self._static_prefix = base_url.rstrip("/") + "/static/"
        self._static_dir = static_dir.resolve()
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)  # decoded in memory by urllib's DataHandler
        if url.startswith(self._static_prefix):
            relative = unquote(urlsplit(url).path).removeprefix(urlsplit(self._static_prefix).path)
            path = (self._static_dir / relative).resolve()
            if path.is_relative_to(self._static_dir) and path.is_file():
                return URLFetcherResponse(url, path.read_bytes(), _headers(path))
        self.refused.append(url)
        log.warning("the PDF renderer refused to fetch %s", url[:200])
        raise RefusedFetchError(f"refused: {url[:200]}")


def _headers(path: Path) -> dict[str, str]:
    types = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}
    return {"Content-Type": types.get(path.suffix, "application/octet-stream")}


def render_pdf(html: str, *, base_url: str, static_dir: Path) -> bytes:
    """The PDF of `html`, whose relative links resolve against `base_url`."""
    fetcher = StaticOnlyFetcher(base_url, static_dir)
    pdf: bytes = HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf()
    return pdf
