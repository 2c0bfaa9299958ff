"""ORM models, one module per aggregate."""

from app.models.assessment import Assessment, AssessmentItem
from app.models.attempt import (
    Answer,
    AnswerRevision,
    Attempt,
    AttemptStatus,
    QuestionFlag,
    Score,
)
from app.models.candidate import Candidate, Invitation
from app.models.integrity import IntegrityEvent
from app.models.organization import ApiKey, Organization, Recruiter
from app.models.question import QuestionVersion
from app.models.submission import Submission, SubmissionPurpose, SubmissionStatus

__all__ = [
    "Answer",
    "AnswerRevision",
    "ApiKey",
    "Assessment",
    "AssessmentItem",
    "Attempt",
    "AttemptStatus",
    "Candidate",
    "IntegrityEvent",
    "Invitation",
    "Organization",
    "QuestionFlag",
    "QuestionVersion",
    "Recruiter",
    "Score",
    "Submission",
    "SubmissionPurpose",
    "SubmissionStatus",
]
