"""One redaction for every secret, in standard-library records and structlog events alike."""

from __future__ import annotations

import io
import json
import logging

import pytest
import structlog

from app.observability.logs import configure_logging, route_structlog_to_logging
from app.observability.redaction import redact

KEY = "cr_0a1b2c3d_Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0"
TOKEN = "V2hhdEFDYW5kaWRhdGVUb2tlbkxvb2tzTGlrZTEy"
WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
LINES = [
    f"GET /api/v1/assessments?api_key={KEY}",
    f"Authorization: Bearer {TOKEN}",
    "{'authorization': 'Basic dXNlcjpwYXNzd29yZA=='}",
    f"GET /api/v1/take/{TOKEN}/answers/q1",
    f"POST /password/{TOKEN}",
    f"GET /join/{TOKEN}",
    f"Cookie: chainrule_session={TOKEN}; theme=dark",
    f"csrf_token={TOKEN}&email=a@b.c",
    f"x-csrf-token: {TOKEN}",
    "password=hunter2hunter2&confirm=hunter2hunter2",
    f"the endpoint's secret is {WHSEC}",
    f"postgresql+psycopg://chainrule:{TOKEN}@db:5432/chainrule",
]


@pytest.mark.parametrize("line", LINES)
def test_each_kind_of_secret_is_masked(line: str) -> None:
    masked = redact(line)
    for secret in (TOKEN, KEY.split("_", 2)[2], WHSEC.removeprefix("whsec_"), "hunter2"):
        assert secret not in masked
    assert "[redacted]" in masked


def test_what_says_which_secret_stays() -> None:
    assert redact(f"key {KEY}") == "key cr_0a1b2c3d_[redacted]"
    assert redact(f"/take/{TOKEN}/start") == "/take/[redacted]/start"
    assert redact("route /api/v1/take/{token}/answers/{question_id}") == (
        "route /api/v1/take/{token}/answers/{question_id}"
    )


def test_records_and_events_are_redacted_before_any_handler(
    caplog: pytest.LogCaptureFixture,
) -> None:
    route_structlog_to_logging()
    caplog.set_level(logging.DEBUG)
    # A bare token in free text cannot be told from any other word; in a link, it can.
    logging.getLogger("chainrule.test").info("saving %s with %s", f"/take/{TOKEN}", WHSEC)
    try:
        raise RuntimeError(f"refused {KEY}")
    except RuntimeError:
        logging.getLogger("chainrule.test").exception("failed")
    events = structlog.get_logger("chainrule.test")
    events.info("signed in", password="hunter2hunter2", note=f"/take/{TOKEN}")
    events.warning(f"webhook {WHSEC}", authorization=f"Bearer {TOKEN}")
    everything = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert len(caplog.records) == 4
    for secret in (TOKEN, KEY.split("_", 2)[2], WHSEC.removeprefix("whsec_"), "hunter2"):
        assert secret not in everything


def test_a_served_process_writes_no_secret_from_either_kind_of_logger() -> None:
    """configure_logging's own handler: a record's extra fields and an event's fields alike."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    out = io.StringIO()
    try:
        configure_logging("json", "INFO")
        root.handlers[0].setStream(out)  # type: ignore[attr-defined]
        logging.getLogger("chainrule.test").info(
            "calling back", extra={"target": f"https://gh.test/take/{TOKEN}", "token": TOKEN}
        )
        structlog.get_logger("chainrule.test").info("signed in", secret=WHSEC, key=KEY)
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["event"] for line in lines] == ["calling back", "signed in"]
    assert lines[0]["target"] == "https://gh.test/take/[redacted]"
    assert lines[0]["token"] == lines[1]["secret"] == "[redacted]"
    assert lines[1]["key"] == "cr_0a1b2c3d_[redacted]"
