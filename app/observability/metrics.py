"""The Prometheus metrics (issue 13). Labels are route templates, task ids, verdicts and
purposes: never a path as requested (it carries invitation tokens), never a user's value."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
GRADING_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 40, 80, 160)

REQUESTS = Counter(
    "chainrule_http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
REQUEST_SECONDS = Histogram(
    "chainrule_http_request_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
AUTOSAVES = Counter(
    "chainrule_autosaves_total", "Candidate answer saves, by HTTP status", ["status"]
)
QUEUE_WAIT_SECONDS = Histogram(
    "chainrule_grading_queue_wait_seconds",
    "From a submission's commit to a worker claiming it",
    ["purpose"],
    buckets=GRADING_BUCKETS,
)
GRADING_SECONDS = Histogram(
    "chainrule_grading_seconds",
    "Time to grade a claimed submission in the sandbox",
    ["task", "verdict"],
    buckets=GRADING_BUCKETS,
)
SANDBOX_FAILURES = Counter(
    "chainrule_sandbox_failures_total",
    "Gradings that produced no verdict (the sandbox or the judge failed)",
    ["kind"],
)
BROKER_SEND_FAILURES = Counter(
    "chainrule_broker_send_failures_total",
    "Grading jobs the broker refused (they wait in the database for the watchdog)",
)
LEASES_RELEASED = Counter(
    "chainrule_grading_leases_released_total", "Leases of dead workers released by a watchdog"
)
RESENT = Counter(
    "chainrule_grading_resent_total", "Submissions the watchdog sent to the broker again"
)
