"""Benchmark webhook delivery: deliveries per second, one at a time vs several at once.

Receivers on 127.0.0.1 each sleep before answering (a slow but healthy customer endpoint);
the same backlog of due deliveries (spread over several endpoints) is sent by `deliver_due`
with 1 worker (the former serial loop) and with more. Prints deliveries/s and the ratio to the
serial row, measured in the same run.

    .venv/bin/python bench/webhooks.py            # SQLite in a temp dir
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/chainrule_x_test \
        .venv/bin/python bench/webhooks.py
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.cli import alembic_config
from app.db import make_engine, make_sessionmaker, utcnow
from app.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from app.sealing import WEBHOOK_SECRET, Sealer
from app.settings import Settings
from app.webhooks.delivery import deliver_due
from app.webhooks.endpoints import new_secret
from app.webhooks.events import new_event_id
from app.webhooks.outbound import outbound_client
from tests import factories
from tests.webhooks.receiver import Receiver, webhook_receiver


def _backlog(
    engine: Engine, sealer: Sealer, org_id: uuid.UUID, urls: list[str], per_endpoint: int
) -> None:
    now = utcnow()
    with Session(engine) as session:
        for url in urls:
            endpoint = WebhookEndpoint(
                organization_id=org_id,
                url=url,
                event_types=["attempt.graded"],
                secret=sealer.seal(new_secret(), purpose=WEBHOOK_SECRET),
            )
            session.add(endpoint)
            session.flush()
            for n in range(per_endpoint):
                event = WebhookEvent(
                    id=new_event_id(),
                    organization_id=org_id,
                    type="attempt.graded",
                    payload={"type": "attempt.graded", "timestamp": now.isoformat(), "data": {}},
                )
                session.add(event)
                session.flush()
                session.add(
                    WebhookDelivery(
                        event_id=event.id,
                        endpoint_id=endpoint.id,
                        next_attempt_at=now - timedelta(seconds=per_endpoint - n),
                    )
                )
        session.commit()


def _clear(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in (
            "webhook_delivery_attempt",
            "webhook_delivery",
            "webhook_event",
            "webhook_endpoint",
        ):
            conn.execute(text(f"DELETE FROM {table}"))


@contextmanager
def _database() -> Iterator[Settings]:
    url = os.environ.get("DATABASE_URL")
    if url:
        yield Settings(database_url=url)
        return
    with tempfile.TemporaryDirectory() as tmp:
        yield Settings(database_url=f"sqlite:///{tmp}/bench.db")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoints", type=int, default=8)
    parser.add_argument("--per-endpoint", type=int, default=10)
    parser.add_argument("--sleep", type=float, default=0.1, help="each receiver's answer time")
    args = parser.parse_args()
    sealer = Sealer("bench")
    total = args.endpoints * args.per_endpoint
    with _database() as settings, ExitStack() as stack:
        command.upgrade(alembic_config(settings), "head")
        engine = make_engine(settings)
        sessions = make_sessionmaker(engine)
        with Session(engine) as session:
            org_id = factories.make_org(session, "Bench").organization.id
            session.commit()
        receivers: list[Receiver] = [
            stack.enter_context(webhook_receiver(delay=args.sleep)) for _ in range(args.endpoints)
        ]
        client = stack.enter_context(outbound_client(allow_private=True))
        print(
            f"{total} deliveries to {args.endpoints} endpoints, each answering in "
            f"{args.sleep * 1000:.0f} ms; {engine.dialect.name}"
        )
        print(f"{'workers':>8} {'seconds':>8} {'deliveries/s':>13} {'vs serial':>10}")
        serial_rate = None
        for workers in (1, 2, 4, 8, 16):
            _clear(engine)
            _backlog(engine, sealer, org_id, [r.url for r in receivers], args.per_endpoint)
            started = time.perf_counter()
            sent = deliver_due(sessions, client, sealer=sealer, workers=workers)
            elapsed = time.perf_counter() - started
            assert sent == total, (sent, total)
            rate = sent / elapsed
            serial_rate = serial_rate or rate
            print(f"{workers:>8} {elapsed:>8.2f} {rate:>13.1f} {rate / serial_rate:>9.2f}x")
        _clear(engine)
        engine.dispose()


if __name__ == "__main__":
    main()
