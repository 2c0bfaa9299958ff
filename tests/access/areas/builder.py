"""The assessment builder: its REST twins and its pages."""

from __future__ import annotations

from typing import Any

BODIES: dict[str, dict[str, Any]] = {
    "update_assessment": {"json": {"pass_mark_percent": 60}},
    "duplicate_assessment": {"json": {}},
    "archive_assessment": {"json": {}},
}
