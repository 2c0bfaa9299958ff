"""/api/v1/assessments/{assessment_id}/results: the results table as JSON pages or one CSV."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from app.access.policy import Action
from app.access.principal import ForbiddenError, Principal
from app.api import schemas, views
from app.api.idempotency import GuardedPosts
from app.api.negotiation import NotAcceptableError, negotiate
from app.api.problems import problem_responses
from app.attempts import results
from app.attempts import service as attempts
from app.attempts.export import results_csv
from app.deps import SessionDep, allowed
from app.errors import AssessmentNotFoundError, InvalidCursorError, UnauthorizedError
from app.models import AttemptStatus

router = APIRouter(prefix="/assessments", tags=["assessments"], route_class=GuardedPosts)

_RESULT_TYPES = ("application/json", "text/csv")
Reader = Annotated[Principal, allowed(Action.RESULTS_READ)]
StatusQuery = Annotated[AttemptStatus | None, Query(description="Only attempts in this status")]
PassedQuery = Annotated[
    bool | None,
    Query(description="Only graded attempts that reached (true) or missed (false) the pass mark"),
]
TextQuery = Annotated[
    str, Query(max_length=results.MAX_TEXT, description="Part of the candidate's name or e-mail")
]


def csv_response(table: results.ResultsTable, assessment_id: uuid.UUID) -> Response:
    return Response(
        results_csv(table.rows),
        media_type="text/csv; charset=utf-8",
        # The assessment's id, never its title: nothing typed by a person reaches a header.
        headers={"Content-Disposition": f'attachment; filename="results-{assessment_id}.csv"'},
    )


@router.get(
    "/{assessment_id}/results",
    response_model=schemas.ResultsPage,
    responses={
        **problem_responses(
            UnauthorizedError,
            ForbiddenError,
            AssessmentNotFoundError,
            InvalidCursorError,
            NotAcceptableError,
        ),
        200: {"content": {"text/csv": {}}, "description": "JSON page, or CSV of every row"},
    },
)
def list_results(
    assessment_id: uuid.UUID,
    session: SessionDep,
    principal: Reader,
    accept: Annotated[str, Header()] = "application/json",
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    status: StatusQuery = None,
    passed: PassedQuery = None,
    q: TextQuery = "",
) -> schemas.ResultsPage | Response:
    """One row per attempt, oldest first; `Accept: text/csv` returns every matching row as CSV."""
    filters = results.ResultsFilter(status=status, passed=passed, text=q)
    if negotiate(accept, _RESULT_TYPES) == "text/csv":
        table = results.all_rows(
            session,
            organization_id=principal.organization_id,
            assessment_id=assessment_id,
            filters=filters,
            order=results.ResultsOrder(),
        )
        return csv_response(table, assessment_id)
    page = attempts.list_results(
        session,
        organization_id=principal.organization_id,
        assessment_id=assessment_id,
        cursor=cursor,
        limit=limit,
        filters=filters,
    )
    return schemas.ResultsPage(
        items=[views.result(row) for row in page.items], next_cursor=page.next_cursor
    )
