"""Sign-in, sign-out, setting a password by one-time link, and joining an organization."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.access.principal import Principal
from app.accounts import members, sessions
from app.accounts import service as accounts
from app.accounts.errors import (
    InvalidEmailError,
    SignInFailedError,
    SignInLimitedError,
    WeakPasswordError,
)
from app.deps import (
    SESSION_COOKIE,
    SessionDep,
    SettingsDep,
    WebSessionDep,
    allowed,
    session_lifetime,
    sign_in_limits,
    verify_csrf,
)
from app.models import Account, WebSession
from app.one_hop import OneHopRoute
from app.settings import Settings
from app.web.templating import render_page
from app.web.workspace import clear_session_cookie, safe_next, set_session_cookie

router = APIRouter(include_in_schema=False, route_class=OneHopRoute)
CsrfChecked = Depends(verify_csrf)


def _form_page(
    request: Request,
    session: SessionDep,
    web_session: WebSession | None,
    settings: Settings,
    template: str,
    context: dict[str, Any],
    status_code: int = 200,
) -> HTMLResponse:
    """Render a form shown before sign-in, starting a cookie session to hold its CSRF token."""
    token = None
    if web_session is None:
        new = sessions.start_anonymous(session)
        web_session, token = new.session, new.token
    response = render_page(
        request, template, {**context, "csrf_token": web_session.csrf_token}, status_code
    )
    if token:
        set_session_cookie(response, token, settings)
    return response


def _signed_in_redirect(
    request: Request, session: SessionDep, account: Account, settings: Settings, target: str
) -> RedirectResponse:
    new = sessions.sign_in(
        session,
        account=account,
        old_token=request.cookies.get(SESSION_COOKIE),
        lifetime=session_lifetime(settings),
    )
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, new.token, settings)
    return response


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    web_session: WebSessionDep,
    next: str = "/",
) -> Response:
    """The sign-in form (a signed-in visitor goes straight on)."""
    if web_session is not None and web_session.account_id is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    context = {"page_title": "Sign in", "next": safe_next(next), "email": ""}
    return _form_page(request, session, web_session, settings, "account/sign_in.html", context)


@router.post("/sign-in", dependencies=[CsrfChecked])
def sign_in(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    web_session: WebSessionDep,
    email: Annotated[str, Form(max_length=400)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Check e-mail and password; on success a new session replaces the old one."""
    address = request.client.host if request.client else "unknown"
    try:
        account = accounts.check_sign_in(
            session,
            email=email,
            password=password,
            address=address,
            limits=sign_in_limits(settings),
        )
    except (SignInFailedError, SignInLimitedError) as error:
        context = {"page_title": "Sign in", "next": safe_next(next), "email": email, "error": error}
        response = _form_page(
            request, session, web_session, settings, "account/sign_in.html", context, error.status
        )
        response.headers.update(error.headers)
        return response
    return _signed_in_redirect(request, session, account, settings, safe_next(next))


@router.post("/sign-out")
def sign_out(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _principal: Annotated[Principal, allowed(None)],
) -> RedirectResponse:
    """End this browser's session."""
    sessions.sign_out(session, token=request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/sign-in", status_code=303)
    clear_session_cookie(response, settings)
    return response


@router.get("/password/reset", response_class=HTMLResponse)
def reset_page(
    request: Request, session: SessionDep, settings: SettingsDep, web_session: WebSessionDep
) -> HTMLResponse:
    """Ask for a password reset link."""
    context = {"page_title": "Reset your password", "sent": False}
    return _form_page(request, session, web_session, settings, "account/reset.html", context)


@router.post("/password/reset", dependencies=[CsrfChecked])
def request_reset(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    web_session: WebSessionDep,
    email: Annotated[str, Form(max_length=400)],
) -> HTMLResponse:
    """Mail a link if the account exists; the page says the same either way."""
    accounts.request_password_reset(session, email=email, base_url=settings.base_url)
    context = {"page_title": "Check your e-mail", "sent": True}
    return _form_page(request, session, web_session, settings, "account/reset.html", context)


@router.get("/password/{token}", response_class=HTMLResponse)
def password_page(
    token: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    web_session: WebSessionDep,
) -> HTMLResponse:
    """Choose a password through a one-time link (from create-org or a reset)."""
    account = accounts.password_link_account(session, token=token)
    context = {"page_title": "Choose your password", "account": account, "token": token}
    return _form_page(request, session, web_session, settings, "account/password.html", context)


@router.post("/password/{token}", dependencies=[CsrfChecked])
def set_password(
    token: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    web_session: WebSessionDep,
    password: Annotated[str, Form(max_length=1024)],
    confirm: Annotated[str, Form(max_length=1024)],
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Set the password, spend the link and sign in."""
    account = accounts.password_link_account(session, token=token)
    try:
        if password != confirm:
            raise WeakPasswordError("The two passwords are not the same.")
        account = accounts.set_password_with_link(
            session, token=token, password=password, name=name
        )
    except WeakPasswordError as error:
        context = {
            "page_title": "Choose your password",
            "account": account,
            "token": token,
            "error": error,
        }
        return _form_page(
            request, session, web_session, settings, "account/password.html", context, 400
        )
    return _signed_in_redirect(request, session, account, settings, "/?notice=password-set")


@router.get("/join/{token}", response_class=HTMLResponse)
def join_page(
    token: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    web_session: WebSessionDep,
) -> Response:
    """Accept an invitation to an organization."""
    pending = members.find_pending_join(session, token=token)
    context = _join_context(pending, web_session, token)
    return _form_page(request, session, web_session, settings, "account/join.html", context)


@router.post("/join/{token}", dependencies=[CsrfChecked])
def join(
    token: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    web_session: WebSessionDep,
    name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    confirm: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Join: a new person chooses a password; an existing account must be signed in as itself."""
    pending = members.find_pending_join(session, token=token)
    signed_in_as = web_session.account_id if web_session else None
    try:
        new_password = pending.account is None or pending.account.password_hash is None
        if new_password and password != confirm:
            raise WeakPasswordError("The two passwords are not the same.")
        account = members.accept_invitation(
            session, token=token, signed_in_account_id=signed_in_as, name=name, password=password
        )
    except (WeakPasswordError, InvalidEmailError) as error:
        context = {**_join_context(pending, web_session, token), "error": error, "name": name}
        return _form_page(
            request, session, web_session, settings, "account/join.html", context, 400
        )
    if signed_in_as == account.id and web_session is not None:
        sessions.switch_organization(
            session, web_session=web_session, organization_id=pending.organization.id
        )
        return RedirectResponse("/?notice=joined", status_code=303)
    return _signed_in_redirect(request, session, account, settings, "/?notice=joined")


def _join_context(
    pending: members.PendingJoin, web_session: WebSession | None, token: str
) -> dict[str, Any]:
    existing = pending.account is not None and pending.account.password_hash is not None
    invited_id = pending.account.id if pending.account else None
    signed_in_as = web_session.account_id if web_session else None
    return {
        "page_title": f"Join {pending.organization.name}",
        "organization": pending.organization,
        "invitation": pending.invitation,
        "token": token,
        "needs_password": not existing,
        "needs_sign_in": existing and signed_in_as != invited_id,
        "name": "",
    }
