"""Invite a list of candidates from a CSV file: good rows are invited, bad rows explained."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.assessments import service as assessments
from app.candidates.errors import CsvTooLargeError, CsvUnreadableError
from app.candidates.links import InvitationLinks
from app.candidates.service import CandidateDetails, NewInvitation, add_invitation
from app.errors import AssessmentArchivedError, DomainError

MAX_CSV_BYTES = 256 * 1024
MAX_CSV_ROWS = 1000
COLUMNS = ("email", "name")
OPTIONAL_COLUMNS = ("extra_minutes",)
LIMITS_TEXT = (
    f"a header row naming the columns email and name (extra_minutes is optional), "
    f"then one candidate per row; at most {MAX_CSV_ROWS:,} rows and {MAX_CSV_BYTES // 1024} KB"
)


@dataclass(frozen=True)
class RowOutcome:
    row: int  # the line of the file, the header being line 1
    email: str
    name: str
    invited: NewInvitation | None = None
    problem: str | None = None


@dataclass(frozen=True)
class CsvReport:
    rows: list[RowOutcome]

    @property
    def invited(self) -> list[RowOutcome]:
        return [r for r in self.rows if r.invited is not None]

    @property
    def refused(self) -> list[RowOutcome]:
        return [r for r in self.rows if r.problem is not None]


def invite_csv(
    session: Session,
    *,
    organization_id: uuid.UUID,
    assessment_id: uuid.UUID,
    data: bytes,
    valid_days: int,
    links: InvitationLinks,
) -> CsvReport:
    """Invite every good row of `data` in one transaction; report each row's outcome."""
    assessment = assessments.get_assessment(
        session, organization_id=organization_id, assessment_id=assessment_id
    )
    if assessment.archived_at is not None:
        raise AssessmentArchivedError("An archived assessment takes no new invitations.")
    outcomes: list[RowOutcome] = []
    seen: dict[str, int] = {}
    for parsed in parse_csv(data):
        row, cells = parsed.line, parsed.cells
        email = cells.get("email", "").strip()
        name = cells.get("name", "").strip()
        problem = _row_problem(parsed, seen)
        if problem is not None:
            outcomes.append(RowOutcome(row, email, name, problem=problem))
            continue
        seen[email.lower()] = row
        nested = session.begin_nested()  # a refused row leaves nothing behind
        try:
            new = add_invitation(
                session,
                assessment=assessment,
                details=CandidateDetails(email, name, int(cells.get("extra_minutes") or 0)),
                valid_days=valid_days,
                links=links,
                send_email=True,
                refuse_open_duplicate=True,
            )
        except DomainError as error:
            nested.rollback()
            outcomes.append(RowOutcome(row, email, name, problem=error.detail))
            continue
        nested.commit()
        outcomes.append(RowOutcome(row, email.lower(), name, new))
    session.commit()
    return CsvReport(outcomes)


@dataclass(frozen=True)
class ParsedRow:
    line: int
    cells: dict[str, str]  # column -> cell, for the columns we read
    width: int  # how many cells the line has, not counting empty ones at its end
    expected_width: int  # how many columns the header names


def parse_csv(data: bytes) -> list[ParsedRow]:
    """The data rows of a candidates CSV; raise for a file that is not such a CSV at all."""
    if len(data) > MAX_CSV_BYTES:
        raise CsvTooLargeError(f"The file is over {MAX_CSV_BYTES // 1024} KB; split it.")
    try:
        text = data.decode("utf-8-sig")  # Excel writes a byte-order mark
    except UnicodeDecodeError as exc:
        raise CsvUnreadableError("The file is not UTF-8 text; save it as CSV (UTF-8).") from exc
    if "\x00" in text:
        raise CsvUnreadableError("The file is not text; upload a CSV file.")
    try:
        lines = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise CsvUnreadableError(f"The file is not valid CSV: {exc}.") from exc
    numbered = [
        (i, cells) for i, cells in enumerate(lines, start=1) if any(c.strip() for c in cells)
    ]
    if not numbered:
        raise CsvUnreadableError("The file is empty.")
    header_line, header = numbered[0]
    columns = [c.strip().lower() for c in header]
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        raise CsvUnreadableError(
            f"Line {header_line} must name the columns email and name "
            f"(missing: {', '.join(missing)})."
        )
    rows = numbered[1:]
    if len(rows) > MAX_CSV_ROWS:
        raise CsvTooLargeError(
            f"The file has {len(rows):,} candidates; at most {MAX_CSV_ROWS:,} per upload."
        )
    if not rows:
        raise CsvUnreadableError("The file names its columns but lists no candidate.")
    known = set(COLUMNS) | set(OPTIONAL_COLUMNS)
    return [
        ParsedRow(
            line,
            {c: v for c, v in zip(columns, cells, strict=False) if c in known},
            max((i + 1 for i, c in enumerate(cells) if c.strip()), default=0),
            len(columns),
        )
        for line, cells in rows
    ]


def _row_problem(parsed: ParsedRow, seen: dict[str, int]) -> str | None:
    cells = parsed.cells
    if parsed.width > parsed.expected_width:
        return (
            f"The row has {parsed.width} cells; the header names {parsed.expected_width} columns."
        )
    extra = (cells.get("extra_minutes") or "").strip()
    if extra and not (extra.isdigit() and len(extra) < 5):
        return f"extra_minutes must be a whole number of minutes, not {extra!r}."
    earlier = seen.get(cells.get("email", "").strip().lower())
    if earlier is not None:
        return f"The same e-mail is on line {earlier}; each candidate is invited once."
    return None
