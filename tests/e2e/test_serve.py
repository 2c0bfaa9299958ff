"""A new user's path: `chainrule serve` on a fresh database, a key from create-org, the flow."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.settings import REPO_ROOT

SKILLS = ["forward_pass", "loss_functions", "gradient_descent", "chain_rule", "backward_pass"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _chainrule(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    db = tmp_path_factory.mktemp("serve") / "serve_test.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}"}
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env["PUBLIC_BASE_URL"] = base
    # The README's own command, as a new user runs it.
    process = subprocess.Popen(
        [str(REPO_ROOT / "scripts" / "serve"), "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read() if process.stdout else ""
                pytest.fail(f"server did not come up:\n{output}")
            time.sleep(0.2)
        yield base, env
    finally:
        process.terminate()
        process.wait(timeout=20)
        if process.stdout:
            process.stdout.close()


def _poll(
    fetch: Callable[[], dict[str, Any]],
    key: str,
    value: object,
    until: Callable[[dict[str, Any]], bool] | None = None,
) -> dict[str, Any]:
    """Fetch until `until(body)` (or body[key] == value) holds; the grading pool is async."""
    deadline = time.monotonic() + 60
    while True:
        body = fetch()
        if (until(body) if until else body[key] == value) or time.monotonic() > deadline:
            return body
        time.sleep(0.2)


def test_health_and_readiness_answer(server: tuple[str, dict[str, str]]) -> None:
    base, _ = server
    assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{base}/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "broker": "ok (in-process)", "judge": "ok"}


def test_flow_through_rest_with_a_key_from_create_org(server: tuple[str, dict[str, str]]) -> None:
    base, env = server
    created = json.loads(
        _chainrule(env, "create-org", "Acme", "--admin-email", "hr@acme.test", "--json").stdout
    )
    assert set(created) == {"org_id", "api_key", "set_password_url"}
    assert created["set_password_url"].startswith(f"{base}/password/")
    with httpx.Client(
        base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {created['api_key']}"}
    ) as api:
        _recruit_take_and_grade(api, base)


def _recruit_take_and_grade(api: httpx.Client, base: str) -> None:

    coding = api.get("/questions/affine").json()
    assert coding["kind"] == "coding"
    picked: list[dict[str, Any]] = [coding]
    for skill in SKILLS:
        page = api.get("/questions", params={"skill": skill, "kind": "single_choice"}).json()
        fresh = [q for q in page["items"] if q["id"] not in {p["id"] for p in picked}]
        assert fresh, f"the bank has no other single_choice item for {skill}"
        picked.append(fresh[0])
    ids = [q["id"] for q in picked]
    created = api.post(
        "/assessments", json={"title": "E2E", "question_ids": ids, "time_limit_minutes": 20}
    )
    assert created.status_code == 201, created.text
    assessment = created.json()
    invitation = api.post(
        f"/assessments/{assessment['id']}/invitations",
        json={"candidate": {"email": "c@example.com", "name": "C"}},
    ).json()
    with httpx.Client(base_url=f"{base}/api/v1/take/{invitation['token']}") as take:
        _take(take)
    result = _poll(
        lambda: api.get(f"/attempts/{invitation['attempt_id']}").json(),
        "per_question",
        None,
        until=lambda r: r["per_question"][0]["status"] != "pending",
    )
    assert result["status"] == "submitted"
    affine = result["per_question"][0]
    assert affine["question_id"] == "affine"
    assert affine["verdict"] == "passed"
    assert affine["score"] == coding["points"]
    assert result["max_score"] == sum(q["points"] for q in picked)
    assert 0 <= result["score"] <= result["max_score"]
    assert set(result["per_skill"]) >= set(SKILLS)


def _take(take: httpx.Client) -> None:
    questions = take.post("/start").json()["questions"]
    reference = (REPO_ROOT / "question_bank" / "coding" / "affine" / "reference.py").read_text()
    for question in questions:
        if question["kind"] == "coding":
            assert "affine_forward" in question["starter"]
            response: dict[str, Any] = {"source": reference}
        else:
            response = {"choice": question["choices"][0]["id"]}
        saved = take.put(f"/answers/{question['id']}", json={"response": response})
        assert saved.status_code == 200

    run = take.post("/answers/affine/run", json={"source": reference})
    assert run.status_code == 202
    run_body = _poll(lambda: take.get(f"/runs/{run.json()['run_id']}").json(), "status", "graded")
    assert run_body["verdict"] == "passed"
    assert run_body["report"]["hidden"]["total"] == 0

    assert take.post("/submit").json()["status"] == "submitted"


def test_cli_bank_sync_is_idempotent(server: tuple[str, dict[str, str]]) -> None:
    _, env = server
    out = _chainrule(env, "bank", "sync").stdout
    assert "0 new, 0 new versions" in out


def test_cli_create_org_prints_the_key_once(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli_test.db'}"}
    _chainrule(env, "migrate")
    out = _chainrule(env, "create-org", "Beta", "--admin-email", "b@beta.test").stdout
    assert "API key (shown once" in out
    (line,) = [line for line in out.splitlines() if line.startswith("API key")]
    key = line.split()[-1]
    assert key.startswith("cr_")
