"""The assessment builder: its REST twins and its pages."""

from __future__ import annotations

from typing import Any

_FORM = {
    "action": "save",
    "title": "Checked",
    "time_limit_minutes": "30",
    "pass_mark_percent": "60",
    "shuffle_choices": "true",
    "question_ids": "{question_id}",
}

BODIES: dict[str, dict[str, Any]] = {
    "update_assessment": {"json": {"pass_mark_percent": 60}},
    "duplicate_assessment": {"json": {}},
    "archive_assessment": {"json": {}},
    "builder_create": {"data": _FORM},
    "builder_save": {"data": _FORM},
    "assessment_duplicate": {"data": {}},
    "assessment_archive": {"data": {}},
    "preview_start": {"data": {}},
}
