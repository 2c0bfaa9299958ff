"""Request and response bodies of /api/v1/webhook-endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from app.api.text import check_storable
from app.webhooks.events import WebhookEventType

EventTypes = Annotated[
    list[WebhookEventType], Field(min_length=1, max_length=len(WebhookEventType))
]
Url = Annotated[
    str, Field(min_length=1, max_length=2000, examples=["https://hr.example.com/hooks"])
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _storable_text(cls, data: Any) -> Any:
        check_storable(data)  # no NUL or lone surrogate reaches the database
        return data


class WebhookEndpointCreate(_In):
    url: Url
    event_types: EventTypes
    description: Annotated[str, Field(max_length=200)] = ""


class WebhookEndpointUpdate(_In):
    url: Url | None = None
    event_types: EventTypes | None = None
    description: Annotated[str, Field(max_length=200)] | None = None
    enabled: StrictBool | None = Field(
        default=None, description="true re-enables an endpoint disabled after a 410 Gone."
    )


class WebhookEndpointRead(BaseModel):
    id: uuid.UUID
    url: str
    event_types: list[str]
    description: str
    enabled: bool
    disabled_at: datetime | None
    disabled_reason: str | None
    created_at: datetime


class WebhookEndpointCreated(WebhookEndpointRead):
    secret: str = Field(
        description="The signing secret (whsec_...): shown only in this response.",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )


class WebhookEndpointPage(BaseModel):
    items: list[WebhookEndpointRead]
    next_cursor: str | None


class DeliveryAttemptRead(BaseModel):
    attempted_at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


class WebhookDeliveryRead(BaseModel):
    id: uuid.UUID
    event_id: str = Field(description="The webhook-id header: the same on every try.")
    event_type: str
    status: str = Field(description="pending | delivered | failed")
    tries: int
    created_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    payload: dict[str, Any]
    attempts: list[DeliveryAttemptRead]


class WebhookDeliveryPage(BaseModel):
    items: list[WebhookDeliveryRead]
    next_cursor: str | None
