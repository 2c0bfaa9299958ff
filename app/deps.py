"""Dependencies shared by the API and the browser UI."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from app.errors import UnauthorizedError
from app.grading.practice import PracticeTask
from app.grading.queue import GradingQueue
from app.organizations import service as organizations
from app.settings import Settings

# Safe methods only read (HTTP semantics), so their sessions never wait on a writer; the one
# write a read may need (closing an attempt past its deadline) upgrades through begin_write().
_READ_METHODS = frozenset({"GET", "HEAD"})


def get_session(request: Request) -> Iterator[Session]:
    """A session per request: a read session for GET and HEAD, a write session otherwise."""
    state = request.app.state
    make = state.read_sessionmaker if request.method in _READ_METHODS else state.sessionmaker
    session: Session = make()
    try:
        yield session
    finally:
        session.close()


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_grading_queue(request: Request) -> GradingQueue:
    queue: GradingQueue = request.app.state.grading_queue
    return queue


def get_practice(request: Request) -> PracticeTask:
    practice: PracticeTask = request.app.state.practice
    return practice


SessionDep = Annotated[Session, Depends(get_session)]
PracticeDep = Annotated[PracticeTask, Depends(get_practice)]
GradingQueueDep = Annotated[GradingQueue, Depends(get_grading_queue)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]

_bearer = HTTPBearer(auto_error=False, description="An organization's API key")


def get_api_key_org(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> uuid.UUID:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise UnauthorizedError("Send the API key as `Authorization: Bearer <key>`.")
    return organizations.authenticate(session, api_key=credentials.credentials)


ApiKeyOrg = Annotated[uuid.UUID, Depends(get_api_key_org)]
