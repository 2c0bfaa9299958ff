"""Apps the tests borrow: one per distinct Settings for the whole run, reset for each borrower.

Building an app costs ~0.2 s of route analysis, and FastAPI's callable caches (lru_cache, 4096
entries per cache) keep every app built alive through its closures: one app per test grew the
run to gigabytes and minutes of garbage collection at exit.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

from fastapi import FastAPI
from sqlalchemy.orm import Session

from app.api.rate_limits import KeyRateLimiter
from app.attempts.autosave import SessionAutosave
from app.deps import get_session
from app.main import create_app
from app.settings import Settings

# What create_app keeps on app.state. All read-only but the rate limiter, which each borrower
# gets fresh; a new entry fails `borrow`, so whoever adds one decides whether tests may share it.
APP_STATE = frozenset({"settings", "sealer", "practice", "rate_limiter"})


class AppPool:
    def __init__(self) -> None:
        self._apps: list[tuple[Settings, FastAPI, dict[str, Any]]] = []

    def borrow(self, settings: Settings) -> FastAPI:
        """An app built from `settings`, as create_app left it: no overrides, fresh state."""
        found = next((built for built in self._apps if built[0] == settings), None)
        if found is None:
            new = create_app(settings)
            state = new.state._state  # Starlette's State keeps its attributes in this dict
            assert set(state) == APP_STATE, set(state) ^ APP_STATE
            found = (settings, new, dict(state))
            self._apps.append(found)
        _, app, pristine = found
        app.dependency_overrides.clear()
        app.state._state.clear()
        app.state._state.update(pristine)
        app.state.rate_limiter = KeyRateLimiter(settings.api_rate_limit_per_minute)
        return app


def on_session(app: FastAPI, session: Session) -> FastAPI:
    """Make `app`'s requests run on the test's session: its dependency, and the autosave's."""
    app.dependency_overrides[get_session] = lambda: session
    app.state.autosave = SessionAutosave(lambda: nullcontext(session))
    return app
