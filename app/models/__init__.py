"""ORM models, one module per aggregate."""

from app.models.account import (
    Account,
    MemberInvitation,
    Membership,
    PasswordToken,
    Role,
)
from app.models.assessment import Assessment, AssessmentItem, AssessmentPool
from app.models.attempt import (
    Answer,
    AnswerRevision,
    Attempt,
    AttemptItem,
    AttemptStatus,
    QuestionFlag,
    Score,
)
from app.models.candidate import Candidate, Invitation
from app.models.email import OutboxEmail
from app.models.grading_worker import GradingWorker
from app.models.greenhouse import GreenhouseOrder, IntegrationError
from app.models.idempotency import IdempotencyRecord
from app.models.integrity import IntegrityEvent
from app.models.organization import ApiKey, Organization
from app.models.question import QuestionValidation, QuestionVersion, ValidationStatus
from app.models.submission import Submission, SubmissionPurpose, SubmissionStatus
from app.models.web_session import SignInFailure, WebSession
from app.models.webhook import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookDeliveryAttempt,
    WebhookEndpoint,
    WebhookEvent,
)

__all__ = [
    "Account",
    "Answer",
    "AnswerRevision",
    "ApiKey",
    "Assessment",
    "AssessmentItem",
    "AssessmentPool",
    "Attempt",
    "AttemptItem",
    "AttemptStatus",
    "Candidate",
    "DeliveryStatus",
    "GradingWorker",
    "GreenhouseOrder",
    "IdempotencyRecord",
    "IntegrationError",
    "IntegrityEvent",
    "Invitation",
    "MemberInvitation",
    "Membership",
    "Organization",
    "OutboxEmail",
    "PasswordToken",
    "QuestionFlag",
    "QuestionValidation",
    "QuestionVersion",
    "Role",
    "Score",
    "SignInFailure",
    "Submission",
    "SubmissionPurpose",
    "SubmissionStatus",
    "ValidationStatus",
    "WebSession",
    "WebhookDelivery",
    "WebhookDeliveryAttempt",
    "WebhookEndpoint",
    "WebhookEvent",
]
