"""What can go wrong with accounts, sign-in, links and memberships."""

from __future__ import annotations

from app.errors import DomainError, NotFoundError


class SignInFailedError(DomainError):
    # One message whether the e-mail is unknown or the password wrong: no account enumeration.
    status, code, title = 400, "sign-in-failed", "The e-mail or password is not right"


class SignInLimitedError(DomainError):
    status, code, title = 429, "sign-in-limited", "Too many failed sign-ins"


class SignInRequiredError(DomainError):
    status, code, title = 401, "sign-in-required", "Sign in to continue"


class CsrfError(DomainError):
    status, code, title = 403, "csrf-failed", "The form could not be verified"


class LinkInvalidError(DomainError):
    status, code, title = 400, "link-invalid", "This link is not valid any more"


class WeakPasswordError(DomainError):
    status, code, title = 400, "weak-password", "The password is too short"


class InvalidEmailError(DomainError):
    status, code, title = 400, "invalid-email", "That is not an e-mail address"


class MemberNotFoundError(NotFoundError):
    code, title = "member-not-found", "Member not found"


class InvitationNotPendingError(NotFoundError):
    code, title = "member-invitation-not-found", "Invitation not found"


class AlreadyMemberError(DomainError):
    status, code, title = 409, "already-member", "This person is already a member"


class LastOwnerError(DomainError):
    status, code, title = 409, "last-owner", "An organization needs at least one owner"


class NoOrganizationError(DomainError):
    status, code, title = 403, "no-organization", "You are not a member of any organization"
