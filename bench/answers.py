"""Benchmark the hottest write: saving an answer.

Compares, in one run and on the same database, the prebuilt Core upsert the service uses with
the plain ORM way (load the attempt and the answer, then update or insert), and the full HTTP
route on a real uvicorn server. Coding answers are timed apart: their saves also keep the code
history (a changed source adds a revision; an unchanged one is only compared). Prints a table
with ratios against the ORM baseline, then a second table of the statements alone, each save
committed but without waiting for the disk (PostgreSQL's synchronous_commit off; SQLite's WAL with
synchronous=NORMAL already does not sync at commit), so fsync noise on a shared machine does not
hide what the code-history statement adds to the answer upsert.

    .venv/bin/python bench/answers.py            # SQLite in a temp dir
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/answers.py
"""

from __future__ import annotations

import os
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import uvicorn
from alembic import command
from fastapi import FastAPI
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from app.attempts import answers, history, lookups
from app.attempts.responses import normalize_response
from app.cli import alembic_config
from app.db import make_engine, make_sessionmaker, utcnow
from app.deps import get_session
from app.main import create_app
from app.models import Answer, Attempt, AttemptStatus
from app.settings import Settings
from tests import factories

SAVES = 400


def orm_save(session: Session, token: str, question_id: str, response: dict[str, str]) -> int:
    """The baseline: what a straightforward ORM implementation does per save."""
    ref = lookups.attempt_ref(session, token)
    spec = lookups.question_specs(session, ref.assessment_id)[question_id]
    normalized = normalize_response(spec, response)
    attempt = session.get(Attempt, ref.attempt_id)
    assert attempt is not None
    assert attempt.status == AttemptStatus.STARTED
    answer = session.scalar(
        select(Answer).where(Answer.attempt_id == attempt.id, Answer.question_id == question_id)
    )
    if answer is None:
        answer = Answer(
            attempt_id=attempt.id,
            question_id=question_id,
            response=normalized,
            revision=1,
            updated_at=utcnow(),
        )
        session.add(answer)
    else:
        answer.response = normalized
        answer.revision += 1
        answer.updated_at = utcnow()
    session.commit()
    return answer.revision


def measure(label: str, call: Callable[[int], None]) -> tuple[str, list[float]]:
    for i in range(20):  # warm caches and compiled statements
        call(i)
    samples = []
    for i in range(SAVES):
        start = time.perf_counter()
        call(i)
        samples.append((time.perf_counter() - start) * 1000)
    return label, samples


def main() -> None:
    tmp = tempfile.mkdtemp()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
    settings = Settings(database_url=url, judge_mode="unsafe")
    engine = make_engine(settings)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    command.upgrade(alembic_config(settings), "head")
    sessions = make_sessionmaker(engine)

    with sessions() as session:
        org = factories.make_org(session)
        question = factories.make_question(
            session, factories.single_choice("bench-q", "chain_rule")
        )
        coding = factories.make_question(session, factories.coding("bench-code", "backward_pass"))
        assessment = factories.make_assessment(session, org.organization, [question, coding], 600)
        tokens = [
            factories.make_invitation(session, org.organization, assessment).token for _ in range(5)
        ]
        session.commit()

    app = create_app(settings)

    def request_session() -> Iterator[Session]:
        with sessions() as session:
            yield session

    app.dependency_overrides[get_session] = request_session
    server, base = serve_in_thread(app)
    client = httpx.Client(base_url=base)
    for token in tokens:
        client.post(f"/api/v1/take/{token}/start")
    choice = ["a", "b", "c"]

    def ours(i: int) -> None:
        with sessions() as s:
            answers.save_answer(
                s,
                token=tokens[0],
                question_id="bench-q",
                response={"choice": choice[i % 3]},
                base_revision=None,
            )

    def baseline(i: int) -> None:
        with sessions() as s:
            orm_save(s, tokens[1], "bench-q", {"choice": choice[i % 3]})

    # About the size of a finished task (~2.5 KB), edited on every save as a typist would.
    body = "def affine_forward(x, w, b):\n    out = x.reshape(x.shape[0], -1) @ w + b\n" * 30

    def code(i: int, token: str, changed: bool) -> None:
        with sessions() as s:
            answers.save_answer(
                s,
                token=token,
                question_id="bench-code",
                response={"source": body + (f"# edit {i}\n" if changed else "")},
                base_revision=None,
            )

    def code_route(i: int) -> None:
        r = client.put(
            f"/api/v1/take/{tokens[4]}/answers/bench-code",
            json={"response": {"source": body + f"# edit {i}\n"}},
        )
        assert r.status_code == 200, r.text

    def health() -> None:
        assert client.get("/healthz").status_code == 200

    def route(i: int) -> None:
        r = client.put(
            f"/api/v1/take/{tokens[2]}/answers/bench-q",
            json={"response": {"choice": choice[i % 3]}},
        )
        assert r.status_code == 200, r.text

    rows = [
        measure("ORM load+update (baseline)", baseline),
        measure("prebuilt Core upsert (service)", ours),
        measure("PUT route over HTTP (uvicorn)", route),
        measure("coding save, source changed", lambda i: code(i, tokens[3], changed=True)),
        measure("coding save, source unchanged", lambda i: code(i, tokens[3], changed=False)),
        measure("PUT coding route over HTTP", code_route),
        measure("GET /healthz over HTTP (floor)", lambda _i: health()),
    ]
    base = statistics.median(rows[0][1])
    print(f"\nanswer saves on {engine.dialect.name}, {SAVES} sequential saves each\n")
    print(f"{'variant':34} {'p50 ms':>8} {'p95 ms':>8} {'saves/s':>9} {'p50 vs baseline':>16}")
    for label, samples in rows:
        p50 = statistics.median(samples)
        p95 = statistics.quantiles(samples, n=20)[-1]
        print(f"{label:34} {p50:8.3f} {p95:8.3f} {1000 / p50:9.0f} {p50 / base:15.2f}x")
    client.close()
    server.should_exit = True
    statements_table(engine, tokens[3], body)
    engine.dispose()


def statements_table(engine: Engine, token: str, body: str) -> None:
    """Time the hot path's statements, one committed transaction per save, on one connection."""
    dialect = engine.dialect.name
    with engine.connect() as conn:
        if dialect == "postgresql":
            conn.exec_driver_sql("SET synchronous_commit TO off")
            conn.commit()
        session = Session(bind=conn)
        ref = lookups.attempt_ref(session, token)
        upsert = answers.upsert_statement(dialect, checked=False)

        def save(i: int, *, keep: bool, changed: bool) -> None:
            source = body + (f"# statement {i}\n" if changed else "")
            revision = conn.execute(
                upsert,
                {
                    "answer_id": uuid.uuid4(),
                    "attempt_id": ref.attempt_id,
                    "question_id": "bench-code",
                    "response": {"source": source, "language": "python"},
                    "now": utcnow(),
                    "base": None,
                },
            ).scalar_one()
            if keep:
                conn.execute(
                    history.statement(dialect),
                    {
                        "attempt_id": ref.attempt_id,
                        "question_id": "bench-code",
                        "revision": revision,
                        "source": source,
                        "language": "python",
                        "now": utcnow(),
                    },
                )
            conn.commit()

        rows = [
            measure("answer upsert alone", lambda i: save(i, keep=False, changed=True)),
            measure("upsert + history, changed", lambda i: save(i, keep=True, changed=True)),
            measure("upsert + history, unchanged", lambda i: save(i, keep=True, changed=False)),
        ]
    base = statistics.median(rows[0][1])
    print(f"\ncoding-answer statements on {dialect}, committed without waiting for the disk\n")
    print(f"{'variant':34} {'p50 ms':>8} {'p95 ms':>8} {'p50 vs upsert':>16}")
    for label, samples in rows:
        p50 = statistics.median(samples)
        p95 = statistics.quantiles(samples, n=20)[-1]
        print(f"{label:34} {p50:8.3f} {p95:8.3f} {p50 / base:15.2f}x")


def serve_in_thread(app: FastAPI) -> tuple[uvicorn.Server, str]:
    """A real uvicorn server on a free loopback port, so the route is timed over HTTP."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


if __name__ == "__main__":
    main()
