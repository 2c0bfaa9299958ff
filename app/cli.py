"""The `chainrule` command."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from app.bank.loader import BankError, load_concepts
from app.bank.report import build_report, render_report
from app.bank.sync import concept_payloads, sync_bank
from app.bank.validation import ConceptReport, validate_concepts, validate_templates
from app.db import make_engine, make_sessionmaker
from app.errors import DomainError
from app.grading.judge import build_runner
from app.grading.local import SourceFileError, TaskError, grade_file
from app.grading.mutants import mutant_source, write_mutant
from app.grading.tasks import coding_payloads
from app.grading.validation import CodingReport, validate_coding
from app.observability.logs import configure_logging
from app.organizations import service as organizations
from app.settings import REPO_ROOT, Settings, get_settings
from app.skills import Skill

if TYPE_CHECKING:
    from alembic.config import Config


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    settings = get_settings()
    handler = args.handler
    result: int = handler(settings, args)
    return result


def alembic_config(settings: Settings) -> Config:
    from alembic.config import Config  # imported when used: `chainrule worker` starts faster

    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", settings.database_url)
    # Migrations that seal or open stored secrets need the key the service uses.
    config.attributes["secret_key"] = settings.secret_key.get_secret_value()
    return config


def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    from alembic import command

    command.upgrade(alembic_config(settings), args.revision)
    print(f"database at revision {args.revision}")
    return 0


def _reseal(settings: Settings, _args: argparse.Namespace) -> int:
    from app.resealing import reseal_all
    from app.sealing import Sealer, UnsealError

    if settings.previous_secret_key is None:
        print("set PREVIOUS_SECRET_KEY to the key the secrets were sealed with", file=sys.stderr)
        return 2
    old = Sealer(settings.previous_secret_key.get_secret_value())
    new = Sealer(settings.secret_key.get_secret_value())
    engine = make_engine(settings)
    try:
        with make_sessionmaker(engine)() as session:
            changed = reseal_all(session, old=old, new=new)
    except UnsealError as exc:
        print(f"nothing changed: a stored secret opens with neither key ({exc})", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"re-sealed {changed} stored secrets under the new SECRET_KEY")
    return 0


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from app.main import create_app

    if not args.no_setup:
        from alembic import command

        command.upgrade(alembic_config(settings), "head")
        if _bank_sync(settings, args) != 0:
            return 1
    configure_logging(settings.log_format, settings.log_level)
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        # The logging set up above, not uvicorn's; no access log (paths carry tokens: the
        # request middleware logs route templates instead).
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        # Longer than the idle timeout of clients and load balancers in front (60 s is common):
        # with uvicorn's 5 s, a client reusing a connection the server is just closing gets a
        # reset, and a POST is not retried (bench/load.py lost submits that way).
        timeout_keep_alive=75,
    )
    return 0


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    from app.grading.worker_process import run_worker

    configure_logging(settings.log_format, settings.log_level)
    return run_worker(settings, threads=args.threads)


def _worker_health(settings: Settings, _args: argparse.Namespace) -> int:
    from app.grading.worker_process import worker_health

    return worker_health(settings)


def _create_org(settings: Settings, args: argparse.Namespace) -> int:
    engine = make_engine(settings)
    with make_sessionmaker(engine)() as session:
        try:
            new = organizations.create_organization(
                session, name=args.name, admin_email=args.admin_email
            )
        except DomainError as exc:
            print(f"chainrule create-org: {exc.detail}", file=sys.stderr)
            return 2
        org_id = str(new.organization.id)
    engine.dispose()
    set_password_url = f"{settings.base_url}/password/{new.set_password_token}"
    if args.json:
        print(
            json.dumps(
                {"org_id": org_id, "api_key": new.api_key, "set_password_url": set_password_url}
            )
        )
    else:
        print(f"organization {args.name!r} created: {org_id}")
        print(f"API key (shown once, store it now): {new.api_key}")
        print(f"owner {args.admin_email}: set the password once, within 7 days, at:")
        print(f"  {set_password_url}")
    return 0


def _bank_sync(settings: Settings, _args: argparse.Namespace) -> int:
    try:
        payloads = concept_payloads(load_concepts(settings.bank_dir / "concepts"))
        payloads += coding_payloads(settings.bank_dir / "coding")
    except (BankError, TaskError) as exc:
        print(exc, file=sys.stderr)
        return 1
    engine = make_engine(settings)
    with make_sessionmaker(engine)() as session:
        report = sync_bank(session, payloads)
    engine.dispose()
    print(
        f"bank synced: {len(report.created)} new, {len(report.new_versions)} new versions, "
        f"{report.unchanged} unchanged, {len(report.retired)} retired"
    )
    return 0


def _bank_validate(settings: Settings, args: argparse.Namespace) -> int:
    coding_dir = settings.bank_dir / "coding"
    folders = sorted(p.parent.name for p in coding_dir.glob("*/task.yaml"))
    only = set(args.task) if args.task else None
    unknown = sorted((only or set()) - set(folders))
    if unknown:
        print(f"chainrule bank validate: no task {', '.join(unknown)}", file=sys.stderr)
        return 2
    print("checking the concept items...", file=sys.stderr)
    concepts = validate_concepts(settings.bank_dir / "concepts")
    _print_concept_counts(concepts)
    practice_dir = settings.bank_dir / "practice"
    selected = (len(only) if only else len(folders)) + len(list(practice_dir.glob("*/task.yaml")))
    print(
        f"checking {selected} coding task(s), practice included: references against autodiff, "
        "then references, starters and mutants graded in the sandbox...",
        file=sys.stderr,
    )
    runner = build_runner(settings)
    bar = ProgressBar(selected)
    try:
        coding = validate_coding(coding_dir, runner, progress=bar.step, only=only)
        # The practice task is held to the same bar: its reference full marks, the rest less.
        practice = validate_coding(practice_dir, runner, progress=bar.step)
    finally:
        bar.done()
        runner.close()
    print(
        f"coding tasks: {len(coding.tasks)}, mutants: {coding.mutants}, "
        f"gradings run: {coding.graded}"
    )
    in_r = sorted(t.id for t in coding.tasks.values() if "r" in t.languages)
    print(f"coding tasks also in R: {len(in_r)} ({', '.join(in_r) or 'none'})")
    _print_autodiff(coding)
    print(
        f"practice tasks: {', '.join(practice.tasks) or 'none'}, mutants: {practice.mutants}, "
        f"gradings run: {practice.graded}"
    )
    _print_autodiff(practice)
    problems = concepts.problems + coding.problems
    problems += [f"practice: {p}" for p in practice.problems]
    if settings.practice_task not in practice.tasks:
        problems.append(f"practice: the configured task {settings.practice_task!r} is missing")
    problems += validate_templates(
        settings.bank_dir / "templates", concepts.concepts, coding.tasks.values()
    )
    if problems:
        print(f"\n{len(problems)} problem(s):", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print("the bank is valid")
    return 0


def _bank_report(settings: Settings, _args: argparse.Namespace) -> int:
    try:
        report = build_report(settings.bank_dir)
    except BankError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(render_report(report))
    return 1 if report.concepts.problems else 0


def _print_autodiff(coding: CodingReport) -> None:
    worst = max(coding.autodiff.values(), default=0.0)
    line = f"references vs autodiff: worst {worst:.1g} over {len(coding.autodiff)} tasks"
    if coding.without_autodiff:
        line += f" (no autodiff.py: {', '.join(coding.without_autodiff)})"
    print(line)


def _print_concept_counts(report: ConceptReport) -> None:
    c = report.counts
    print(f"concept items: {c.total} ({c.parameterized} parameterized)")
    print(f"  {'skill':18} {'d1':>4} {'d2':>4} {'d3':>4} {'total':>6}")
    for skill in Skill:
        row = [c.by_skill_difficulty[(skill.value, d)] for d in (1, 2, 3)]
        print(f"  {skill.value:18} {row[0]:4} {row[1]:4} {row[2]:4} {c.by_skill[skill.value]:6}")
    print("  kinds: " + ", ".join(f"{k} {n}" for k, n in sorted(c.by_kind.items())))
    b = report.balance
    positions = ", ".join(f"{'abcdefgh'[p]} {n}" for p, n in b.key_positions.items())
    print(
        f"  single-choice keys: longest option in {b.key_longest} of {b.single_choice}, "
        f"key/distractor length {b.mean_length_ratio:.2f}, written position {positions} "
        "(shown shuffled per attempt)"
    )
    rights = ", ".join(f"{n} right: {k}" for n, k in b.right_counts.items())
    print(f"  multi-choice: {rights}")
    if report.numeric:
        forms = report.numeric[0].forms
        print(
            f"  parameterized: {len(report.numeric)} items x {forms} forms, fewest distinct "
            f"answers {min(q.distinct_answers for q in report.numeric)}, largest answer share "
            f"{max(q.top_share for q in report.numeric):.1%}, worst mistake accepted "
            f"{max(max(q.mistake_accepted.values(), default=0) for q in report.numeric):.1%}"
        )


class ProgressBar:
    """A one-line progress bar on stderr (plain lines when stderr is not a terminal)."""

    def __init__(self, total: int) -> None:
        self.total = max(total, 1)
        self.count = 0
        self.tty = sys.stderr.isatty()

    def step(self, label: str) -> None:
        self.count += 1
        filled = 30 * self.count // self.total
        line = f"[{'#' * filled}{'.' * (30 - filled)}] {self.count}/{self.total} {label}"
        print(f"\r{line:<70}" if self.tty else line, end="" if self.tty else "\n", file=sys.stderr)

    def done(self) -> None:
        if self.tty:
            print(file=sys.stderr)


def _grade(settings: Settings, args: argparse.Namespace) -> int:
    try:
        report = grade_file(
            settings, task_id=args.task_id, path=Path(args.file), hidden=args.hidden
        )
    except (TaskError, SourceFileError) as exc:
        print(f"chainrule grade: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        print(report.as_text())
    return 0


def _bank_mutant(settings: Settings, args: argparse.Namespace) -> int:
    task_dir = settings.bank_dir / "coding" / args.task_id
    try:
        if not (task_dir / "task.yaml").is_file():
            raise TaskError(f"no task {args.task_id!r} in {task_dir.parent}")
        if args.file is None:
            print(mutant_source(task_dir, args.name), end="")
            return 0
        path = write_mutant(task_dir, args.name, Path(args.file).read_text(encoding="utf-8"))
    except (TaskError, OSError) as exc:
        print(f"chainrule bank mutant: {exc}", file=sys.stderr)
        return 2
    changed = sum(
        1
        for line in path.read_text(encoding="utf-8").splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    )
    print(f"wrote {path} ({changed} changed lines)")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chainrule", description=__doc__)
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="migrate, sync the bank and serve HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--no-setup", action="store_true", help="skip migrations and bank sync")
    serve.set_defaults(handler=_serve)

    worker = sub.add_parser("worker", help="grade submissions from the broker (BROKER_URL)")
    worker.add_argument("--threads", type=int, default=None, help="default: JUDGE_SLOTS")
    worker.set_defaults(handler=_worker)
    sub.add_parser(
        "worker-health", help="exit 0 when a grading worker of this host beats (health checks)"
    ).set_defaults(handler=_worker_health)

    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("revision", nargs="?", default="head")
    migrate.set_defaults(handler=_migrate)

    sub.add_parser(
        "reseal", help="after changing SECRET_KEY: seal stored secrets again (PREVIOUS_SECRET_KEY)"
    ).set_defaults(handler=_reseal)

    org = sub.add_parser(
        "create-org",
        help="create an organization and its owner; print the API key and set-password link once",
    )
    org.add_argument("name")
    org.add_argument("--admin-email", required=True)
    org.add_argument("--json", action="store_true")
    org.set_defaults(handler=_create_org)

    bank = sub.add_parser("bank", help="question bank tools")
    bank_sub = bank.add_subparsers(required=True, metavar="ACTION")
    bank_sub.add_parser("sync", help="upsert the bank into the database").set_defaults(
        handler=_bank_sync
    )
    validate = bank_sub.add_parser(
        "validate", help="check the bank: schema, counts, references and mutants in the sandbox"
    )
    validate.add_argument(
        "--task",
        action="append",
        metavar="TASK_ID",
        help="grade only this coding task (repeatable); everything else is still loaded",
    )
    validate.set_defaults(handler=_bank_validate)
    bank_sub.add_parser(
        "report", help="items per skill, difficulty and kind; overlap of two forms per template"
    ).set_defaults(handler=_bank_report)
    mutant = bank_sub.add_parser(
        "mutant",
        help="store FILE as a mutant diff against the task's reference (no FILE: print the mutant)",
    )
    mutant.add_argument("task_id")
    mutant.add_argument("name", help="the bug, in snake_case (e.g. missing_transpose)")
    mutant.add_argument("file", nargs="?", help="the mutant's full source")
    mutant.set_defaults(handler=_bank_mutant)
    grade = sub.add_parser("grade", help="grade a solution file locally through the real sandbox")
    grade.add_argument("task_id")
    grade.add_argument("file")
    grade.add_argument("--json", action="store_true", help="print the report as JSON")
    grade.add_argument("--hidden", action="store_true", help="run the hidden cases too")
    grade.set_defaults(handler=_grade)
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
