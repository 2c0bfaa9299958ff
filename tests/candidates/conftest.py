"""An organization with a one-question assessment, reached through the REST API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Assessment, OutboxEmail
from tests import factories


@dataclass
class World:
    client: TestClient
    session: Session
    assessment: Assessment
    headers: dict[str, str]

    @property
    def base(self) -> str:
        return f"/api/v1/assessments/{self.assessment.id}"

    def invite(self, email: str, name: str = "Ada", **extra: Any) -> dict[str, Any]:
        response = self.client.post(
            f"{self.base}/invitations",
            json={"candidate": {"email": email, "name": name}, **extra},
            headers=self.headers,
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def mail_to(self, address: str) -> list[OutboxEmail]:
        return list(
            self.session.scalars(
                select(OutboxEmail)
                .where(OutboxEmail.to_address == address)
                .order_by(OutboxEmail.created_at)
            )
        )


@pytest.fixture
def world(client: TestClient, session: Session) -> World:
    org = factories.make_org(session)
    question = factories.make_question(session, factories.single_choice("inv-q", "chain_rule"))
    assessment = factories.make_assessment(session, org.organization, [question], 30)
    return World(client, session, assessment, {"Authorization": f"Bearer {org.api_key}"})
