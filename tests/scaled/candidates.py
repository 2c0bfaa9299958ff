"""Candidates of the scaled tests: invited, started and saved through the API processes."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.e2e.stall import REFERENCE, api_client, create_orgs, invite
from tests.scaled.cluster import Cluster


class Candidates:
    """One organization and its candidates, each request going to the API processes in turn."""

    def __init__(self, cluster: Cluster, org: str) -> None:
        self.cluster = cluster
        self.org_name = org
        [self.key] = create_orgs(cluster.database_url, [org])
        self.api = api_client(cluster.bases[0], self.key)
        self._turn = 0

    def base(self) -> str:
        self._turn += 1
        return self.cluster.bases[self._turn % len(self.cluster.bases)]

    def take(self, token: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        url = f"{self.base()}/api/v1/take/{token}{path}"
        return httpx.request(method, url, timeout=30, **kwargs)

    def started_with_code(self, n: int, source: str = REFERENCE) -> list[str]:
        """n candidates of an assessment with the affine task, each with `source` saved."""
        tokens = invite(self.api, ["affine"], n)
        for token in tokens:
            assert self.take(token, "POST", "/start").status_code == 200
            saved = self.take(
                token, "PUT", "/answers/affine", json={"response": {"source": source}}
            )
            assert saved.status_code == 200, saved.text
        return tokens

    def submit(self, token: str) -> None:
        submitted = self.take(token, "POST", "/submit")
        assert submitted.status_code == 200, submitted.text
        assert submitted.json()["status"] == "submitted"

    def attempt_ids(self, tokens: list[str]) -> list[str]:
        return [self.take(t, "GET", "").json()["attempt_id"] for t in tokens]

    def wait_graded(self, count: int, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while self.graded_count() < count:
            assert time.monotonic() < deadline, f"graded {self.graded_count()} of {count}"
            time.sleep(0.2)

    def graded_count(self) -> int:
        return int(
            self.cluster.scalar(
                "SELECT count(*) FROM submission s JOIN attempt a ON a.id = s.attempt_id"
                " JOIN candidate c ON c.id = a.candidate_id JOIN organization o"
                " ON o.id = c.organization_id WHERE o.name = :org AND s.status IN"
                " ('graded', 'grading_failed') AND s.purpose = 'final'",
                org=self.org_name,
            )
            or 0
        )

    def close(self) -> None:
        self.api.close()
