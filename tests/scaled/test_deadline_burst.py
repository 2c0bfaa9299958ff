"""Issue 13: a deadline's burst of submits is answered at once, not after the pool's timeout.

A submit used to take a database connection in a request thread, then wait for a second trip
through the thread pool (FastAPI validates a sync route's response there) while still holding
it. With more submits at once than threads, every thread waited for a connection held by a
request waiting for a thread, until the pool's 30 s timeout answered 503: bench/load.py lost
242 of 300 submits so. A small API makes the burst small: 4 request threads, 2 connections.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.scaled.candidates import Candidates
from tests.scaled.cluster import Cluster

BURST = 24


def test_a_burst_of_submits_is_answered_without_waiting_out_the_pool(cluster: Cluster) -> None:
    people = Candidates(cluster, "deadline-burst")
    tokens = people.started_with_code(BURST)
    api, base = cluster.own_api(THREADPOOL_SIZE="4", DB_POOL_SIZE="2", DB_MAX_OVERFLOW="0")
    try:
        started = time.monotonic()
        with ThreadPoolExecutor(BURST) as pool:
            answers = list(
                pool.map(
                    lambda token: httpx.post(f"{base}/api/v1/take/{token}/submit", timeout=90),
                    tokens,
                )
            )
        took = time.monotonic() - started
    finally:
        api.stop()
    refused = [a.text for a in answers if a.status_code != 200]
    assert not refused, refused[:2]
    assert took < 20, f"{took:.1f} s"  # the database pool gives up waiting after 30 s
    people.close()
