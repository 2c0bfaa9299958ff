"""The scaled mode started directly, as the README says: PostgreSQL, Redis, 2 APIs, 2 workers.

PostgreSQL is the machine's (a database of its own per run, dropped after); Redis is a
redis-server process of the test's own on a free port, so a test can restart it without
touching anyone else's.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO

import httpx
import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from app.db import make_engine
from app.settings import REPO_ROOT, Settings
from tests.e2e.servers import free_port

PG_ADMIN = os.environ.get("SCALED_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# Fast enough that a test sees a dead worker's leases released within seconds.
FAST_TIMING = {
    "WORKER_HEARTBEAT_SECONDS": "0.5",
    "WORKER_DEAD_SECONDS": "2",
    "GRADING_RESEND_SECONDS": "2",
    "WORKER_GRACE_SECONDS": "10",
}
METRICS_TOKEN = "scrape-scaled-5d1e9b7c"


def wait_for(what: str, check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


class Process:
    """A child process whose output goes to a file (a pipe nobody reads would stall it)."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], logs: Path) -> None:
        self.name = name
        self.env = env
        self.log_path = logs / f"{name}-{uuid.uuid4().hex[:6]}.log"
        self._log: IO[str] = self.log_path.open("w")
        self.popen = subprocess.Popen(
            command, env=env, cwd=REPO_ROOT, stdout=self._log, stderr=subprocess.STDOUT
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill9(self) -> None:
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait()
        self._log.close()

    def stop(self, timeout: float = 30) -> int:
        if self.alive():
            self.popen.terminate()
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self._log.close()
        return self.popen.returncode

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


class Redis:
    """A redis-server of the test's own: nothing on disk, so a restart loses every message."""

    def __init__(self, logs: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._logs = logs
        self.process: Process | None = None

    def start(self) -> None:
        command = [
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no",
        ]  # fmt: skip
        self.process = Process("redis", command, dict(os.environ), self._logs)
        wait_for("redis", self._answers, timeout=20)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill9()

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False


class Cluster:
    """The processes of a scaled deployment on 127.0.0.1, started and stopped by the test."""

    def __init__(
        self, tmp: Path, extra_env: dict[str, str] | None = None, pg_admin: str = PG_ADMIN
    ) -> None:
        self.logs = tmp
        self.extra_env = extra_env or {}
        self.pg_admin = pg_admin
        name = f"chainrule_scaled_{os.getpid()}_{uuid.uuid4().hex[:6]}_test"
        with psycopg.connect(pg_admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.db_name = name
        admin = make_url(pg_admin.replace("postgresql://", "postgresql+psycopg://", 1))
        self.database_url = admin.set(database=name).render_as_string(hide_password=False)
        self.redis = Redis(tmp)
        self.apis: list[tuple[Process, str]] = []
        self.workers: list[Process] = []
        self.engine: Engine = make_engine(Settings(database_url=self.database_url))

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "BROKER_URL": self.redis.url,
            "JUDGE_SLOTS": "1",
            "LOG_FORMAT": "json",
            "METRICS_TOKEN": METRICS_TOKEN,
            **FAST_TIMING,
            **self.extra_env,
            **extra,
        }
        env.pop("TEST_DATABASE_URL", None)
        return env

    def chainrule(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            env=self.env(),
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def start(
        self,
        apis: int = 2,
        workers: int = 2,
        before_serving: str = "",
        api_log_level: str = "DEBUG",
    ) -> None:
        self.redis.start()
        self.chainrule("migrate")
        self.chainrule("bank", "sync")
        if before_serving:
            self.execute(before_serving)
        for _ in range(apis):
            # DEBUG: the log tests check that not even debug lines carry a secret.
            self.start_api(LOG_LEVEL=api_log_level)
        for _ in range(workers):
            self.start_worker()
        for process, base in self.apis:
            self.wait_healthy(process, base)
        for worker in self.workers:
            self.wait_registered(worker)

    def start_api(self, **env: str) -> tuple[Process, str]:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "app.cli", "serve", "--no-setup", "--port", str(port)]
        api = (Process("api", command, self.env(PUBLIC_BASE_URL=base, **env), self.logs), base)
        self.apis.append(api)
        return api

    def own_api(self, **env: str) -> tuple[Process, str]:
        """A healthy API of the caller's own, kept out of `bases` (where other tests send)."""
        api, base = self.start_api(**env)
        self.apis.remove((api, base))
        self.wait_healthy(api, base)
        return api, base

    def wait_healthy(self, process: Process, base: str) -> None:
        # Generous: on a loaded 2-core machine importing the app alone has taken 25 s.
        wait_for(f"API {base}", lambda: _healthy(base, process), timeout=180)

    def start_worker(self, **env: str) -> Process:
        """A worker serving its metrics on a port of its own (WORKER_METRICS_PORT)."""
        env = {"WORKER_METRICS_PORT": str(free_port()), **env}
        worker = Process(
            "worker", [sys.executable, "-m", "app.cli", "worker"], self.env(**env), self.logs
        )
        self.workers.append(worker)
        return worker

    def wait_registered(self, worker: Process) -> None:
        name = f"{socket.gethostname()}:{worker.pid}"

        def registered() -> bool:
            if not worker.alive():
                pytest.fail(f"worker exited:\n{worker.output()}")
            return bool(self.scalar("SELECT count(*) FROM grading_worker WHERE name = :n", n=name))

        wait_for(f"worker {name} to register", registered, timeout=180)

    @property
    def bases(self) -> list[str]:
        return [base for _, base in self.apis]

    def scalar(self, sql: str, **params: object) -> object:
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def rows(self, sql: str, **params: object) -> list[tuple[object, ...]]:
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params).all()]

    def execute(self, sql: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(text(sql))

    def stop(self) -> None:
        processes = [*self.workers, *(p for p, _ in self.apis)]
        for process in processes:  # all at once: each finishes its work in parallel
            if process.alive():
                process.popen.terminate()
        for process in processes:
            process.stop()
        if self.redis.process is not None and self.redis.process.alive():
            self.redis.process.stop()
        self.engine.dispose()
        with psycopg.connect(self.pg_admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')


def _healthy(base: str, process: Process) -> bool:
    if not process.alive():
        pytest.fail(f"API exited:\n{process.output()}")
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def logs_dir() -> Path:
    """The processes' logs, kept under var/ for reading after a failure (pytest's own temporary
    folders are pruned by any other pytest run on the machine)."""
    logs = REPO_ROOT / "var" / "scaled-logs" / time.strftime("%Y%m%d-%H%M%S")
    logs.mkdir(parents=True, exist_ok=True)
    return logs
