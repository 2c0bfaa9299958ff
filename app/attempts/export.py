"""Results as CSV: one row per attempt, every cell text a spreadsheet will not run."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from app.attempts.results import ResultRow
from app.skills import Skill

_BASE = [
    "attempt_id",
    "candidate_email",
    "candidate_name",
    "status",
    "score",
    "max_score",
    "percent",
    "passed",
    "time_used_seconds",
    "integrity_flags",
    "started_at",
    "submitted_at",
]
_SKILL_PARTS = ("score", "max_score", "percent")


def results_csv(rows: Iterable[ResultRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_BASE + [f"{s.value}_{k}" for s in Skill for k in _SKILL_PARTS])
    for row in rows:
        a, score = row.attempt, row.attempt.score
        per_skill = score.per_skill if score else {}
        cells = [
            a.id,
            a.candidate.email,
            a.candidate_name,
            a.status,
            score.score if score else "",
            score.max_score if score else "",
            _number(row.percent),
            "" if row.passed is None else ("yes" if row.passed else "no"),
            "" if row.seconds_used is None else row.seconds_used,
            row.flag_count,
            a.started_at.isoformat() if a.started_at else "",
            a.submitted_at.isoformat() if a.submitted_at else "",
        ]
        for skill in Skill:
            part = per_skill.get(skill.value, {})
            cells += [part.get("score", ""), part.get("max_score", "")]
            cells.append(_number(row.skill_percents.get(skill.value)))
        writer.writerow([_cell(c) for c in cells])
    return out.getvalue()


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _cell(value: object) -> str:
    """A cell as text; one starting with = + - @ tab or CR could run as a formula: '-prefixed."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
