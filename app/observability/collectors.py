"""Metrics read when Prometheus scrapes: the queue's depth from the database (the source of
truth, the same for every process), and the sandbox slots' recycles from the runner."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

from app.grading import watchdog
from app.grading.service import SessionScope

log = logging.getLogger(__name__)


class QueueDepth(Collector):
    def __init__(self, sessions: SessionScope) -> None:
        self._sessions = sessions

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "chainrule_grading_queue_depth", "Submissions waiting to be graded", labels=["purpose"]
        )
        try:
            with self._sessions() as session:
                depth = watchdog.queue_depth(session)
        except Exception:  # a scrape during a database outage: no sample rather than an error
            log.warning("queue depth unavailable (database)")
            return
        for purpose in ("final", "run", "practice"):
            gauge.add_metric([purpose], depth.get(purpose, 0))
        yield gauge


class SlotRecycles(Collector):
    """The runner's count (the judge cannot import the metrics library: it imports no app)."""

    def __init__(self, runner: object) -> None:
        self._runner = runner

    def collect(self) -> Iterator[CounterMetricFamily]:
        yield CounterMetricFamily(
            "chainrule_sandbox_slot_recycles",
            "Warm sandbox slots restarted (recycled after N jobs, or after a failure)",
            # Only the pooled runner keeps warm slots; the others have nothing to recycle.
            value=int(getattr(self._runner, "recycles", 0)),
        )


def register(collector: Collector) -> Callable[[], None]:
    """Register on the process's registry; the returned function unregisters (app shutdown)."""
    REGISTRY.register(collector)
    return lambda: REGISTRY.unregister(collector)
