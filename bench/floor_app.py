"""The floor of bench/load.py: a bare ASGI endpoint doing the autosave's upsert on raw asyncpg
with a prepared statement; no framework, no ORM, no token lookup. Served by uvicorn:

    FLOOR_DSN=postgresql://postgres@127.0.0.1:5432/db uvicorn bench.floor_app:app --port 9000
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg

UPSERT = """
INSERT INTO answer (id, attempt_id, question_id, response, revision, updated_at)
SELECT $1, a.id, $3, $4::json, 1, $5 FROM attempt a
WHERE a.id = $2 AND a.status = 'started' AND a.deadline > $5
ON CONFLICT (attempt_id, question_id) DO UPDATE
SET response = excluded.response, revision = answer.revision + 1, updated_at = excluded.updated_at
RETURNING revision
"""

_pool: asyncpg.Pool | None = None


async def _upsert(attempt_id: str, question_id: str, response: Any) -> int | None:
    assert _pool is not None
    async with _pool.acquire() as conn:
        # Prepared on each connection's first use and kept in asyncpg's statement cache
        # (conn.prepare() would prepare again on every call: a second round trip per save).
        revision: int | None = await conn.fetchval(
            UPSERT,
            uuid.uuid4(),
            uuid.UUID(attempt_id),
            question_id,
            json.dumps(response),
            datetime.now(UTC),
        )
        return revision


async def _nothing_to_reset(_conn: asyncpg.Connection) -> None:
    """As the product's pool (app/attempts/autosave.py): no reset query per release."""


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global _pool
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                _pool = await asyncpg.create_pool(
                    os.environ["FLOOR_DSN"], min_size=4, max_size=10, reset=_nothing_to_reset
                )
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if _pool is not None:
                    await _pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    parts = scope["path"].strip("/").split("/")  # floor/{attempt_id}/{question_id}
    status, payload = 404, b'{"error":"not found"}'
    if scope["method"] == "PUT" and len(parts) == 3 and parts[0] == "floor":
        revision = await _upsert(parts[1], parts[2], json.loads(body)["response"])
        status = 200 if revision is not None else 409
        payload = json.dumps({"revision": revision}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": payload})
