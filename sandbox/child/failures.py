"""Runs INSIDE the sandbox child: a candidate's exception as the candidate should see it."""

from __future__ import annotations

import traceback
import types

from sandbox.wire import ErrorInfo

SOLUTION_FILE = "solution.py"
_MAX_TB_FRAMES = 20


def _candidate_frames(tb: types.TracebackType | None) -> list[traceback.FrameSummary]:
    return [f for f in traceback.extract_tb(tb) if f.filename == SOLUTION_FILE]


def error_info(exc: BaseException) -> ErrorInfo:
    """Describe an exception with the candidate's own frames only."""
    message = safe_str(exc)
    if isinstance(exc, SyntaxError) and exc.filename == SOLUTION_FILE:
        text = "".join(traceback.format_exception_only(type(exc), exc))
        return ErrorInfo(type(exc).__name__, message, exc.lineno, text[-8000:])
    frames = _candidate_frames(exc.__traceback__)[-_MAX_TB_FRAMES:]
    lines = ["Traceback (most recent call last):\n"] if frames else []
    lines.extend(traceback.format_list(frames))
    lines.append(f"{type(exc).__name__}: {message}\n")
    line = frames[-1].lineno if frames else None
    return ErrorInfo(type(exc).__name__, message, line, "".join(lines)[-8000:])


def safe_str(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception as inner:  # a candidate's exception class may break __str__ itself
        text = f"<unprintable {type(exc).__name__}: {type(inner).__name__}>"
    if isinstance(exc, KeyError) and len(exc.args) == 1:
        text = repr(exc.args[0])
    return text[:4000]
