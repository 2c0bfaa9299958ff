"""What can go wrong when a recruiter invites candidates or manages their invitations."""

from __future__ import annotations

from app.errors import DomainError, NotFoundError


class CandidateInvitationNotFoundError(NotFoundError):
    code, title = "invitation-not-found", "Invitation not found"


class AlreadyInvitedError(DomainError):
    status, code, title = 409, "already-invited", "This candidate already has an open invitation"


class InvitationClosedError(DomainError):
    status, code, title = 409, "invitation-closed", "This invitation can no longer change"


class InvalidCandidateError(DomainError):
    status, code, title = 422, "invalid-candidate", "The candidate's details are not valid"


class CsvTooLargeError(DomainError):
    status, code, title = 413, "csv-too-large", "The CSV file is over the size limit"


class CsvUnreadableError(DomainError):
    status, code, title = 400, "csv-unreadable", "The file is not a readable CSV of candidates"
