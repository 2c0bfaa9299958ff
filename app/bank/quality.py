"""Rules that catch guessable items: mistakes the tolerance accepts, coin flips, telling keys."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from app.bank.array_expressions import Array
from app.bank.forms import Forms, FormsError, draw_forms
from app.bank.schemas import ConceptItem, MultiChoiceItem, NumericItem, SingleChoiceItem

FORMS_PER_ITEM = 2000
# The limits of issue 11: a declared mistake may pass in at most 1% of forms, no answer may come
# up in more than 20% of forms, and an item needs 50 distinct answers so answers can't be shared.
MAX_MISTAKE_ACCEPTED = 0.01
MAX_ANSWER_SHARE = 0.20
MIN_DISTINCT_ANSWERS = 50
# A mistake that gives exactly the right answer in nearly every form is no mistake of this item.
MAX_MISTAKE_COINCIDES = 0.9
# A key this much longer than every distractor gives itself away.
LONG_KEY_RATIO = 1.3


@dataclass(frozen=True)
class NumericQuality:
    item_id: str
    forms: int
    distinct_answers: int
    top_answer: float
    top_share: float
    # Per mistake: the share of forms where it is wrong yet accepted, and where it is exact.
    mistake_accepted: dict[str, float]
    mistake_coincides: dict[str, float]
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ChoiceQuality:
    item_id: str
    kind: str
    choices: int
    right: int
    key_positions: list[int]
    # Single choice: key length / longest distractor; multi: shortest right / longest wrong.
    key_ratio: float
    key_is_longest: bool
    problems: list[str] = field(default_factory=list)


def numeric_quality(item: NumericItem, size: int = FORMS_PER_ITEM) -> NumericQuality | None:
    """Measure a parameterized item over `size` forms; None for a fixed item."""
    if not item.is_parameterized:
        return None
    try:
        forms = draw_forms(item, size)
    except FormsError as exc:
        return NumericQuality(item.id, size, 0, float("nan"), 0.0, {}, {}, [str(exc)])
    problems: list[str] = []
    finite = np.isfinite(forms.answer)
    if not finite.all():
        problems.append(f"{item.id}: the answer is undefined in {_pct(1 - finite.mean())} of forms")
    keys = _answer_keys(forms.answer[finite])
    counts = Counter(keys.tolist())
    top, top_count = counts.most_common(1)[0] if counts else (float("nan"), 0)
    top_share = top_count / size
    accepted, coincides = _mistake_shares(item, forms)
    if not item.mistakes:
        problems.append(f"{item.id}: declare the common mistakes (`mistakes:`) of this item")
    for name, share in accepted.items():
        if share > MAX_MISTAKE_ACCEPTED:
            problems.append(
                f"{item.id}: the tolerance accepts the mistake {name!r} in {_pct(share)} of forms "
                f"(at most {_pct(MAX_MISTAKE_ACCEPTED)})"
            )
    for name, share in coincides.items():
        if share > MAX_MISTAKE_COINCIDES:
            problems.append(
                f"{item.id}: the mistake {name!r} gives the right answer in {_pct(share)} of "
                "forms, so it tells nothing apart"
            )
    if top_share > MAX_ANSWER_SHARE:
        problems.append(
            f"{item.id}: the answer is {top:g} in {_pct(top_share)} of forms "
            f"(at most {_pct(MAX_ANSWER_SHARE)}): guessing it pays"
        )
    if len(counts) < MIN_DISTINCT_ANSWERS:
        problems.append(
            f"{item.id}: only {len(counts)} distinct answers over {size} forms "
            f"(at least {MIN_DISTINCT_ANSWERS}), so answers can be shared"
        )
    return NumericQuality(
        item.id, size, len(counts), float(top), top_share, accepted, coincides, problems
    )


def choice_quality(item: ConceptItem) -> ChoiceQuality | None:
    """Measure a choice item's key against its distractors; None for other kinds."""
    if not isinstance(item, SingleChoiceItem | MultiChoiceItem):
        return None
    right = {item.answer} if isinstance(item, SingleChoiceItem) else set(item.answer)
    ids = [c.id for c in item.choices]
    right_lengths = [len(c.text) for c in item.choices if c.id in right]
    wrong_lengths = [len(c.text) for c in item.choices if c.id not in right]
    ratio = min(right_lengths) / max(wrong_lengths)
    problems = []
    if ratio >= LONG_KEY_RATIO:
        what = "the key is" if len(right) == 1 else "every right option is"
        problems.append(
            f"{item.id}: {what} {ratio:.2f} times as long as the longest wrong option "
            f"(keep it under {LONG_KEY_RATIO} times): length gives the answer away"
        )
    return ChoiceQuality(
        item.id,
        item.kind.value,
        len(ids),
        len(right),
        sorted(ids.index(r) for r in right),
        ratio,
        max(right_lengths) > max(wrong_lengths),
        problems,
    )


def _mistake_shares(item: NumericItem, forms: Forms) -> tuple[dict[str, float], dict[str, float]]:
    answer = forms.answer
    width = item.tolerance.abs + item.tolerance.rel * np.abs(answer)
    accepted: dict[str, float] = {}
    coincides: dict[str, float] = {}
    for name, values in forms.mistakes.items():
        with np.errstate(all="ignore"):
            gap = np.abs(values - answer)
            same = gap <= 1e-9 * np.maximum(np.abs(answer), 1e-12)
            passes = np.isfinite(values) & (gap <= width * (1 + 1e-9) + 1e-15) & ~same
        accepted[name] = float(passes.mean())
        coincides[name] = float((same & np.isfinite(values)).mean())
    return accepted, coincides


def _answer_keys(answer: Array) -> Array:
    """Round answers to 6 significant digits: what a candidate would type alike is one answer."""
    with np.errstate(divide="ignore"):
        digits = 5 - np.floor(np.log10(np.abs(np.where(answer == 0, 1.0, answer))))
    scale = 10.0**digits
    return np.asarray(np.round(answer * scale) / scale, dtype=np.float64)


def _pct(share: float) -> str:
    return f"{100 * share:.1f} %"


@dataclass(frozen=True)
class ChoiceBalance:
    """How the bank's choice keys sit, as a whole: length and position."""

    single_choice: int
    key_longest: int  # single choice: the key is strictly the longest option
    key_positions: dict[int, int]  # single choice: written position of the key -> items
    mean_length_ratio: float  # single choice: mean of key length / mean distractor length
    right_counts: dict[int, int]  # multi choice: number of right options -> items


def choice_balance(qualities: list[ChoiceQuality], items: list[ConceptItem]) -> ChoiceBalance:
    """Summarise the key position and length balance over every choice item."""
    by_id = {item.id: item for item in items}
    singles = [q for q in qualities if q.kind == "single_choice"]
    ratios = []
    for q in singles:
        item = by_id[q.item_id]
        assert isinstance(item, SingleChoiceItem)
        wrong = [len(c.text) for c in item.choices if c.id != item.answer]
        key = next(len(c.text) for c in item.choices if c.id == item.answer)
        ratios.append(key / (sum(wrong) / len(wrong)))
    return ChoiceBalance(
        single_choice=len(singles),
        key_longest=sum(q.key_is_longest for q in singles),
        key_positions=dict(sorted(Counter(q.key_positions[0] for q in singles).items())),
        mean_length_ratio=float(np.mean(ratios)) if ratios else 0.0,
        right_counts=dict(
            sorted(Counter(q.right for q in qualities if q.kind == "multi_choice").items())
        ),
    )
