"""Dependencies shared by the API and the browser UI, the one permission check among them."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import timedelta
from functools import partial
from typing import Annotated, Any

import anyio
import anyio.to_thread
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from app.access.policy import Action
from app.access.principal import Principal
from app.accounts import service as accounts
from app.accounts import sessions
from app.accounts.errors import SignInRequiredError
from app.accounts.sessions import SignedIn
from app.api.problems import PARTNER_PATHS, is_api_path
from app.api.rate_limits import KeyRateLimiter
from app.attempts.autosave import Autosave
from app.candidates.links import InvitationLinks
from app.db import end_read
from app.errors import UnauthorizedError
from app.grading.check_queue import CheckQueue
from app.grading.practice import PracticeTask
from app.grading.queue import GradingQueue
from app.models import WebSession
from app.organizations import api_keys
from app.organizations import service as organizations
from app.sealing import Sealer
from app.settings import Settings

SESSION_COOKIE = "chainrule_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
BASIC_CHALLENGE = 'Basic realm="Chainrule partner API", charset="UTF-8"'
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Safe methods only read (HTTP semantics), so their sessions never wait on a writer; the one
# write a read may need (closing an attempt past its deadline) upgrades through begin_write().
_READ_METHODS = frozenset({"GET", "HEAD"})


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session per request: a read session for GET and HEAD, a write session otherwise.

    Async, so that opening and closing it cost no trip through the thread pool (a sync
    dependency with yield costs two): a new session holds no connection, and one whose work
    ended with a commit holds none either. One still in a transaction rolls back when closed,
    a database round trip, so that close runs in a thread, outside the request threads' limit:
    its connection goes back to the pool only then, and requests holding every request thread
    may be waiting for that very connection (FastAPI closes its own in the same way).
    """
    state = request.app.state
    make = state.read_sessionmaker if request.method in _READ_METHODS else state.sessionmaker
    session: Session = make()
    try:
        yield session
    finally:
        if session.in_transaction():
            await anyio.to_thread.run_sync(session.close, limiter=anyio.CapacityLimiter(1))
        else:
            session.close()


# The getters of app.state are async: FastAPI runs a sync dependency in the thread pool, and a
# thread hop costs more than the getter (an autosave spent a fifth of its CPU on one).
async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_grading_queue(request: Request) -> GradingQueue:
    queue: GradingQueue = request.app.state.grading_queue
    return queue


async def get_check_queue(request: Request) -> CheckQueue:
    queue: CheckQueue = request.app.state.check_queue
    return queue


async def get_autosave(request: Request) -> Autosave:
    autosave: Autosave = request.app.state.autosave
    return autosave


async def get_practice(request: Request) -> PracticeTask:
    practice: PracticeTask = request.app.state.practice
    return practice


async def get_invitation_links(request: Request) -> InvitationLinks:
    return InvitationLinks.from_settings(request.app.state.settings)


async def get_sealer(request: Request) -> Sealer:
    sealer: Sealer = request.app.state.sealer
    return sealer


SessionDep = Annotated[Session, Depends(get_session)]
LinksDep = Annotated[InvitationLinks, Depends(get_invitation_links)]
PracticeDep = Annotated[PracticeTask, Depends(get_practice)]
AutosaveDep = Annotated[Autosave, Depends(get_autosave)]
GradingQueueDep = Annotated[GradingQueue, Depends(get_grading_queue)]
CheckQueueDep = Annotated[CheckQueue, Depends(get_check_queue)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
SealerDep = Annotated[Sealer, Depends(get_sealer)]

_bearer = HTTPBearer(auto_error=False, description="An organization's API key")
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


async def submitted_csrf_token(request: Request) -> str | None:
    """The CSRF token a browser form (field) or htmx request (header) sent; None for reads."""
    if request.method in _SAFE_METHODS or is_api_path(request.url.path):
        return None
    if header := request.headers.get(CSRF_HEADER):
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


CsrfTokenDep = Annotated[str | None, Depends(submitted_csrf_token)]


async def get_web_session(request: Request, session: SessionDep) -> WebSession | None:
    """The browser's live session (signed in or not), from its cookie.

    Async, so that a request without the cookie (every API request) costs no trip through the
    thread pool; the look-up ends its read before it returns (app.one_hop says why).
    """
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    return await anyio.to_thread.run_sync(partial(_find_web_session, session, token))


def _find_web_session(session: Session, token: str) -> WebSession | None:
    found = sessions.find_session(session, token=token)
    end_read(session)
    return found


WebSessionDep = Annotated[WebSession | None, Depends(get_web_session)]


async def verify_csrf(web_session: WebSessionDep, submitted: CsrfTokenDep) -> None:
    """Guard a form shown before sign-in (sign-in, reset, join): its token or a 403 page.

    Async: a comparison with a loaded column, not worth a trip through the thread pool.
    """
    sessions.check_csrf(web_session, submitted)


def request_api_key(
    request: Request, credentials: HTTPAuthorizationCredentials | None
) -> str | None:
    """The API key of a request: `Bearer <key>`, or HTTP Basic with the key as user name.

    Basic is how ATS partner APIs (Greenhouse) authenticate: `base64(key + ":")`.
    """
    if credentials is not None and credentials.scheme.lower() == "bearer":
        return credentials.credentials
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user = base64.b64decode(value.strip(), validate=True).decode().partition(":")[0]
    except (ValueError, UnicodeDecodeError):
        return None
    return user or None


class Permission:
    """The one guard of every organization route, page or API: who asks, and may they `action`.

    API paths take a Bearer API key (its scope is its role); browser paths take the session
    cookie, and any write must carry the session's CSRF token. The signed-in member is left
    on request.state for the page to render its header.
    """

    def __init__(self, action: Action | None) -> None:
        self.action = action  # None: any member or key of the organization

    def __call__(
        self,
        request: Request,
        session: SessionDep,
        credentials: BearerDep,
        web_session: WebSessionDep,
        csrf_token: CsrfTokenDep,
    ) -> Principal:
        if is_api_path(request.url.path):
            api_key = request_api_key(request, credentials)
            partner = request.url.path.startswith(PARTNER_PATHS)
            try:
                if api_key is None:
                    raise UnauthorizedError(
                        "Send the API key as the HTTP Basic user name."
                        if partner
                        else "Send the API key as `Authorization: Bearer <key>`."
                    )
                key = organizations.authenticate_key(session, api_key=api_key)
            except UnauthorizedError as error:
                if partner:  # Greenhouse speaks Basic: a Bearer challenge would tell it nothing
                    error.headers["WWW-Authenticate"] = BASIC_CHALLENGE
                raise
            limiter: KeyRateLimiter = request.app.state.rate_limiter
            limiter.take(key.api_key_id)
            api_keys.note_use(session, api_key_id=key.api_key_id, last_used_at=key.last_used_at)
            principal = Principal.api_key(
                organization_id=key.organization_id, api_key_id=key.api_key_id, scope=key.scope
            )
        else:
            member = sessions.signed_in(session, web_session=web_session) if web_session else None
            if member is None:
                raise SignInRequiredError(next=request.url.path)
            if request.method not in _SAFE_METHODS:
                sessions.check_csrf(member.web_session, csrf_token)
            request.state.member = member
            principal = Principal.member(
                organization_id=member.membership.organization_id,
                account_id=member.account.id,
                role=member.role,
            )
        if self.action is not None:
            principal.require(self.action)
        # The route waits for a thread of its own next: it must not hold a connection then.
        end_read(session)
        return principal


def allowed(action: Action | None) -> Any:
    """`principal: Annotated[Principal, allowed(Action.X)]` guards a route with the policy."""
    return Depends(Permission(action))


def signed_in_member(request: Request) -> SignedIn:
    """The member a Permission dependency found (pages only; call after it ran)."""
    member: SignedIn = request.state.member
    return member


def sign_in_limits(settings: Settings) -> accounts.SignInLimits:
    return accounts.SignInLimits(
        per_account=settings.sign_in_limit_per_account,
        per_address=settings.sign_in_limit_per_address,
        window=timedelta(minutes=settings.sign_in_window_minutes),
    )


def session_lifetime(settings: Settings) -> timedelta:
    return timedelta(hours=settings.session_hours)
