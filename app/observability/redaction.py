"""Keep every secret out of every log line: API keys, candidate and account tokens in links,
session cookies, CSRF tokens, webhook secrets, passwords and Authorization headers.

Two places, so nothing slips between them: a log record factory redacts standard-library
records (uvicorn's, Dramatiq's, the app's, whatever handler prints them), and a structlog
processor redacts structured events, by pattern in every string and by name for fields that
hold a secret whatever it looks like.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from structlog.types import EventDict

from app.organizations.service import KEY_PREFIX

REDACTED = "[redacted]"

# Applied in this order; each keeps what says which secret it was (a key's visible prefix,
# a header's or field's name), never the secret itself.
_PATTERNS = [
    # cr_<8 hex>_<secret>: the prefix stays, to tell which key leaked.
    (re.compile(rf"\b({KEY_PREFIX}_[0-9a-f]{{8}})_[A-Za-z0-9_-]{{16,}}"), r"\1_[redacted]"),
    (re.compile(r"\bwhsec_[A-Za-z0-9+/=_-]{8,}"), "whsec_[redacted]"),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), r"\1 [redacted]"),
    # The token segment of candidate, password-setting and join links.
    (re.compile(r"(/(?:take|password|join)/)[A-Za-z0-9_-]{16,}"), r"\1[redacted]"),
    (re.compile(r"(://[^:/@\s]+:)[^@\s]+@"), r"\1[redacted]@"),  # a password in a URL
    # name=value, name: value, 'name': 'value' (headers, forms, cookies, dict reprs).
    (
        re.compile(
            r"(?i)\b(authorization|cookie|set-cookie|chainrule_session|x-csrf-token|csrf_token"
            r"|password|confirm|secret|signing_secret|api_key|token)"
            r"""(["']?\s*[:=]\s*["']?)(?!\[redacted\]|bearer |basic )[^"'\s&;,}]+"""
        ),
        r"\1\2[redacted]",
    ),
]
# Structured fields whose value is a secret whatever it looks like.
_SECRET_FIELDS = frozenset(
    {"authorization", "cookie", "password", "secret", "token", "csrf_token", "api_key"}
)
_MARK = "_chainrule_redacts"


def _any_of(patterns: list[tuple[re.Pattern[str], str]]) -> re.Pattern[str]:
    """One regex matching wherever any of `patterns` would: a log line is checked in one pass
    (every request logs one), and only a line that holds a secret pays for the substitutions."""
    parts = [
        f"(?i:{p.pattern[4:]})" if p.pattern.startswith("(?i)") else f"(?:{p.pattern})"
        for p, _ in patterns
    ]
    return re.compile("|".join(parts))


_ANY_SECRET = _any_of(_PATTERNS)


def redact(text: str) -> str:
    if not _ANY_SECRET.search(text):
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_event(_logger: Any, _name: str, event: EventDict) -> EventDict:
    """structlog processor: redact every string field, and secret-named fields entirely."""
    for key, value in list(event.items()):
        if key.lower() in _SECRET_FIELDS:
            event[key] = REDACTED
        elif isinstance(value, str):
            event[key] = redact(value)
    return event


def install() -> None:
    """Wrap the process's log record factory once (later calls change nothing)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, _MARK, False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if isinstance(record.msg, dict):
            return record  # a structlog event: redact_event has been through it already
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            redacted = redact(text)
            if redacted != text:
                record.exc_text, record.exc_info = redacted, None
        return record

    setattr(factory, _MARK, True)
    logging.setLogRecordFactory(factory)
