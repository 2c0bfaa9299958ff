"""Choice order per attempt: a permutation fixed by the attempt's seed, spread over positions."""

from collections import Counter

from app.bank.choices import choice_order

IDS = ["a", "b", "c", "d", "e"]


def test_order_is_a_permutation_fixed_by_seed_and_item() -> None:
    first = choice_order(1234, "max-pool-tie", IDS)
    assert sorted(first) == IDS
    assert choice_order(1234, "max-pool-tie", IDS) == first
    assert choice_order(1234, "max-pool-tie", list(reversed(IDS))) == first


def test_order_varies_between_attempts_and_items() -> None:
    orders = {tuple(choice_order(seed, "max-pool-tie", IDS)) for seed in range(50)}
    assert len(orders) > 30
    assert choice_order(7, "max-pool-tie", IDS) != choice_order(7, "softmax-jacobian", IDS) or (
        choice_order(8, "max-pool-tie", IDS) != choice_order(8, "softmax-jacobian", IDS)
    )


def test_the_written_first_choice_lands_in_every_position_about_equally() -> None:
    positions = Counter(choice_order(seed, "item", IDS).index("a") for seed in range(5000))
    assert set(positions) == set(range(5))
    assert all(850 <= n <= 1150 for n in positions.values()), positions
