"""The FastAPI application: create_app(settings) builds it; `app` serves uvicorn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker

from app.api import (
    api_keys,
    assessments,
    attempts,
    greenhouse,
    idempotency,
    invitations,
    openapi,
    preview,
    problems,
    questions,
    rate_limits,
    results,
    take,
    webhooks,
)
from app.api.autosave_lane import AutosaveLane
from app.api.guards import RequestGuard
from app.api.rate_limits import KeyRateLimiter
from app.attempts.autosave import open_autosave
from app.attempts.expiry import expire_due
from app.background import Periodic
from app.db import make_engine, make_read_sessionmaker, make_sessionmaker
from app.grading.practice import load_practice
from app.grading.queue import GradingQueue, start_grading
from app.health import readiness_checks
from app.mail.sender import OutboxSender, SmtpTarget
from app.observability import endpoint as metrics_endpoint
from app.observability.collectors import QueueDepth, register
from app.observability.http import ObservedRequests
from app.observability.logs import route_structlog_to_logging
from app.one_hop import OneHopRoute
from app.sealing import Sealer
from app.settings import Settings, get_settings
from app.web import api_keys as api_key_pages
from app.web import auth as auth_pages
from app.web import builder as builder_pages
from app.web import builder_edit as builder_edit_pages
from app.web import dashboard as dashboard_pages
from app.web import invitations as invitation_pages
from app.web import library as library_pages
from app.web import members as member_pages
from app.web import preview as preview_pages
from app.web import reports as report_pages
from app.web import results as result_pages
from app.web import take as take_pages
from app.web import webhooks as webhook_pages
from app.web.templating import STATIC_DIR
from app.web.workspace_errors import workspace_error_page
from app.webhooks.loop import send_outbound
from app.webhooks.outbound import outbound_client


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    route_structlog_to_logging()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Sized with the database pool (see Settings) so sync routes can't starve it.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threadpool_size
        engine = make_engine(_sized_pool(settings))
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        app.state.read_sessionmaker = make_read_sessionmaker(engine)
        autosave = await open_autosave(
            settings.database_url,
            # A save holds its connection for one round trip: half the sync pool is plenty.
            pool_size=max(2, settings.db_pool_size // 2),
            writes=app.state.sessionmaker,
            reads=app.state.read_sessionmaker,
        )
        app.state.autosave = autosave
        grading = start_grading(settings, app.state.sessionmaker, on_send_failure=lambda: None)
        app.state.grading = grading
        app.state.grading_queue = grading.queue
        app.state.check_queue = grading.checks
        app.state.judge_status = grading.status
        unregister_depth = register(QueueDepth(app.state.read_sessionmaker))
        mail = _start_mail(settings, app.state.sessionmaker)
        background = _start_background(
            settings, app.state.sessionmaker, app.state.read_sessionmaker, grading.queue
        )
        yield
        for loop in background:
            loop.stop()
        if mail is not None:
            mail.stop()
        grading.close()
        unregister_depth()
        await autosave.close()
        engine.dispose()

    app = FastAPI(
        title="Chainrule",
        version="0.1.0",
        summary="Skills assessment for deep learning: backprop quizzes and sandboxed numpy tasks.",
        lifespan=lifespan,
        # Our own Prometheus metrics and structlog logs observe requests; FastAPI's native
        # OpenTelemetry would cost each request a look-up of the global providers.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    # The app's own routes (/healthz, /readyz, /metrics) too: see app.one_hop.
    app.router.route_class = OneHopRoute
    app.state.settings = settings
    app.state.sealer = Sealer(settings.secret_key.get_secret_value())
    # Loaded now, so a broken practice task stops the service at start, not a candidate later.
    app.state.practice = load_practice(settings)
    render_problem = problems.install(app, html_page=workspace_error_page)
    app.add_middleware(AutosaveLane, render=render_problem)  # innermost: behind every guard
    idempotency.install(app)  # inside RequestGuard: an oversized body is refused first
    app.state.rate_limiter = KeyRateLimiter(settings.api_rate_limit_per_minute)
    openapi.install(app, [idempotency.openapi_rule, rate_limits.openapi_rule])
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes, render=render_problem)
    app.add_middleware(ObservedRequests)  # outermost: it sees the guard's refusals too
    token = settings.metrics_token
    metrics_endpoint.install(app, token.get_secret_value() if token else None)

    api = APIRouter(prefix="/api/v1")
    # The candidate's routes first: routing tries routes in order, and theirs are the hottest.
    for module in (
        take,
        questions,
        assessments,
        results,
        invitations,
        attempts,
        preview,
        api_keys,
        webhooks,
    ):
        api.include_router(module.router)
    api.include_router(greenhouse.errors_router)
    app.include_router(api)
    app.include_router(greenhouse.router)
    app.include_router(take_pages.router)
    for pages in (
        auth_pages,
        dashboard_pages,
        member_pages,
        library_pages,
        builder_pages,
        builder_edit_pages,
        preview_pages,
        report_pages,
        api_key_pages,
        invitation_pages,
        result_pages,
        webhook_pages,
    ):
        app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    def readyz() -> JSONResponse:
        """Readiness: the database answers, and the broker and the judge can take work."""
        checks = readiness_checks(app.state)
        # A judge running degraded (explicitly allowed) still grades; one without a sandbox
        # cannot, so the process is not ready. A broker or workers that are down do not make
        # the API unready: answers still save and submissions wait in the database.
        ready = checks["database"] == "ok" and not checks["judge"].startswith("unavailable")
        return JSONResponse(
            {"status": "ready" if ready else "not-ready", "checks": checks},
            status_code=200 if ready else 503,
        )

    return app


def _sized_pool(settings: Settings) -> Settings:
    """Embedded, this process grades too: its grading threads get connections of their own."""
    if settings.broker_url:
        return settings
    extra = settings.grading_connections
    return settings.model_copy(update={"db_pool_size": settings.db_pool_size + extra})


def _start_background(
    settings: Settings,
    sessions: sessionmaker[Session],
    reads: sessionmaker[Session],
    queue: GradingQueue,
) -> list[Periodic]:
    """Expire attempts at their deadline, and send webhooks and ATS callbacks as they fall due."""
    client = outbound_client(allow_private=settings.webhook_allow_private_targets)
    sealer = Sealer(settings.secret_key.get_secret_value())

    def outbound() -> int:
        return send_outbound(
            sessions, client, sealer=sealer, reads=reads, workers=settings.outbound_workers
        )

    return [
        Periodic("attempt-expiry", lambda: expire_due(sessions, queue, reads=reads)).start(),
        Periodic("outbound", outbound).start(),
    ]


def _start_mail(settings: Settings, sessions: sessionmaker[Session]) -> OutboxSender | None:
    """Send the outbox over SMTP when SMTP_URL is set; otherwise mail waits there for admins."""
    if not settings.smtp_url:
        return None
    sender = OutboxSender(sessions, SmtpTarget.parse(settings.smtp_url), sender=settings.mail_from)
    sender.start()
    return sender
