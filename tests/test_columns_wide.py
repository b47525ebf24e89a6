"""The engine's limb path (``columns.wide``) against Python ints and ``core.fixed``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from softstaking import Dust, Program, RewardCalculator
from softstaking.columns import vector, wide
from softstaking.columns.limbs import largest, limbs_of
from softstaking.core.fixed import flat_gross_units
from softstaking.core.tokens import GUARD_DIGITS
from tests.test_columns_vector import _one_holding
from tests.test_table import assert_same, expected_rows


def _ints(limbs: Any) -> list[int]:
    """The value of each column of limbs, least significant limb first."""
    return [sum(int(limb) * 10 ** (10 * i) for i, limb in enumerate(column)) for column in limbs.T]


class TestLimbs:
    """Limbs hold every non-negative int below ``2**256`` exactly."""

    @given(
        st.lists(
            st.integers(0, 2**256 - 1) | st.integers(0, 2**128 - 1) | st.integers(0, 10**12),
            max_size=20,
        )
    )
    def test_limbs_of_python_ints_are_their_digits(self, values: list[int]) -> None:
        """Each value is the sum of its limbs times powers of 10**10, each below 10**10."""
        limbs = limbs_of(np.array(values, dtype=object))
        assert limbs is not None
        assert _ints(limbs) == values
        assert ((limbs >= 0) & (limbs < 10**10)).all()

    @given(st.lists(st.integers(0, 2**63 - 1), max_size=20))
    def test_limbs_of_int64_are_their_digits(self, values: list[int]) -> None:
        """An int64 array converts the same way, without Python ints."""
        limbs = limbs_of(np.array(values, dtype="int64"))
        assert limbs is not None
        assert _ints(limbs) == values

    @pytest.mark.parametrize("value", [-1, 2**256, 10**80])
    def test_limbs_of_declines_a_negative_or_a_value_past_2_256(self, value: int) -> None:
        """Below zero, or at 2**256 and past: None."""
        assert limbs_of(np.array([0, value], dtype=object)) is None
        assert limbs_of(np.array([-1], dtype="int64")) is None

    @given(st.lists(st.integers(0, 2**256 - 1), min_size=1, max_size=20))
    def test_largest_is_the_max(self, values: list[int]) -> None:
        """``largest`` compares limb by limb from the top: it is ``max``."""
        limbs = limbs_of(np.array(values, dtype=object))
        assert limbs is not None
        assert largest(limbs) == max(values)

    @given(
        st.lists(
            st.tuples(st.integers(0, 2), st.integers(0, 3), st.integers(0, 10**10 - 1)),
            min_size=1,
            max_size=20,
        )
    )
    def test_largest_of_values_sharing_top_limbs(self, parts: list[tuple[int, int, int]]) -> None:
        """Among values whose top limbs tie, the lower limbs decide, given as rows or arrays."""
        values = [(a * 10**10 + b) * 10**10 + c for a, b, c in parts]
        rows = [np.array([p[i] for p in parts], dtype="int64") for i in (2, 1, 0)]
        assert largest(np.stack(rows)) == max(values)
        assert largest(rows) == max(values)


class TestFlatGross:
    """``wide.flat_gross`` is ``flat_gross_units``, one balance at a time."""

    @given(
        st.lists(st.integers(0, 2**128 - 1) | st.integers(0, 10**24), max_size=20),
        st.integers(0, 9 * 10**8 - 1) | st.sampled_from([712, 9227, 5]),
        st.integers(-GUARD_DIGITS, 0),
        st.sampled_from([1, 2, 360, 365, 366, 999]),
    )
    def test_each_gross_is_the_scalar_definition(
        self, balances: list[int], r: int, exponent: int, year: int
    ) -> None:
        """The gross in quanta of an 18-decimal token, where the scalar one answers."""
        units = limbs_of(np.array(balances, dtype=object))
        assert units is not None
        got = wide.flat_gross(units, (r, exponent), year)
        assert got is not None
        want = [
            flat_gross_units((b, -18), (r, exponent), year, -18 - GUARD_DIGITS) for b in balances
        ]
        assert [g for g, w in zip(_ints(got), want, strict=True) if w is not None] == [
            w for w in want if w is not None
        ]

    def test_a_half_quantum_rounds_to_even(self) -> None:
        """1 × 1 / 2 and 3 × 1 / 2 at a shift of zero: 0 and 2."""
        units = limbs_of(np.array([1, 3], dtype=object))
        assert units is not None
        got = wide.flat_gross(units, (1, -GUARD_DIGITS), 2)
        assert got is not None
        assert _ints(got) == [0, 2]

    @pytest.mark.parametrize(
        ("rate", "year"),
        [((9 * 10**8, 0), 365), ((1, 1), 365), ((1, -21), 365), ((1, 0), 0), ((1, 0), 1000)],
        ids=["coefficient too long", "shift 21", "shift -1", "no year", "long year"],
    )
    def test_it_declines_what_its_limbs_cannot_hold(self, rate: tuple[int, int], year: int) -> None:
        """A coefficient past 9 × 10**8, a shift outside [0, 20], a year outside [1, 999]."""
        units = limbs_of(np.array([10**30], dtype=object))
        assert units is not None
        assert wide.flat_gross(units, rate, year) is None


def _spy(monkeypatch: Any) -> dict[str, list[bool]]:
    taken: dict[str, list[bool]] = {"vector": [], "wide": []}
    for name, module in (("vector", vector), ("wide", wide)):
        part = module.part

        def spy(*args: Any, _part: Any = part, _name: str = name, **kwargs: Any) -> Any:
            out = _part(*args, **kwargs)
            taken[_name].append(out is not None)
            return out

        monkeypatch.setattr(module, "part", spy)
    return taken


class TestPath:
    """Which path a token's part takes, and that its records are ``Program.run``'s."""

    def test_balances_past_int64_take_the_limb_path(self, monkeypatch: Any) -> None:
        """10**12 tokens of 18 decimals (10**30 base units): limbs, the same records."""
        taken = _spy(monkeypatch)
        program, holding, ledger, openings = _one_holding(Decimal(10**12), 18)
        start, end = date(2025, 1, 1), date(2025, 1, 5)
        table = program.table(ledger, start, end, openings=openings)
        assert taken == {"vector": [False], "wide": [True]}
        assert_same(table, expected_rows(program, [holding], start, end))

    def test_balances_past_2_128_take_the_limb_path(self, monkeypatch: Any) -> None:
        """10**22 tokens of 18 decimals (10**40 base units): limbs, the same records."""
        taken = _spy(monkeypatch)
        program, holding, ledger, openings = _one_holding(Decimal(10**22), 18)
        start, end = date(2025, 1, 1), date(2025, 1, 5)
        table = program.table(ledger, start, end, openings=openings)
        assert taken == {"vector": [False], "wide": [True]}
        assert_same(table, expected_rows(program, [holding], start, end))

    @pytest.mark.parametrize(
        "rules",
        [{"min_payout": Decimal(1000)}, {"dust": Dust.FORFEIT}, {"min_payout": Decimal(10**40)}],
        ids=["minimum payout", "forfeited dust", "a minimum past every amount"],
    )
    def test_held_back_or_forfeited_days_settle_in_limbs(
        self, monkeypatch: Any, rules: dict[str, Any]
    ) -> None:
        """A minimum payout or forfeited dust: a day at a time in limbs, the same records."""
        taken = _spy(monkeypatch)
        program, holding, ledger, openings = _one_holding(Decimal(10**6), 18)
        (calc,) = program.calculators.values()
        program = Program([RewardCalculator(calc.token, calc.schedule, calc.policy, **rules)])
        start, end = date(2025, 1, 1), date(2025, 1, 9)
        table = program.table(ledger, start, end, openings=openings)
        assert taken == {"vector": [False], "wide": [True]}
        assert_same(table, expected_rows(program, [holding], start, end))
