"""Concurrent event batches never store more than the per-attempt cap."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.attempts import integrity
from app.attempts.integrity import MAX_STORED_PER_ATTEMPT, EventType, NewEvent, Recorded
from app.db import utcnow
from app.models import Attempt, IntegrityEvent
from tests import factories
from tests.committed import CommittedAttempt, committed_attempt


@pytest.fixture
def committed(engine: Engine) -> Iterator[CommittedAttempt]:
    question = factories.single_choice(f"race-{uuid.uuid4().hex[:8]}", "chain_rule")
    # 50 events short of the cap, so two batches of 40 straddle it.
    with committed_attempt(engine, [question], events_received=MAX_STORED_PER_ATTEMPT - 50) as made:
        yield made


def test_two_batches_at_once_store_exactly_up_to_the_cap(
    engine: Engine, committed: CommittedAttempt
) -> None:
    batch = [NewEvent(EventType.COPY, utcnow(), length=1)] * 40
    start = threading.Barrier(2)
    results: list[Recorded] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            with Session(engine) as session:
                start.wait()
                results.append(
                    integrity.record_events(session, token=committed.token, events=batch)
                )
        except BaseException as exc:  # reported below: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    # Whichever batch takes the counter first stores all 40; the other gets the last 10.
    assert sorted((r.accepted, r.dropped) for r in results) == [(10, 30), (40, 0)]
    with Session(engine) as session:
        stored = session.scalar(
            select(func.count())
            .select_from(IntegrityEvent)
            .where(IntegrityEvent.attempt_id == committed.attempt_id)
        )
        received = session.scalar(
            select(Attempt.events_received).where(Attempt.id == committed.attempt_id)
        )
    assert stored == 50
    assert received == MAX_STORED_PER_ATTEMPT + 30
