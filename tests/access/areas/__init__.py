"""What the permission matrix sends to each write route, one module per product area.

Each module here defines `BODIES` (route name -> request kwargs, `{name}` filled from the
organization's ids) and may define `FORM_TARGETS` (route name -> ids that travel in the form
rather than the path), `PAGE_STATUS` (page writes that answer with a page, not a redirect, and
that page's status: a secret shown once must never sit in a redirect's URL) and
`seed(session, organization, ids)`, which adds the rows its routes address and their ids to
`ids`. A module per area keeps parallel work out of one shared dict.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from types import ModuleType
from typing import Any

from sqlalchemy.orm import Session

from app.models import Organization

Seed = Callable[[Session, Organization, dict[str, str]], None]


def _modules() -> list[ModuleType]:
    return [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name)
    ]


def _merged(attribute: str) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for module in _modules():
        part = getattr(module, attribute, {})
        clash = set(merged) & set(part)
        assert not clash, f"{module.__name__} redefines {attribute} for {sorted(clash)}"
        merged.update(part)
    return merged


BODIES: dict[str, dict[str, Any]] = _merged("BODIES")
FORM_TARGETS: dict[str, set[str]] = _merged("FORM_TARGETS")
PAGE_STATUS: dict[str, int] = _merged("PAGE_STATUS")
SEEDS: list[Seed] = [m.seed for m in _modules() if hasattr(m, "seed")]
