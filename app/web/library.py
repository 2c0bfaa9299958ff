"""The question library: browse and filter, preview as the candidate sees it, author and edit."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from app.access.policy import Action
from app.access.principal import Principal
from app.attempts.presentation import candidate_question
from app.bank.instances import render_for_attempt
from app.bank.items import parse_item
from app.bank.schemas import NumericItem, QuestionKind
from app.deps import CheckQueueDep, SessionDep, allowed
from app.errors import QuestionNotFoundError
from app.models import QuestionVersion, ValidationStatus
from app.one_hop import OneHopRoute
from app.questions import authoring
from app.questions import service as questions
from app.questions.drafts import draft_fields
from app.questions.errors import QuestionInvalidError
from app.skills import Skill
from app.web import question_forms as forms
from app.web.candidate_pages import KIND_NAMES, SKILL_NAMES, question_panel
from app.web.workspace import render_workspace

router = APIRouter(prefix="/library", include_in_schema=False, route_class=OneHopRoute)
_OPEN = (ValidationStatus.QUEUED, ValidationStatus.RUNNING)


async def read_form(request: Request) -> FormData:
    return await request.form()


FormDep = Annotated[FormData, Depends(read_form)]


def _names() -> dict[str, Any]:
    return {"skill_names": SKILL_NAMES, "kind_names": KIND_NAMES, "skills": list(Skill)}


@router.get("", response_class=HTMLResponse)
def library_page(
    request: Request,
    session: SessionDep,
    principal: Annotated[Principal, allowed(Action.QUESTIONS_READ)],
    skill: Annotated[str, Query(max_length=40)] = "",
    kind: Annotated[str, Query(max_length=40)] = "",
    difficulty: Annotated[str, Query(max_length=4)] = "",
    text: Annotated[str, Query(max_length=200)] = "",
    source: Annotated[str, Query(max_length=10)] = "",
    archived: bool = False,
) -> HTMLResponse:
    """The bank's and the organization's questions, filtered."""
    # A form sends every field, empty ones as "": an empty or unknown filter is no filter.
    skill = skill if skill in {s.value for s in Skill} else ""
    kind = kind if kind in KIND_NAMES else ""
    level = int(difficulty) if difficulty in ("1", "2", "3") else None
    source = source if source in questions.SOURCES else ""
    found = questions.search_questions(
        session,
        principal.organization_id,
        skill=skill or None,
        difficulty=level,
        kind=kind or None,
        text=text or None,
        source=source or None,
        include_archived=archived,
    )
    filters = {
        "skill": skill,
        "kind": kind,
        "difficulty": level or "",
        "text": text,
        "source": source,
        "archived": archived,
    }
    context = {
        "page_title": "Question library",
        "found": found,
        "filters": filters,
        **_names(),
    }
    template = "workspace/library_results.html" if _is_htmx(request) else "workspace/library.html"
    return render_workspace(request, template, context, active="library")


@router.get("/new", response_class=HTMLResponse)
def library_new(
    request: Request,
    _principal: Annotated[Principal, allowed(Action.QUESTIONS_WRITE)],
    kind: Annotated[str, Query(pattern="^[a-z_]{1,20}$")] = "single_choice",
) -> HTMLResponse:
    """The editor for a new custom question of a kind."""
    form = forms.EditorForm(values={"kind": kind if kind in forms.KINDS else "single_choice"})
    return _editor(request, form, question_id=None)


@router.post("")
def library_create(
    request: Request,
    session: SessionDep,
    checks: CheckQueueDep,
    form_data: FormDep,
    principal: Annotated[Principal, allowed(Action.QUESTIONS_WRITE)],
) -> Response:
    """Create a custom question from the editor (a coding task goes to the judge)."""
    form = forms.from_form(form_data)
    try:
        done = authoring.create_question(
            session, organization_id=principal.organization_id, draft=forms.to_draft(form)
        )
    except QuestionInvalidError as error:
        return _editor(request, form, question_id=None, error=error)
    return _after_authoring(done, checks, "created")


@router.get("/{question_id}", response_class=HTMLResponse)
def library_preview(
    question_id: str,
    request: Request,
    session: SessionDep,
    principal: Annotated[Principal, allowed(Action.QUESTIONS_READ)],
    seed: Annotated[int, Query(ge=0, le=10**9)] = 1,
) -> HTMLResponse:
    """A question exactly as a candidate sees it (the test page's template), and its key."""
    q = questions.get_question(
        session, organization_id=principal.organization_id, question_id=question_id
    )
    panel = question_panel(candidate_question(q, seed), 1)
    context = {
        "page_title": f"Preview: {panel.title}",
        "question": q,
        "q": panel,
        "questions": [panel],
        "preview": {"starter": q.content.get("starter", "")},
        "seed": seed,
        "key": _answer_key(q, seed),
        "check": authoring.latest_validation(
            session, organization_id=principal.organization_id, question_id=question_id
        ),
        **_names(),
    }
    return render_workspace(request, "workspace/library_preview.html", context, active="library")


@router.get("/{question_id}/edit", response_class=HTMLResponse)
def library_edit(
    question_id: str,
    request: Request,
    session: SessionDep,
    principal: Annotated[Principal, allowed(Action.QUESTIONS_WRITE)],
) -> HTMLResponse:
    """The editor, filled with the question (or with the task the judge last refused)."""
    draft = _latest_draft(session, principal, question_id)
    return _editor(request, forms.from_draft(draft), question_id=question_id)


@router.post("/{question_id}")
def library_update(
    question_id: str,
    request: Request,
    session: SessionDep,
    checks: CheckQueueDep,
    form_data: FormDep,
    principal: Annotated[Principal, allowed(Action.QUESTIONS_WRITE)],
) -> Response:
    """Save an edit: a new version (attempts keep what they saw)."""
    form = forms.from_form(form_data)
    try:
        done = authoring.update_question(
            session,
            organization_id=principal.organization_id,
            question_id=question_id,
            draft=forms.to_draft(form),
        )
    except QuestionInvalidError as error:
        return _editor(request, form, question_id=question_id, error=error)
    return _after_authoring(done, checks, "saved")


@router.post("/{question_id}/archive")
def library_archive(
    question_id: str,
    session: SessionDep,
    principal: Annotated[Principal, allowed(Action.QUESTIONS_WRITE)],
) -> RedirectResponse:
    """Archive a custom question: assessments that use it keep their version."""
    authoring.archive_question(
        session, organization_id=principal.organization_id, question_id=question_id
    )
    return RedirectResponse(f"/library/{question_id}?notice=archived", status_code=303)


@router.get("/{question_id}/check", response_class=HTMLResponse)
def library_check(
    question_id: str,
    request: Request,
    session: SessionDep,
    principal: Annotated[Principal, allowed(Action.QUESTIONS_READ)],
) -> HTMLResponse:
    """The judge's check of a custom coding task: waiting, accepted, or refused with its report."""
    check = authoring.latest_validation(
        session, organization_id=principal.organization_id, question_id=question_id
    )
    if check is None:
        questions.get_question(
            session, organization_id=principal.organization_id, question_id=question_id
        )  # 404 for an id that is not this organization's
    context = {
        "page_title": "The judge's check",
        "question_id": question_id,
        "check": check,
        "waiting": check is not None and check.status in _OPEN,
    }
    template = (
        "workspace/library_check_body.html"
        if _is_htmx(request)
        else ("workspace/library_check.html")
    )
    return render_workspace(request, template, context, active="library")


def _editor(
    request: Request,
    form: forms.EditorForm,
    *,
    question_id: str | None,
    error: QuestionInvalidError | None = None,
) -> HTMLResponse:
    context = {
        "page_title": "Edit question" if question_id else "New question",
        "form": form,
        "question_id": question_id,
        "problems": error.problems if error else [],
        "choice_ids": forms.CHOICE_IDS,
        **_names(),
    }
    return render_workspace(
        request,
        "workspace/library_editor.html",
        context,
        active="library",
        status_code=error.status if error else 200,
    )


def _after_authoring(
    done: authoring.Authored, checks: CheckQueueDep, notice: str
) -> RedirectResponse:
    if done.validation is not None:
        checks.enqueue(done.validation.id)  # committed: the queue carries only the id
        return RedirectResponse(f"/library/{done.question_id}/check", status_code=303)
    return RedirectResponse(f"/library/{done.question_id}?notice={notice}", status_code=303)


def _latest_draft(session: SessionDep, principal: Principal, question_id: str) -> dict[str, Any]:
    check = authoring.latest_validation(
        session, organization_id=principal.organization_id, question_id=question_id
    )
    try:
        current: QuestionVersion | None = authoring.own_current(
            session, organization_id=principal.organization_id, question_id=question_id
        )
    except QuestionNotFoundError:
        if check is None or not check.content.get("files"):
            raise
        current = None
    # A refused or pending edit is newer than the current version: the author continues it.
    unfinished = check is not None and check.content.get("files") and check.status != "accepted"
    if (
        check is not None
        and unfinished
        and (current is None or check.created_at > current.created_at)
    ):
        return draft_fields(check.content)
    assert current is not None
    return draft_fields(current.content) | {
        "skills": current.skills,
        "difficulty": current.difficulty,
        "points": current.points,
    }


def _answer_key(q: QuestionVersion, seed: int) -> dict[str, Any] | None:
    """What the recruiter sees under the preview: the right answer for these numbers."""
    if q.kind == QuestionKind.CODING:
        return None
    item = parse_item(q.id, q.content)
    key: dict[str, Any] = {"explanation": item.explanation}
    if isinstance(item, NumericItem):
        instance = render_for_attempt(item, seed)  # the numbers the preview shows
        key["answer"] = f"{instance.answer:.6g}"
        key["tolerance"] = item.tolerance
    elif q.kind == QuestionKind.TRUE_FALSE:
        key["answer"] = "True" if q.content.get("answer") else "False"
    else:
        right = q.content.get("answer")
        right_ids = right if isinstance(right, list) else [right]
        key["answer"] = "; ".join(
            c["text"] for c in q.content.get("choices", []) if c["id"] in right_ids
        )
    return key


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"
