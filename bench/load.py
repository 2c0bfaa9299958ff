"""A bounded load test of the scaled mode (issue 13): 2 API processes and 2 grading workers on
127.0.0.1 over PostgreSQL and Redis, and simulated candidates.

1. Saturation: CONCURRENCY clients save answers as fast as they can for SATURATE seconds, first
   against the product's autosave (PUT /api/v1/take/{token}/answers/{question_id}, the two APIs
   in turn), then against the floor (bench/floor_app.py: the same upsert on raw asyncpg with a
   prepared statement, also two processes): throughput and the ratio.
2. The scenario: CANDIDATES candidates save every few seconds, run the public checks now and
   then, and all submit at once at a shared deadline; latencies per endpoint, the grading queue's
   wait, the time from submit to graded, and the saves lost or duplicated (must be 0).

    .venv/bin/python bench/load.py [--candidates 300] [--duration 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import ssl
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from tests.e2e.servers import free_port
from tests.e2e.stall import REFERENCE, api_client, create_orgs
from tests.scaled.cluster import Cluster, Process, logs_dir, wait_for


@dataclass
class Seen:
    """Latencies (seconds) and statuses per endpoint."""

    took: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # why they failed
    # (when it ended, seconds) per endpoint: when in the run the slow requests were.
    timeline: dict[str, list[tuple[float, float]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def add(self, what: str, seconds: float, ok: bool) -> None:
        self.took[what].append(seconds)
        self.timeline[what].append((time.monotonic(), seconds))
        if not ok:
            self.failed[what] += 1

    def windows(self, what: str, started: float, width: float = 10) -> str:
        """p50/p99 of `what` per `width` seconds of the run, by when the request ended."""
        slices: dict[int, list[float]] = defaultdict(list)
        for ended, seconds in self.timeline[what]:
            slices[int((ended - started) // width)].append(seconds)
        lines = [f"  {what} by {width:.0f} s window (s: n, p50 ms, p99 ms)"]
        for i in sorted(slices):
            took = slices[i]
            lines.append(
                f"    {i * width:4.0f}-{(i + 1) * width:<4.0f} {len(took):6} "
                f"{_pct(took, 50):8.1f} {_pct(took, 99):8.1f}"
            )
        return "\n".join(lines)

    def status(self, what: str, response: httpx.Response) -> None:
        if response.status_code >= 400:
            self.errors[f"{what}: {response.status_code}"] += 1

    def table(self) -> str:
        lines = [
            f"  {'endpoint':28} {'n':>6} {'fail':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
        ]
        for what, took in self.took.items():
            lines.append(
                f"  {what:28} {len(took):6} {self.failed[what]:5} {_pct(took, 50):8.1f}"
                f" {_pct(took, 95):8.1f} {_pct(took, 99):8.1f}"
            )
        return "\n".join(lines)


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] * 1000 if ordered else 0.0


@dataclass
class Candidate:
    token: str
    attempt_id: str
    concepts: list[dict[str, object]]
    acked: dict[str, tuple[int, object]] = field(default_factory=dict)  # question: (n, last)

    def ack(self, question_id: str, response: object) -> None:
        n, _ = self.acked.get(question_id, (0, None))
        self.acked[question_id] = (n + 1, response)


async def timed(seen: Seen, what: str, call: object) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response: httpx.Response = await call  # type: ignore[misc]
    except httpx.HTTPError as exc:
        seen.add(what, time.perf_counter() - started, False)
        seen.errors[f"{what}: {type(exc).__name__}"] += 1
        return None
    seen.add(what, time.perf_counter() - started, response.status_code < 400)
    seen.status(what, response)
    return response


@dataclass
class Saturation:
    saves_per_second: float
    p50_ms: float
    p99_ms: float
    failed: int
    cpu_ms_per_save: float  # CPU of the serving processes (not the database's), per save


def saturate(
    targets: dict[str, list[tuple[str, str]]], pids: list[int], seconds: float, connections: int
) -> Saturation:
    """PUT the (path, body) pairs round-robin to each base with wrk, all bases at once.

    wrk, not a Python client: one asyncio httpx process saturated at about 100 saves/s on this
    machine, below either server, so it measured itself.
    """
    runs = []
    for base, requests in targets.items():
        script = Path(tempfile.mkstemp(suffix=".lua")[1])
        script.write_text(_wrk_script(requests))
        command = [
            "wrk", "-t1", f"-c{connections // len(targets)}", f"-d{seconds:.0f}s",
            "--latency", "-s", str(script), base,
        ]  # fmt: skip
        runs.append((subprocess.Popen(command, stdout=subprocess.PIPE, text=True), script))
    cpu_before = sum(_cpu_seconds(pid) for pid in pids)
    outputs = [process.communicate()[0] for process, _ in runs]
    cpu = sum(_cpu_seconds(pid) for pid in pids) - cpu_before
    for _, script in runs:
        script.unlink()
    parsed = [_wrk_figures(output) for output in outputs]
    saves = sum(p["requests"] - p["failed"] for p in parsed)
    return Saturation(
        saves_per_second=saves / seconds,
        p50_ms=max(p["p50"] for p in parsed),
        p99_ms=max(p["p99"] for p in parsed),
        failed=int(sum(p["failed"] for p in parsed)),
        cpu_ms_per_save=1000 * cpu / max(saves, 1),
    )


def _wrk_script(requests: list[tuple[str, str]]) -> str:
    rows = ",\n".join(f"  {{[==[{path}]==], [==[{body}]==]}}" for path, body in requests)
    return (
        f"local requests = {{\n{rows}\n}}\nlocal i = 0\n"
        "request = function()\n  i = i % #requests + 1\n"
        '  return wrk.format("PUT", requests[i][1], '
        '{["Content-Type"] = "application/json"}, requests[i][2])\nend\n'
    )


def _wrk_figures(output: str) -> dict[str, float]:
    """Requests, failures (non-2xx and socket errors) and p50/p99 in ms from wrk's report."""
    figures = {"requests": 0.0, "failed": 0.0, "p50": 0.0, "p99": 0.0}
    for line in output.splitlines():
        words = line.split()
        if "requests in" in line:
            figures["requests"] = float(words[0])
        elif line.startswith("Non-2xx"):
            figures["failed"] += float(words[-1])
        elif line.startswith("  Socket errors"):
            figures["failed"] += sum(float(w.strip(",")) for w in words[3::2])
        elif words[:1] in (["50%"], ["99%"]):
            figures["p" + words[0].rstrip("%")] = _ms(words[1])
    return figures


def _ms(text: str) -> float:
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def browser(tls: ssl.SSLContext, *life: Any) -> None:
    """A candidate's browser: a client, so a pool of connections, of its own. One pool for all
    300 cost the load client a third of a core: httpcore scans every connection of its pool
    for each request."""
    async with httpx.AsyncClient(verify=tls, timeout=60) as client:
        await candidate_life(client, *life)


async def candidate_life(
    client: httpx.AsyncClient,
    bases: list[str],
    c: Candidate,
    args: argparse.Namespace,
    deadline: float,
    seen: Seen,
    submitted: dict[str, float],
) -> None:
    rng = random.Random(c.token)
    base = lambda: rng.choice(bases)  # noqa: E731
    next_run = time.monotonic() + rng.uniform(0, args.run_every)
    n = 0
    while True:
        await asyncio.sleep(args.save_every * rng.uniform(0.5, 1.5))
        if time.monotonic() >= deadline:
            break
        n += 1
        if n % 3 == 0:
            qid = "affine"
            response: dict[str, object] = {
                "source": f"{REFERENCE}\n# edit {n}\n",
                "language": "python",
            }
        else:
            q = rng.choice(c.concepts)
            qid = str(q["id"])
            choices = q["choices"]  # type: ignore[index]
            response = {"choice": rng.choice(choices)["id"]}  # type: ignore[index]
        url = f"{base()}/api/v1/take/{c.token}/answers/{qid}"
        saved = await timed(
            seen, "PUT answer (autosave)", client.put(url, json={"response": response})
        )
        if saved is not None and saved.status_code == 200:
            c.ack(qid, response)
        if time.monotonic() >= next_run:
            next_run = time.monotonic() + args.run_every
            await public_run(client, base(), c, seen, deadline)
    started = time.perf_counter()
    done = await timed(seen, "POST submit", client.post(f"{base()}/api/v1/take/{c.token}/submit"))
    if done is not None and done.status_code == 200:
        submitted[c.attempt_id] = started


async def public_run(
    client: httpx.AsyncClient, base: str, c: Candidate, seen: Seen, deadline: float
) -> None:
    url = f"{base}/api/v1/take/{c.token}"
    started = time.perf_counter()
    run = await timed(
        seen, "POST run", client.post(f"{url}/answers/affine/run", json={"source": REFERENCE})
    )
    if run is None or run.status_code != 202:
        return
    run_id = run.json()["run_id"]
    while time.monotonic() < deadline:
        await asyncio.sleep(1)
        polled = await timed(seen, "GET run (poll)", client.get(f"{url}/runs/{run_id}"))
        if polled is not None and polled.json().get("status") in ("graded", "grading_failed"):
            seen.add("run: request to result", time.perf_counter() - started, True)
            return


def setup(cluster: Cluster, n: int) -> list[Candidate]:
    [key] = create_orgs(cluster.database_url, ["load"])
    with api_client(cluster.bases[0], key) as api:
        concepts = api.get("/questions", params={"kind": "single_choice"}).json()["items"][:4]
        ids = ["affine", *(q["id"] for q in concepts)]
        assessment = api.post(
            "/assessments", json={"title": "Load", "question_ids": ids, "time_limit_minutes": 60}
        ).json()
        candidates = []
        for i in range(n):
            inv = api.post(
                f"/assessments/{assessment['id']}/invitations",
                json={"candidate": {"email": f"c{i}@load.test", "name": f"C{i}"}},
            ).json()
            started = httpx.post(
                f"{cluster.bases[i % 2]}/api/v1/take/{inv['token']}/start", timeout=60
            ).json()
            qs = [q for q in started["questions"] if q["kind"] != "coding"]
            candidates.append(Candidate(inv["token"], inv["attempt_id"], qs))
    return candidates


def start_floor(cluster: Cluster, processes: int) -> list[tuple[Process, str]]:
    dsn = cluster.database_url.replace("postgresql+psycopg://", "postgresql://")
    floors = []
    for _ in range(processes):
        port = free_port()
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.floor_app:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ]
        env = {**os.environ, "FLOOR_DSN": dsn}
        floors.append((Process("floor", command, env, cluster.logs), f"http://127.0.0.1:{port}"))
    for process, base in floors:

        def up(b: str = base, p: Process = process) -> bool:
            assert p.alive(), p.output()
            try:
                httpx.get(b, timeout=1)
                return True
            except httpx.TransportError:
                return False

        wait_for("floor", up, timeout=60)
    return floors


AUTOSAVE_ROUTE = "/api/v1/take/{token}/answers/{question_id}"


def api_side(cluster: Cluster, route: str, since: datetime) -> str:
    """The APIs' own time for `route` since `since`, from their access logs: far below the
    client's, a request waited before its API read it (a starved process), not in its work."""
    took = []
    for process, _ in cluster.apis:
        for line in process.log_path.read_text().splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if (
                event.get("event") == "request"
                and event.get("route") == route
                and datetime.fromisoformat(event["timestamp"]) >= since
            ):
                took.append(event["ms"] / 1000)
    return (
        f"  the APIs' own view of {route}: n {len(took)}, p50 {_pct(took, 50):.1f} ms, "
        f"p95 {_pct(took, 95):.1f} ms, p99 {_pct(took, 99):.1f} ms"
    )


def report_db(cluster: Cluster, candidates: list[Candidate]) -> None:
    rows = cluster.rows(
        "SELECT extract(epoch FROM (graded_at - created_at)),"
        " extract(epoch FROM (lease_expires_at - interval '2 minutes' - created_at)), status"
        " FROM submission WHERE purpose = 'final'"
    )
    graded = [float(r[0]) for r in rows if r[0] is not None]
    waits = [float(r[1]) for r in rows if r[1] is not None]
    print(
        f"final submissions: {len(rows)}, graded {len(graded)}, "
        f"not graded {sum(1 for r in rows if r[2] != 'graded')}"
    )
    print(
        f"  submit -> graded  p50 {_pct(graded, 50) / 1000:.1f} s  p95 "
        f"{_pct(graded, 95) / 1000:.1f} s  max {max(graded, default=0):.1f} s"
    )
    print(
        f"  queue wait        p50 {_pct(waits, 50) / 1000:.1f} s  p95 "
        f"{_pct(waits, 95) / 1000:.1f} s  max {max(waits, default=0):.1f} s"
    )
    stored = {
        (str(a), q): (int(rev), resp)
        for a, q, rev, resp in cluster.rows(
            "SELECT attempt_id, question_id, revision, response FROM answer"
        )
    }
    lost = duplicated = 0
    for c in candidates:
        for qid, (n, last) in c.acked.items():
            rev, resp = stored.get((c.attempt_id, qid), (0, None))
            if rev < n or resp != last:
                lost += 1
            elif rev > n:
                duplicated += 1
    print(
        f"saves lost: {lost}, saves duplicated: {duplicated} "
        f"(of {sum(n for c in candidates for n, _ in c.acked.values())} acknowledged)"
    )


async def run(args: argparse.Namespace, cluster: Cluster, candidates: list[Candidate]) -> None:
    # 1. Saturation: product vs floor, the same concept answers, the same concurrency.
    pool = candidates[: args.concurrency]
    product: dict[str, list[tuple[str, str]]] = defaultdict(list)
    floor: dict[str, list[tuple[str, str]]] = defaultdict(list)
    floors = start_floor(cluster, 2)
    for i, c in enumerate(pool):
        for choice in c.concepts[0]["choices"][:2]:  # type: ignore[index]
            body = json.dumps({"response": {"choice": choice["id"]}})
            qid = c.concepts[0]["id"]
            product[cluster.bases[i % 2]].append((f"/api/v1/take/{c.token}/answers/{qid}", body))
            floor[floors[i % 2][1]].append((f"/floor/{c.attempt_id}/{qid}", body))
    api_pids = [process.pid for process, _ in cluster.apis]
    floor_pids = [process.pid for process, _ in floors]
    saturate(product, api_pids, 3, 16)  # warm both
    saturate(floor, floor_pids, 3, 16)
    measured = {
        "product autosave": saturate(product, api_pids, args.saturate, args.concurrency),
        "floor (asyncpg)": saturate(floor, floor_pids, args.saturate, args.concurrency),
    }
    for process, _ in floors:
        process.stop()
    print(
        f"\n== saturation: wrk, {args.concurrency} connections over 2 processes each, "
        f"{args.saturate:.0f} s each (load {os.getloadavg()[0]:.1f})"
    )
    header = ("saves/s", "p50 ms", "p99 ms", "failed", "cpu ms/save")
    print(f"  {'':18} " + " ".join(f"{h:>8}" for h in header))
    for name, m in measured.items():
        print(
            f"  {name:18} {m.saves_per_second:8.0f} {m.p50_ms:8.1f} {m.p99_ms:8.1f}"
            f" {m.failed:8} {m.cpu_ms_per_save:11.2f}"
        )
    ratio = measured["product autosave"].saves_per_second / max(
        measured["floor (asyncpg)"].saves_per_second, 1
    )
    print(f"  product / floor    {ratio:8.0%}")
    for c in pool:  # the saturation saves are not part of the scenario's accounting
        c.acked.clear()
    # TRUNCATE, not DELETE: the saturation's dead rows would be autovacuumed during the
    # scenario's first seconds, a load no real run has.
    cluster.execute("TRUNCATE answer_revision, answer")

    # 2. The scenario.
    seen: Seen = Seen()
    submitted: dict[str, float] = {}
    deadline = time.monotonic() + args.duration
    started, client_cpu = time.monotonic(), time.process_time()
    wall_started = datetime.now(UTC)
    tls = ssl.create_default_context()  # unused (http), but every client would load its own
    await asyncio.gather(
        *(browser(tls, cluster.bases, c, args, deadline, seen, submitted) for c in candidates)
    )
    requests = sum(len(v) for k, v in seen.took.items() if not k.startswith("run:"))
    print(f"\n== scenario: {len(candidates)} candidates, {args.duration:.0f} s, then all submit")
    print(
        f"  {requests} requests in {time.monotonic() - started:.0f} s "
        f"({requests / (time.monotonic() - started):.0f} req/s)"
    )
    # One asyncio client plays every candidate: near a full core, it measures itself.
    busy = (time.process_time() - client_cpu) / (time.monotonic() - started)
    print(f"  the client's CPU: {busy:.0%} of one core")
    print(seen.table())
    print(seen.windows("PUT answer (autosave)", started))
    print(api_side(cluster, AUTOSAVE_ROUTE, since=wall_started))
    for why, count in sorted(seen.errors.items()):
        print(f"  failed: {why} x{count}")
    print(f"\n  waiting for {len(submitted)} final gradings...")
    wait_for(
        "every final submission graded",
        lambda: (
            cluster.scalar(
                "SELECT count(*) FROM submission WHERE purpose = 'final' AND status NOT IN"
                " ('graded', 'grading_failed')"
            )
            == 0
        ),
        timeout=args.grading_timeout,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--candidates", type=int, default=300)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--save-every", type=float, default=3)
    parser.add_argument("--run-every", type=float, default=25)
    parser.add_argument("--saturate", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--judge-slots", type=int, default=2)
    parser.add_argument("--grading-timeout", type=float, default=900)
    args = parser.parse_args()
    cluster = Cluster(
        logs_dir(),
        {
            "JUDGE_SLOTS": str(args.judge_slots),
            "WORKER_HEARTBEAT_SECONDS": "2",
            "WORKER_DEAD_SECONDS": "10",
            "GRADING_RESEND_SECONDS": "30",
            "RUN_LIMIT": "1000",
        },
    )
    try:
        cluster.start(apis=2, workers=2, api_log_level="INFO")
        print(
            f"cluster up: APIs {cluster.bases}, 2 workers x {args.judge_slots} slots; "
            f"cores: {os.cpu_count()}, load {os.getloadavg()[0]:.1f}"
        )
        candidates = setup(cluster, args.candidates)
        asyncio.run(run(args, cluster, candidates))
        report_db(cluster, candidates)
    finally:
        cluster.stop()
        subprocess.run(["true"], check=False)


if __name__ == "__main__":
    main()
