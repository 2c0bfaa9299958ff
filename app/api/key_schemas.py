"""Request and response bodies of /api/v1/api-keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.access.policy import KeyScope
from app.api.schemas import RequestBody

_SCOPES = (
    "read: what a viewer may (assessments, results, questions); write: also compose "
    "assessments and invite candidates; admin: also manage members and API keys"
)


class ApiKeyCreate(RequestBody):
    name: Annotated[str, Field(min_length=1, max_length=200, examples=["Greenhouse sync"])]
    scope: KeyScope = Field(description=_SCOPES)

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "ATS sync", "scope": "write"}]}
    )


class ApiKeyRead(BaseModel):
    id: uuid.UUID
    name: str
    scope: str = Field(description=_SCOPES)
    prefix: str = Field(description="The key's first characters, to tell keys apart")
    created_at: datetime
    last_used_at: datetime | None = Field(description="Updated at most once a minute")
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The secret: shown in this response only, stored hashed")


class ApiKeyPage(BaseModel):
    items: list[ApiKeyRead]
    next_cursor: str | None
