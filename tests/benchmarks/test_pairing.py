"""benchmarks/run.py's pairing: each pair runs both sides, the order swapped every other pair,
and the medians and ratio come from the pairs as run. Nothing is timed."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.helpers.benchmarks import load_run

bench = load_run()


@given(st.integers(min_value=1, max_value=30))
def test_pairs_alternate_their_order(rounds: int) -> None:
    order: list[str] = []

    def side(name: str) -> object:
        def run() -> int:
            order.append(name)
            return len(order)

        return run

    xs, ys = bench.alternate(side("a"), side("b"), rounds)
    pairs = [order[i : i + 2] for i in range(0, len(order), 2)]
    assert pairs == [["a", "b"] if n % 2 == 0 else ["b", "a"] for n in range(rounds)]
    # Each side's results are its own runs', in the order of the pairs.
    assert xs == [order.index("a", 2 * n) + 1 for n in range(rounds)]
    assert ys == [order.index("b", 2 * n) + 1 for n in range(rounds)]


def test_paired_takes_the_median_of_the_pairs_ratios() -> None:
    a = iter([2.0, 9.0, 4.0])
    b = iter([1.0, 3.0, 4.0])
    # Pairs: (2, 1), then b before a: (9, 3), then (4, 4): ratios 2, 3, 1.
    assert bench.paired(lambda: next(a), lambda: next(b), 3) == (4.0, 3.0, 2.0)


def test_paired_runs_judge_cpu_and_wall_from_the_same_runs() -> None:
    timing = bench.Timing
    a = iter([timing(wall=2.0, cpu=1.0), timing(wall=6.0, cpu=3.0)])
    b = iter([timing(wall=1.0, cpu=1.0), timing(wall=2.0, cpu=2.0)])
    by_cpu, by_wall = bench.paired_runs(lambda: next(a), lambda: next(b), 2)
    assert by_cpu == (2.0, 1.5, 1.25)
    assert by_wall == (4.0, 1.5, 2.5)
