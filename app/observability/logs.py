"""Structured logs: one JSON object per line (LOG_FORMAT=json) or readable lines (console),
every record of a request carrying its request id, and no secret in any of them.

Standard-library loggers (the app's, uvicorn's, Dramatiq's) go through the same formatter, so
there is one format per process. uvicorn's access log is off: its lines carry the path as
requested, and candidates' paths carry their invitation token; the request middleware logs
each request with its route template instead.
"""

from __future__ import annotations

import logging
import sys

import structlog
from structlog.types import EventDict, Processor

from app.observability import redaction


def _drop_color_message(_logger: object, _name: str, event: EventDict) -> EventDict:
    event.pop("color_message", None)  # uvicorn's copy of the message with terminal colours
    return event


_SHARED: list[Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.stdlib.ExtraAdder(),
    _drop_color_message,
]


def route_structlog_to_logging() -> None:
    """Send structlog's events to the standard library's loggers, redacted (idempotent).

    Done by create_app too, so that tests (pytest's handlers) see the same events a served
    process writes; configure_logging() adds the process's own handler and format.
    """
    redaction.install()
    structlog.configure(
        processors=[
            *_SHARED,
            structlog.processors.format_exc_info,
            redaction.redact_event,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def configure_logging(log_format: str, level: str = "INFO") -> None:
    """Write every logger of the process to stderr in one format (the served processes)."""
    route_structlog_to_logging()
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        # structlog's own events were redacted on their way here; the standard library's
        # records (message and traceback redacted by the record factory) get their fields done.
        foreign_pre_chain=[*_SHARED, redaction.redact_event],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "dramatiq"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
