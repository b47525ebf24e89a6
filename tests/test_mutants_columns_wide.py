"""The engine's limb path (``softstaking.columns.wide``) on programs mutation testing chose.

Mutation testing (tools/mutation.py) runs this file with the module's tests. Each test
is a small program over amounts past int64 (18-decimal tokens of ten tokens or more), so
that ``wide.part`` works it, and states behaviour only: the table's rows are
``Program.run``'s, record for record, whichever way the part is computed inside. The
programs reach each of its ways: runs of several days and kinds, carries in, a minimum
payout of several limbs, forfeited dust, a minimum holding and a cap, time-weighted and
lowest-balance days, a tiered rate, and a coarser token beside a finer one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from softstaking import (
    AprSchedule,
    BalanceEvent,
    DailySnapshot,
    Dust,
    Holding,
    InvalidInputError,
    MinimumBalance,
    Program,
    RewardCalculator,
    TieredApr,
    TimeWeighted,
    Token,
)
from softstaking.columns import wide
from softstaking.columns.limbs import limbs_of
from softstaking.core.tokens import GUARD_DIGITS
from tests.test_columns_wide import _ints, _spy
from tests.test_table import assert_same, expected_rows, ledger_of

ETH = Token("ETH", 18)
USD = Token("USD", 6)
START = date(2025, 2, 26)  # the rate changes on 2025-03-01, three days in
DAYS = 6
T0 = datetime(2025, 2, 26, tzinfo=UTC)

Spec = tuple[str, Token, Decimal, Decimal, list[tuple[float, Decimal]]]
"""A holding: account, token, opening, carry in, and ``(hours after T0, delta)`` events."""


def _schedule() -> AprSchedule:
    """7.12 %, then 3.65 % from the fourth day: two kinds of day."""
    return AprSchedule({date(2000, 1, 1): Decimal("0.0712"), date(2025, 3, 1): Decimal("0.0365")})


def _calc(token: Token = ETH, policy: Any = None, **rules: Any) -> RewardCalculator:
    return RewardCalculator(
        token, rules.pop("schedule", _schedule()), policy or DailySnapshot(), **rules
    )


def _tokens(n: int | str) -> Decimal:
    """``n`` whole tokens."""
    return Decimal(n)


def _run(
    calcs: list[RewardCalculator], specs: list[Spec], monkeypatch: Any
) -> dict[str, list[bool]]:
    """The program's table against ``Program.run``; which paths answered."""
    program = Program(calcs)
    holdings, rows, openings = [], [], []
    for account, token, opening, carry, events in specs:
        changes = [BalanceEvent(T0 + timedelta(hours=h), d) for h, d in events]
        holdings.append(Holding(account, token.symbol, changes, opening=opening, carry=carry))
        rows += [(account, token.symbol, e.at, e.delta, e.kind) for e in changes]
        openings.append((account, token.symbol, opening, carry))
    opening_table = pa.table(
        {
            "account": pa.array([o[0] for o in openings], pa.string()),
            "token": pa.array([o[1] for o in openings], pa.string()),
            "opening": pa.array([str(o[2]) for o in openings], pa.string()),
            "carry": pa.array([str(o[3]) for o in openings], pa.string()),
        }
    )
    taken = _spy(monkeypatch)
    end = START + timedelta(days=DAYS)
    table = program.table(ledger_of(rows), START, end, openings=opening_table)
    assert_same(table, expected_rows(program, holdings, START, end))
    return taken


def _fine(token: Token, quanta: int) -> Decimal:
    """``quanta`` gross quanta of ``token`` (``10**-(decimals + 20)``)."""
    return Decimal(quanta).scaleb(-(token.decimals + GUARD_DIGITS))


_ACCOUNTS: list[Spec] = [
    ("a", ETH, _tokens(10), Decimal(0), [(30, _tokens(5))]),
    ("b", ETH, _tokens(10**12), Decimal(0), [(50, _tokens(-(10**11))), (80, _tokens(7))]),
    ("c", ETH, Decimal(0), Decimal(0), [(10, _tokens(10**20))]),
    ("d", ETH, Decimal("0.000000000000000001"), Decimal(0), []),
    ("e", ETH, Decimal(0), Decimal(0), []),
]


class TestRuns:
    """Runs of equal days, of two kinds, paid as they come: ``Program.run``'s records."""

    def test_accounts_of_every_size(self, monkeypatch: Any) -> None:
        """From one base unit to 10**20 tokens, with deposits and withdrawals."""
        taken = _run([_calc()], _ACCOUNTS, monkeypatch)
        assert taken["wide"] == [True]

    def test_no_gross_of_a_base_unit(self, monkeypatch: Any) -> None:
        """Balances whose gross stays below one base unit every day, beside a large one."""
        specs: list[Spec] = [
            ("a", ETH, _tokens(10), Decimal(0), []),
            ("b", ETH, Decimal("0.000000000000001"), Decimal(0), []),
        ]
        assert _run([_calc()], specs, monkeypatch)["wide"] == [True]

    @pytest.mark.parametrize("quanta", [1, 10**20 - 1, 10**20, 5 * 10**20 + 3, 10**35])
    def test_a_carry_in(self, monkeypatch: Any, quanta: int) -> None:
        """A carry from before the run, below one base unit or of several."""
        specs: list[Spec] = [
            *_ACCOUNTS[:2],
            ("f", ETH, _tokens(20), _fine(ETH, quanta), [(40, _tokens(-20))]),
            ("g", ETH, Decimal(0), _fine(ETH, quanta // 3), []),
        ]
        assert _run([_calc()], specs, monkeypatch)["wide"] == [True]

    def test_a_coarser_token_beside(self, monkeypatch: Any) -> None:
        """A 6-decimal token written at the 18-decimal token's scale, each in limbs."""
        specs: list[Spec] = [
            *_ACCOUNTS[:3],
            ("a", USD, _tokens(10**14), Decimal(0), [(20, _tokens(3))]),
            ("b", USD, _tokens(10**8), _fine(USD, 10**20 + 1), []),
        ]
        taken = _run([_calc(), _calc(USD)], specs, monkeypatch)
        assert taken["wide"] == [True, True]


class TestSettlement:
    """A minimum payout or forfeited dust: settled a day at a time."""

    @pytest.mark.parametrize(
        "minimum",
        [Decimal("0.5"), _tokens(1000), _tokens(10**6), _tokens(10**8), _tokens(10**9) + 1],
    )
    def test_a_minimum_payout(self, monkeypatch: Any, minimum: Decimal) -> None:
        """Held back until the owed whole units reach it (amounts of one to three limbs)."""
        specs: list[Spec] = [
            *_ACCOUNTS,
            ("f", ETH, _tokens(5 * 10**12), Decimal(0), []),
            ("g", ETH, _tokens(10**13), _fine(ETH, 10**37), []),
        ]
        taken = _run([_calc(min_payout=minimum)], specs, monkeypatch)
        assert taken["wide"] == [True]

    @pytest.mark.parametrize("minimum", [Decimal(0), _tokens(10**8)])
    def test_forfeited_dust(self, monkeypatch: Any, minimum: Decimal) -> None:
        """The part below a base unit given up each day, with or without a minimum."""
        specs: list[Spec] = [*_ACCOUNTS, ("g", ETH, _tokens(10**13), _fine(ETH, 7), [])]
        taken = _run([_calc(dust=Dust.FORFEIT, min_payout=minimum)], specs, monkeypatch)
        assert taken["wide"] == [True]

    def test_a_rest_and_carry_making_one_base_unit_through_both_limbs(
        self, monkeypatch: Any
    ) -> None:
        """The rest below a base unit reaches exactly one: both its limbs carry that day.

        At a rate of 10**-20 a day a balance of ``B`` wei earns ``B`` gross quanta
        (10**-38 ETH): ``B // 10**20`` wei and a rest of ``B % 10**20`` quanta, here
        ``6,999,999,999 × 10**10 + 6 × 10**9``. With a carry in of ``3 × 10**19 + 4 × 10**9``
        quanta the low limbs sum to exactly 10**10 and the high ones, with that carry, to
        exactly 10**10: the first day pays one wei more.
        """
        rest = 6_999_999_999 * 10**10 + 6 * 10**9
        balance = Decimal(10**32 + rest).scaleb(-18)
        specs: list[Spec] = [("a", ETH, balance, _fine(ETH, 3 * 10**19 + 4 * 10**9), [])]
        daily = AprSchedule.constant(Decimal("3.65E-18"))  # 10**-20 a day, 365 days a year
        calc = _calc(schedule=daily, min_payout=Decimal("2E-18"))
        assert _run([calc], specs, monkeypatch)["wide"] == [True]


class TestRunsLeftToTheGeneralPath:
    """Runs ``flat_gross`` does not compute are the general path's, in the same table."""

    def test_a_minimum_holding_and_a_cap(self, monkeypatch: Any) -> None:
        """Balances below the minimum, between, at and above the cap."""
        specs: list[Spec] = [
            *_ACCOUNTS,
            ("f", ETH, _tokens(10**9), Decimal(0), []),
            ("g", ETH, _tokens(10**9 + 1), Decimal(0), []),
        ]
        calc = _calc(min_holding=_tokens(11), cap=_tokens(10**9))
        assert _run([calc], specs, monkeypatch)["wide"] == [True]

    def test_a_minimum_holding_alone(self, monkeypatch: Any) -> None:
        """Every balance below 11 tokens earns nothing."""
        assert _run([_calc(min_holding=_tokens(11))], _ACCOUNTS, monkeypatch)["wide"] == [True]

    def test_a_tiered_rate(self, monkeypatch: Any) -> None:
        """A rate that depends on the balance: no flat coefficient."""
        tiers = TieredApr([(Decimal(100), Decimal("0.10")), (None, Decimal("0.05"))])
        schedule = AprSchedule({date(2000, 1, 1): tiers, date(2025, 3, 1): Decimal("0.0365")})
        assert _run([_calc(schedule=schedule)], _ACCOUNTS, monkeypatch)["wide"] == [True]

    @pytest.mark.parametrize("policy", [TimeWeighted(), MinimumBalance()])
    def test_days_with_changes_inside(self, monkeypatch: Any, policy: Any) -> None:
        """Time-weighted and lowest-balance days, their values past the plain balances."""
        calc = _calc(policy=policy)
        assert _run([calc], _ACCOUNTS, monkeypatch)["wide"] == [True]

    def test_time_weighted_with_a_minimum_holding(self, monkeypatch: Any) -> None:
        """Time-weighted days whose average is below the minimum, or not."""
        calc = _calc(policy=TimeWeighted(), min_holding=_tokens(12))
        assert _run([calc], _ACCOUNTS, monkeypatch)["wide"] == [True]


def _exact(base_units: int) -> Decimal:
    """A balance whose gross at 365 % a year over 365 days is 1 % a day: exact."""
    return Decimal(100 * base_units).scaleb(-ETH.decimals)


_EXACT = AprSchedule.constant(Decimal("3.65"))


class TestMinimumLimbByLimb:
    """A minimum payout of several limbs compared with the owed units limb by limb."""

    def test_held_back_then_past_the_top_limb(self, monkeypatch: Any) -> None:
        """60 tokens a day against 90: held back, then 120 (a limb more) paid."""
        specs: list[Spec] = [("a", ETH, _tokens(6000), Decimal(0), [])]
        calc = _calc(schedule=_EXACT, min_payout=_tokens(90))
        assert _run([calc], specs, monkeypatch)["wide"] == [True]

    def test_limbs_equal_below_the_top(self, monkeypatch: Any) -> None:
        """Owed units greater in the top limb, equal in the next, smaller in the lowest."""
        minimum = 10**20 + 9 * 10**10 + 5  # limbs 5, 9, 1
        specs: list[Spec] = [
            ("a", ETH, _exact(2 * 10**20 + 9 * 10**10 + 3), Decimal(0), []),  # paid
            ("b", ETH, _exact(minimum), Decimal(0), []),  # paid: at the minimum
            ("c", ETH, _exact(minimum - 1), Decimal(0), []),  # held back a day
            ("d", ETH, _exact(minimum - 10**10), Decimal(0), []),
        ]
        calc = _calc(schedule=_EXACT, min_payout=Decimal(minimum).scaleb(-ETH.decimals))
        assert _run([calc], specs, monkeypatch)["wide"] == [True]


class TestLargeGrossAndMeasures:
    """A gross with more limbs than its balance; a day's measure past every balance."""

    def test_a_gross_above_the_balance(self, monkeypatch: Any) -> None:
        """100,000 % a year: 50 tokens earn about 137 a day, a limb more in quanta."""
        calc = _calc(schedule=AprSchedule.constant(Decimal(1000)))
        specs: list[Spec] = [("a", ETH, _tokens(50), Decimal(0), [])]  # the largest balance
        assert _run([calc], specs, monkeypatch)["wide"] == [True]

    @pytest.mark.parametrize("policy", [TimeWeighted(), DailySnapshot()])
    def test_a_deposit_on_the_last_day(self, monkeypatch: Any, policy: Any) -> None:
        """10**30 tokens deposited at noon of the last day, beside smaller balances."""
        late = (24 * (DAYS - 1) + 12, _tokens(10**30))
        specs: list[Spec] = [("a", ETH, _tokens(10), Decimal(0), [late]), *_ACCOUNTS[1:]]
        assert _run([_calc(policy=policy)], specs, monkeypatch)["wide"] == [True]


class TestFlatGrossEdges:
    """``flat_gross`` is ``round_half_even(units × r × 10**s / year)``, in limbs below 10**10."""

    @staticmethod
    def check(units: list[int], rate: tuple[int, int], year: int) -> None:
        r, exponent = rate
        limbs = limbs_of(np.array(units, dtype=object))
        assert limbs is not None
        got = wide.flat_gross(limbs, rate, year)
        assert got is not None
        assert got.dtype == np.int64
        assert ((got >= 0) & (got < 10**10)).all()
        want = [round(Fraction(u * r * 10 ** (GUARD_DIGITS + exponent), year)) for u in units]
        assert _ints(got) == want

    @pytest.mark.parametrize(("s", "year"), [(0, 3), (1, 999), (2, 999)])
    def test_a_rounding_up_that_carries_through_every_limb(self, s: int, year: int) -> None:
        """A quotient just below a power of 10 (nines, then more than half) rounds up to it.

        ``units × 10**s`` is ``year × 10**k`` less ``10**s`` (less 1 at ``s`` 0): below
        half a quantum from ``10**k`` while ``10**s`` is below half the year.
        """
        units = [(year * 10**k - max(10**s, 1)) // 10**s for k in (9, 10, 20, 30, 40)]
        self.check(units, (1, s - GUARD_DIGITS), year)
        assert [round(Fraction(u * 10**s, year)) for u in units] == [
            10**k for k in (9, 10, 20, 30, 40)
        ]

    @pytest.mark.parametrize(
        ("units", "rate", "year"),
        [([5, 1, 3, 7], (1, -19), 4), ([10**15 + 5, 10**25 + 1], (1, -19), 4), ([5], (1, -20), 2)],
    )
    def test_an_exact_half_goes_to_the_even_neighbour(
        self, units: list[int], rate: tuple[int, int], year: int
    ) -> None:
        """12.5 quanta is 12, 2.5 is 2, 7.5 is 8: the parity is the whole quotient's."""
        self.check(units, rate, year)


class TestEdgesOfTheLimbPath:
    """No gross of a base unit anywhere, minimums past ``2**256``, values too wide."""

    @pytest.mark.parametrize("apr", [Decimal(0), Decimal("1E-20")])
    def test_no_gross_of_a_base_unit_anywhere(self, monkeypatch: Any, apr: Decimal) -> None:
        """A rate so small that no balance earns a base unit in a day."""
        calc = _calc(schedule=AprSchedule.constant(apr))
        assert _run([calc], _ACCOUNTS[:3], monkeypatch)["wide"] == [True]

    def test_a_minimum_payout_past_2_256_base_units(self, monkeypatch: Any) -> None:
        """10**60 tokens: nothing is paid, and the Python ints settle it."""
        calc = _calc(min_payout=_tokens(10**60))
        assert _run([calc], _ACCOUNTS, monkeypatch)["wide"] == [False]

    def test_half_a_base_unit_a_day(self, monkeypatch: Any) -> None:
        """0.5 base units a day reach a whole one every second day; 2 are paid at once."""
        calc = _calc(schedule=_EXACT, min_payout=Decimal(2).scaleb(-ETH.decimals))
        specs: list[Spec] = [
            ("a", ETH, _exact(1) / 2, Decimal(0), []),
            ("b", ETH, _exact(10**20), Decimal(0), []),
        ]
        assert _run([calc], specs, monkeypatch)["wide"] == [True]

    def test_a_coarser_token_paid_as_it_comes(self, monkeypatch: Any) -> None:
        """A 6-decimal token's sub-unit carry passing one unit, written 12 places finer."""
        usd = _calc(USD, schedule=_EXACT)
        specs: list[Spec] = [
            ("a", ETH, _tokens(10), Decimal(0), []),
            ("a", USD, Decimal("0.00005"), Decimal(0), []),  # 0.5 base units a day
            ("b", USD, _tokens(10**14), Decimal(0), []),
        ]
        assert _run([_calc(), usd], specs, monkeypatch)["wide"] == [True, True]

    @pytest.mark.parametrize("policy", [TimeWeighted(), MinimumBalance()])
    def test_one_balance_and_a_day_apart(self, monkeypatch: Any, policy: Any) -> None:
        """Out and back in within a day: every day opens with one balance, one day differs."""
        specs: list[Spec] = [
            ("a", ETH, _tokens(20), Decimal(0), [(30, -_tokens(5)), (31, _tokens(5))])
        ]
        assert _run([_calc(policy=policy)], specs, monkeypatch)["wide"] == [True]

    @pytest.mark.parametrize(
        ("rules", "opening", "deposits"),
        [
            ({}, _tokens(10**39), 0),  # the opening
            ({"cap": _tokens(10**30)}, _tokens(2 * 10**59), 0),
            ({"schedule": AprSchedule.constant(Decimal(10**6))}, _tokens(10**37), 0),  # gross
            ({"cap": _tokens(10)}, _tokens(10**37), 12),  # a balance past 2**256 quanta
        ],
        ids=["opening", "capped", "gross", "deposits"],
    )
    def test_values_too_wide_for_the_table(
        self, rules: dict[str, Any], opening: Decimal, deposits: int
    ) -> None:
        """Past what an Arrow decimal holds: the table's named refusal, whichever path."""
        calc = _calc(**{"schedule": AprSchedule.constant(Decimal(1000)), **rules})
        rows = [("a", "ETH", T0 + timedelta(hours=1), _tokens(10**38), "transfer")] * deposits
        openings = pa.table({"account": ["a"], "token": ["ETH"], "opening": [str(opening)]})
        with pytest.raises(InvalidInputError, match="more than an Arrow decimal"):
            Program([calc]).table(
                ledger_of(rows), START, START + timedelta(days=2), openings=openings
            )
