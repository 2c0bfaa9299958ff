"""The request's session dependency (app.deps.get_session) under a full thread pool."""

from __future__ import annotations

from types import SimpleNamespace

import anyio
import anyio.to_thread
import pytest
from sqlalchemy import Engine, text

from app.db import make_read_sessionmaker, make_sessionmaker
from app.deps import get_session


def test_a_session_still_reading_closes_while_every_request_thread_is_taken(
    engine: Engine,
) -> None:
    # The deadlock this guards against: requests hold every request thread waiting for a pooled
    # connection, while the connections wait to be returned by closes that want a thread too.
    state = SimpleNamespace(
        read_sessionmaker=make_read_sessionmaker(engine), sessionmaker=make_sessionmaker(engine)
    )
    request = SimpleNamespace(method="GET", app=SimpleNamespace(state=state))

    async def scenario() -> None:
        limiter = anyio.to_thread.current_default_thread_limiter()
        borrowers = [object() for _ in range(int(limiter.total_tokens))]
        for borrower in borrowers:
            await limiter.acquire_on_behalf_of(borrower)
        try:
            dependency = get_session(request)  # type: ignore[arg-type]
            session = await dependency.__anext__()
            session.execute(text("SELECT 1"))  # a read: its transaction stays open
            assert session.in_transaction()
            with anyio.fail_after(10), pytest.raises(StopAsyncIteration):
                await dependency.__anext__()
            assert not session.in_transaction()
        finally:
            for borrower in borrowers:
                limiter.release_on_behalf_of(borrower)

    anyio.run(scenario)
