"""The messages both sides of the sandbox exchange: Job, Result, ErrorInfo, and the wire's caps.

Also copied into the sandbox runtime and imported by the child, so it depends on numpy and the
standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt

# Wire name -> numpy dtype. Little-endian only; the name is what the header carries.
DTYPES: dict[str, np.dtype[Any]] = {
    "float64": np.dtype("<f8"),
    "float32": np.dtype("<f4"),
    "int64": np.dtype("<i8"),
    "int32": np.dtype("<i4"),
    "bool": np.dtype("|b1"),
    "uint8": np.dtype("|u1"),
}
MAX_NDIM = 8
MAX_HEADER_BYTES = 8 * 2**20
MAX_ARRAY_BYTES = 64 * 2**20  # all arrays of one frame together
MAX_FRAME_BYTES = 4 + MAX_HEADER_BYTES + MAX_ARRAY_BYTES
MAX_SOURCE_CHARS = 1 * 2**20
MAX_ARRAYS = 4096
STDOUT_KEEP_BYTES = 4096
MAX_TEXT_CHARS = 64 * 1024  # one error message or traceback
MAX_LINE = 10**7  # no candidate file has more lines (sources are capped at 1 Mi chars)
MAX_REFUSALS = 32  # distinct refused operations one result may list

# Audit events the harness refuses inside the child (PermissionError). A result may name only
# these as refusals: the grader shows them to the candidate, so they must never be free text
# that untrusted code could fill with hidden inputs.
DENIED_EVENTS: frozenset[str] = frozenset(
    {
        "os.system",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
        "os.kill",
        "os.killpg",
        "subprocess.Popen",
        "socket.__new__",
        "socket.connect",
        "socket.bind",
        "ctypes.dlopen",
        "ctypes.dlsym",
        "ctypes.cdata",
        "ctypes.call_function",
        "sys.addaudithook",
        "sys.setprofile",
        "sys.settrace",
        "pickle.find_class",
    }
)

Status = Literal["ok", "load_error", "rejected"]
STATUSES: frozenset[str] = frozenset({"ok", "load_error", "rejected"})

Array = npt.NDArray[Any]


class ProtocolError(ValueError):
    """A frame is malformed, too large, or not what the other side promised."""


@dataclass(frozen=True)
class ErrorInfo:
    """An exception raised by candidate code, as the candidate should see it."""

    type: str
    message: str
    line: int | None = None
    traceback: str = ""

    def to_json(self) -> dict[str, Any]:
        """Return the JSON form of this error."""
        return {
            "type": self.type,
            "message": self.message,
            "line": self.line,
            "traceback": self.traceback,
        }

    @classmethod
    def from_json(cls, raw: object) -> ErrorInfo:
        """Validate and build an ErrorInfo from untrusted JSON."""
        obj = mapping(raw, "error")
        line = obj.get("line")
        if line is not None and (
            not isinstance(line, int) or isinstance(line, bool) or not 0 <= line <= MAX_LINE
        ):
            raise ProtocolError("error line must be a line number or null")
        return cls(
            type=text(obj.get("type"), "error type", 200),
            message=text(obj.get("message"), "error message", MAX_TEXT_CHARS),
            line=line,
            traceback=text(obj.get("traceback", ""), "error traceback", MAX_TEXT_CHARS),
        )


# The candidate languages a child can run: the language picks the child program (the Python
# harness or the R one); the frames are the same.
LANGUAGES: frozenset[str] = frozenset({"python", "r"})


@dataclass(frozen=True)
class Job:
    """What the child runs: the candidate module, named input arrays and a call plan."""

    source: str
    arrays: dict[str, Array] = field(default_factory=dict)
    plan: list[dict[str, Any]] = field(default_factory=list)
    language: str = "python"


@dataclass(frozen=True)
class Result:
    """What came back from the child: kept outputs, per-step errors, timings and printed text."""

    status: Status
    outputs: dict[str, Array] = field(default_factory=dict)
    errors: dict[str, ErrorInfo] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    module_error: ErrorInfo | None = None
    stdout: str = ""
    # Operations the harness's audit hook refused (e.g. "socket.__new__"), caught or not.
    refusals: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- validation


def mapping(raw: object, what: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ProtocolError(f"{what} must be an object")
    return cast(dict[str, Any], raw)


def text(raw: object, what: str, limit: int) -> str:
    if not isinstance(raw, str):
        raise ProtocolError(f"{what} must be a string")
    if len(raw) > limit:
        raise ProtocolError(f"{what} exceeds {limit} characters")
    if not raw.isascii():
        # JSON can carry lone surrogates ("\ud800"): text the service could never store or show.
        try:
            raw.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ProtocolError(f"{what} is not valid Unicode") from exc
    return raw
