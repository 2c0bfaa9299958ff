"""Requests per API key: a token bucket per key, in this process; past it, 429 + Retry-After.

In-process by design: no write per request. With N API processes a key gets up to N times the
rate; the limit is a guard against runaway clients, not a billing meter.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from typing import Any

from app.api.openapi import add_problem
from app.errors import DomainError

RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before the next attempt",
        "schema": {"type": "integer", "minimum": 1},
    }
}


class ApiRateLimitedError(DomainError):
    status, code, title = 429, "rate-limited", "Too many requests with this API key"

    def __init__(self, per_minute: int, wait: int) -> None:
        super().__init__(
            f"This key may make {per_minute} requests a minute; retry in {wait} s.",
            retry_after=wait,
        )
        self.headers["Retry-After"] = str(wait)


class KeyRateLimiter:
    """`per_minute` requests a minute per key, in bursts of up to `per_minute`."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._rate = per_minute / 60.0
        self._buckets: dict[uuid.UUID, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, key_id: uuid.UUID) -> None:
        """Spend one request of `key_id`, or raise ApiRateLimitedError saying how long to wait."""
        now = time.monotonic()
        with self._lock:
            tokens, at = self._buckets.get(key_id, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - at) * self._rate)
            if tokens < 1.0:
                self._buckets[key_id] = (tokens, now)
                wait = max(1, math.ceil((1.0 - tokens) / self._rate))
                raise ApiRateLimitedError(self.per_minute, wait)
            self._buckets[key_id] = (tokens - 1.0, now)


def openapi_rule(_path: str, _method: str, operation: dict[str, Any]) -> None:
    """Every operation an API key calls may be rate-limited."""
    if any("HTTPBearer" in requirement for requirement in operation.get("security", [])):
        add_problem(operation, 429, ApiRateLimitedError.code, headers=RETRY_AFTER)
