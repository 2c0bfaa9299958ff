"""The frame format between the trusted side and the sandbox child: JSON headers, raw array bytes.

A frame is a u32 little-endian header length, a UTF-8 JSON header, then the raw C-order bytes of
each array the header lists (``{"name", "dtype", "shape"}``). Nothing is pickled or evaluated.
Every size is checked against a cap *before* anything is allocated, dtypes come from a short
allowlist, and a frame must be consumed exactly (no trailing bytes), because the child's side of
the channel is written by code we do not trust.

This module is also copied into the sandbox runtime and imported by the child, so it depends on
numpy and the standard library only.
"""

from __future__ import annotations

import json
import math
import os
import struct
from collections.abc import Callable, Mapping
from typing import Any, cast

import numpy as np

from sandbox.wire.messages import (
    DENIED_EVENTS,
    DTYPES,
    LANGUAGES,
    MAX_ARRAY_BYTES,
    MAX_ARRAYS,
    MAX_FRAME_BYTES,
    MAX_HEADER_BYTES,
    MAX_NDIM,
    MAX_REFUSALS,
    MAX_SOURCE_CHARS,
    STATUSES,
    STDOUT_KEEP_BYTES,
    Array,
    ErrorInfo,
    Job,
    ProtocolError,
    Result,
    Status,
    mapping,
    text,
)

_LEN = struct.Struct("<I")


# --------------------------------------------------------------------------- encoding


def _wire_array(name: str, value: object) -> tuple[dict[str, Any], bytes]:
    if not isinstance(value, np.ndarray):
        raise ProtocolError(f"array {name!r}: expected a numpy array, got {type(value).__name__}")
    for wire_name, dtype in DTYPES.items():
        if value.dtype == dtype or (
            value.dtype.kind == dtype.kind and value.dtype.itemsize == dtype.itemsize
        ):
            data = np.asarray(value, dtype=dtype, order="C")
            spec = {"name": name, "dtype": wire_name, "shape": list(data.shape)}
            return spec, data.tobytes()
    raise ProtocolError(f"array {name!r}: dtype {value.dtype} is not allowed on the wire")


def _encode(header: dict[str, Any], arrays: Mapping[str, object]) -> bytes:
    if len(arrays) > MAX_ARRAYS:
        raise ProtocolError(f"too many arrays ({len(arrays)} > {MAX_ARRAYS})")
    specs: list[dict[str, Any]] = []
    chunks: list[bytes] = []
    total = 0
    for name, value in arrays.items():
        spec, data = _wire_array(name, value)
        if len(spec["shape"]) > MAX_NDIM:
            raise ProtocolError(f"array {name!r}: more than {MAX_NDIM} dimensions")
        total += len(data)
        if total > MAX_ARRAY_BYTES:
            raise ProtocolError(f"arrays exceed {MAX_ARRAY_BYTES} bytes")
        specs.append(spec)
        chunks.append(data)
    header = {**header, "arrays": specs}
    head = json.dumps(header, allow_nan=False, separators=(",", ":")).encode()
    if len(head) > MAX_HEADER_BYTES:
        raise ProtocolError(f"header exceeds {MAX_HEADER_BYTES} bytes")
    return b"".join([_LEN.pack(len(head)), head, *chunks])


def encode_job(job: Job) -> bytes:
    """Serialize a job for the child."""
    if len(job.source) > MAX_SOURCE_CHARS:
        raise ProtocolError(f"source exceeds {MAX_SOURCE_CHARS} characters")
    try:
        if job.language not in LANGUAGES:
            raise ProtocolError(f"unknown language {job.language!r}")
        header = {"kind": "job", "language": job.language, "source": job.source, "plan": job.plan}
        return _encode(header, job.arrays)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ProtocolError):
            raise
        raise ProtocolError(f"job is not JSON-serializable: {exc}") from exc


def encode_result(result: Result) -> bytes:
    """Serialize a result for the trusted side."""
    header = {
        "kind": "result",
        "status": result.status,
        "errors": {k: v.to_json() for k, v in result.errors.items()},
        "timings": result.timings,
        "module_error": None if result.module_error is None else result.module_error.to_json(),
        "stdout": result.stdout,
        "refusals": result.refusals,
    }
    return _encode(header, result.outputs)


# --------------------------------------------------------------------------- decoding


def _reject_constant(name: str) -> None:
    raise ProtocolError(f"non-finite number {name} in header")


def _array_specs(
    header: dict[str, Any],
) -> tuple[list[tuple[str, np.dtype[Any], tuple[int, ...]]], int]:
    """Validate the array list of a header; return the specs and the body size they declare."""
    raw_specs = header.get("arrays")
    if not isinstance(raw_specs, list):
        raise ProtocolError("header has no array list")
    if len(raw_specs) > MAX_ARRAYS:
        raise ProtocolError(f"too many arrays ({len(raw_specs)} > {MAX_ARRAYS})")
    specs: list[tuple[str, np.dtype[Any], tuple[int, ...]]] = []
    seen: set[str] = set()
    total = 0
    for raw in raw_specs:
        spec = mapping(raw, "array spec")
        name = text(spec.get("name"), "array name", 200)
        if name in seen:
            raise ProtocolError(f"array {name!r} appears twice")
        seen.add(name)
        dtype = DTYPES.get(spec.get("dtype"))  # type: ignore[arg-type]
        if dtype is None:
            raise ProtocolError(f"array {name!r}: dtype {spec.get('dtype')!r} is not allowed")
        shape = spec.get("shape")
        if not isinstance(shape, list) or len(shape) > MAX_NDIM:
            raise ProtocolError(f"array {name!r}: bad shape")
        if not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
            raise ProtocolError(f"array {name!r}: bad shape {shape!r}")
        # Python ints cannot overflow, so a lying shape cannot wrap around the cap.
        nbytes = math.prod(shape) * dtype.itemsize
        total += nbytes
        if total > MAX_ARRAY_BYTES:
            raise ProtocolError(f"arrays exceed {MAX_ARRAY_BYTES} bytes")
        specs.append((name, dtype, tuple(shape)))
    return specs, total


def _parse_header(data: bytes | memoryview) -> tuple[dict[str, Any], int]:
    """Return the header and its end offset, after checking the declared length."""
    if len(data) < _LEN.size:
        raise ProtocolError("frame is shorter than its length prefix")
    (head_len,) = _LEN.unpack_from(data, 0)
    if head_len > MAX_HEADER_BYTES:
        raise ProtocolError(f"header of {head_len} bytes exceeds {MAX_HEADER_BYTES}")
    end = _LEN.size + head_len
    if len(data) < end:
        raise ProtocolError("frame is shorter than its header")
    try:
        header = json.loads(bytes(data[_LEN.size : end]), parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        # ValueError covers bad UTF-8, bad JSON and integers over Python's digit limit.
        raise ProtocolError(f"header is not valid JSON: {str(exc)[:200]}") from exc
    return mapping(header, "header"), end


def _decode(data: bytes, kind: str) -> tuple[dict[str, Any], dict[str, Array]]:
    if len(data) > MAX_FRAME_BYTES:
        raise ProtocolError(f"frame of {len(data)} bytes exceeds {MAX_FRAME_BYTES}")
    view = memoryview(data)
    header, offset = _parse_header(view)
    if header.get("kind") != kind:
        raise ProtocolError(f"expected a {kind} frame, got {header.get('kind')!r}")
    specs, body = _array_specs(header)
    if len(data) - offset != body:
        raise ProtocolError(f"frame body is {len(data) - offset} bytes, header declares {body}")
    arrays: dict[str, Array] = {}
    for name, dtype, shape in specs:
        nbytes = math.prod(shape) * dtype.itemsize
        flat = np.frombuffer(view[offset : offset + nbytes], dtype=dtype)
        if dtype.kind == "b":
            # Raw bytes other than 0/1 would make bools that compare oddly; normalise them.
            flat = np.frombuffer(view[offset : offset + nbytes], dtype=np.uint8) != 0
        arrays[name] = flat.reshape(shape).copy()
        offset += nbytes
    return header, arrays


def decode_job(data: bytes) -> Job:
    """Parse and validate a job frame."""
    header, arrays = _decode(data, "job")
    source = text(header.get("source"), "source", MAX_SOURCE_CHARS)
    plan = header.get("plan")
    if not isinstance(plan, list) or not all(isinstance(step, dict) for step in plan):
        raise ProtocolError("plan must be a list of objects")
    language = header.get("language", "python")
    if language not in LANGUAGES:
        raise ProtocolError(f"unknown language {language!r}")
    return Job(
        source=source,
        arrays=arrays,
        plan=cast(list[dict[str, Any]], plan),
        language=cast(str, language),
    )


def decode_result(data: bytes) -> Result:
    """Parse and validate a result frame written by untrusted code."""
    header, arrays = _decode(data, "result")
    status = header.get("status")
    if status not in STATUSES:
        raise ProtocolError(f"unknown status {status!r}")
    raw_errors = mapping(header.get("errors", {}), "errors")
    errors = {text(k, "error key", 200): ErrorInfo.from_json(v) for k, v in raw_errors.items()}
    timings: dict[str, float] = {}
    for key, value in mapping(header.get("timings", {}), "timings").items():
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not (isinstance(value, float) or abs(value) < 2**53)
            or not math.isfinite(value)
        ):
            raise ProtocolError(f"timing {key!r} is not a finite number")
        timings[text(key, "timing key", 200)] = float(value)
    raw_module_error = header.get("module_error")
    module_error = None if raw_module_error is None else ErrorInfo.from_json(raw_module_error)
    stdout = text(header.get("stdout", ""), "stdout", STDOUT_KEEP_BYTES)
    raw_refusals = header.get("refusals", [])
    if not isinstance(raw_refusals, list) or len(raw_refusals) > MAX_REFUSALS:
        raise ProtocolError(f"refusals must be a list of at most {MAX_REFUSALS} strings")
    refusals = [text(r, "refusal", 200) for r in raw_refusals]
    unknown = next((r for r in refusals if r not in DENIED_EVENTS), None)
    if unknown is not None or len(set(refusals)) != len(refusals):
        raise ProtocolError("refusals must name distinct refused audit events")
    return Result(
        status=cast(Status, status),
        outputs=arrays,
        errors=errors,
        timings=timings,
        module_error=module_error,
        stdout=stdout,
        refusals=refusals,
    )


# --------------------------------------------------------------------------- streams


def _read_exact(read: Callable[[int], bytes], size: int) -> bytes:
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        chunk = read(min(remaining, 1 << 20))
        if not chunk:
            raise ProtocolError(f"stream ended {remaining} bytes before the end of the frame")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int) -> bytes:
    """Read exactly one frame from a file descriptor, checking sizes before reading the body."""

    def read(n: int) -> bytes:
        return os.read(fd, n)

    prefix = _read_exact(read, _LEN.size)
    (head_len,) = _LEN.unpack(prefix)
    if head_len > MAX_HEADER_BYTES:
        raise ProtocolError(f"header of {head_len} bytes exceeds {MAX_HEADER_BYTES}")
    head = _read_exact(read, head_len)
    header, _ = _parse_header(prefix + head)
    _, body = _array_specs(header)
    return prefix + head + _read_exact(read, body)
