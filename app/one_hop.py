"""OneHopRoute, every router's route class: no request waits for a thread holding a connection.

Issue 13. Request threads (anyio's default limiter, THREADPOOL_SIZE) and connections
(DB_POOL_SIZE + DB_MAX_OVERFLOW) are two pools; a request that holds one while waiting for the
other deadlocks under a burst: every thread waits for a connection held by a request that waits
for a thread, until the pool's 30 s timeout answers 503. Two waits of that kind existed:

- FastAPI validates a sync route's response in a second trip through the thread pool, while
  the request's session still holds its connection (a read's transaction stays open until the
  session closes, after the response). OneHopRoute turns a sync endpoint into an async one that
  runs it in one trip, so the response is validated on the loop. The wrapper keeps the
  endpoint's name, docstring and signature (functools.wraps: FastAPI reads parameters and the
  return annotation through __wrapped__), so routing and the OpenAPI document are unchanged.
- FastAPI runs each sync dependency in a trip of its own before the endpoint's. A dependency
  that reads through the request's session (Permission, the browser session's look-up) ends
  that read before it returns (app.db.end_read), so the request holds no connection while it
  waits for the endpoint's thread. Running those dependencies in the endpoint's trip instead
  would mean replacing FastAPI's dependency resolution; ending the read costs one COMMIT of a
  transaction that wrote nothing, and what the dependency loaded stays loaded (the sessions
  keep rows on commit: expire_on_commit=False). The idempotency claim ends its own
  transactions, and the session's close runs outside the limiter (app.deps.get_session).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import anyio.to_thread
from fastapi.routing import APIRoute


def in_one_hop(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """An async endpoint that runs a sync `endpoint` in one trip through the thread pool."""
    if (
        inspect.iscoroutinefunction(endpoint)
        or inspect.isgeneratorfunction(endpoint)
        or inspect.isasyncgenfunction(endpoint)
    ):
        return endpoint

    @functools.wraps(endpoint)
    async def one_hop(*args: Any, **kwargs: Any) -> Any:
        return await anyio.to_thread.run_sync(functools.partial(endpoint, *args, **kwargs))

    return one_hop


class OneHopRoute(APIRoute):
    """A route whose sync endpoint takes one trip through the thread pool, not two."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        super().__init__(path, in_one_hop(endpoint), **options)
