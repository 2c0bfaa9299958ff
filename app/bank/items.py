"""Concept items read back from stored question content, parsed once per version."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import TypeAdapter

from app.bank.schemas import ConceptItem

_adapter: TypeAdapter[ConceptItem] = TypeAdapter(ConceptItem)
_parsed: dict[uuid.UUID, ConceptItem] = {}
_MAX_CACHED = 4096


def parse_item(version_id: uuid.UUID, content: dict[str, Any]) -> ConceptItem:
    """Parse stored content; versions are immutable, so each is parsed once per process."""
    item = _parsed.get(version_id)
    if item is None:
        item = _adapter.validate_python(content)
        if len(_parsed) >= _MAX_CACHED:
            _parsed.clear()
        _parsed[version_id] = item
    return item
