"""What can go wrong authoring a question, each with its status and problem code."""

from __future__ import annotations

from app.errors import DomainError, NotFoundError


class QuestionInvalidError(DomainError):
    """The draft is refused; `problems` lists every finding (for an expression, the seed too)."""

    status, code, title = 422, "question-invalid", "The question is not valid"

    def __init__(self, problems: list[dict[str, object]]) -> None:
        detail = "; ".join(str(p["error"]) for p in problems[:3])
        super().__init__(detail, problems=problems)
        self.problems = problems


class QuestionNotCustomError(DomainError):
    status, code, title = 409, "question-not-custom", "Only the organization's own questions change"


class QuestionArchivedError(DomainError):
    status, code, title = 409, "question-archived", "The question is archived"


class QuestionChangedError(DomainError):
    status, code, title = 412, "precondition-failed", "The question changed meanwhile"


class ValidationNotFoundError(NotFoundError):
    code, title = "validation-not-found", "Validation not found"
