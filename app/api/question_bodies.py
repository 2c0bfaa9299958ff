"""Bodies of /api/v1/questions beyond the list: one question's detail, a judge's check."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.api.schemas import QuestionRead, RequestBody
from app.models import QuestionValidation, QuestionVersion
from app.questions.drafts import QuestionDraft, draft_fields


class QuestionDraftIn(RequestBody, QuestionDraft):
    """A custom question as the API takes it: the draft under the rules of every request body
    (strict booleans and integers, no text a database cannot store)."""


class ValidationRead(BaseModel):
    """The judge's check of a custom coding task: queued, running, accepted, rejected, failed."""

    id: uuid.UUID
    question_id: str
    status: str
    message: str | None
    runs: list[dict[str, Any]] = Field(
        description="What the judge graded (reference at each seed, then the starter): "
        "`{what, seed, report}`, each report with its checks"
    )
    question_version: str | None = Field(description="The version it made, once accepted")
    created_at: datetime
    finished_at: datetime | None


class QuestionDetail(QuestionRead):
    archived: bool
    draft: dict[str, Any] | None = Field(
        description="Custom questions: the editable fields, as `PUT` takes them"
    )
    validation: ValidationRead | None = Field(
        description="Custom coding tasks: the latest check by the judge"
    )


class QuestionAuthored(BaseModel):
    """A create or an edit: ready at once (concept), or waiting for the judge (coding)."""

    question_id: str
    status: str = Field(description="`ready`, or `validating` until the judge's check ends")
    question: QuestionDetail | None
    validation: ValidationRead | None


def validation(v: QuestionValidation, version: str | None = None) -> ValidationRead:
    return ValidationRead(
        id=v.id,
        question_id=v.question_id,
        status=v.status,
        message=v.message,
        runs=(v.report or {}).get("runs", []),
        question_version=version,
        created_at=v.created_at,
        finished_at=v.finished_at,
    )


def detail(
    q: QuestionVersion, summary: QuestionRead, latest: QuestionValidation | None
) -> QuestionDetail:
    custom = q.source == "custom"
    return QuestionDetail(
        **summary.model_dump(),
        archived=q.archived_at is not None,
        draft=draft_fields(q.content) if custom else None,
        validation=validation(latest) if latest is not None else None,
    )
