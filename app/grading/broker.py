"""The grading queue on Dramatiq: Redis when BROKER_URL is set, an in-process broker otherwise.

Both modes declare the same two actors and send the same messages (a submission id, nothing
else), so the embedded default and the scaled mode run one code path. Final grading and
public-check runs are separate queues so a worker can put the final one first (its actor's
priority) when both wait.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from app.settings import Settings

log = logging.getLogger(__name__)

FINAL_QUEUE = "grading_final"
RUNS_QUEUE = "grading_runs"
# Dramatiq's worker threads take the lowest number first from what they have fetched.
FINAL_PRIORITY, RUNS_PRIORITY = 0, 10

# Grades one submission; `final` says which queue it came from (to re-send it to the same one).
Handler = Callable[[uuid.UUID, bool], None]


def make_broker(settings: Settings) -> dramatiq.Broker:
    """Redis for the scaled mode; otherwise Dramatiq's in-memory broker, in this process.

    No middleware: retries, time limits and ages are the database's business here (leases,
    tries, the watchdog), so Dramatiq must not retry or drop a message on its own.
    """
    if settings.broker_url:
        client = redis.Redis.from_url(
            settings.broker_url,
            # An outage must fail a send in seconds (the watchdog re-sends), never hang a request.
            socket_timeout=5,
            socket_connect_timeout=2,
            health_check_interval=10,
        )
        return RedisBroker(client=client, middleware=[])  # type: ignore[no-untyped-call]
    return StubBroker(middleware=[])


def broker_status(broker: dramatiq.Broker) -> str:
    """What /readyz says of the broker: ok, or why it cannot be reached."""
    if not isinstance(broker, RedisBroker):
        return "ok (in-process)"
    try:
        broker.client.ping()
    except redis.RedisError as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


class GradingActors:
    """The two grading actors, bound to one broker (no global broker: tests build several)."""

    def __init__(self, broker: dramatiq.Broker, handle: Handler | None) -> None:
        def actor(final: bool) -> Callable[[str], None]:
            def grade(submission_id: str) -> None:
                if handle is None:
                    raise RuntimeError("this process sends grading jobs, it does not grade")
                handle(uuid.UUID(submission_id), final)

            return grade

        self.final = dramatiq.actor(
            broker=broker, actor_name="grade_final", queue_name=FINAL_QUEUE, priority=FINAL_PRIORITY
        )(actor(True))
        self.runs = dramatiq.actor(
            broker=broker, actor_name="grade_run", queue_name=RUNS_QUEUE, priority=RUNS_PRIORITY
        )(actor(False))


class DramatiqQueue:
    """`GradingQueue` over the actors: sends a committed submission's id to its queue."""

    def __init__(self, actors: GradingActors, on_send_failure: Callable[[], None]) -> None:
        self._actors = actors
        self._on_send_failure = on_send_failure

    def enqueue(self, submission_id: uuid.UUID, *, final: bool) -> None:
        actor = self._actors.final if final else self._actors.runs
        try:
            actor.send(str(submission_id))
        except Exception as exc:  # the broker is down: the row is committed, the watchdog re-sends
            self._on_send_failure()
            log.warning(
                "could not queue submission %s (%s); it waits in the database",
                submission_id,
                type(exc).__name__,
            )
