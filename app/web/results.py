"""The results table of an assessment and its CSV export, filtered and sorted alike."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.access.policy import Action
from app.access.principal import Principal
from app.api.results import csv_response
from app.attempts import results
from app.deps import SessionDep, allowed
from app.models import AttemptStatus
from app.one_hop import OneHopRoute
from app.reports.chart import skill_label
from app.web.workspace import render_workspace

router = APIRouter(include_in_schema=False, route_class=OneHopRoute)
PAGE = "/assessments/{assessment_id}/results"
Reader = Annotated[Principal, allowed(Action.RESULTS_READ)]
Text = Annotated[str, Query(max_length=results.MAX_TEXT)]
Word = Annotated[str, Query(max_length=40)]

_FLAG_WORDS = {
    "paste": "paste",
    "copy": "copy",
    "tab_hidden": "tab left",
    "window_blur": "window left",
    "fullscreen_exit": "full screen left",
}


@dataclass(frozen=True)
class TableQuery:
    """The page's query string, read leniently: an unknown value means no filter."""

    status: str
    passed: str
    q: str
    sort: str
    order: str

    @property
    def filters(self) -> results.ResultsFilter:
        statuses = {s.value: s for s in AttemptStatus}
        return results.ResultsFilter(
            status=statuses.get(self.status),
            passed={"yes": True, "no": False}.get(self.passed),
            text=self.q,
        )

    @property
    def is_filtered(self) -> bool:
        return self.filters != results.ResultsFilter()

    @property
    def order_by(self) -> results.ResultsOrder:
        sort = self.sort if results.is_sort_key(self.sort) else "invited"
        return results.ResultsOrder(sort, descending=self.order == "desc")

    def url(self, path: str, **changes: str | int) -> str:
        """`path` with this query, changed by `changes`; empty values are left out."""
        params: dict[str, str | int] = {
            "status": self.status,
            "passed": self.passed,
            "q": self.q,
            "sort": self.sort,
            "order": self.order,
        }
        params.update(changes)
        kept = {k: v for k, v in params.items() if v not in ("", None)}
        return f"{path}?{urlencode(kept)}" if kept else path


def _query(
    status: Word = "", passed: Word = "", q: Text = "", sort: Word = "", order: Word = ""
) -> TableQuery:
    return TableQuery(status, passed, q, sort, order)


QueryDep = Annotated[TableQuery, Depends(_query)]


@router.get(PAGE, response_class=HTMLResponse)
def results_page(
    request: Request,
    assessment_id: uuid.UUID,
    session: SessionDep,
    principal: Reader,
    query: QueryDep,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> HTMLResponse:
    """One row per candidate: sortable by column, filtered, a page at a time."""
    table = results.results_table(
        session,
        organization_id=principal.organization_id,
        assessment_id=assessment_id,
        filters=query.filters,
        order=query.order_by,
        page=page,
    )
    path = PAGE.format(assessment_id=assessment_id)
    context = {
        "page_title": f"Results: {table.assessment.title}",
        "table": table,
        "query": query,
        "order": query.order_by,
        "path": path,
        "statuses": [s.value for s in AttemptStatus],
        "skill_label": skill_label,
        "duration": _duration,
        "flag_text": _flag_text,
        "can_invite": principal.can(Action.INVITATION_WRITE),
    }
    return render_workspace(request, "workspace/results.html", context, active="assessments")


@router.get(PAGE + ".csv")
def results_csv_download(
    assessment_id: uuid.UUID,
    session: SessionDep,
    principal: Reader,
    query: QueryDep,
) -> Response:
    """Every row the table shows with these filters, in its order, as CSV."""
    table = results.all_rows(
        session,
        organization_id=principal.organization_id,
        assessment_id=assessment_id,
        filters=query.filters,
        order=query.order_by,
    )
    return csv_response(table, assessment_id)


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return ""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {secs:02d} s"


def _flag_text(flags: dict[str, int]) -> str:
    return ", ".join(f"{n} {_FLAG_WORDS.get(kind, kind)}" for kind, n in sorted(flags.items()))
