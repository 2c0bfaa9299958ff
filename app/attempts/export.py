"""Results as CSV: one row per attempt, with a score and a maximum per skill."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from app.models import Attempt
from app.skills import Skill

_BASE = [
    "attempt_id",
    "candidate_email",
    "candidate_name",
    "status",
    "score",
    "max_score",
    "percent",
    "started_at",
    "submitted_at",
]


def results_csv(attempts: Iterable[Attempt]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    skill_columns = [f"{s.value}_{k}" for s in Skill for k in ("score", "max_score")]
    writer.writerow(_BASE + skill_columns)
    for a in attempts:
        score = a.score
        per_skill = score.per_skill if score else {}
        percent = round(100 * score.score / score.max_score, 1) if score and score.max_score else ""
        writer.writerow(
            [
                a.id,
                _safe(a.candidate.email),
                _safe(a.candidate_name),
                a.status,
                score.score if score else "",
                score.max_score if score else "",
                percent,
                a.started_at.isoformat() if a.started_at else "",
                a.submitted_at.isoformat() if a.submitted_at else "",
            ]
            + [per_skill.get(s.value, {}).get(k, "") for s in Skill for k in ("score", "max_score")]
        )
    return out.getvalue()


def _safe(text: str) -> str:
    """Defuse spreadsheet formula injection: a cell starting with = + - @ is shown as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
