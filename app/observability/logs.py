"""Structured logs: one JSON object per line (LOG_FORMAT=json) or readable lines (console),
every record of a request carrying its request id, and no secret in any of them.

Standard-library loggers (the app's, uvicorn's, Dramatiq's) go through the same formatter, so
there is one format per process. uvicorn's access log is off: its lines carry the path as
requested, and candidates' paths carry their invitation token; the request middleware logs
each request with its route template instead.

A served process writes structlog's events itself, through the standard library's handler
(its stream and its lock, so lines never interleave), rendered by the same renderer: the
access line is written on every request, and the detour through a LogRecord, the caller's
frame and the formatter's copy of the record cost more than the rest of it (80 µs a line).
"""

from __future__ import annotations

import logging
import sys
from typing import Any

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
    process writes; in a served process (configure_logging's handler still the root's) it
    leaves the process's own configuration alone.
    """
    redaction.install()
    if _served is not None and _served in logging.getLogger().handlers:
        return
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
    global _served
    redaction.install()
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        # The standard library's records: message and traceback redacted by the record
        # factory, their fields here.
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
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.format_exc_info,
            # Before the fields added below: those are ours (a level, a logger's name, a time),
            # and the redaction searches each string field.
            redaction.redact_event,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        logger_factory=lambda name="", *_: _HandlerWriter(handler, name),
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        cache_logger_on_first_use=True,
    )
    _served = handler


_served: logging.Handler | None = None  # configure_logging's handler, once it has run


class _HandlerWriter:
    """structlog's final logger in a served process: a rendered line, written to the handler's
    stream under the handler's lock (the stream as it is then: a test may swap it)."""

    def __init__(self, handler: logging.StreamHandler[Any], name: str) -> None:
        self._handler = handler
        self.name = name  # add_logger_name reads it

    def msg(self, line: str) -> None:
        with self._handler.lock:  # type: ignore[union-attr]
            self._handler.stream.write(line + "\n")
            self._handler.flush()

    debug = info = warning = error = critical = exception = log = msg
