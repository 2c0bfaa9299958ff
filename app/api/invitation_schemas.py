"""Request and response bodies of the invitation routes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StrictBool, StrictInt

from app.api.schemas import CandidateIn, CandidateRead, _In
from app.candidates.service import MAX_EXTRA_MINUTES, MAX_VALID_DAYS

ExtraMinutes = Annotated[StrictInt, Field(ge=0, le=MAX_EXTRA_MINUTES)]


class InvitationCreate(_In):
    candidate: CandidateIn
    extra_minutes: ExtraMinutes = Field(
        default=0, description="Extra time for this candidate (an accommodation), in minutes"
    )
    valid_days: Annotated[StrictInt, Field(ge=1, le=MAX_VALID_DAYS)] | None = Field(
        default=None, description="How long the link works; the server's default when absent"
    )
    send_email: StrictBool = Field(
        default=True,
        description="E-mail the link to the candidate (through the outbox); false when your "
        "own tool sends it",
    )


class InvitationRead(BaseModel):
    invitation_id: uuid.UUID
    attempt_id: uuid.UUID
    token: str
    url: str
    expires_at: datetime


class InvitationStatus(BaseModel):
    invitation_id: uuid.UUID
    attempt_id: uuid.UUID
    assessment_id: uuid.UUID
    candidate: CandidateRead
    state: str = Field(
        description="not_started | link_expired | in_progress | finished | withdrawn"
    )
    attempt_status: str
    url: str | None = Field(
        description="The link; null for keys that may not write invitations, or when it "
        "cannot be rebuilt (made with another SECRET_KEY)"
    )
    created_at: datetime
    expires_at: datetime
    extra_minutes: int
    deadline: datetime | None
    revoked_at: datetime | None
    emailed_at: datetime | None
    reminded_at: datetime | None


class InvitationPage(BaseModel):
    items: list[InvitationStatus]
    next_cursor: str | None


class ExtraTimePut(_In):
    extra_minutes: ExtraMinutes


class CsvRowRead(BaseModel):
    row: int = Field(description="The line of the file (the header is line 1)")
    email: str
    name: str
    invitation: InvitationRead | None
    problem: str | None = Field(description="Why the row was not invited")


class CsvReportRead(BaseModel):
    invited: int
    refused: int
    rows: list[CsvRowRead]


class RemindedRead(BaseModel):
    reminded: int
