"""Turn domain objects into API bodies."""

from __future__ import annotations

from app.api import schemas
from app.api.assessment_schemas import PoolRead
from app.assessments.totals import Activity, FormTotals
from app.attempts.integrity import IntegritySummary
from app.attempts.results import ResultRow
from app.attempts.service import CandidateView
from app.db import utcnow
from app.grading.practice import PracticeTask
from app.models import Assessment, Attempt, QuestionVersion, Score, Submission, SubmissionPurpose
from app.reports.cohort import Standing
from app.scoring import pass_mark
from app.skills import Skill


def _summary(q: QuestionVersion) -> dict[str, object]:
    return {
        "id": q.question_id,
        "version": q.version,
        "kind": q.kind,
        "skills": q.skills,
        "difficulty": q.difficulty,
        "points": q.points,
    }


def question(q: QuestionVersion) -> schemas.QuestionRead:
    return schemas.QuestionRead.model_validate(
        _summary(q)
        | {
            "source": q.source,
            "prompt": str(q.content.get("prompt") or q.content.get("title") or ""),
            "is_parameterized": bool(q.content.get("params")),
        }
    )


def assessment(a: Assessment, totals: FormTotals, activity: Activity) -> schemas.AssessmentRead:
    questions = [schemas.AssessmentQuestion.model_validate(_summary(i.question)) for i in a.items]
    pools = [
        PoolRead(kind=p.kind, skill=p.skill, difficulty=p.difficulty, count=p.count)
        for p in a.pools
    ]
    return schemas.AssessmentRead(
        id=a.id,
        title=a.title,
        time_limit_minutes=a.time_limit_minutes,
        template=a.template,
        candidates_see_results=a.candidates_see_results,
        created_at=a.created_at,
        max_score=totals.max_points,
        min_score=totals.min_points,
        invitation_count=activity.invited,
        completion_count=activity.completed,
        questions=questions,
        pools=pools,
        question_count=totals.question_count,
        pass_mark_percent=a.pass_mark_percent,
        shuffle_questions=a.shuffle_questions,
        shuffle_choices=a.shuffle_choices,
        form_seed=a.form_seed,
        archived_at=a.archived_at,
    )


def attempt(
    a: Attempt, integrity: IntegritySummary | None = None, standing: Standing | None = None
) -> schemas.AttemptRead:
    score = a.score
    return schemas.AttemptRead(
        attempt_id=a.id,
        assessment_id=a.assessment_id,
        candidate=schemas.CandidateRead(email=a.candidate.email, name=a.candidate_name),
        status=a.status,
        score=score.score if score else None,
        max_score=score.max_score if score else None,
        per_skill={k: schemas.SkillScore(**v) for k, v in score.per_skill.items()}
        if score
        else None,
        per_question=[schemas.QuestionResult(**r) for r in score.per_question] if score else None,
        percent=pass_mark.percent(score.score, score.max_score) if score else None,
        passed=pass_mark.passed(a),
        started_at=a.started_at,
        deadline=a.deadline,
        submitted_at=a.submitted_at,
        integrity=integrity_read(integrity) if integrity is not None else None,
        standing=standing_read(standing) if standing is not None else None,
    )


def result(row: ResultRow) -> schemas.ResultRead:
    return schemas.ResultRead(
        **attempt(row.attempt).model_dump(exclude={"integrity", "standing"}),
        time_used_seconds=row.seconds_used,
        integrity_flags=row.flags,
    )


def standing_read(standing: Standing) -> schemas.StandingRead:
    return schemas.StandingRead(
        cohort_size=standing.cohort_size,
        percentile=standing.percentile,
        per_skill={
            s.skill: schemas.SkillStandingRead(
                score=s.score,
                max_score=s.max_score,
                fraction=s.fraction,
                cohort_mean=s.cohort_mean,
                cohort_low=s.cohort_low,
                cohort_high=s.cohort_high,
            )
            for s in standing.skills
        },
    )


def integrity_read(summary: IntegritySummary) -> schemas.IntegrityRead:
    return schemas.IntegrityRead(
        counts=summary.counts,
        dropped=summary.dropped,
        events=[
            schemas.IntegrityEventRead(
                type=e.type,
                at=e.at,
                question_id=e.question_id,
                length=e.length,
                duration_ms=e.duration_ms,
            )
            for e in summary.events
        ],
    )


def take(view: CandidateView) -> schemas.TakeRead:
    a = view.attempt
    return schemas.TakeRead(
        attempt_id=a.id,
        status=a.status,
        server_time=utcnow(),
        assessment=take_assessment(a),
        started_at=a.started_at,
        deadline=a.deadline,
        submitted_at=a.submitted_at,
        questions=view.questions,
        answers={k: schemas.SavedResponse(**v) for k, v in view.answers.items()},
        flagged=view.flagged,
        extra_minutes=a.invitation.extra_minutes,
        result=take_result(view.result) if view.result is not None else None,
    )


def take_assessment(attempt: Attempt) -> schemas.TakeAssessment:
    a = attempt.assessment
    questions = [i.question for i in attempt.items]
    covered = {skill for q in questions for skill in q.skills}
    coding = sum(q.kind == "coding" for q in questions)
    return schemas.TakeAssessment(
        title=a.title,
        time_limit_minutes=a.time_limit_minutes,
        question_count=len(questions),
        skills=[s.value for s in Skill if s.value in covered],
        concept_count=len(questions) - coding,
        coding_count=coding,
        candidates_see_results=a.candidates_see_results,
    )


def take_result(score: Score) -> schemas.TakeResult:
    return schemas.TakeResult(
        score=score.score,
        max_score=score.max_score,
        per_skill={k: schemas.SkillScore(**v) for k, v in score.per_skill.items()},
    )


def run(s: Submission) -> schemas.RunRead:
    return schemas.RunRead(
        run_id=s.id,
        question_id=s.question_id,
        practice=s.purpose == SubmissionPurpose.PRACTICE,
        language=s.language,
        status=s.status,
        verdict=s.verdict,
        score=s.score,
        max_score=s.max_score,
        report=s.candidate_report,
        created_at=s.created_at,
        graded_at=s.graded_at,
    )


def practice(p: PracticeTask) -> schemas.PracticeRead:
    return schemas.PracticeRead(
        id=p.id, title=p.title, statement=p.statement, starter=p.starter, functions=p.functions
    )
