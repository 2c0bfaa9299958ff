"""Issue 13 for every route: no request waits for a request thread while it holds a connection.

A sync dependency that read through the request's session (the API key's look-up, the browser
session's) kept its connection in an open read transaction while the request waited for another
thread for the route; a sync route's response waited for a thread to be validated while its
session held one. Bursts larger than the thread pool then deadlocked: every thread waited for a
connection held by a request waiting for a thread, until the pool's 30 s timeout answered 503.
One small API (4 request threads, 2 connections) takes a burst of each kind here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from app.accounts import sessions
from app.db import make_sessionmaker
from app.deps import SESSION_COOKIE
from app.models import Account
from tests.e2e.stall import REFERENCE
from tests.scaled.candidates import Candidates
from tests.scaled.cluster import Cluster

BURST = 24
# Under the pool's 30 s timeout, so a deadlock shows as a client timeout rather than as a
# slow success; a burst served as it should takes a second or two.
CLIENT_TIMEOUT = 20.0
WITHIN_SECONDS = 15.0

Send = Callable[[httpx.Client], httpx.Response]


@pytest.fixture(scope="module")
def small_api(cluster: Cluster) -> Iterator[str]:
    api, base = cluster.own_api(THREADPOOL_SIZE="4", DB_POOL_SIZE="2", DB_MAX_OVERFLOW="0")
    try:
        yield base
    finally:
        api.stop()


@pytest.fixture(scope="module")
def people(cluster: Cluster) -> Iterator[Candidates]:
    people = Candidates(cluster, "pool-bursts")
    yield people
    people.close()


def answered_at_once(sends: list[Send], expected: int = 200) -> None:
    """Send every request at once: each gets `expected`, all within WITHIN_SECONDS."""

    def one(client: httpx.Client, send: Send) -> str | None:
        try:
            answer = send(client)
        except httpx.HTTPError as error:
            return f"{type(error).__name__}: {error}"
        return (
            None if answer.status_code == expected else f"{answer.status_code} {answer.text[:200]}"
        )

    started = time.monotonic()
    with (
        httpx.Client(timeout=CLIENT_TIMEOUT) as client,
        ThreadPoolExecutor(len(sends)) as pool,
    ):
        failures = [f for f in pool.map(lambda send: one(client, send), sends) if f]
    took = time.monotonic() - started
    assert not failures, failures[:2]
    assert took < WITHIN_SECONDS, f"{took:.1f} s"


def test_a_burst_of_api_key_requests_is_answered_at_once(
    small_api: str, people: Candidates
) -> None:
    headers = {"Authorization": f"Bearer {people.key}"}
    answered_at_once([lambda c: c.get(f"{small_api}/api/v1/assessments", headers=headers)] * BURST)


def test_a_burst_of_keyed_api_posts_is_answered_at_once(small_api: str, people: Candidates) -> None:
    # A POST takes the most trips of any API request: the key's look-up, the Idempotency-Key's
    # claim, the route, and the stored response written after it.
    created = people.api.post(
        "/assessments",
        json={"title": "Burst", "question_ids": ["affine"], "time_limit_minutes": 30},
    )
    assert created.status_code == 201, created.text
    url = f"{small_api}/api/v1/assessments/{created.json()['id']}/invitations"

    def invite(i: int) -> Send:
        headers = {"Authorization": f"Bearer {people.key}", "Idempotency-Key": f"burst-{i}"}
        candidate = {"email": f"burst{i}@example.com", "name": f"Burst {i}"}
        return lambda c: c.post(url, headers=headers, json={"candidate": candidate})

    answered_at_once([invite(i) for i in range(BURST)], expected=201)
    listed = people.api.get(f"/assessments/{created.json()['id']}/invitations")
    assert listed.status_code == 200, listed.text
    assert len(listed.json()["items"]) == BURST


def test_a_burst_of_run_polls_is_answered_at_once(small_api: str, people: Candidates) -> None:
    tokens = people.started_with_code(4)
    runs = []
    for token in tokens:
        run = people.take(token, "POST", "/answers/affine/run", json={"source": REFERENCE})
        assert run.status_code == 202, run.text
        runs.append(f"{small_api}/api/v1/take/{token}/runs/{run.json()['run_id']}")
    answered_at_once([lambda c, url=url: c.get(url) for url in runs] * (BURST // 4))


def test_a_burst_of_signed_in_pages_is_answered_at_once(
    small_api: str, people: Candidates, cluster: Cluster
) -> None:
    with make_sessionmaker(cluster.engine)() as session:
        account = session.scalars(
            select(Account).where(Account.email == f"hr@{people.org_name}.test")
        ).one()
        cookie = sessions.sign_in(
            session, account=account, old_token=None, lifetime=timedelta(hours=1)
        ).token
    headers = {"Cookie": f"{SESSION_COOKIE}={cookie}"}
    answered_at_once([lambda c: c.get(f"{small_api}/", headers=headers)] * BURST)
