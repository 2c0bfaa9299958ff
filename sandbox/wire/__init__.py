"""The wire shared by both sides of the sandbox: Job and Result messages and their frames.

Imported by the trusted side and, copied into the runtime, by the child: numpy and the standard
library only, and nothing else from ``sandbox``.
"""

from sandbox.wire.frames import (
    decode_job,
    decode_result,
    encode_job,
    encode_result,
    read_frame,
)
from sandbox.wire.messages import (
    DENIED_EVENTS,
    DTYPES,
    LANGUAGES,
    MAX_ARRAY_BYTES,
    MAX_FRAME_BYTES,
    MAX_HEADER_BYTES,
    MAX_NDIM,
    MAX_REFUSALS,
    MAX_SOURCE_CHARS,
    STDOUT_KEEP_BYTES,
    ErrorInfo,
    Job,
    ProtocolError,
    Result,
    Status,
)

__all__ = [
    "DENIED_EVENTS",
    "DTYPES",
    "LANGUAGES",
    "MAX_ARRAY_BYTES",
    "MAX_FRAME_BYTES",
    "MAX_HEADER_BYTES",
    "MAX_NDIM",
    "MAX_REFUSALS",
    "MAX_SOURCE_CHARS",
    "STDOUT_KEEP_BYTES",
    "ErrorInfo",
    "Job",
    "ProtocolError",
    "Result",
    "Status",
    "decode_job",
    "decode_result",
    "encode_job",
    "encode_result",
    "read_frame",
]
