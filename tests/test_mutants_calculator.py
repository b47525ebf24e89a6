"""Calculator behaviour that mutation testing (tools/mutation.py) found no test stating.

Each test names the mutants of ``softstaking.core.calculator`` it kills. Expected values
come from the definitions (docs/concepts): a day's gross is ``eligible × apr / year``
rounded half-even to the gross quantum, the paid amount its whole base units, and
``Dust.FORFEIT`` drops the rest below one base unit.

``TestDecimalLoop`` runs days the integer engine hands back to the Decimal day loop: a
starting carry finer than the gross quantum with ``Dust.FORFEIT`` (see
``softstaking.core.engine``). The records must be the same as on any other run.
"""

from __future__ import annotations

import decimal
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from softstaking import (
    AprSchedule,
    BalanceEvent,
    BalanceTimeline,
    BalanceView,
    DailyReward,
    DailySnapshot,
    DayWindow,
    Dust,
    IntradayAprSchedule,
    InvalidInputError,
    InvalidTypeError,
    RewardCalculator,
    TimeWeighted,
    Token,
    WeeklyPayouts,
)
from softstaking.core.calculator import _instance_of

USDT = Token("USDT", 6)
DAY1, DAY2, DAY3 = date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 3)
T1 = datetime(2024, 1, 1, tzinfo=UTC)
APR = AprSchedule.constant("0.0365")  # 1000 earns 1000 × 0.0365 / 365 = 0.1 a day
ZERO = Decimal(0)
FINE = Decimal("1E-30")
"""A starting carry finer than USDT's gross quantum (1E-26): with Dust.FORFEIT the engine
leaves the run to the Decimal loop."""


def calc(**settings: object) -> RewardCalculator:
    """A USDT calculator at 3.65 % (ACT/365), with ``settings`` over the defaults."""
    options: dict[str, object] = {"token": USDT, "schedule": APR, **settings}
    return RewardCalculator(**options)  # type: ignore[arg-type]


def flat(opening: str) -> BalanceTimeline:
    """A balance that never changes."""
    return BalanceTimeline.from_events([], opening=opening)


def message(error: pytest.ExceptionInfo[BaseException]) -> str:
    """The text of a caught error."""
    return str(error.value)


class Measures:
    """A custom policy that measures ``value`` every day."""

    def __init__(self, value: object) -> None:
        self.value = value

    def measure(self, window: DayWindow, balances: BalanceView) -> Decimal:
        """The fixed value, whatever the balance."""
        return self.value  # type: ignore[return-value]


class TestSettingsAreNamedInTheirErrors:
    def test_a_setting_of_the_wrong_type_is_named_with_the_type_given(self) -> None:
        """_instance_of mutants 1 to 4: the validator refuses another type, naming both."""
        check = _instance_of(Token, "token")
        check(None, None, USDT)  # type: ignore[arg-type]
        with pytest.raises(InvalidTypeError) as caught:
            check(None, None, "USDT")  # type: ignore[arg-type]
        assert message(caught) == "token must be a Token, not str"

    def test_a_schedule_of_the_wrong_type_is_named(self) -> None:
        """_check_schedule mutants 2 to 7: the message lists the schedule kinds and the type."""
        with pytest.raises(InvalidTypeError) as caught:
            calc(schedule="0.05")
        assert message(caught) == (
            "schedule must be an AprSchedule, an IntradayAprSchedule or a LayeredSchedule, not str"
        )

    def test_a_policy_without_measure_is_named_with_its_type(self) -> None:
        """_check_policy mutant 3: the message ends with the type given."""
        with pytest.raises(InvalidTypeError) as caught:
            calc(policy=5)
        assert message(caught).endswith("; got int")
        assert message(caught).startswith("policy must have a measure(window, balances) method")

    def test_a_delay_that_is_not_a_timedelta_is_named(self) -> None:
        """_check_delay mutants 2, 3, 4: the message names the setting and the type given."""
        with pytest.raises(InvalidTypeError) as caught:
            calc(payout_delay="1d")
        assert message(caught) == "payout_delay must be a timedelta, not str"

    def test_a_payout_schedule_without_payout_times_is_named(self) -> None:
        """_check_payout_schedule mutants 4, 6: the message names the method and the type."""
        with pytest.raises(InvalidTypeError) as caught:
            calc(payout_schedule=7)
        assert message(caught) == (
            "payout_schedule must have a payout_times(day_ends) method, such as "
            "WeeklyPayouts([0], tz=UTC); got int"
        )

    def test_a_payout_schedule_with_a_delay_says_they_are_exclusive(self) -> None:
        """_check_payout_schedule mutants 9, 10: the message says what to do."""
        with pytest.raises(InvalidInputError) as caught:
            calc(payout_delay=timedelta(hours=1), payout_schedule=WeeklyPayouts([0], tz=UTC))
        assert message(caught) == (
            "payout_delay (1:00:00) and payout_schedule are exclusive: the schedule says "
            "when each day is paid; leave payout_delay at zero"
        )

    def test_a_zero_cap_is_refused_with_what_none_means(self) -> None:
        """_to_cap mutants 10 to 14."""
        with pytest.raises(InvalidInputError) as caught:
            calc(cap=0)
        assert message(caught) == "cap must be above zero (None means no cap)"

    @pytest.mark.parametrize("name", ["cap", "min_holding", "min_payout"])
    def test_an_amount_setting_is_named_as_written(self, name: str) -> None:
        """_to_cap 4, 7, 8; _to_min_holding and _to_min_payout 2, 5, 6: the setting's name."""
        with pytest.raises(InvalidInputError) as caught:
            calc(**{name: "lots"})
        assert message(caught) == f"{name} must be a decimal number: cannot read 'lots'"


class TestRunArgumentsAreNamed:
    def test_a_timeline_of_the_wrong_type_is_named(self) -> None:
        """daily_rewards mutants 3, 4, 5."""
        with pytest.raises(InvalidTypeError) as caught:
            calc().daily_rewards([], DAY1, DAY2)  # type: ignore[arg-type]
        assert message(caught) == "timeline must be a BalanceTimeline, not list"

    def test_a_bad_carry_is_named_carry(self) -> None:
        """daily_rewards mutants 17, 20, 21."""
        with pytest.raises(InvalidInputError) as caught:
            calc().daily_rewards(flat("1000"), DAY1, DAY2, carry="lots")
        assert message(caught) == "carry must be a decimal number: cannot read 'lots'"

    def test_an_end_that_is_not_a_date_is_named_end(self) -> None:
        """daily_rewards mutants 40, 43, 44."""
        with pytest.raises(InvalidTypeError) as caught:
            calc().daily_rewards(flat("1000"), DAY1, "2024-01-02")  # type: ignore[arg-type]
        assert message(caught) == ("end must be a datetime.date naming a calendar day, not str")

    def test_an_opening_finer_than_the_base_unit_is_named(self) -> None:
        """_check_units mutants 6, 7: the message names the opening and the base unit."""
        with pytest.raises(InvalidInputError) as caught:
            calc().daily_rewards(flat("1.0000001"), DAY1, DAY2)
        assert message(caught) == (
            "opening balance 1.0000001 is finer than USDT's base unit 0.000001"
        )

    def test_a_run_past_the_precision_says_no_real_balance_does(self) -> None:
        """daily_rewards mutants 54, 55: the whole message of an amount past 100 digits."""
        calculator = RewardCalculator(Token("T", 36), AprSchedule.constant("0.05"))
        with pytest.raises(InvalidInputError) as caught:
            calculator.daily_rewards(flat("1E+90"), DAY1, DAY2)
        assert message(caught) == (
            "an amount in this run needs more than 100 significant digits at T's "
            f"resolution of {Decimal('1E-56'):f}; no real balance does"
        )

    def test_credited_items_are_named_by_position_and_type(self) -> None:
        """_credits mutant 5: the message names the item's index and its type."""
        with pytest.raises(InvalidTypeError) as caught:
            calc(compound=True).daily_rewards(flat("1000"), DAY1, DAY2, credited=["r"])  # type: ignore[list-item]
        assert message(caught) == "credited[0] must be a DailyReward, not str"

    def test_credited_without_compounding_says_to_compound(self) -> None:
        """_credits mutant 9; daily_rewards 25: a tuple of records without compound too."""
        earlier = tuple(calc().daily_rewards(flat("1000"), DAY1, DAY2))
        with pytest.raises(InvalidInputError) as caught:
            calc().daily_rewards(flat("1000"), DAY2, DAY3, credited=earlier)
        assert message(caught) == "credited is for chaining compounding runs: set compound=True"


class TestRunArguments:
    @pytest.mark.parametrize("carry", [1, 5])
    def test_an_int_carry_is_owed(self, carry: int) -> None:
        """daily_rewards mutants 11, 12: an int carry other than 0 is owed, paid on day 1."""
        (record,) = calc().daily_rewards(flat("1000"), DAY1, DAY2, carry=carry)
        assert record.paid == carry + Decimal("0.1")
        assert record.carry == 0

    def test_credited_as_a_tuple_is_in_the_balance(self) -> None:
        """daily_rewards mutants 25, 26: a tuple of earlier records counts like a list.

        Day 1 pays 0.1 at the end of the day, the snapshot instant of day 2, so day 2
        measures 1000.1 and earns 1000.1 × 0.0365 / 365 = 0.10001.
        """
        compounding = calc(compound=True)
        earlier = tuple(compounding.daily_rewards(flat("1000"), DAY1, DAY2))
        (record,) = compounding.daily_rewards(flat("1000"), DAY2, DAY3, credited=earlier)
        assert record.balance == Decimal("1000.1")
        assert record.gross == Decimal("0.10001")

    def test_a_long_delay_is_counted_to_the_microsecond(self) -> None:
        """_payout_instants mutant 7: a delay past 2**53 µs is not rounded as a float."""
        delay = timedelta(days=110_000, microseconds=1)
        (record,) = calc(payout_delay=delay).daily_rewards(flat("1000"), DAY1, DAY2)
        assert record.payout_at == datetime(2024, 1, 2, tzinfo=UTC) + delay


class TestDecimalLoop:
    """The records of the days the engine leaves to the Decimal loop."""

    def run(
        self,
        timeline: BalanceTimeline,
        end: date = DAY2,
        credited: tuple[DailyReward, ...] = (),
        **settings: object,
    ) -> list[DailyReward]:
        """``daily_rewards`` from DAY1 with the fine carry, forfeited."""
        calculator = calc(dust=Dust.FORFEIT, **settings)
        return calculator.daily_rewards(timeline, DAY1, end, carry=FINE, credited=credited)

    def test_the_fine_carry_is_forfeited_and_the_days_paid(self) -> None:
        """The fine carry is below a base unit: forfeited on day 1 with the gross's rest."""
        first, second = self.run(flat("1000"), DAY3)
        assert (first.paid, first.forfeited, first.carry) == (Decimal("0.1"), FINE, ZERO)
        assert (second.paid, second.forfeited) == (Decimal("0.1"), ZERO)

    def test_a_balance_at_the_minimum_holding_earns(self) -> None:
        """_run_decimal mutant 44: below the minimum earns nothing, at it earns."""
        (at,) = self.run(flat("1000"), min_holding="1000")
        (below,) = self.run(flat("999.999999"), min_holding="1000")
        assert (at.eligible, at.paid) == (Decimal(1000), Decimal("0.1"))
        assert (below.eligible, below.paid) == (ZERO, ZERO)

    def test_a_balance_above_the_cap_earns_as_the_cap(self) -> None:
        """_run_decimal mutant 49: 2000 capped at 1000 earns 0.1."""
        (record,) = self.run(flat("2000"), cap="1000")
        assert (record.balance, record.eligible, record.paid) == (
            Decimal(2000),
            Decimal(1000),
            Decimal("0.1"),
        )

    def test_a_balance_at_the_cap_is_not_above_it(self) -> None:
        """_run_decimal mutant 48: at the cap, eligible is the measured balance itself."""
        (record,) = self.run(flat("1000.00"), cap="1000")
        assert str(record.eligible) == "1000.00"

    def test_credited_records_are_in_the_balance(self) -> None:
        """_run_decimal mutants 3 to 6: an earlier payment is in the balance from its payout."""
        day0 = DAY1 - timedelta(1)
        earlier = tuple(calc(compound=True).daily_rewards(flat("1000"), day0, DAY1))
        (record,) = self.run(flat("1000"), credited=earlier, compound=True)
        assert record.balance == Decimal("1000.1")
        assert record.gross == Decimal("0.10001")

    @pytest.mark.parametrize("value", [Decimal(-5), Decimal("-0.000001")])
    def test_a_negative_measure_is_refused_naming_the_policy_and_day(self, value: Decimal) -> None:
        """_run_decimal mutants 33, 39 to 43; _check_measured 1 to 5."""
        with pytest.raises(InvalidInputError) as caught:
            self.run(flat("1000"), policy=Measures(value))
        assert message(caught) == (
            f"Measures on 2024-01-01 measured {value}; a balance must be finite and not negative"
        )

    def test_a_measure_that_is_not_a_decimal_is_refused(self) -> None:
        """_run_decimal mutant 34: an int measure is named, not read."""
        with pytest.raises(InvalidTypeError) as caught:
            self.run(flat("1000"), policy=Measures(1000))
        assert message(caught) == (
            "Measures on 2024-01-01 measured a int; a policy must return a Decimal"
        )

    def test_an_intraday_rate_earns_each_stretch(self) -> None:
        """_run_decimal mutants 51 to 55, 57 to 65, 67 to 74.

        3.65 % for the first 12 hours and 7.3 % for the last: 1000 earns
        1000 × (0.0365 + 0.073) / 2 / 365 = 0.15, at an apr of 0.05475. A caller's
        context of 5 digits changes nothing.
        """
        rates = IntradayAprSchedule({T1: "0.0365", T1 + timedelta(hours=12): "0.073"})
        with decimal.localcontext(decimal.Context(prec=5)):
            (record,) = self.run(flat("1000"), schedule=rates, policy=TimeWeighted())
        assert (record.gross, record.apr, record.paid) == (
            Decimal("0.15"),
            Decimal("0.05475"),
            Decimal("0.15"),
        )

    def test_an_intraday_rate_under_a_cap_scales_each_stretch(self) -> None:
        """_run_decimal mutants 56, 62: a stretch's average is scaled by eligible / measured.

        2000 held all day, capped at 1000: each stretch earns on 2000 × 1000 / 2000.
        """
        rates = IntradayAprSchedule({T1: "0.0365", T1 + timedelta(hours=12): "0.073"})
        (record,) = self.run(flat("2000"), schedule=rates, policy=TimeWeighted(), cap="1000")
        assert (record.eligible, record.gross) == (Decimal(1000), Decimal("0.15"))

    def test_a_deposit_mid_day_is_averaged_under_an_intraday_rate(self) -> None:
        """_run_decimal mutants 54, 60: the rates read the day's own balances.

        1000 until 12:00 at 3.65 %, 3000 after at 7.3 %: (1000 × 0.0365 + 3000 × 0.073)
        / 2 / 365 = 0.35 on an average of 2000.
        """
        rates = IntradayAprSchedule({T1: "0.0365", T1 + timedelta(hours=12): "0.073"})
        deposit = BalanceEvent(T1 + timedelta(hours=12), 2000)
        timeline = BalanceTimeline.from_events([deposit], opening=1000)
        (record,) = self.run(timeline, schedule=rates, policy=TimeWeighted())
        assert (record.balance, record.gross) == (Decimal(2000), Decimal("0.35"))

    def test_a_snapshot_reads_the_balance_at_midnight(self) -> None:
        """The default policy in the Decimal loop: the deposit at 12:00 counts the next day."""
        deposit = BalanceEvent(T1 + timedelta(hours=12), 1000)
        timeline = BalanceTimeline.from_events([deposit], opening=1000)
        first, second = self.run(timeline, DAY3, policy=DailySnapshot())
        assert (first.balance, second.balance) == (Decimal(1000), Decimal(2000))
        assert (first.paid, second.paid) == (Decimal("0.1"), Decimal("0.2"))
