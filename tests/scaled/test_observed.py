"""Issue 13, observability of the scaled mode: every process's metrics, and JSON logs with
request ids in which no secret ever appears (real processes, real requests, real secrets)."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import httpx

from app.db import make_engine, make_sessionmaker
from app.organizations import service as organizations
from app.settings import Settings
from tests.scaled.candidates import Candidates
from tests.scaled.cluster import METRICS_TOKEN, Cluster, wait_for

SCRAPE = {"Authorization": f"Bearer {METRICS_TOKEN}"}
PASSWORD = "correct-Horse-battery-staple-42"


def _lines(text: str) -> list[dict[str, Any]]:
    """Every line a process wrote must be one JSON object (LOG_FORMAT=json)."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _sample(text: str, name: str, *labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") and all(label in line for label in labels):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_every_api_and_worker_serves_its_metrics_to_the_scraper(cluster: Cluster) -> None:
    people = Candidates(cluster, "metered")
    [token] = people.started_with_code(1)
    people.submit(token)
    people.wait_graded(1, timeout=120)
    for base in cluster.bases:  # a token is set: loopback alone is not enough
        assert httpx.get(f"{base}/metrics", timeout=10).status_code == 403
    scraped = [httpx.get(f"{base}/metrics", headers=SCRAPE, timeout=10) for base in cluster.bases]
    assert all(r.status_code == 200 for r in scraped)
    api_text = "".join(r.text for r in scraped)
    assert _sample(api_text, "chainrule_autosaves_total", 'status="200"') >= 1
    assert 'route="/api/v1/take/{token}/submit"' in api_text
    assert token not in api_text
    assert 'chainrule_grading_queue_depth{purpose="final"}' in api_text
    worker_text = ""
    for worker in cluster.workers:
        port = worker.env["WORKER_METRICS_PORT"]
        url = f"http://127.0.0.1:{port}/metrics"
        assert httpx.get(url, timeout=10).status_code == 403  # the token is set: required
        answered = httpx.get(url, headers=SCRAPE, timeout=10)
        assert answered.status_code == 200
        worker_text += answered.text
    graded = ("chainrule_grading_seconds_count", 'task="affine"', 'verdict="passed"')
    assert _sample(worker_text, *graded) >= 1
    assert _sample(worker_text, "chainrule_grading_queue_wait_seconds_count", 'purpose="final"')
    assert "chainrule_sandbox_slot_recycles_total" in worker_text
    people.close()


def test_logs_are_json_with_request_ids_and_carry_no_secret(cluster: Cluster) -> None:
    api, base = cluster.apis[0]
    engine = make_engine(Settings(database_url=cluster.database_url))
    with make_sessionmaker(engine)() as session:
        new = organizations.create_organization(
            session, name="leaky", admin_email="owner@leaky.test"
        )
    engine.dispose()
    key, link_token = new.api_key, new.set_password_token
    assert link_token
    request_id = f"trace-{uuid.uuid4().hex[:12]}"
    bearer = {"Authorization": f"Bearer {key}", "X-Request-ID": request_id}
    secrets = {"api key": key.split("_", 2)[2], "set-password link": link_token}
    with httpx.Client(base_url=base, timeout=30) as browser:
        # The owner sets a password through the one-time link, then signs in.
        page = browser.get(f"/password/{link_token}")
        csrf = _csrf(page.text)
        set_password = browser.post(
            f"/password/{link_token}",
            data={"password": PASSWORD, "confirm": PASSWORD, "csrf_token": csrf},
        )
        assert set_password.status_code == 303, set_password.text
        browser.cookies.clear()
        csrf = _csrf(browser.get("/sign-in").text)
        signed_in = browser.post(
            "/sign-in",
            data={"email": "owner@leaky.test", "password": PASSWORD, "csrf_token": csrf},
        )
        assert signed_in.status_code == 303, signed_in.text
        cookie = browser.cookies["chainrule_session"]
        secrets |= {"password": PASSWORD, "session cookie": cookie, "csrf token": csrf}
        # A forged form, and a wrong password: refusals that are worth a log line.
        browser.cookies.clear()
        csrf = _csrf(browser.get("/sign-in").text)
        forged = {"email": "owner@leaky.test", "password": PASSWORD, "csrf_token": "forged"}
        assert browser.post("/sign-in", data=forged).status_code == 403
        wrong = {"email": "owner@leaky.test", "password": PASSWORD + "x", "csrf_token": csrf}
        assert browser.post("/sign-in", data=wrong).status_code != 303
    with httpx.Client(base_url=f"{base}/api/v1", headers=bearer, timeout=30) as api_client:
        hook = api_client.post(
            "/webhook-endpoints",
            json={"url": "https://hooks.example.com/in", "event_types": ["attempt.graded"]},
        )
        assert hook.status_code == 201, hook.text
        secrets["webhook secret"] = hook.json()["secret"].removeprefix("whsec_")
        # A client pasting its key where it does not belong.
        assert api_client.get(f"/questions/{key}").status_code == 404
        assert api_client.get("/assessments", params={"api_key": key}).status_code in (200, 422)
        people = Candidates(cluster, "leaky-candidates")
        [candidate] = people.started_with_code(1)
        secrets["candidate token"] = candidate
        take = f"/take/{candidate}"
        assert api_client.get(take).status_code == 200
        assert api_client.get(f"{take}/no-such-thing").status_code == 404
        assert httpx.get(f"{base}{take}", timeout=30).status_code == 200  # the browser page
        people.close()

    def logged() -> bool:
        return request_id in api.output()

    wait_for("the API's request log line", logged, timeout=30)
    text = api.output()
    leaked = [name for name, secret in secrets.items() if secret in text]
    assert not leaked, f"found in the API's log: {leaked}"
    lines = _lines(text)
    requests = [line for line in lines if line.get("event") == "request"]
    assert {"request_id", "method", "route", "status", "ms", "timestamp"} <= set(requests[0])
    mine = [line for line in requests if line["request_id"] == request_id]
    assert {(line["route"], line["status"]) for line in mine} >= {
        ("/api/v1/webhook-endpoints", 201),
        ("/api/v1/take/{token}", 200),
    }
    assert any(line["route"] == "/password/{token}" for line in requests)
    assert any(line.get("level") == "debug" for line in lines)  # debug lines were written
    for worker in cluster.workers:
        _lines(worker.output())  # JSON too


def test_workers_log_the_job_they_grade(cluster: Cluster) -> None:
    people = Candidates(cluster, "logged-jobs")
    [token] = people.started_with_code(1)
    people.submit(token)
    people.wait_graded(1, timeout=120)
    [attempt_id] = people.attempt_ids([token])
    submission = str(
        cluster.scalar(
            "SELECT id FROM submission WHERE attempt_id = :a AND purpose = 'final'", a=attempt_id
        )
    )
    lines = [line for w in cluster.workers for line in _lines(w.output())]
    about = [line for line in lines if line.get("submission_id") == submission]
    assert any(line["event"].startswith(f"graded submission {submission}") for line in about)
    people.close()


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)
