"""`chainrule worker`: a grading worker process of the scaled mode (Redis, DESIGN.md §9)."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from types import FrameType

from app.db import make_engine, make_sessionmaker, utcnow
from app.grading import watchdog
from app.grading.broker import make_broker
from app.grading.check_queue import LocalCheckPool
from app.grading.judge import build_runner
from app.grading.practice import load_practice
from app.grading.workers import GradingWorker, Timing
from app.observability.worker_metrics import MetricsServer
from app.settings import Settings
from sandbox import SandboxError

log = logging.getLogger(__name__)


def run_worker(settings: Settings, *, threads: int | None = None) -> int:
    """Grade until SIGTERM or SIGINT; then finish the jobs in hand (or release them) and exit."""
    if not settings.broker_url:
        log.error(
            "chainrule worker: BROKER_URL is not set; without it `chainrule serve` grades "
            "in its own process"
        )
        return 2
    if threads:
        settings = settings.model_copy(update={"grading_workers": threads})
    threads = settings.grading_threads
    os.nice(settings.worker_niceness)
    try:
        runner = build_runner(settings)
    except SandboxError as exc:
        log.error("chainrule worker: the judge cannot start: %s", exc)
        return 1
    engine = make_engine(settings.model_copy(update={"db_pool_size": settings.grading_connections}))
    broker = make_broker(settings)
    worker = GradingWorker(
        broker,
        make_sessionmaker(engine),
        runner,
        threads=threads,
        timing=Timing.from_settings(settings),
        practice=load_practice(settings),
    )
    # Custom coding tasks the API processes queued (they have no sandbox) are checked here.
    checks = LocalCheckPool(make_sessionmaker(engine), runner, sweep_seconds=2, claim_fresh=True)
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: finishing the jobs in hand", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    metrics = None
    if settings.worker_metrics_port is not None:
        token = settings.metrics_token
        metrics = MetricsServer(
            settings.worker_metrics_port, token.get_secret_value() if token else None
        )
        log.info("metrics on port %d", metrics.port)
    try:
        worker.start()
        stop.wait()
        worker.stop(settings.worker_grace_seconds)
    finally:
        if metrics is not None:
            metrics.close()
        checks.close()
        broker.close()
        runner.close()
        engine.dispose()
    return 0


def worker_health(settings: Settings) -> int:
    """`chainrule worker-health`: 0 when a worker of this host beat recently (a container's
    health check: the worker process is alive and reaches the database)."""
    engine = make_engine(settings.model_copy(update={"db_pool_size": 1}))
    try:
        with make_sessionmaker(engine)() as session:
            beating = watchdog.host_is_beating(
                session, socket.gethostname(), utcnow(), Timing.from_settings(settings).dead_after
            )
    except Exception as exc:  # unreachable database: not healthy, and say which error
        log.error("worker health: %s", type(exc).__name__)
        return 1
    finally:
        engine.dispose()
    return 0 if beating else 1
