"""Presets reproduce their programs' published rules and numbers.

Expected values come from the published rules, computed with ``fractions.Fraction``.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction

import pytest

from softstaking import (
    AprSchedule,
    BalanceEvent,
    BalanceTimeline,
    DailyReward,
    Holding,
    InvalidInputError,
    InvalidTypeError,
    Program,
    SubAccount,
    Token,
)
from softstaking.apy import reg_dd_apy_earned_percent
from softstaking.presets import (
    BINANCE_SOFT_STAKING_MINIMUMS,
    HOLD_TO_EARN,
    UTC8,
    TokenTerms,
    binance_soft_staking,
    gate_soft_staking,
    kucoin_hold_to_earn,
    kucoin_pool_x,
    kucoin_soft_staking_2019,
    regulation_dd_average_daily_balance,
    regulation_dd_daily_balance,
)

DAY = timedelta(days=1)
D0 = date(2025, 3, 1)
LONG_AGO = datetime(2024, 1, 1, tzinfo=UTC)


def one_day(program: Program, holding: Holding, day: date = D0) -> DailyReward:
    (record,) = program.rewards(holding, day, day + DAY)
    return record


def floor_to(value: Fraction, decimals: int) -> Fraction:
    scale = 10**decimals
    return Fraction(math.floor(value * scale), scale)


# KuCoin Hold to Earn's table as the project's reference gives it (programs.md):
# APR % / minimum holding / cap.
PUBLISHED_HOLD_TO_EARN = {
    "USDT": ("1.32", "1", "15000000"),
    "USDC": ("2.11", "1", "5000000"),
    "ETH": ("0.5", "0.001", "500"),
    "SOL": ("0.8", "0.02", "10000"),
    "DOT": ("1", "1", "50000"),
    "ADA": ("0.5", "5", "800000"),
    "BNB": ("0.16", "0.002", "500"),
}


class TestHoldToEarnTable:
    def test_every_row_matches_the_published_table(self) -> None:
        """Each token's APR, minimum and cap equal KuCoin's published table, no more rows."""
        assert set(HOLD_TO_EARN) == set(PUBLISHED_HOLD_TO_EARN)
        for symbol, (apr_percent, minimum, cap) in PUBLISHED_HOLD_TO_EARN.items():
            terms = HOLD_TO_EARN[symbol]
            assert terms.apr == Fraction(apr_percent) / 100, symbol
            assert terms.min_holding == Fraction(minimum), symbol
            assert terms.cap == Fraction(cap), symbol

    def test_the_table_is_read_only(self) -> None:
        """The published table cannot be changed by a caller by mistake."""
        with pytest.raises(TypeError):
            HOLD_TO_EARN["USDT"] = HOLD_TO_EARN["USDC"]  # type: ignore[index]

    def test_token_terms_refuse_floats_and_negatives(self) -> None:
        """TokenTerms converts like every amount: no float, nothing below zero."""
        with pytest.raises(TypeError, match="float"):
            TokenTerms(0.01, 1, None)  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError):
            TokenTerms("0.01", "-1", None)
        assert TokenTerms("0.01", 1, "5") == TokenTerms(Decimal("0.01"), Decimal(1), Decimal(5))


class TestKucoinHoldToEarn:
    def test_the_daily_reward_is_amount_times_apr_over_365(self) -> None:
        """10,000 USDT at the published 1.32 % earns 10,000 × 0.0132 / 365, paid in 8 decimals."""
        h = Holding("u", "USDT", opening=10_000, activated_at=LONG_AGO)
        r = one_day(kucoin_hold_to_earn(), h)
        exact = Fraction(10_000) * Fraction("0.0132") / 365
        assert r.apr == Decimal("0.0132")
        assert abs(Fraction(r.gross) - exact) <= Fraction(1, 10**28)
        assert r.paid == floor_to(exact, 8)

    def test_the_table_is_as_published(self) -> None:
        """The USDT row is 1.32 % APR, minimum 1, cap 15,000,000."""
        usdt = HOLD_TO_EARN["USDT"]
        assert (usdt.apr, usdt.min_holding, usdt.cap) == (
            Decimal("0.0132"),
            Decimal(1),
            Decimal(15_000_000),
        )
        assert sorted(HOLD_TO_EARN) == ["ADA", "BNB", "DOT", "ETH", "SOL", "USDC", "USDT"]

    def test_under_the_minimum_earns_nothing_and_above_the_cap_earns_the_cap(self) -> None:
        """0.001 ETH is the minimum; 600 ETH earns as the 500 ETH cap."""
        program = kucoin_hold_to_earn()
        below = one_day(program, Holding("u", "ETH", opening="0.0009", activated_at=LONG_AGO))
        above = one_day(program, Holding("u", "ETH", opening=600, activated_at=LONG_AGO))
        assert below.eligible == 0
        assert above.eligible == 500
        assert above.paid == floor_to(Fraction(500) * Fraction("0.005") / 365, 8)

    def test_open_orders_do_not_earn(self) -> None:
        """Funds frozen in an open order for the whole day are left out of the average."""
        freeze = BalanceEvent(datetime(2025, 2, 1, tzinfo=UTC8), -40, kind="order_freeze")
        h = Holding("u", "USDT", [freeze], opening=100, activated_at=LONG_AGO)
        assert one_day(kucoin_hold_to_earn(), h).balance == 60

    def test_earning_starts_the_day_after_enabling_and_pays_at_18_two_days_after(self) -> None:
        """Enabled on 1 March (UTC+8), it earns from 2 March, first paid 3 March at 18:00."""
        enabled = datetime(2025, 3, 1, 10, tzinfo=UTC8)
        h = Holding("u", "USDT", opening=1000, activated_at=enabled)
        first, second = kucoin_hold_to_earn().rewards(h, D0, D0 + 2 * DAY)
        assert first.eligible == 0
        assert second.eligible == 1000
        assert second.payout_at == datetime(2025, 3, 3, 18, tzinfo=UTC8)

    def test_a_token_outside_the_table_is_refused(self) -> None:
        """A rate for a token the program does not list raises, naming it."""
        with pytest.raises(InvalidInputError, match="'DOGE'"):
            kucoin_hold_to_earn({"DOGE": "0.01"})

    def test_a_float_rate_is_refused(self) -> None:
        """A float rate gets the library's helpful TypeError."""
        with pytest.raises(TypeError, match="must be exact"):
            kucoin_hold_to_earn({"USDT": 0.0132})  # type: ignore[dict-item]


class TestBinanceSoftStaking:
    def test_the_published_minimum_applies(self) -> None:
        """0.4 BNB is under Binance's 0.5 BNB minimum and earns nothing; 0.5 earns."""
        program = binance_soft_staking({"BNB": "0.01"})
        assert BINANCE_SOFT_STAKING_MINIMUMS["BNB"] == Decimal("0.5")
        assert one_day(program, Holding("u", "BNB", opening="0.4")).eligible == 0
        assert one_day(program, Holding("u", "BNB", opening="0.5")).eligible == Decimal("0.5")

    def test_above_the_cap_earns_nothing_more(self) -> None:
        """With a 1,000 SOL cap, 5,000 SOL earns exactly what 1,000 SOL earns."""
        program = binance_soft_staking({"SOL": "0.05"}, caps={"SOL": 1000})
        big = one_day(program, Holding("u", "SOL", opening=5000))
        assert big.paid == floor_to(Fraction(1000) * Fraction("0.05") / 365, 8)

    def test_the_reward_is_paid_by_08_00_utc_the_next_day(self) -> None:
        """A day's reward is credited at 08:00 UTC the next day."""
        r = one_day(binance_soft_staking({"ADA": "0.02"}), Holding("u", "ADA", opening=1000))
        assert r.payout_at == datetime(2025, 3, 2, 8, tzinfo=UTC)

    def test_a_cap_for_a_token_without_a_rate_is_refused_by_name(self) -> None:
        """A typo'd key in caps ("S0L" for "SOL") raises, naming the key."""
        with pytest.raises(InvalidInputError, match="'S0L'"):
            binance_soft_staking({"SOL": "0.05"}, caps={"S0L": 1000})
        with pytest.raises(InvalidInputError, match="'S0L'"):
            binance_soft_staking({"SOL": "0.05"}, minimums={"SOL": 1, "S0L": 1})

    def test_the_minimums_table_is_read_only(self) -> None:
        """The published minimums cannot be changed by a caller by mistake."""
        with pytest.raises(TypeError):
            BINANCE_SOFT_STAKING_MINIMUMS["BNB"] = Decimal(0)  # type: ignore[index]

    def test_a_token_without_a_published_minimum_is_refused(self) -> None:
        """A token missing from the minimums table raises, naming it."""
        with pytest.raises(InvalidInputError, match="no minimum holding for 'DOGE'"):
            binance_soft_staking({"DOGE": "0.01"})


class TestGateSoftStaking:
    def test_above_the_cap_rewards_are_on_the_cap(self) -> None:
        """Gate pays the cap × APR / 365 on a holding above the cap."""
        program = gate_soft_staking({"GT": "0.0365"}, minimums={"GT": 1}, caps={"GT": 100})
        r = one_day(program, Holding("u", "GT", opening=250))
        assert r.paid == Decimal("0.01")


class TestGateKeys:
    def test_a_minimum_or_cap_for_a_token_without_a_rate_is_refused_by_name(self) -> None:
        """Keys of minimums or caps that are not in rates raise, naming the key."""
        with pytest.raises(InvalidInputError, match="'GTT'"):
            gate_soft_staking({"GT": "0.01"}, minimums={"GT": 1, "GTT": 1}, caps={"GT": 9})
        with pytest.raises(InvalidInputError, match="'GTT'"):
            gate_soft_staking({"GT": "0.01"}, minimums={"GT": 1}, caps={"GT": 9, "GTT": 9})

    def test_a_deposit_after_activation_counts_from_arrival(self) -> None:
        """Gate's next-day rule is for activation: a 12:00 deposit counts half the day."""
        program = gate_soft_staking({"GT": "0.0365"}, minimums={"GT": 1}, caps={"GT": 10**6})
        deposit = BalanceEvent(datetime(2025, 3, 1, 12, tzinfo=UTC), 240, kind="deposit")
        h = Holding("u", "GT", [deposit], activated_at=LONG_AGO)
        assert one_day(program, h).balance == Fraction(240 * 12, 24)


class TestKucoinSoftStaking2019:
    def test_the_snapshot_at_235959_counts_a_deposit_that_arrived_that_evening(self) -> None:
        """36,500 IOTX arriving at 23:00 UTC+8 earn the whole day's 5 IOTX at 5 %."""
        arrival = BalanceEvent(datetime(2025, 3, 1, 23, tzinfo=UTC8), 36_500, kind="deposit")
        r = one_day(kucoin_soft_staking_2019({"IOTX": "0.05"}), Holding("u", "IOTX", [arrival]))
        assert r.paid == 5
        assert r.payout_at == datetime(2025, 3, 2, tzinfo=UTC8)

    def test_a_rebate_under_0_000001_is_not_paid(self) -> None:
        """A day's rebate under 0.000001 is held back (carried), not paid."""
        tiny = one_day(
            kucoin_soft_staking_2019({"IOTX": "0.05"}),
            Holding("u", "IOTX", opening="0.007"),
        )
        assert Fraction("0.007") * Fraction("0.05") / 365 < Fraction(1, 10**6)
        assert tiny.paid == 0
        assert tiny.carry == tiny.gross

    def test_a_carried_rebate_is_paid_once_it_reaches_0_000001(self) -> None:
        """Two days' rebates of 0.007 IOTX at 5 % pass 0.000001 and are paid on day two."""
        program = kucoin_soft_staking_2019({"IOTX": "0.05"})
        first, second = program.rewards(Holding("u", "IOTX", opening="0.007"), D0, D0 + 2 * DAY)
        daily = Fraction("0.007") * Fraction("0.05") / 365
        assert daily < Fraction(1, 10**6) <= 2 * daily
        assert first.paid == 0
        assert second.paid == floor_to(2 * daily, 8)
        # Nothing lost: what is carried is what was owed less what was paid.
        assert second.carry == first.gross + second.gross - second.paid


class TestKucoinPoolX:
    def test_the_day_is_the_mean_of_24_hourly_snapshots(self) -> None:
        """Held from 12:00 UTC+8, a balance shows in 12 of the 24 snapshots: half of it."""
        arrival = BalanceEvent(datetime(2025, 3, 1, 12, tzinfo=UTC8), 48, kind="deposit")
        r = one_day(kucoin_pool_x({"VET": "0.03"}), Holding("u", "VET", [arrival]))
        assert r.balance == Fraction(48 * 12, 24)

    def test_a_minute_outside_the_hour_is_refused(self) -> None:
        """The snapshot minute must be 0 to 59."""
        with pytest.raises(InvalidInputError, match="minute"):
            kucoin_pool_x({"VET": "0.03"}, minute=60)

    def test_a_minute_that_is_not_an_int_is_a_type_error(self) -> None:
        """minute="30" is refused as InvalidTypeError."""
        with pytest.raises(InvalidTypeError, match="minute"):
            kucoin_pool_x({"VET": "0.03"}, minute="30")  # type: ignore[arg-type]


class TestRegulationDD:
    USD = Token("USD", 18)

    def test_daily_compounding_at_6_percent_earns_61_83_on_1000(self) -> None:
        """1,000 at 6 % compounded daily earns 61.83 in a year (Truth in Savings, Appendix A)."""
        calc = regulation_dd_daily_balance(self.USD, AprSchedule.constant("0.06"), compound=True)
        tl = BalanceTimeline.from_events([], opening=1000)
        start = date(2025, 1, 1)
        records = calc.daily_rewards(tl, start, start + 365 * DAY)
        earned = sum((Fraction(r.paid) for r in records), Fraction(records[-1].carry))
        exact = 1000 * ((1 + Fraction(6, 100) / 365) ** 365 - 1)
        assert abs(earned - exact) < Fraction(1, 10**12)
        assert round(earned, 2) == Fraction("61.83")

    def test_the_balance_is_the_end_of_day_balance(self) -> None:
        """A deposit at 18:00 counts in that day's balance."""
        calc = regulation_dd_daily_balance(Token("USD", 2), AprSchedule.constant("0.0365"))
        tl = BalanceTimeline.from_events([BalanceEvent(datetime(2025, 3, 1, 18, tzinfo=UTC), 100)])
        (r,) = calc.daily_rewards(tl, D0, D0 + DAY)
        assert r.balance == 100
        assert r.paid == Decimal("0.01")

    def test_the_average_daily_balance_method(self) -> None:
        """1,000 for 15 days then 2,000 for 15 averages 1,500 and earns 4.50 at 3.65 %."""
        calc = regulation_dd_daily_balance(Token("USD", 2), AprSchedule.constant("0.0365"))
        deposit = BalanceEvent(datetime(2025, 4, 16, tzinfo=UTC), 1000)
        tl = BalanceTimeline.from_events([deposit], opening=1000)
        records = calc.daily_rewards(tl, date(2025, 4, 1), date(2025, 5, 1))
        period = regulation_dd_average_daily_balance(records, min_balance=1500)
        assert (period.days, period.average) == (30, Decimal(1500))
        assert period.interest == Fraction(1000 * 15 + 2000 * 15) * Fraction("0.0365") / 365
        assert regulation_dd_average_daily_balance(records, min_balance=1501).interest == 0

    def test_an_overdrawn_day_counts_as_zero_through_a_net_sub_account(self) -> None:
        """At −500 at the end of the day the account's balance is zero and earns nothing."""
        calc = regulation_dd_daily_balance(Token("USD", 2), AprSchedule.constant("0.0365"))
        events = [
            BalanceEvent(datetime(2025, 4, 10, 12, tzinfo=UTC), -1500),
            BalanceEvent(datetime(2025, 4, 12, 12, tzinfo=UTC), 1500),
        ]
        checking = SubAccount("checking", events, opening=1000, net=True)
        days = Program([calc]).rewards(
            Holding("acct", "USD", subaccounts=[checking]), date(2025, 4, 9), date(2025, 4, 13)
        )
        assert [r.balance for r in days] == [1000, 0, 0, 1000]
        assert [r.paid for r in days] == [Decimal("0.10"), 0, 0, Decimal("0.10")]

    @pytest.mark.parametrize("order", ["repeated", "gap", "reversed"])
    def test_days_must_be_consecutive_and_unique(self, order: str) -> None:
        """A repeated, missing or out-of-order day raises, naming the day."""
        calc = regulation_dd_daily_balance(Token("USD", 2), AprSchedule.constant("0.0365"))
        records = calc.daily_rewards(
            BalanceTimeline.from_events([], opening=1000), D0, D0 + 3 * DAY
        )
        bad = {
            "repeated": [records[0], records[0], records[1]],
            "gap": [records[0], records[2]],
            "reversed": [records[1], records[0]],
        }[order]
        with pytest.raises(InvalidInputError, match=r"the record of 2025-03-0\d follows"):
            regulation_dd_average_daily_balance(bad)

    def test_the_worked_credit_union_example(self) -> None:
        """Average 1,436.61 over 31 days with 3.36 of dividends: APY earned 2.78875 %."""
        calc = regulation_dd_daily_balance(Token("USD", 2), AprSchedule.constant("0.0365"))
        drop = BalanceEvent(datetime(2025, 3, 2, 12, tzinfo=UTC), Decimal("-1134.91"))
        tl = BalanceTimeline.from_events([drop], opening=Decimal("2534.91"))
        period = regulation_dd_average_daily_balance(
            calc.daily_rewards(tl, date(2025, 3, 1), date(2025, 4, 1))
        )
        assert (Fraction("2534.91") + 30 * 1400) / 31 == Fraction("1436.61")
        assert (period.days, period.average) == (31, Decimal("1436.61"))
        apy = reg_dd_apy_earned_percent("3.36", average_daily_balance=period.average, days=31)
        # The published figures: 2.78875 %, shown as 2.79 %.
        assert apy.quantize(Decimal("0.00001"), rounding=ROUND_DOWN) == Decimal("2.78875")
        assert round(apy, 2) == Decimal("2.79")

    def test_the_minimum_is_measured_on_the_average_not_on_a_day(self) -> None:
        """Records already zeroed by a daily minimum are refused for the average method."""
        calc = regulation_dd_daily_balance(
            Token("USD", 2), AprSchedule.constant("0.0365"), min_balance=10
        )
        records = calc.daily_rewards(BalanceTimeline.from_events([], opening=5), D0, D0 + DAY)
        with pytest.raises(InvalidInputError, match="minimum or cap"):
            regulation_dd_average_daily_balance(records)


@pytest.mark.parametrize(
    "preset",
    [
        kucoin_soft_staking_2019,
        kucoin_pool_x,
        kucoin_hold_to_earn,
        binance_soft_staking,
        gate_soft_staking,
        regulation_dd_daily_balance,
        regulation_dd_average_daily_balance,
    ],
)
class TestDocstrings:
    def test_each_preset_cites_its_source(self, preset: object) -> None:
        """Every preset's docstring has a Source line with a year and an address."""
        doc = getattr(preset, "__doc__", "") or ""
        assert "Source" in doc
        source = doc[doc.index("Source") :]
        assert re.search(r"\b(19|20)\d\d\b", source)
        assert re.search(r"\b[a-z0-9-]+\.(com|gov|org|net|io)\b", source)
