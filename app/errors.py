"""Expected failures of the domain, each with its HTTP status and stable problem code."""

from __future__ import annotations


class DomainError(Exception):
    status: int = 400
    code: str = "bad-request"
    title: str = "Bad request"

    def __init__(self, detail: str | None = None, **extensions: object) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extensions = extensions
        self.headers: dict[str, str] = {}  # HTTP headers the problem needs (Retry-After)


class MalformedRequestError(DomainError):
    status, code, title = 400, "malformed-request", "The request body is not valid JSON"


class InvalidRequestError(DomainError):
    status, code, title = 422, "invalid-request", "The request does not match the schema"


class AnswerTooLargeError(DomainError):
    status, code, title = 413, "answer-too-large", "The answer is over the size limit"


class InvalidResponseError(DomainError):
    status, code, title = 422, "invalid-response", "The answer does not fit the question"


class UnauthorizedError(DomainError):
    status, code, title = 401, "unauthorized", "A valid API key is required"


class NotFoundError(DomainError):
    status, code, title = 404, "not-found", "Not found"


class AssessmentNotFoundError(NotFoundError):
    code, title = "assessment-not-found", "Assessment not found"


class AttemptNotFoundError(NotFoundError):
    code, title = "attempt-not-found", "Attempt not found"


class QuestionNotFoundError(NotFoundError):
    code, title = "question-not-found", "Question not found"


class InvitationNotFoundError(NotFoundError):
    code, title = "invitation-not-found", "Invitation not found"


class InvitationExpiredError(DomainError):
    status, code, title = 403, "invitation-expired", "This invitation has expired"


class InvitationRevokedError(DomainError):
    status, code, title = 410, "invitation-revoked", "This invitation was withdrawn"


class AttemptNotStartedError(DomainError):
    status, code, title = 409, "attempt-not-started", "The attempt has not been started"


class AttemptSubmittedError(DomainError):
    status, code, title = 409, "attempt-submitted", "The attempt was already submitted"


class AttemptExpiredError(DomainError):
    status, code, title = 409, "attempt-expired", "The time limit of the attempt has passed"


class RevisionConflictError(DomainError):
    status, code, title = 409, "revision-conflict", "The answer was saved elsewhere meanwhile"


class InvalidCursorError(DomainError):
    status, code, title = 400, "invalid-cursor", "The pagination cursor is not valid"


class AssessmentArchivedError(DomainError):
    status, code, title = 409, "assessment-archived", "The assessment is archived"


class AssessmentClosedError(DomainError):
    """A candidate's link to an archived assessment that they had not started."""

    status, code, title = 410, "assessment-closed", "This assessment is closed"


class DatabaseUnavailableError(DomainError):
    """The database did not answer (restarting, unreachable, or no free connection in time)."""

    status, code, title = 503, "database-unavailable", "The database is unavailable"

    def __init__(self) -> None:
        super().__init__("The service cannot reach its database right now; try again shortly.")
        self.headers["Retry-After"] = "5"
