"""Issue 13: the scaled mode grades through Redis and worker processes, and nothing is lost or
graded twice when a worker is killed mid-grading or Redis restarts."""

from __future__ import annotations

import os
import socket
import time

from tests.e2e.stall import REFERENCE, sleeper
from tests.scaled.candidates import Candidates
from tests.scaled.cluster import Cluster, Process

KILLS = 20
# Long enough that a kill lands while the candidate's code runs, short enough to stay bounded.
SLOW_SECONDS = 1.0
SPARE_WORKERS = 2


def test_an_assessment_is_taken_on_two_apis_and_graded_by_a_worker(cluster: Cluster) -> None:
    people = Candidates(cluster, "acme")
    [token] = people.started_with_code(1)
    people.submit(token)
    people.wait_graded(1, timeout=60)
    [attempt_id] = people.attempt_ids([token])
    result = people.api.get(f"/attempts/{attempt_id}").json()
    [affine] = [q for q in result["per_question"] if q["question_id"] == "affine"]
    assert affine["verdict"] == "passed"
    assert result["score"] == result["max_score"] > 0
    # Graded by one of the worker processes (its identity is host:pid), never by an API.
    workers = {f"{socket.gethostname()}:{w.pid}" for w in cluster.workers}
    graded_by = cluster.scalar(
        "SELECT w.name FROM submission s JOIN grading_worker w ON w.id = s.worker_id"
        " WHERE s.attempt_id = :a",
        a=attempt_id,
    )
    assert graded_by in workers
    cluster.chainrule("worker-health")  # exits 0: workers of this host beat
    ready = people.api.get(f"{cluster.bases[1]}/readyz").json()
    assert ready["checks"] == {"database": "ok", "broker": "ok", "judge": "ok (2 workers)"}
    people.close()


def test_kill_9_of_a_worker_mid_grading_loses_nothing_and_grades_once(cluster: Cluster) -> None:
    people = Candidates(cluster, "killed")
    tokens = people.started_with_code(KILLS, sleeper(SLOW_SECONDS))
    killed: list[object] = []
    started = time.monotonic()
    # Workers booting, not grading, set the pace: with spares booting alongside, one is more
    # often ready for the next submission (measured: 41 s with none, 32 with one, 28 with two).
    for _ in range(SPARE_WORKERS):
        cluster.start_worker()
    # One at a time: submit, wait until a worker runs the candidate's code, kill -9 that worker
    # and start a new one. The others meanwhile take the next submission, and the killed
    # one's grading again as soon as its dead predecessor's lease is released.
    for token in tokens:
        people.submit(token)
        submission_id, victim = _running_first_try(cluster, started)
        victim.kill9()
        cluster.workers.remove(victim)
        cluster.start_worker()
        killed.append(submission_id)
    people.wait_graded(KILLS, timeout=120)
    rows = cluster.rows(
        "SELECT s.id, s.status, s.verdict, s.tries,"
        " (SELECT count(*) FROM graded_log g WHERE g.submission_id = s.id)"
        " FROM submission s WHERE s.id = ANY(:ids)",
        ids=killed,
    )
    assert len(rows) == KILLS
    # Each was killed once on its first try and graded on its second, and its result was
    # written exactly once.
    assert {(status, verdict, tries, writes) for _, status, verdict, tries, writes in rows} == {
        ("graded", "passed", 2, 1)
    }
    for attempt_id in people.attempt_ids(tokens):
        result = people.api.get(f"/attempts/{attempt_id}").json()
        assert result["score"] == result["max_score"] > 0
    people.close()
    # Back to the two workers the other tests expect.
    for worker in cluster.workers:
        cluster.wait_registered(worker)
    for _ in range(SPARE_WORKERS):
        assert cluster.workers.pop(0).stop(60) == 0


def test_redis_restarted_while_submissions_arrive_all_are_graded(cluster: Cluster) -> None:
    people = Candidates(cluster, "outage")
    tokens = people.started_with_code(6, REFERENCE)
    people.submit(tokens[0])
    cluster.redis.kill()
    for token in tokens[1:4]:  # acknowledged while the broker is down: they wait in the database
        saved = people.take(
            token, "PUT", "/answers/affine", json={"response": {"source": REFERENCE}}
        )
        assert saved.status_code == 200
        people.submit(token)
    cluster.redis.start()  # empty: whatever it held is gone
    for token in tokens[4:]:
        people.submit(token)
    people.wait_graded(6, timeout=60)
    assert (
        cluster.scalar(
            "SELECT count(*) FROM graded_log g JOIN submission s ON s.id = g.submission_id"
            " JOIN attempt a ON a.id = s.attempt_id WHERE a.id::text = ANY(:ids)",
            ids=people.attempt_ids(tokens),
        )
        == 6
    )
    people.close()


def _running_first_try(cluster: Cluster, started: float) -> tuple[object, Process]:
    """A submission on its first try whose code has run for a moment, and its worker."""
    while True:
        # Bounded: about a minute on a quiet machine, far less than this on a loaded one.
        assert time.monotonic() - started < 300, "the kills did not land in time"
        rows = cluster.rows(
            "SELECT s.id, w.name FROM submission s JOIN grading_worker w ON w.id = s.worker_id"
            " WHERE s.status = 'running' AND s.tries = 1"
            " AND s.lease_expires_at - interval '2 minutes' < now() - interval '0.3 seconds'"
        )
        for submission_id, name in rows:
            pid = int(str(name).rsplit(":", 1)[1])
            victim = next((w for w in cluster.workers if w.pid == pid and w.alive()), None)
            if victim is not None:
                return submission_id, victim
        time.sleep(0.05)


def test_workers_yield_the_cores_to_the_apis(cluster: Cluster) -> None:
    """On a host they share, grading runs at WORKER_NICENESS (10) and the APIs at 0."""
    assert {os.getpriority(os.PRIO_PROCESS, w.pid) for w in cluster.workers} == {10}
    assert {os.getpriority(os.PRIO_PROCESS, api.pid) for api, _ in cluster.apis} == {0}
