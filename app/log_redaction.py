"""Keep API keys out of every log line: a record factory redacts them before any handler runs.

Keys travel in headers, which nothing logs, but a client may still paste one into a URL, a body
or an error; the factory sees every record of every logger (uvicorn's access log included).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from app.organizations.service import KEY_PREFIX

# cr_<8 hex>_<secret>: the visible prefix stays, to tell which key leaked; the secret goes.
_KEY = re.compile(rf"\b({KEY_PREFIX}_[0-9a-f]{{8}})_[A-Za-z0-9_-]{{16,}}")
_MARK = "_chainrule_redacts"


def redact(text: str) -> str:
    return _KEY.sub(r"\1_[redacted]", text)


def install() -> None:
    """Wrap the process's log record factory once (later calls change nothing)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, _MARK, False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        message = record.getMessage()
        if _KEY.search(message):
            record.msg, record.args = redact(message), None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            if _KEY.search(text):
                record.exc_text, record.exc_info = redact(text), None
        return record

    setattr(factory, _MARK, True)
    logging.setLogRecordFactory(factory)
