"""The candidate report (page, replay step, PDF): reads only, so no bodies; the matrix's own
invited attempt and choice question are what its cells address (an empty report, no replay)."""

from __future__ import annotations

from typing import Any

BODIES: dict[str, dict[str, Any]] = {}
