"""Settings read from the environment (DESIGN.md §9); nothing else reads os.environ."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    database_url: str = f"sqlite:///{REPO_ROOT / 'var' / 'chainrule.db'}"
    broker_url: str | None = None
    secret_key: SecretStr = SecretStr("dev-only-change-me")
    # Only for `chainrule reseal` after a rotation: the SECRET_KEY stored secrets were sealed with.
    previous_secret_key: SecretStr | None = None
    public_base_url: str = "http://127.0.0.1:8000"
    smtp_url: str | None = None
    webhook_allow_private_targets: bool = False
    # Webhook deliveries and ATS callbacks sent at once by each process (one at a time per
    # webhook endpoint).
    outbound_workers: int = 8
    bank_dir: Path = REPO_ROOT / "question_bank"
    # A sync `yield` session dependency deadlocks unless the threadpool is larger than the
    # database pool plus overflow (CONVENTIONS §11), so both are sized here, together, and
    # checked below. These connections serve requests; a process that grades gets
    # grading_connections more (README, scaled mode: what N processes open in all).
    db_pool_size: int = 10
    db_max_overflow: int = 5
    threadpool_size: int = 40
    invitation_valid_days: int = 14
    # Request bodies past this are refused (413) while they stream, before authentication.
    # A 64 KiB answer of code escaped as JSON stays well under it.
    max_body_bytes: int = 1024 * 1024
    # Requests a minute per API key, in each API process (app.api.rate_limits); past it 429.
    api_rate_limit_per_minute: int = 600
    # Recruiters' browser sessions, and the failed sign-ins tolerated per e-mail and per client
    # address within the window before a wait is imposed.
    session_hours: int = 12
    sign_in_limit_per_account: int = 5
    sign_in_limit_per_address: int = 20
    sign_in_window_minutes: int = 15
    mail_from: str = "Chainrule <no-reply@chainrule.invalid>"
    # The judge: warm sandbox slots (pooled), a fresh sandbox per run (isolated), or no
    # isolation at all (unsafe: development only, logged loudly). A machine missing an isolation
    # layer refuses to grade unless judge_allow_weaker is set, which is logged loudly too.
    judge_mode: Literal["pooled", "isolated", "unsafe"] = "pooled"
    judge_slots: int = 2
    judge_allow_weaker: bool = False
    # Each slot's CPU weight against the host's processes, 1024 weighing as one process: a
    # quarter, so that the service's requests (a candidate's autosave) go first when grading
    # competes for the cores, and grading still has every idle core.
    judge_cpu_shares: int = Field(default=256, ge=2, le=262144)
    # Grading threads; unset, one per judge slot. Fewer leaves slots idle (JUDGE_SLOTS=8 still
    # graded two at a time); more only queue inside the runner with their lease running.
    grading_workers: int | None = None
    # Workers (issue 13): a heartbeat every few seconds; one silent for worker_dead_seconds is
    # dead and its leases are released at once; a submission queued longer than
    # grading_resend_seconds is sent to the broker again (a restart may have lost it); a worker
    # told to stop finishes its jobs for up to worker_grace_seconds, then releases them.
    worker_heartbeat_seconds: float = 2.0
    # A worker's niceness: on a host it shares with APIs (one machine running the compose
    # file), grading yields the cores to candidates' requests; alone on its host it changes
    # nothing. Its sandbox slots weigh judge_cpu_shares whatever it is.
    worker_niceness: int = Field(default=10, ge=0, le=19)
    worker_dead_seconds: float = 10.0
    grading_resend_seconds: float = 30.0
    worker_grace_seconds: float = 30.0
    # Observability (issue 13): logs as JSON lines or readable console lines; /metrics answers
    # a scraper sending METRICS_TOKEN as a bearer token, or (unset) clients on loopback only;
    # a worker serves its own metrics on worker_metrics_port when set (one target per process).
    log_format: Literal["json", "console"] = "console"
    log_level: str = "INFO"
    metrics_token: SecretStr | None = None
    worker_metrics_port: int | None = None
    # On SIGTERM an API process stops accepting and finishes in-flight requests for up to this.
    shutdown_grace_seconds: int = 20
    # Public-check runs (practice included) per attempt in a sliding window; more gets 429.
    run_limit: int = 10
    run_limit_window_seconds: int = 300
    # The unscored practice task of the landing page: a folder of bank_dir/practice/.
    practice_task: str = "scale"

    @model_validator(mode="after")
    def _threads_outnumber_request_connections(self) -> Settings:
        if self.threadpool_size <= self.db_pool_size + self.db_max_overflow:
            raise ValueError(
                f"THREADPOOL_SIZE ({self.threadpool_size}) must be larger than DB_POOL_SIZE + "
                f"DB_MAX_OVERFLOW ({self.db_pool_size} + {self.db_max_overflow}): with no "
                "thread left to hand connections back, requests wait forever"
            )
        return self

    @property
    def grading_threads(self) -> int:
        return self.grading_workers or self.judge_slots

    @property
    def grading_connections(self) -> int:
        """One per grading thread, the watchdog's, the task checker's, and one spare: no
        grading thread ever waits for a connection, nor takes one a request needs."""
        return self.grading_threads + 3

    @property
    def secure_cookies(self) -> bool:
        return self.public_base_url.startswith("https://")

    @property
    def base_url(self) -> str:
        return self.public_base_url.rstrip("/")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
