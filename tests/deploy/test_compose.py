"""docker-compose.yml keeps the promises of issue 13 (scripts/test validates it against the
Compose specification; this checks what the specification cannot)."""

from __future__ import annotations

from typing import Any

import yaml

from app.settings import REPO_ROOT

COMPOSE = REPO_ROOT / "docker-compose.yml"


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def test_every_service_of_a_scaled_deployment_is_there() -> None:
    services = _compose()["services"]
    assert set(services) == {"postgres", "redis", "migrate", "api", "worker"}
    assert services["worker"]["command"] == ["chainrule", "worker"]
    assert services["migrate"]["restart"] == "no"
    for long_running in ("postgres", "redis", "api", "worker"):
        assert "healthcheck" in services[long_running], long_running
    for scalable in ("api", "worker"):
        assert "container_name" not in services[scalable]
        assert services[scalable]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }


def test_workers_have_no_route_out() -> None:
    compose = _compose()
    worker_networks = compose["services"]["worker"]["networks"]
    assert worker_networks == ["backend"]
    assert compose["networks"]["backend"]["internal"] is True
    assert "ports" not in compose["services"]["worker"]


def test_roots_are_read_only_and_privileges_dropped() -> None:
    services = _compose()["services"]
    for name, service in services.items():
        assert service.get("read_only") is True, name
    for name in ("migrate", "api", "worker"):
        assert services[name]["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in services[name]["security_opt"], name
    assert "cap_add" not in services["api"]
    assert "privileged" not in services["worker"]


def test_each_worker_privilege_is_written_down() -> None:
    text = COMPOSE.read_text()
    comments = "\n".join(line for line in text.splitlines() if line.strip().startswith("#"))
    worker = _compose()["services"]["worker"]
    for capability in worker["cap_add"]:
        assert capability in comments, f"{capability} is granted without a reason"
    for option in worker["security_opt"]:
        key = option.split("=", 1)[0].split(":", 1)[0]
        assert key in comments, f"{option} is set without a reason"
