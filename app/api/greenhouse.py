"""/integrations/greenhouse: the assessment partner API that Greenhouse calls, and its error log.

Greenhouse authenticates with HTTP Basic (the organization's API key as user name); the fields
are Greenhouse's, snake_case, with null rather than omitted.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from app.access.policy import Action
from app.access.principal import ForbiddenError, Principal
from app.api import greenhouse_schemas as schemas
from app.api.idempotency import GuardedPosts
from app.api.problems import problem_responses
from app.candidates.errors import InvalidCandidateError
from app.deps import (
    BearerDep,
    LinksDep,
    SealerDep,
    SessionDep,
    SettingsDep,
    allowed,
    request_api_key,
)
from app.errors import (
    AssessmentArchivedError,
    AssessmentNotFoundError,
    InvalidCursorError,
    InvalidRequestError,
    UnauthorizedError,
)
from app.integrations import greenhouse
from app.integrations.greenhouse import PartnerInterviewNotFoundError
from app.sealing import CALLBACK_KEY
from app.webhooks.errors import InvalidWebhookUrlError

router = APIRouter(prefix="/integrations/greenhouse", tags=["greenhouse"], route_class=GuardedPosts)
errors_router = APIRouter(
    prefix="/integration-errors", tags=["greenhouse"], route_class=GuardedPosts
)
_AUTH = (UnauthorizedError, ForbiddenError)


def _api_key(request: Request, credentials: BearerDep) -> str:
    key = request_api_key(request, credentials)
    assert key is not None, "the Permission dependency authenticated this request"
    return key


@router.get("/list_tests", responses=problem_responses(*_AUTH))
def list_tests(
    session: SessionDep, principal: Annotated[Principal, allowed(Action.ASSESSMENT_READ)]
) -> list[schemas.PartnerTest]:
    """The organization's assessments, as tests Greenhouse users can send."""
    return [
        schemas.PartnerTest(**row)
        for row in greenhouse.list_tests(session, organization_id=principal.organization_id)
    ]


@router.post(
    "/send_test",
    responses=problem_responses(
        *_AUTH,
        AssessmentNotFoundError,
        AssessmentArchivedError,
        InvalidCandidateError,
        InvalidWebhookUrlError,
        InvalidRequestError,
    ),
)
def send_test(
    body: schemas.SendTest,
    session: SessionDep,
    settings: SettingsDep,
    principal: Annotated[Principal, allowed(Action.INVITATION_WRITE)],
    api_key: Annotated[str, Depends(_api_key)],
    links: LinksDep,
    sealer: SealerDep,
) -> schemas.SendTestResult:
    """Invite the candidate and e-mail them the link; returns this test instance's id."""
    order = greenhouse.send_test(
        session,
        organization_id=principal.organization_id,
        partner_test_id=body.partner_test_id,
        candidate=greenhouse.GreenhouseCandidate(
            first_name=body.candidate.first_name,
            last_name=body.candidate.last_name,
            preferred_name=body.candidate.preferred_name,
            email=body.candidate.email,
        ),
        callback_url=body.url,
        callback_key=sealer.seal(api_key, purpose=CALLBACK_KEY),
        sent_by=body.sent_by,
        greenhouse_profile_url=body.candidate.greenhouse_profile_url,
        valid_days=settings.invitation_valid_days,
        links=links,
        allow_private=settings.webhook_allow_private_targets,
    )
    return schemas.SendTestResult(partner_interview_id=str(order.id))


@router.get("/test_status", responses=problem_responses(*_AUTH, PartnerInterviewNotFoundError))
def test_status(
    session: SessionDep,
    settings: SettingsDep,
    principal: Annotated[Principal, allowed(Action.RESULTS_READ)],
    partner_interview_id: Annotated[str, Query(max_length=100)],
) -> schemas.TestStatus:
    """A sent test's status; when `complete`, its score, report link and per-skill metadata."""
    return schemas.TestStatus(
        **greenhouse.test_status(
            session,
            organization_id=principal.organization_id,
            partner_interview_id=partner_interview_id,
            base_url=settings.base_url,
        )
    )


@router.post("/response_error", responses=problem_responses(*_AUTH, InvalidRequestError))
def response_error(
    body: schemas.ResponseError,
    session: SessionDep,
    principal: Annotated[Principal, allowed(Action.INVITATION_WRITE)],
) -> schemas.Acknowledged:
    """Greenhouse reports a response of ours it could not use; kept for the organization."""
    greenhouse.record_error(
        session,
        organization_id=principal.organization_id,
        api_call=body.api_call,
        errors=body.errors,
        partner_test_id=body.partner_test_id,
        partner_test_name=body.partner_test_name,
        partner_interview_id=body.partner_interview_id,
        candidate_email=body.candidate_email,
    )
    return schemas.Acknowledged()


@errors_router.get("", responses=problem_responses(*_AUTH, InvalidCursorError))
def list_integration_errors(
    session: SessionDep,
    principal: Annotated[Principal, allowed(Action.RESULTS_READ)],
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> schemas.IntegrationErrorPage:
    """Errors an integration (Greenhouse) reported about this organization's responses."""
    page = greenhouse.list_errors(
        session, organization_id=principal.organization_id, cursor=cursor, limit=limit
    )
    return schemas.IntegrationErrorPage(
        items=[
            schemas.IntegrationErrorRead(
                id=e.id,
                provider=e.provider,
                api_call=e.api_call,
                errors=e.errors,
                details=e.details,
                created_at=e.created_at,
            )
            for e in page.items
        ],
        next_cursor=page.next_cursor,
    )
