"""Issue 13: graceful shutdown of real processes, and an API killed mid-request.

- an API told to stop (SIGTERM) finishes the requests in flight, for up to
  SHUTDOWN_GRACE_SECONDS, and takes no new ones;
- a worker told to stop finishes the grading in hand, or (past WORKER_GRACE_SECONDS) releases
  it so that another worker takes it at once rather than after its lease;
- an API killed with kill -9 in the middle of saves loses none it acknowledged.
"""

from __future__ import annotations

import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import text

from tests.e2e.stall import REFERENCE, sleeper
from tests.problems import assert_problem
from tests.scaled.candidates import Candidates
from tests.scaled.cluster import Cluster, Process, wait_for

# uvicorn, once shut down gracefully, raises the signal it caught again: death by SIGTERM.
API_STOPPED = (0, -signal.SIGTERM)


def _exited(process: Process, timeout: float) -> int:
    """Wait for a process told to stop (never a second SIGTERM: uvicorn takes it as "now")."""
    process.popen.wait(timeout=timeout)
    return process.stop()


def _source(version: int) -> dict[str, object]:
    return {"response": {"source": f"# version {version}\n{REFERENCE}"}}


def _refuses(base: str) -> bool:
    try:
        httpx.get(f"{base}/healthz", timeout=5)
    except httpx.TransportError:
        return True
    return False


def _blocked_on_a_lock(cluster: Cluster) -> bool:
    return bool(
        cluster.scalar(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
    )


def _save_while_the_answer_is_locked(
    cluster: Cluster, base: str, token: str, attempt_id: str
) -> tuple[object, object]:
    """Lock the answer's row, start a save of it (it waits on the lock): (lock, future)."""
    lock = cluster.engine.connect()
    lock.execute(
        text("SELECT id FROM answer WHERE attempt_id = :a AND question_id = 'affine' FOR UPDATE"),
        {"a": attempt_id},
    )
    pool = ThreadPoolExecutor(1)
    url = f"{base}/api/v1/take/{token}/answers/affine"
    future = pool.submit(httpx.put, url, json=_source(2), timeout=120)
    wait_for("the save to wait on the row lock", lambda: _blocked_on_a_lock(cluster))
    pool.shutdown(wait=False)
    return lock, future


def test_an_api_told_to_stop_finishes_the_request_in_flight(cluster: Cluster) -> None:
    people = Candidates(cluster, "sigterm-api")
    [token] = people.started_with_code(1)
    [attempt_id] = people.attempt_ids([token])
    api, base = cluster.own_api()
    lock, future = _save_while_the_answer_is_locked(cluster, base, token, attempt_id)
    api.popen.terminate()
    # Taking no new request (it closed its socket) yet still alive: waiting for the one in flight.
    wait_for("the API to refuse new connections", lambda: _refuses(base))
    assert api.alive()
    lock.rollback()
    lock.close()
    saved = future.result(timeout=120)  # type: ignore[attr-defined]
    assert saved.status_code == 200, saved.text
    assert _exited(api, 120) in API_STOPPED
    stored = cluster.scalar(
        "SELECT revision FROM answer WHERE attempt_id = :a AND question_id = 'affine'",
        a=attempt_id,
    )
    assert stored == saved.json()["revision"] == 2
    people.close()


def test_an_api_stops_after_its_grace_even_with_a_request_stuck(cluster: Cluster) -> None:
    people = Candidates(cluster, "sigterm-grace")
    [token] = people.started_with_code(1)
    [attempt_id] = people.attempt_ids([token])
    api, base = cluster.own_api(SHUTDOWN_GRACE_SECONDS="1")
    lock, future = _save_while_the_answer_is_locked(cluster, base, token, attempt_id)
    api.popen.terminate()
    try:
        # Exits while the lock is still held: the stuck save is cut, not waited for.
        wait_for("the API to exit after its grace", lambda: not api.alive(), timeout=60)
    finally:
        lock.rollback()
        lock.close()
    assert _exited(api, 10) in API_STOPPED
    # The stuck save was cut, and told so: a 503 to retry, nothing acknowledged or stored.
    cut = future.result(timeout=120)  # type: ignore[attr-defined]
    assert_problem(cut, 503, "server-stopping")
    assert cut.headers["retry-after"] == "1"
    stored = cluster.scalar(
        "SELECT response->>'source' FROM answer WHERE attempt_id = :a AND question_id = 'affine'",
        a=attempt_id,
    )
    assert not str(stored).startswith("# version 2\n")  # the cut save's
    people.close()


def test_a_worker_told_to_stop_finishes_its_grading(cluster: Cluster) -> None:
    people = Candidates(cluster, "sigterm-worker")
    # Long enough to be still running when the worker is told to stop, well inside its grace.
    [token] = people.started_with_code(1, sleeper(4))
    people.submit(token)
    submission_id, worker = _running(cluster, tries=1)
    told = cluster.scalar("SELECT now()")
    worker.popen.terminate()
    assert _exited(worker, 120) == 0
    cluster.workers.remove(worker)
    status, tries, graded_by, after = cluster.rows(
        "SELECT status, tries, worker_id, graded_at > :t FROM submission WHERE id = :s",
        s=submission_id,
        t=told,
    )[0]
    # Graded by the stopping worker, on its first try, after it was told to stop.
    assert (status, tries, after) == ("graded", 1, True)
    assert f"grading worker {graded_by} " in worker.output()
    assert "stopped (0 lease(s) released)" in worker.output()
    cluster.wait_registered(cluster.start_worker())
    people.close()


def test_a_worker_past_its_grace_releases_its_job_to_another_at_once(cluster: Cluster) -> None:
    people = Candidates(cluster, "sigterm-release")
    # Outlasts the quick worker's 1 s grace, and runs long enough on try 2 to be seen running.
    [token] = people.started_with_code(1, sleeper(5))
    # Only a worker with a short grace is left to take the submission.
    for worker in list(cluster.workers):
        worker.popen.terminate()
    for worker in list(cluster.workers):
        assert _exited(worker, 120) == 0
        cluster.workers.remove(worker)
    quick = cluster.start_worker(WORKER_GRACE_SECONDS="1")
    cluster.wait_registered(quick)
    people.submit(token)
    submission_id, holder = _running(cluster, tries=1)
    assert holder is quick
    quick.popen.terminate()
    assert _exited(quick, 60) == 0
    cluster.workers.remove(quick)
    assert "stopped (1 lease(s) released)" in quick.output()
    # Released: no worker holds it, and its lease is over (not the 2 minutes it was given).
    worker_id, lease_over = cluster.rows(
        "SELECT worker_id, lease_expires_at <= now() FROM submission WHERE id = :s",
        s=submission_id,
    )[0]
    assert (worker_id, lease_over) == (None, True)
    started = time.monotonic()
    replacements = [cluster.start_worker() for _ in range(2)]  # started together: both boot at once
    for worker in replacements:
        cluster.wait_registered(worker)
    _, taken_by = _running(cluster, tries=2)
    assert taken_by is not quick
    assert time.monotonic() - started < 110  # well inside the 2-minute lease it had
    people.close()


def test_an_api_killed_mid_request_loses_no_acknowledged_save(cluster: Cluster) -> None:
    people = Candidates(cluster, "kill-api")
    tokens = people.started_with_code(4)
    api, base = cluster.own_api()
    acknowledged = dict.fromkeys(tokens, 1)  # started_with_code saved version 1
    stop = threading.Event()

    def save(token: str) -> None:
        version = 1
        with httpx.Client(base_url=f"{base}/api/v1/take/{token}", timeout=30) as client:
            while not stop.is_set():
                version += 1
                try:
                    answer = client.put("/answers/affine", json=_source(version))
                except httpx.TransportError:
                    return  # the API is gone: this save was never acknowledged
                if answer.status_code == 200:
                    acknowledged[token] = version

    threads = [threading.Thread(target=save, args=(t,), daemon=True) for t in tokens]
    for thread in threads:
        thread.start()
    wait_for("saves to flow", lambda: all(v >= 4 for v in acknowledged.values()))
    api.kill9()
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    attempt_ids = people.attempt_ids(tokens)
    for token, attempt_id in zip(tokens, attempt_ids, strict=True):
        stored = str(
            cluster.scalar(
                "SELECT response->>'source' FROM answer"
                " WHERE attempt_id = :a AND question_id = 'affine'",
                a=attempt_id,
            )
        )
        version = int(stored.split("\n", 1)[0].removeprefix("# version "))
        assert version >= acknowledged[token]  # the one in flight may have committed too
        # The candidate carries on through another API.
        again = people.take(token, "PUT", "/answers/affine", json=_source(version + 1))
        assert again.status_code == 200
    people.close()


def _running(cluster: Cluster, *, tries: int) -> tuple[object, Process]:
    """A submission running on try `tries`, and the worker process running it."""
    found: list[tuple[object, Process]] = []

    def running() -> bool:
        for submission_id, name in cluster.rows(
            "SELECT s.id, w.name FROM submission s JOIN grading_worker w ON w.id = s.worker_id"
            " WHERE s.status = 'running' AND s.tries = :t",
            t=tries,
        ):
            pid = int(str(name).rsplit(":", 1)[1])
            for worker in cluster.workers:
                if worker.pid == pid:
                    found.append((submission_id, worker))
                    return True
        return False

    wait_for(f"a submission running on try {tries}", running, timeout=120)
    return found[0]
