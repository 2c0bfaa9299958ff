"""The wire format: round trips, and refusal of malformed or oversized frames before allocating."""

from __future__ import annotations

import json
import os
import struct
import threading
from collections.abc import Mapping

import numpy as np
import pytest

from sandbox.wire import (
    MAX_ARRAY_BYTES,
    MAX_HEADER_BYTES,
    ErrorInfo,
    Job,
    ProtocolError,
    Result,
    decode_job,
    decode_result,
    encode_job,
    encode_result,
    read_frame,
)


def _frame(header: Mapping[str, object], body: bytes = b"") -> bytes:
    head = json.dumps(header).encode()
    return struct.pack("<I", len(head)) + head + body


def test_job_round_trip_keeps_every_dtype_shape_and_value() -> None:
    rng = np.random.default_rng(1)
    arrays = {
        "f8": rng.normal(size=(3, 4)),
        "f4": rng.normal(size=(2, 5)).astype(np.float32),
        "i8": np.arange(6, dtype=np.int64).reshape(2, 3),
        "i4": np.arange(4, dtype=np.int32),
        "b": np.array([True, False, True]),
        "u1": np.arange(7, dtype=np.uint8),
        "scalar": np.array(2.5),
        "empty": np.zeros((0, 3)),
        "strided": rng.normal(size=(6, 6))[::2, 1::3],
        "big_endian": np.arange(3, dtype=">f8"),
    }
    plan = [{"id": "s", "call": "f", "args": [{"array": "f8"}], "kwargs": {}}]
    job = decode_job(encode_job(Job(source="x = 1\n", arrays=arrays, plan=plan)))
    assert job.source == "x = 1\n"
    assert job.plan == plan
    assert set(job.arrays) == set(arrays)
    for name, original in arrays.items():
        got = job.arrays[name]
        assert got.shape == original.shape
        np.testing.assert_array_equal(got, original)
        assert got.dtype.byteorder in ("<", "|", "=")
        assert got.flags.writeable
        assert got.flags.c_contiguous


def test_result_round_trip_keeps_errors_timings_and_stdout() -> None:
    result = Result(
        status="ok",
        outputs={"out": np.eye(3), "loss": np.array(0.5)},
        errors={"b": ErrorInfo("ValueError", "bad", 7, "Traceback...\nValueError: bad\n")},
        timings={"b": 0.0125},
        module_error=None,
        stdout="hello\n",
        refusals=["os.kill", "socket.__new__"],
    )
    back = decode_result(encode_result(result))
    assert back.status == "ok"
    np.testing.assert_array_equal(back.outputs["out"], np.eye(3))
    assert back.errors == result.errors
    assert back.timings == result.timings
    assert back.stdout == "hello\n"
    assert back.module_error is None
    assert back.refusals == ["os.kill", "socket.__new__"]


def test_object_and_complex_arrays_are_refused_on_encode() -> None:
    with pytest.raises(ProtocolError, match="not allowed"):
        encode_job(Job(source="", arrays={"o": np.array([None, 1], dtype=object)}))
    with pytest.raises(ProtocolError, match="not allowed"):
        encode_result(Result(status="ok", outputs={"c": np.ones(2, dtype=complex)}))


def test_lying_shape_is_refused_before_any_allocation() -> None:
    spec = {"name": "x", "dtype": "float64", "shape": [10**12, 10**6]}
    frame = _frame({"kind": "result", "status": "ok", "arrays": [spec]}, b"\0" * 8)
    with pytest.raises(ProtocolError, match="exceed"):
        decode_result(frame)


def test_body_must_match_the_declared_shapes_exactly() -> None:
    spec = {"name": "x", "dtype": "float64", "shape": [2]}
    header = {"kind": "result", "status": "ok", "arrays": [spec]}
    with pytest.raises(ProtocolError, match="body"):
        decode_result(_frame(header, b"\0" * 8))
    with pytest.raises(ProtocolError, match="body"):
        decode_result(_frame(header, b"\0" * 24))
    assert decode_result(_frame(header, b"\0" * 16)).outputs["x"].shape == (2,)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"name": "x", "dtype": "object", "shape": [1]}, "not allowed"),
        ({"name": "x", "dtype": "complex128", "shape": [1]}, "not allowed"),
        ({"name": "x", "dtype": "float64", "shape": [-1]}, "bad shape"),
        ({"name": "x", "dtype": "float64", "shape": [1.5]}, "bad shape"),
        ({"name": "x", "dtype": "float64", "shape": [1] * 9}, "bad shape"),
        ({"name": 3, "dtype": "float64", "shape": [1]}, "name"),
    ],
)
def test_bad_array_specs_are_refused(spec: dict[str, object], message: str) -> None:
    frame = _frame({"kind": "result", "status": "ok", "arrays": [spec]}, b"\0" * 8)
    with pytest.raises(ProtocolError, match=message):
        decode_result(frame)


def test_duplicate_array_names_are_refused() -> None:
    spec = {"name": "x", "dtype": "uint8", "shape": [1]}
    frame = _frame({"kind": "result", "status": "ok", "arrays": [spec, spec]}, b"\0\0")
    with pytest.raises(ProtocolError, match="twice"):
        decode_result(frame)


def test_bool_bytes_other_than_zero_and_one_are_normalised() -> None:
    spec = {"name": "m", "dtype": "bool", "shape": [3]}
    frame = _frame({"kind": "result", "status": "ok", "arrays": [spec]}, b"\x00\x07\x01")
    mask = decode_result(frame).outputs["m"]
    assert mask.dtype == np.bool_
    assert mask.view(np.uint8).tolist() == [0, 1, 1]


@pytest.mark.parametrize(
    "header",
    [
        {"kind": "result", "status": "passed", "arrays": []},
        {"kind": "job", "source": "", "plan": [], "arrays": []},
        {"kind": "result", "status": "ok", "arrays": [], "timings": {"a": "fast"}},
        {"kind": "result", "status": "ok", "arrays": [], "errors": {"a": {"type": 1}}},
        {"kind": "result", "status": "ok", "arrays": [], "stdout": "x" * 5000},
        {"kind": "result", "status": "ok"},
        # refusals are shown to the candidate: only known audit events, no free text
        {"kind": "result", "status": "ok", "arrays": [], "refusals": "os.kill"},
        {"kind": "result", "status": "ok", "arrays": [], "refusals": ["hidden 0.4172"]},
        {"kind": "result", "status": "ok", "arrays": [], "refusals": [1]},
        {"kind": "result", "status": "ok", "arrays": [], "refusals": ["os.kill", "os.kill"]},
    ],
)
def test_bad_result_headers_are_refused(header: dict[str, object]) -> None:
    with pytest.raises(ProtocolError):
        decode_result(_frame(header))


def test_non_finite_numbers_and_garbage_headers_are_refused() -> None:
    head = b'{"kind":"result","status":"ok","arrays":[],"timings":{"a":NaN}}'
    with pytest.raises(ProtocolError, match="non-finite"):
        decode_result(struct.pack("<I", len(head)) + head)
    with pytest.raises(ProtocolError, match="JSON"):
        decode_result(struct.pack("<I", 4) + b"\xff\xfe{{")
    with pytest.raises(ProtocolError, match="exceeds"):
        decode_result(struct.pack("<I", MAX_HEADER_BYTES + 1) + b"{}")
    with pytest.raises(ProtocolError, match="shorter"):
        decode_result(struct.pack("<I", 100) + b"{}")
    with pytest.raises(ProtocolError, match="shorter"):
        decode_result(b"\x01")


def test_encode_refuses_arrays_over_the_cap() -> None:
    big = np.zeros(MAX_ARRAY_BYTES // 8 + 1)
    with pytest.raises(ProtocolError, match="exceed"):
        encode_job(Job(source="", arrays={"big": big}))


def test_read_frame_reads_exactly_one_frame_from_a_pipe() -> None:
    first = encode_job(Job(source="a", arrays={"x": np.arange(50000.0)}))
    second = encode_job(Job(source="b"))
    r, w = os.pipe()

    def write() -> None:
        os.write(w, first + second)  # larger than the pipe buffer: needs a concurrent reader
        os.close(w)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        one = decode_job(read_frame(r))
        two = decode_job(read_frame(r))
        with pytest.raises(ProtocolError, match="ended"):
            read_frame(r)
    finally:
        writer.join()
        os.close(r)
    assert one.source == "a"
    np.testing.assert_array_equal(one.arrays["x"], np.arange(50000.0))
    assert two.source == "b"


def test_read_frame_refuses_a_huge_declared_header_without_reading_it() -> None:
    r, w = os.pipe()
    try:
        os.write(w, struct.pack("<I", 2**31))
        with pytest.raises(ProtocolError, match="exceeds"):
            read_frame(r)
    finally:
        os.close(r)
        os.close(w)


BIG_INT = "9" * 5000  # over Python's 4300-digit int-conversion limit: json.loads raises ValueError
HUGE_FLOATABLE = "9" * 400  # parses, but no float holds it: math.isfinite raises OverflowError


@pytest.mark.parametrize(
    "head",
    [
        f'{{"kind":"result","status":"ok","arrays":[],"n":{BIG_INT}}}',
        f'{{"kind":"result","status":"ok","arrays":[],"timings":{{"a":{HUGE_FLOATABLE}}}}}',
        f'{{"kind":"result","status":"ok","arrays":[{{"name":"a","dtype":"bool","shape":[{HUGE_FLOATABLE}]}}]}}',
        f'{{"kind":"result","status":"ok","arrays":[],"errors":{{"s":{{"type":"E","message":"m","line":{HUGE_FLOATABLE}}}}}}}',
        '{"kind":"result","status":"ok","arrays":[],"stdout":"\\ud800"}',
        '{"kind":"result","status":"ok","arrays":[],"timings":{"a":1e999}}',
        '{"kind":"result","status":"ok","arrays":[],"x":' + "[" * 100_000 + "]" * 100_000 + "}",
        '["kind","result"]',
    ],
    ids=[
        "int-over-digit-limit",
        "timing-over-float-range",
        "shape-over-any-size",
        "line-over-any-file",
        "lone-surrogate",
        "overflowing-float-literal",
        "deep-nesting",
        "not-an-object",
    ],
)
def test_every_malformed_header_family_is_a_protocol_error(head: str) -> None:
    data = head.encode()
    # only ProtocolError may leave the decoder: anything else would crash the trusted side
    with pytest.raises(ProtocolError):
        decode_result(struct.pack("<I", len(data)) + data)
