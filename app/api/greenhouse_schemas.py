"""Bodies of the Greenhouse assessment partner API (field names are Greenhouse's)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.api.schemas import Email
from app.api.text import check_storable

Name = Annotated[str, Field(min_length=1, max_length=100)]
OptionalText = Annotated[str | None, Field(max_length=2000)]


class _In(BaseModel):
    # Greenhouse may add fields at any time (its docs say so): ignore them, never refuse.
    model_config = ConfigDict(extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _storable_text(cls, data: Any) -> Any:
        check_storable(data)  # no NUL or lone surrogate reaches the database
        return data


class PartnerTest(BaseModel):
    partner_test_id: str
    partner_test_name: str


class GreenhouseCandidateIn(_In):
    first_name: Name
    last_name: Annotated[str, Field(max_length=100)]
    preferred_name: Annotated[str | None, Field(max_length=100)] = None
    email: Email
    resume_url: OptionalText = None
    phone_number: Annotated[str | None, Field(max_length=50)] = None
    greenhouse_profile_url: OptionalText = None


class SendTest(_In):
    partner_test_id: Annotated[str, Field(min_length=1, max_length=100)]
    candidate: GreenhouseCandidateIn
    sent_by: Annotated[str | None, Field(max_length=320)] = None
    url: Annotated[
        str,
        Field(
            min_length=1,
            max_length=2000,
            description="Where the completion PATCH goes once the candidate's test is graded.",
        ),
    ]


class SendTestResult(BaseModel):
    partner_interview_id: str


class TestStatus(BaseModel):
    partner_status: str = Field(description="`complete` once graded; otherwise where it stands.")
    partner_profile_url: str | None
    partner_score: float | None = Field(description="Percent of the maximum score.")
    metadata: dict[str, str | float | int | bool | None]


class ResponseError(_In):
    api_call: Annotated[str, Field(min_length=1, max_length=100)]
    errors: Annotated[list[Annotated[str, Field(max_length=2000)]], Field(max_length=100)]
    partner_test_id: Annotated[str | None, Field(max_length=100)] = None
    partner_test_name: Annotated[str | None, Field(max_length=200)] = None
    partner_interview_id: Annotated[str | None, Field(max_length=100)] = None
    candidate_email: Annotated[str | None, Field(max_length=320)] = None


class Acknowledged(BaseModel):
    status: str = "ok"


class IntegrationErrorRead(BaseModel):
    id: uuid.UUID
    provider: str
    api_call: str
    errors: list[str]
    details: dict[str, Any]
    created_at: datetime


class IntegrationErrorPage(BaseModel):
    items: list[IntegrationErrorRead]
    next_cursor: str | None
