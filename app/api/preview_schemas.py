"""Bodies of the candidate preview: what the test page reads, shaped as a started attempt's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.api.schemas import SavedResponse, TakeAssessment


class PreviewRead(BaseModel):
    status: str = Field(description="`started` until the preview is submitted, then `submitted`")
    server_time: datetime = Field(description="The server's clock (UTC): the page's offset")
    assessment: TakeAssessment
    started_at: datetime
    deadline: datetime
    questions: list[dict[str, Any]]
    answers: dict[str, SavedResponse] = Field(description="Always empty: a preview keeps nothing")
    flagged: list[str] = Field(description="Always empty: a preview keeps nothing")
    extra_minutes: int = 0
