"""Rate models, layered schedules and rates that change within a day.

Expected values come from the definitions, computed with ``fractions.Fraction``.
"""

from __future__ import annotations

import decimal
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from softstaking import (
    AccrualPolicy,
    AprSchedule,
    BalanceEvent,
    BalanceTimeline,
    BalanceView,
    DailySnapshot,
    DayWindow,
    IntradayAprSchedule,
    InvalidInputError,
    InvalidTypeError,
    LayeredSchedule,
    MinimumBalance,
    MissingRateError,
    NaiveDatetimeError,
    Rate,
    RewardCalculator,
    ScaledApr,
    SnapshotAverage,
    StackedApr,
    TieredApr,
    TimeWeighted,
    Token,
    WholeBalanceTiers,
)
from softstaking.core.instants import to_us
from softstaking.core.rates import blended_rate
from tests.strategies import (
    FIRST_DAY,
    WIDE,
    any_rates,
    aprs,
    instants,
    intraday_policies,
    rate_layers,
    scale_factors,
    stacked_aprs,
    tiered_aprs,
    timelines,
    tokens,
    units,
    zones,
)
from tests.test_properties import half_even, marginal

USDT = Token("USDT", 6)
JAN_1 = date(2024, 1, 1)
DAY = timedelta(days=1)


def utc(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def reference_annual(rate: Rate, balance: Fraction) -> Fraction:
    """A year's reward on ``balance``, from each model's definition."""
    if isinstance(rate, Decimal):
        return balance * Fraction(rate)
    if isinstance(rate, TieredApr):
        return marginal(balance, rate.bands)
    if isinstance(rate, WholeBalanceTiers):
        for up_to, apr in rate.bands:
            if up_to is None or balance <= Fraction(up_to):
                return balance * Fraction(apr)
    if isinstance(rate, StackedApr):
        return sum((reference_annual(layer, balance) for layer in rate.layers), Fraction(0))
    if isinstance(rate, ScaledApr):
        return reference_annual(rate.rate, balance) * Fraction(rate.factor)
    raise AssertionError(f"no reference for {rate!r}")  # pragma: no cover


def one_day(calc: RewardCalculator, timeline: BalanceTimeline, day: date = JAN_1) -> Fraction:
    """The gross of one day, as a fraction."""
    (record,) = calc.daily_rewards(timeline, day, day + DAY)
    return Fraction(record.gross)


def near(gross: Fraction, annual: Fraction, token: Token = USDT) -> bool:
    """Whether ``gross`` is ``annual / 365`` rounded to the gross quantum, give or take one."""
    expected = half_even(annual / 365, token.gross_quantum)
    return abs(gross - expected) <= Fraction(token.gross_quantum)


class TestWholeBalanceTiers:
    BANK = WholeBalanceTiers([(Decimal("999.99"), "0.01"), (5000, "0.02"), (None, "0.015")])

    def test_the_band_of_the_balance_applies_to_all_of_it(self) -> None:
        """Method A: 2,000 in the 1,000–5,000 band earns 2,000 × 2 % = 40 a year."""
        assert self.BANK.annual_reward(Decimal(2000)) == 40
        assert self.BANK.blended_rate(Decimal(2000)) == Decimal("0.02")

    def test_a_bound_belongs_to_its_band(self) -> None:
        """A balance equal to a band's up_to is in that band, as with marginal tiers."""
        assert self.BANK.blended_rate(Decimal("999.99")) == Decimal("0.01")
        assert self.BANK.blended_rate(Decimal(5000)) == Decimal("0.02")
        assert self.BANK.blended_rate(Decimal("5000.01")) == Decimal("0.015")

    def test_zero_balance_reports_the_first_band(self) -> None:
        """At zero the rate is the first band's, as for marginal tiers."""
        assert self.BANK.blended_rate(Decimal(0)) == Decimal("0.01")

    def test_bad_bands_name_the_class(self) -> None:
        """Validation messages name WholeBalanceTiers, not TieredApr."""
        with pytest.raises(InvalidInputError, match="WholeBalanceTiers's last band"):
            WholeBalanceTiers([(100, "0.01")])

    @given(tiered_aprs(), st.data())
    def test_inside_one_band_it_is_that_bands_flat_rate(
        self, tiers: TieredApr, data: st.DataObject
    ) -> None:
        """Method A on a balance inside one band earns balance × that band's rate, exactly."""
        whole = WholeBalanceTiers(tiers.bands)
        i = data.draw(st.integers(0, len(whole.bands) - 1))
        lower = Decimal(0) if i == 0 else whole.bands[i - 1][0]
        assert lower is not None
        upper = whole.bands[i][0]
        top = 10**12 if upper is None else int(upper - lower)
        balance = WIDE.add(lower, data.draw(st.integers(0 if i == 0 else 1, top)))
        assert Fraction(whole.annual_reward(balance)) == Fraction(balance) * Fraction(
            whole.bands[i][1]
        )


class TestStackedApr:
    @given(stacked_aprs(), units(USDT))
    def test_a_stack_earns_the_sum_of_its_layers(self, stack: StackedApr, balance: Decimal) -> None:
        """A stack of layers earns the sum of what each layer earns on the balance."""
        expected = sum(
            (reference_annual(layer, Fraction(balance)) for layer in stack.layers), Fraction(0)
        )
        assert Fraction(stack.annual_reward(balance)) == expected

    def test_base_plus_bonus_tiers_in_the_calculator(self) -> None:
        """Binance-style: 1 % real-time on 1,000 plus 5 % bonus on the first 500 is 35 a year."""
        bonus = TieredApr([(500, "0.05"), (None, "0")])
        calc = RewardCalculator(USDT, AprSchedule.constant(StackedApr(["0.01", bonus])))
        timeline = BalanceTimeline.from_events([], opening=1000)
        assert near(one_day(calc, timeline), Fraction(35))

    def test_an_empty_stack_is_refused(self) -> None:
        """A stack needs at least one layer."""
        with pytest.raises(InvalidInputError, match="at least one layer"):
            StackedApr([])

    def test_a_string_is_not_a_list_of_layers(self) -> None:
        """StackedApr("0.05") is refused rather than read as four layers."""
        with pytest.raises(InvalidTypeError, match="list of rates"):
            StackedApr("0.05")


class TestScaledApr:
    @given(rate_layers(), units(USDT))
    def test_a_factor_of_one_changes_nothing(self, rate: Rate, balance: Decimal) -> None:
        """Scaling by 1 earns exactly what the rate earns, at the same blended rate."""
        scaled = ScaledApr(rate, factor=1)
        assert Fraction(scaled.annual_reward(balance)) == reference_annual(rate, Fraction(balance))
        assert scaled.blended_rate(balance) == blended_rate(rate, balance)

    @given(rate_layers(), scale_factors(), units(USDT))
    def test_a_factor_multiplies_the_annual_reward_exactly(
        self, rate: Rate, factor: Decimal, balance: Decimal
    ) -> None:
        """Scaling by k multiplies a year's reward by k, with no rounding."""
        scaled = ScaledApr(rate, factor=factor)
        expected = reference_annual(rate, Fraction(balance)) * Fraction(factor)
        assert Fraction(scaled.annual_reward(balance)) == expected

    def test_okx_pays_85_percent_of_the_hourly_interest(self) -> None:
        """OKX: 24 hours of 10,000 × 5 % / 365 / 24 × 0.85 make one day's gross."""
        hourly = SnapshotAverage([time(h) for h in range(24)])
        calc = RewardCalculator(
            USDT, AprSchedule.constant(ScaledApr("0.05", factor="0.85")), hourly
        )
        timeline = BalanceTimeline.from_events([], opening=10_000)
        hour = Fraction(10_000) * Fraction(5, 100) / 365 / 24 * Fraction(85, 100)
        assert near(one_day(calc, timeline), 24 * hour * 365)

    def test_a_negative_factor_is_refused(self) -> None:
        """A factor below zero would take rewards away and is refused."""
        with pytest.raises(InvalidInputError, match="ScaledApr factor must not be negative"):
            ScaledApr("0.05", factor="-1")


class TestLayeredAprSchedule:
    BASE = AprSchedule({JAN_1: "0.01", JAN_1 + 2 * DAY: "0.02"})
    BONUS = AprSchedule({JAN_1: "0", JAN_1 + DAY: "0.05", JAN_1 + 3 * DAY: "0"})

    def test_each_day_stacks_the_layers_in_force(self) -> None:
        """The layered rate changes whenever either layer changes, and adds them up."""
        both = AprSchedule.layered(self.BASE, self.BONUS)
        totals = [reference_annual(both.rate_on(JAN_1 + n * DAY), Fraction(1)) for n in range(5)]
        assert (
            totals
            == [Fraction(1, 100), Fraction(6, 100), Fraction(7, 100)] + [Fraction(2, 100)] * 2
        )

    def test_plus_is_layered(self) -> None:
        """Base + bonus is AprSchedule.layered(base, bonus)."""
        assert AprSchedule.layered(self.BASE, self.BONUS) == self.BASE + self.BONUS

    def test_it_starts_when_every_layer_has_a_rate(self) -> None:
        """Before a layer's first day the stack has no rate, rather than a silent zero."""
        late = AprSchedule({JAN_1 + DAY: "0.05"})
        both = self.BASE + late
        with pytest.raises(MissingRateError, match=str(JAN_1 + DAY)):
            both.rate_on(JAN_1)

    def test_only_schedules_can_be_layered(self) -> None:
        """Layering a bare rate is a type error naming the layer."""
        with pytest.raises(InvalidTypeError, match="layer 1 is a str"):
            AprSchedule.layered(self.BASE, "0.05")  # type: ignore[arg-type]


# -- rates that change within a day --------------------------------------------------

SPLIT = IntradayAprSchedule({utc(JAN_1): "0.05", utc(JAN_1, 6): "0.10"})
"""5 % until 06:00 UTC on 1 January, then 10 %."""

DEPOSIT_AT_NOON = BalanceTimeline.from_events(
    [BalanceEvent(utc(JAN_1, 12), Decimal(1000), kind="deposit")], opening=1000
)
"""1,000 until noon, then 2,000."""


class _Closing:
    """A custom policy: the balance at the day's last microsecond."""

    def measure(self, window: DayWindow, balances: BalanceView) -> Decimal:
        return balances.at_us(window.end_us - 1)


class TestIntradayPolicies:
    def test_time_weighted_integrates_balance_times_rate(self) -> None:
        """(6 h × 1,000 × 5 % + 6 h × 1,000 × 10 % + 12 h × 2,000 × 10 %) / 24 h = 137.5."""
        calc = RewardCalculator(USDT, SPLIT, TimeWeighted())
        annual = (
            6 * 1000 * Fraction(5, 100) + 6 * 1000 * Fraction(1, 10) + 12 * 2000 * Fraction(1, 10)
        ) / 24
        assert annual == Fraction(275, 2)
        assert near(one_day(calc, DEPOSIT_AT_NOON), annual)

    def test_time_weighted_reports_the_effective_rate(self) -> None:
        """The record's apr is the day's annual reward over the eligible balance."""
        calc = RewardCalculator(USDT, SPLIT, TimeWeighted())
        (record,) = calc.daily_rewards(DEPOSIT_AT_NOON, JAN_1, JAN_1 + DAY)
        assert record.eligible == 1500
        assert abs(Fraction(record.apr) - Fraction(275, 2) / 1500) < Fraction(1, 10**95)

    @pytest.mark.parametrize(
        ("at", "annual"),
        [
            (time(0), 1000 * Fraction(5, 100)),
            (time(7), 1000 * Fraction(1, 10)),
            (time(12), Fraction(200)),
        ],
    )
    def test_daily_snapshot_uses_the_rate_at_the_snapshot(self, at: time, annual: Fraction) -> None:
        """The balance and the rate are both read at the snapshot instant."""
        calc = RewardCalculator(USDT, SPLIT, DailySnapshot(at))
        assert near(one_day(calc, DEPOSIT_AT_NOON), annual)

    def test_snapshot_average_is_the_mean_of_balance_times_rate(self) -> None:
        """Snapshots at 03:00, 09:00, 15:00: (1,000 × 5 % + 1,000 × 10 % + 2,000 × 10 %) / 3."""
        calc = RewardCalculator(USDT, SPLIT, SnapshotAverage([time(3), time(9), time(15)]))
        annual = (1000 * Fraction(5, 100) + 1000 * Fraction(1, 10) + 2000 * Fraction(1, 10)) / 3
        assert near(one_day(calc, DEPOSIT_AT_NOON), annual)

    def test_a_25_hour_day_still_pays_one_day(self) -> None:
        """New York's 3 Nov 2024 lasts 25 h: 13 h at 5 % and 12 h at 10 % on 1,000, over 25 h."""
        ny = ZoneInfo("America/New_York")
        schedule = IntradayAprSchedule(
            {
                datetime(2024, 11, 3, tzinfo=ny): "0.05",
                datetime(2024, 11, 3, 12, tzinfo=ny): "0.10",
            }
        )
        calc = RewardCalculator(USDT, schedule, TimeWeighted(), tz=ny)
        timeline = BalanceTimeline.from_events([], opening=1000)
        annual = 1000 * (13 * Fraction(5, 100) + 12 * Fraction(1, 10)) / 25
        assert near(one_day(calc, timeline, date(2024, 11, 3)), annual)

    def test_minimum_balance_refuses_a_day_with_several_rates(self) -> None:
        """MinimumBalance has no meaningful mix of rates: the error names it and the day."""
        calc = RewardCalculator(USDT, SPLIT, MinimumBalance())
        with pytest.raises(InvalidInputError, match=r"MinimumBalance cannot .* 2024-01-01"):
            calc.daily_rewards(DEPOSIT_AT_NOON, JAN_1, JAN_1 + DAY)

    def test_a_custom_policy_refuses_a_day_with_several_rates(self) -> None:
        """A policy the library does not know is refused rather than guessed at."""
        calc = RewardCalculator(USDT, SPLIT, _Closing())
        with pytest.raises(InvalidInputError, match="_Closing cannot combine"):
            calc.daily_rewards(DEPOSIT_AT_NOON, JAN_1, JAN_1 + DAY)

    def test_rates_changing_only_at_day_starts_work_with_every_policy(self) -> None:
        """A day with one rate throughout earns as with a daily schedule, whatever the policy."""
        schedule = IntradayAprSchedule({utc(JAN_1): "0.05", utc(JAN_1 + DAY): "0.10"})
        daily = AprSchedule({JAN_1: "0.05", JAN_1 + DAY: "0.10"})
        policies: list[AccrualPolicy] = [MinimumBalance(), _Closing(), TimeWeighted()]
        for policy in policies:
            by_instant = RewardCalculator(USDT, schedule, policy)
            by_day = RewardCalculator(USDT, daily, policy)
            assert by_instant.daily_rewards(DEPOSIT_AT_NOON, JAN_1, JAN_1 + 2 * DAY) == (
                by_day.daily_rewards(DEPOSIT_AT_NOON, JAN_1, JAN_1 + 2 * DAY)
            )


class TestIntradayHoldingRules:
    def test_the_cap_scales_the_days_balances_to_the_cap(self) -> None:
        """Capped at 1,000 (measured 1,500), the day earns 1,000 at the balance-weighted rate."""
        calc = RewardCalculator(USDT, SPLIT, TimeWeighted(), cap=1000)
        weighted_rate = Fraction(3300) / Fraction(36_000)  # ∫ balance × rate / ∫ balance, in hours
        (record,) = calc.daily_rewards(DEPOSIT_AT_NOON, JAN_1, JAN_1 + DAY)
        assert near(Fraction(record.gross), 1000 * weighted_rate)
        assert abs(Fraction(record.apr) - weighted_rate) < Fraction(1, 10**95)

    def test_below_the_minimum_nothing_is_earned_at_the_days_mean_rate(self) -> None:
        """Under min_holding the gross is zero and apr is the time-weighted mean rate."""
        calc = RewardCalculator(USDT, SPLIT, TimeWeighted(), min_holding=2000)
        (record,) = calc.daily_rewards(DEPOSIT_AT_NOON, JAN_1, JAN_1 + DAY)
        assert record.gross == 0
        assert Fraction(record.apr) == (6 * Fraction(5, 100) + 18 * Fraction(1, 10)) / 24


class TestIntradaySchedule:
    def test_a_naive_key_is_refused(self) -> None:
        """Entries are instants: a naive datetime names none and is refused."""
        with pytest.raises(NaiveDatetimeError):
            IntradayAprSchedule({datetime(2024, 1, 1): "0.05"})

    def test_before_the_first_entry_there_is_no_rate(self) -> None:
        """A day starting before the schedule raises MissingRateError naming the start."""
        calc = RewardCalculator(USDT, SPLIT, TimeWeighted())
        with pytest.raises(MissingRateError, match="the schedule starts at 2024-01-01T00:00:00"):
            calc.daily_rewards(DEPOSIT_AT_NOON, JAN_1 - DAY, JAN_1)

    def test_realtime_plus_daily_bonus(self) -> None:
        """1 % then 2 % from noon, plus a daily 5 % bonus on the first 500, on 1,000: 40 a year."""
        realtime = IntradayAprSchedule({utc(JAN_1): "0.01", utc(JAN_1, 12): "0.02"})
        bonus = AprSchedule.constant(TieredApr([(500, "0.05"), (None, "0")]))
        schedule = realtime + bonus
        assert isinstance(schedule, LayeredSchedule)
        calc = RewardCalculator(USDT, schedule, TimeWeighted())
        timeline = BalanceTimeline.from_events([], opening=1000)
        assert near(one_day(calc, timeline), (Fraction(35) + Fraction(45)) / 2)

    def test_a_daily_layer_changes_at_the_calculators_day_start(self) -> None:
        """In UTC+8 a daily bonus from 2 January starts at 16:00 UTC on 1 January."""
        plus_eight = timezone(timedelta(hours=8))
        realtime = IntradayAprSchedule({utc(JAN_1 - DAY): "0.01", utc(JAN_1 + DAY, 4): "0.03"})
        bonus = AprSchedule({JAN_1 - DAY: "0", JAN_1 + DAY: "0.05"})
        calc = RewardCalculator(USDT, bonus + realtime, TimeWeighted(), tz=plus_eight)
        timeline = BalanceTimeline.from_events([], opening=1000)
        # 2 January in UTC+8 is 16:00 UTC 1 Jan to 16:00 UTC 2 Jan; realtime moves at
        # 04:00 UTC 2 Jan, 12 hours in.
        annual = 1000 * (Fraction(5, 100) + (Fraction(1, 100) + Fraction(3, 100)) / 2)
        assert near(one_day(calc, timeline, JAN_1 + DAY), annual)


def _integral_by_definition(
    timeline: BalanceTimeline, schedule: IntradayAprSchedule, start: datetime, end: datetime
) -> Fraction:
    """∫ balance(t) × rate(t) dt over [start, end), in microseconds, by brute breakpoints."""
    s, e = to_us(start), to_us(end)
    cuts = {s, e}
    cuts |= {to_us(ev.at) for ev in timeline.events if s < to_us(ev.at) < e}
    cuts |= {to_us(at) for at, _ in schedule.entries if s < to_us(at) < e}
    ordered = sorted(cuts)
    total = Fraction(0)
    for a, b in pairwise(ordered):
        instant = start + timedelta(microseconds=a - s)
        rate = schedule.rate_at(instant)
        assert isinstance(rate, Decimal)
        total += Fraction(timeline.balance_at(instant)) * Fraction(rate) * (b - a)
    return total


class TestIntradayProperties:
    @given(tokens(), any_rates(), intraday_policies(), st.data())
    def test_a_schedule_constant_over_the_day_is_the_daily_flat_rate(
        self, token: Token, rate: Rate, policy: AccrualPolicy, data: st.DataObject
    ) -> None:
        """Entries that repeat one rate change nothing: every record is the daily schedule's."""
        zone = data.draw(zones())
        more = data.draw(st.lists(instants(3), max_size=5))
        entries = {utc(FIRST_DAY - 2 * DAY): rate} | dict.fromkeys(more, rate)
        timeline = data.draw(timelines(token, days=3))
        cap = data.draw(st.one_of(st.none(), units(token).filter(bool)))
        intraday = RewardCalculator(token, IntradayAprSchedule(entries), policy, tz=zone, cap=cap)
        daily = RewardCalculator(token, AprSchedule.constant(rate), policy, tz=zone, cap=cap)
        end = FIRST_DAY + 3 * DAY
        assert intraday.daily_rewards(timeline, FIRST_DAY, end) == daily.daily_rewards(
            timeline, FIRST_DAY, end
        )

    @given(tokens(), st.lists(st.tuples(instants(2), aprs()), max_size=5), aprs(), st.data())
    def test_time_weighted_gross_is_the_integral_of_balance_times_rate(
        self,
        token: Token,
        changes: list[tuple[datetime, Decimal]],
        opening_rate: Decimal,
        data: st.DataObject,
    ) -> None:
        """Each day's gross is ∫ balance × rate dt / day length / 365, to one gross quantum."""
        entries = {utc(FIRST_DAY - 2 * DAY): opening_rate} | dict(changes)
        schedule = IntradayAprSchedule(entries)
        timeline = data.draw(timelines(token, days=2))
        calc = RewardCalculator(token, schedule, TimeWeighted())
        for record in calc.daily_rewards(timeline, FIRST_DAY, FIRST_DAY + 2 * DAY):
            window = calc.calendar.window(record.day)
            integral = _integral_by_definition(timeline, schedule, window.start, window.end)
            length = window.end_us - window.start_us
            assert near(Fraction(record.gross), integral / length, token)


@st.composite
def _constant_layers(draw: st.DrawFn) -> AprSchedule:
    """A layer of one rate of any kind, every day."""
    return AprSchedule.constant(draw(any_rates()))


@st.composite
def _changing_layers(draw: st.DrawFn) -> IntradayAprSchedule:
    """A layer of rates of any kind changing at drawn instants, one of them mid-day."""
    changes = draw(st.lists(st.tuples(instants(3), any_rates()), max_size=3))
    midday = utc(FIRST_DAY) + timedelta(seconds=draw(st.integers(3600, 82_800)))
    changes.append((midday, draw(any_rates())))
    return IntradayAprSchedule({utc(FIRST_DAY - 2 * DAY): draw(any_rates())} | dict(changes))


@st.composite
def _two_band_tiers(draw: st.DrawFn) -> TieredApr:
    """Marginal tiers with two different rates either side of a bound up to 10^9."""
    low, high = draw(st.lists(aprs(), min_size=2, max_size=2, unique=True))
    return TieredApr([(draw(st.integers(1, 10**9)), low), (None, high)])


@st.composite
def _layer_lists(draw: st.DrawFn) -> list[AprSchedule | IntradayAprSchedule]:
    """One to three layers of any kinds, or constant marginal tiers beside a changing rate."""
    both: list[AprSchedule | IntradayAprSchedule] = [
        AprSchedule.constant(draw(_two_band_tiers())),
        draw(_changing_layers()),
    ]
    more = st.one_of(_constant_layers(), _changing_layers())
    layers = draw(st.one_of(st.just(both), st.lists(more, min_size=1, max_size=3)))
    return draw(st.permutations(layers))


@st.composite
def _tier_sized_timelines(draw: st.DrawFn) -> BalanceTimeline:
    """Whole-token deposits up to 10^9, the size of the drawn tiers' bounds, one mid-day."""
    deposits = draw(st.lists(st.tuples(instants(3), st.integers(1, 10**9)), max_size=3))
    midday = utc(FIRST_DAY) + timedelta(seconds=draw(st.integers(3600, 82_800)))
    deposits.append((midday, draw(st.integers(1, 10**9))))
    return BalanceTimeline.from_events(
        [BalanceEvent(at, Decimal(amount)) for at, amount in deposits],
        opening=draw(st.integers(0, 10**9)),
    )


class TestLayersEarnSeparately:
    NOON_DEPOSIT = BalanceTimeline.from_events([BalanceEvent(utc(JAN_1, 12), Decimal(1000))])
    """Nothing until noon, then 1,000: a time-weighted average of 500."""

    BONUS = AprSchedule.constant(TieredApr([(500, "0.365"), (None, "0")]))
    """36.5 % on the first 500."""

    def test_a_constant_bonus_is_unmoved_by_a_realtime_change(self) -> None:
        """Real-time 0 then 1e-9 from noon plus the bonus earns both layers' definitions."""
        realtime = IntradayAprSchedule({utc(JAN_1): "0", utc(JAN_1, 12): "0.000000001"})
        calc = RewardCalculator(USDT, realtime + self.BONUS, TimeWeighted())
        bonus = marginal(Fraction(500), self.BONUS.rate_on(JAN_1).bands)  # type: ignore[union-attr]
        assert bonus == Fraction(365, 2)
        # ∫ balance × rate dt / day length: 1,000 × 10^-9 for half the day.
        real = 1000 * Fraction(1, 10**9) / 2
        gross = one_day(calc, self.NOON_DEPOSIT)
        assert gross == half_even((bonus + real) / 365, USDT.gross_quantum)
        assert gross > Fraction(1, 2)  # the bonus alone earns exactly 0.5

    def test_the_rate_at_zero_adds_each_layers(self) -> None:
        """Under the minimum, apr is the bonus's first band plus the real-time mean rate."""
        realtime = IntradayAprSchedule({utc(JAN_1): "0.01", utc(JAN_1, 6): "0.05"})
        calc = RewardCalculator(USDT, realtime + self.BONUS, TimeWeighted(), min_holding=10**6)
        (record,) = calc.daily_rewards(self.NOON_DEPOSIT, JAN_1, JAN_1 + DAY)
        mean = (6 * Fraction(1, 100) + 18 * Fraction(5, 100)) / 24
        assert record.gross == 0
        assert Fraction(record.apr) == Fraction(365, 1000) + mean

    @given(tokens(), intraday_policies(), st.data())
    def test_a_layered_schedule_earns_the_sum_of_its_layers_alone(
        self, token: Token, policy: AccrualPolicy, data: st.DataObject
    ) -> None:
        """Each day's gross is the sum of each layer's gross alone, to a quantum per layer."""
        layers = data.draw(_layer_lists())
        zone = data.draw(zones())
        timeline = data.draw(st.one_of(_tier_sized_timelines(), timelines(token, days=3)))
        cap = data.draw(st.one_of(st.none(), units(token).filter(bool)))

        def run(schedule: AprSchedule | IntradayAprSchedule | LayeredSchedule) -> list[Fraction]:
            calc = RewardCalculator(token, schedule, policy, tz=zone, cap=cap)
            records = calc.daily_rewards(timeline, FIRST_DAY, FIRST_DAY + 3 * DAY)
            return [Fraction(r.gross) for r in records]

        alone = [run(layer) for layer in layers]
        for n, gross in enumerate(run(LayeredSchedule(layers))):
            total = sum((grosses[n] for grosses in alone), Fraction(0))
            assert abs(gross - total) <= len(layers) * Fraction(token.gross_quantum)


class TestCallerContext:
    def test_new_rates_ignore_the_callers_decimal_context(self) -> None:
        """Stacked, scaled, whole-balance and intraday rates ignore a 5-digit caller context."""
        rate = ScaledApr(
            StackedApr(["0.0123", WholeBalanceTiers([(700, "0.01"), (None, "0.02")])]),
            factor="0.85",
        )
        schedule = IntradayAprSchedule({utc(JAN_1): rate, utc(JAN_1, 7): "0.031"})
        calc = RewardCalculator(Token("ETH", 18), schedule, TimeWeighted(), cap=1200)
        expected = calc.daily_rewards(DEPOSIT_AT_NOON, JAN_1, JAN_1 + 2 * DAY)
        with decimal.localcontext() as ctx:
            ctx.prec = 5
            ctx.rounding = decimal.ROUND_CEILING
            ctx.traps[decimal.Inexact] = True
            assert calc.daily_rewards(DEPOSIT_AT_NOON, JAN_1, JAN_1 + 2 * DAY) == expected
