"""`chainrule bank report`: what the concept bank holds and how much two forms of a role share."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from app.bank.schemas import ConceptItem, QuestionKind
from app.bank.templates import RoleTemplate, load_templates
from app.bank.validation import ConceptReport, validate_concepts
from app.skills import Skill

DIFFICULTIES = (1, 2, 3)
CONCEPT_KINDS = (
    QuestionKind.SINGLE_CHOICE,
    QuestionKind.MULTI_CHOICE,
    QuestionKind.TRUE_FALSE,
    QuestionKind.NUMERIC,
)


@dataclass(frozen=True)
class TemplateOverlap:
    """Expected share of concept items two independent forms of one template have in common."""

    template_id: str
    concept_items: int
    expected_shared: float
    # The cell that contributes most: (skill, difficulty, items drawn, pool size).
    tightest: tuple[str, int, int, int]

    @property
    def overlap(self) -> float:
        return self.expected_shared / self.concept_items if self.concept_items else 0.0


@dataclass(frozen=True)
class BankReport:
    concepts: ConceptReport
    cells: Counter[tuple[str, int, str]]  # (first skill, difficulty, kind) -> items
    overlaps: list[TemplateOverlap]


def expected_overlap(template: RoleTemplate, items: list[ConceptItem]) -> TemplateOverlap:
    """Compute the expected overlap exactly from the pool sizes.

    A cell draws k of its n items without replacement; two independent forms share each item with
    probability (k/n)², so k²/n items in expectation. Summed over cells, over all k drawn.
    """
    pools: Counter[tuple[str, int]] = Counter(
        (item.skills[0].value, int(item.difficulty)) for item in items
    )
    shared = 0.0
    drawn = 0
    tightest = ("", 0, 0, 0)
    worst = -1.0
    for skill, row in template.concepts.items():
        for difficulty, k in row.items():
            n = pools[(skill.value, difficulty)]
            if k == 0 or n == 0:
                continue
            shared += k * k / n
            drawn += k
            if k * k / n > worst:
                worst, tightest = k * k / n, (skill.value, difficulty, k, n)
    return TemplateOverlap(template.id, drawn, shared, tightest)


def build_report(bank_dir: Path) -> BankReport:
    """Validate the concepts (for the statistics) and measure every role template against them."""
    concepts = validate_concepts(bank_dir / "concepts")
    items = [c.item for c in concepts.concepts]
    cells: Counter[tuple[str, int, str]] = Counter(
        (i.skills[0].value, int(i.difficulty), i.kind.value) for i in items
    )
    templates = load_templates(bank_dir / "templates")
    overlaps = [expected_overlap(t, items) for _, t in sorted(templates.items())]
    return BankReport(concepts, cells, overlaps)


def render_report(report: BankReport) -> str:
    """Render the report as Markdown tables (the README shows the first two)."""
    return "\n".join(
        [
            *_cells_table(report.cells),
            "",
            *_overlap_table(report.overlaps),
            "",
            *_statistics(report.concepts),
        ]
    )


def _cells_table(cells: Counter[tuple[str, int, str]]) -> list[str]:
    short = {"single_choice": "sc", "multi_choice": "mc", "true_false": "tf", "numeric": "num"}
    legend = ", ".join(f"{v} {k}" for k, v in short.items())
    lines = [
        f"Concept items per skill and difficulty (by kind: {legend})",
        "",
        "| skill | d1 | d2 | d3 | total |",
        "|---|---|---|---|---|",
    ]
    for skill in Skill:
        row = []
        for d in DIFFICULTIES:
            by_kind = [cells[(skill.value, d, k.value)] for k in CONCEPT_KINDS]
            parts = "/".join(str(n) for n in by_kind)
            row.append(f"{sum(by_kind)} ({parts})")
        total = sum(n for (s, _, _), n in cells.items() if s == skill.value)
        lines.append(f"| {skill.value} | {' | '.join(row)} | {total} |")
    total_row = [sum(n for (_, d2, _), n in cells.items() if d2 == d) for d in DIFFICULTIES]
    lines.append(f"| all | {' | '.join(map(str, total_row))} | {sum(cells.values())} |")
    return lines


def _overlap_table(overlaps: list[TemplateOverlap]) -> list[str]:
    lines = [
        "Expected overlap of two forms of a role template (concept items; exact: Σ k²/n / Σ k)",
        "",
        "| template | concept items | expected shared | overlap | largest cell (k of n) |",
        "|---|---|---|---|---|",
    ]
    for o in overlaps:
        skill, difficulty, k, n = o.tightest
        lines.append(
            f"| {o.template_id} | {o.concept_items} | {o.expected_shared:.2f} | "
            f"{o.overlap:.1%} | {skill} d{difficulty} ({k} of {n}) |"
        )
    return lines


def _statistics(concepts: ConceptReport) -> list[str]:
    b = concepts.balance
    lines = [
        "Choice items",
        "",
        f"- single choice: {b.single_choice}; the key is the longest option in {b.key_longest}, "
        f"mean key/distractor length {b.mean_length_ratio:.2f}",
        "- written key position: "
        + ", ".join(f"{'abcdefgh'[p]} {n}" for p, n in b.key_positions.items())
        + " (the candidate sees a per-attempt order)",
        "- multi choice, right options: "
        + ", ".join(f"{r} right in {n}" for r, n in b.right_counts.items()),
        "",
    ]
    numeric = concepts.numeric
    if numeric:
        forms = numeric[0].forms
        lines += [
            f"Parameterized numeric items ({len(numeric)}, {forms} forms each)",
            "",
            "| item | distinct answers | top answer share | worst mistake accepted |",
            "|---|---|---|---|",
        ]
        for q in sorted(numeric, key=lambda q: q.item_id):
            name, share = max(q.mistake_accepted.items(), key=lambda kv: kv[1], default=("-", 0.0))
            lines.append(
                f"| {q.item_id} | {q.distinct_answers} | {q.top_share:.1%} | {share:.1%} ({name}) |"
            )
    if concepts.problems:
        lines += ["", f"{len(concepts.problems)} problem(s):"]
        lines += [f"- {p}" for p in concepts.problems]
    return lines
