"""What the report templates show, computed once for the page and the PDF alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.models import IntegrityEvent
from app.reports.chart import NARROW, WIDE, profile_data_url, skill_label
from app.reports.cohort import SkillStanding
from app.reports.service import Report
from app.scoring import pass_mark

_EVENT_LABELS = {
    "paste": "Pasted",
    "copy": "Copied",
    "tab_hidden": "Left the tab",
    "window_blur": "Left the window",
    "fullscreen_exit": "Left full screen",
}


@dataclass(frozen=True)
class TimelineRow:
    at: datetime
    offset: str  # time since the start, m:ss
    label: str
    question: str  # "Question 3", or the raw id the page sent
    detail: str


def report_context(report: Report) -> dict[str, Any]:
    attempt = report.attempt
    standing = report.standing
    numbers = {q.question_id: q.number for q in report.questions}
    return {
        "page_title": f"Report: {attempt.candidate_name or attempt.candidate.email}",
        # The name this attempt was invited under (a later invitation may use another).
        "candidate_name": attempt.candidate_name,
        "report": report,
        "attempt": attempt,
        "candidate": attempt.candidate,
        "score": attempt.score,
        "standing": standing,
        "percentile": _ordinal(standing.percentile) if standing.percentile is not None else None,
        "chart": _chart(standing.skills, WIDE),
        "narrow_chart": _chart(standing.skills, NARROW),
        "skill_label": skill_label,
        "timeline": [_row(e, attempt.started_at, numbers) for e in report.integrity.events],
        "time_used": _duration(attempt.started_at, attempt.submitted_at),
        "pass_mark": report.assessment.pass_mark_percent,
        "passed": pass_mark.passed(attempt),
    }


def _chart(skills: list[SkillStanding], width: float) -> str | None:
    return profile_data_url(tuple(skills), width) if skills else None


def _row(event: IntegrityEvent, started: datetime | None, numbers: dict[str, int]) -> TimelineRow:
    detail = ""
    if event.length is not None:
        detail = f"{event.length} characters"
    elif event.duration_ms is not None:
        detail = f"for {event.duration_ms / 1000:.1f} s"
    question = ""
    if event.question_id is not None:
        number = numbers.get(event.question_id)
        question = f"Question {number}" if number else event.question_id
    return TimelineRow(
        at=event.at,
        offset=_duration(started, event.at) or "",
        label=_EVENT_LABELS.get(event.type, event.type),
        question=question,
        detail=detail,
    )


def _duration(start: datetime | None, end: datetime | None) -> str | None:
    if start is None or end is None:
        return None
    seconds = max(0, int((end - start).total_seconds()))
    return f"{seconds // 60}:{seconds % 60:02d}"


def _ordinal(value: float) -> str:
    n = round(value)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
