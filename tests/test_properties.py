"""The invariants of the calculator, checked by Hypothesis.

Expected values come from the definitions, computed here with ``fractions.Fraction`` or
with a context wide enough to be exact, never from the library's own output.
"""

from __future__ import annotations

import decimal
import math
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from typing import NamedTuple
from zoneinfo import ZoneInfo

import attrs
from hypothesis import example, given, settings
from hypothesis import strategies as st

from softstaking import (
    AprSchedule,
    BalanceEvent,
    BalanceTimeline,
    DailyReward,
    DailySnapshot,
    DayCalendar,
    Dust,
    MinimumBalance,
    RewardCalculator,
    TieredApr,
    TimeWeighted,
    Token,
    WeeklyPayouts,
)
from softstaking.core.instants import to_us
from tests.strategies import (
    FIRST_DAY,
    WIDE,
    aprs,
    day_offsets,
    first_days,
    instants,
    of_units,
    policies,
    tiered_aprs,
    timelines,
    tokens,
    units,
    wall_times,
    zones,
)

DAY = timedelta(days=1)
LOOSE = decimal.Context(prec=500)
"""For deliberate rounding in the tests' expectations."""


def total(values: list[Decimal]) -> Decimal:
    """An exact sum (the wide context raises rather than round)."""
    out = Decimal(0)
    for v in values:
        out = WIDE.add(out, v)
    return out


def half_even(value: Fraction, quantum: Decimal) -> Fraction:
    """``value`` rounded half-even to a multiple of ``quantum``."""
    q = Fraction(quantum)
    n = value / q
    floor = math.floor(n)
    rest = n - floor
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and floor % 2):
        floor += 1
    return floor * q


def marginal(balance: Fraction, bands: tuple[tuple[Decimal | None, Decimal], ...]) -> Fraction:
    """A year's reward under marginal bands, from the definition."""
    out, lower = Fraction(0), Fraction(0)
    for up_to, apr in bands:
        top = balance if up_to is None else min(balance, Fraction(up_to))
        if top > lower:
            out += (top - lower) * Fraction(apr)
        if up_to is None or balance <= Fraction(up_to):
            break
        lower = Fraction(up_to)
    return out


class Case(NamedTuple):
    """A calculator, a timeline, and the first day of the run."""

    calc: RewardCalculator
    timeline: BalanceTimeline
    first: date


@st.composite
def runs(draw: st.DrawFn, *, compound: bool = False) -> Case:
    """Any policy, zone, day offset, rate, holding rules, payout and dust mode, and a timeline.

    Runs mostly start a few days before a DST change, so that they cross it.
    """
    token = draw(tokens())
    rate = draw(st.one_of(aprs(), tiered_aprs()))
    cap = draw(st.one_of(st.none(), units(token, max_units=10**30).filter(bool)))
    zone = draw(zones())
    payout_schedule = draw(st.one_of(st.none(), st.just(WeeklyPayouts([0], tz=zone))))
    delays = [timedelta(0)] if payout_schedule else [timedelta(0), timedelta(hours=8), DAY]
    calc = RewardCalculator(
        token,
        AprSchedule.constant(rate),
        draw(policies()),
        tz=zone,
        day_offset=draw(day_offsets()),
        min_holding=draw(st.one_of(st.just(Decimal(0)), units(token, max_units=10**20))),
        cap=cap,
        compound=compound,
        payout_delay=draw(st.sampled_from(delays)),
        payout_schedule=payout_schedule,
        min_payout=draw(st.one_of(st.just(Decimal(0)), units(token, max_units=10**6))),
        dust=draw(st.sampled_from(Dust)),
    )
    first = draw(first_days())
    return Case(calc, draw(timelines(token, first=first)), first)


def run(
    calc: RewardCalculator, timeline: BalanceTimeline, first: date, days: int = 10
) -> list[DailyReward]:
    return calc.daily_rewards(timeline, first, first + days * DAY)


class TestConservation:
    @given(runs())
    def test_no_base_unit_is_created_or_lost(self, case: Case) -> None:
        """No base unit is lost: sum(paid) + final carry + sum(forfeited) == sum(gross)."""
        calc, timeline, first = case
        records = run(calc, timeline, first)
        paid = [r.paid for r in records]
        forfeited = [r.forfeited for r in records]
        assert total([*paid, records[-1].carry, *forfeited]) == total([r.gross for r in records])

    @given(runs())
    def test_paid_is_whole_base_units(self, case: Case) -> None:
        """Every payment is a non-negative whole number of base units."""
        calc, timeline, first = case
        for r in run(calc, timeline, first):
            assert r.paid >= 0
            assert r.paid == r.paid.quantize(calc.token.base_unit, context=WIDE)

    @given(st.integers(1, 9), aprs(max_basis_points=2_000).filter(bool))
    @settings(max_examples=10)
    def test_dust_of_a_long_run_of_tiny_rewards_is_paid_not_lost(
        self, balance_units: int, apr: Decimal
    ) -> None:
        """Over 2,000 days of rewards far below a base unit, the carry pays out every unit."""
        token = Token("DUST", 18)
        timeline = BalanceTimeline.from_events([], opening=of_units(balance_units, token))
        calc = RewardCalculator(token, AprSchedule.constant(apr))
        records = calc.daily_rewards(timeline, FIRST_DAY, FIRST_DAY + 2_000 * DAY)
        assert all(r.gross < token.base_unit for r in records)
        paid = total([r.paid for r in records])
        gross = total([r.gross for r in records])
        assert WIDE.add(paid, records[-1].carry) == gross
        # Carrying, every whole unit earned is paid: what is left is less than one unit.
        assert 0 <= records[-1].carry < token.base_unit
        floor = gross.quantize(token.base_unit, rounding=decimal.ROUND_DOWN, context=LOOSE)
        assert paid == floor

    @given(runs())
    def test_carry_stays_below_a_base_unit_without_a_minimum_payout(self, case: Case) -> None:
        """With the sub-unit rest carried and no minimum payout, 0 <= carry < one base unit."""
        calc, timeline, first = case
        calc = attrs.evolve(calc, min_payout=Decimal(0), dust=Dust.CARRY)
        for r in run(calc, timeline, first):
            assert 0 <= r.carry < calc.token.base_unit


class TestSplitting:
    @given(runs(), st.integers(0, 10))
    def test_splitting_a_range_changes_no_days_gross(self, case: Case, cut: int) -> None:
        """Splitting [a, c) at b gives the same records, the carry passed from one to the other."""
        calc, timeline, first = case
        whole = run(calc, timeline, first)
        middle = first + cut * DAY
        before = calc.daily_rewards(timeline, first, middle)
        carry = before[-1].carry if before else Decimal(0)
        after = calc.daily_rewards(timeline, middle, first + 10 * DAY, carry=carry)
        assert [r.gross for r in before + after] == [r.gross for r in whole]
        assert before + after == whole

    @given(runs(compound=True), st.integers(0, 10))
    def test_splitting_a_compounding_range_with_its_credits_changes_nothing(
        self, case: Case, cut: int
    ) -> None:
        """Compounding, [a, c) split at b gives the same records when b's run gets a's credits."""
        calc, timeline, first = case
        whole = run(calc, timeline, first)
        middle = first + cut * DAY
        before = calc.daily_rewards(timeline, first, middle)
        carry = before[-1].carry if before else Decimal(0)
        after = calc.daily_rewards(timeline, middle, first + 10 * DAY, carry=carry, credited=before)
        assert before + after == whole


class TestZero:
    @given(runs())
    def test_zero_balance_earns_zero(self, case: Case) -> None:
        """An account that never holds anything earns nothing."""
        calc, _, first = case
        for r in run(calc, BalanceTimeline.from_events([]), first):
            assert r.gross == 0
            assert r.paid == 0

    @given(runs())
    def test_zero_rate_earns_zero(self, case: Case) -> None:
        """A rate of zero earns nothing, whatever the balance."""
        calc, timeline, first = case
        calc = attrs.evolve(calc, schedule=AprSchedule.constant(0))
        assert all(r.gross == 0 and r.paid == 0 for r in run(calc, timeline, first))


class TestMonotone:
    @given(runs(), st.data())
    def test_more_balance_never_earns_less(self, case: Case, data: st.DataObject) -> None:
        """Adding a deposit never lowers any day's gross reward."""
        calc, timeline, first = case
        extra = data.draw(units(calc.token, max_units=10**24))
        at = data.draw(instants(10, calc.tz, first=first))
        richer = BalanceTimeline.from_events(
            [*timeline.events, BalanceEvent(at, extra)], opening=timeline.opening
        )
        for poorer, more in zip(run(calc, timeline, first), run(calc, richer, first), strict=True):
            assert more.gross >= poorer.gross

    @given(runs(), aprs(), aprs())
    def test_a_higher_rate_never_earns_less(self, case: Case, low: Decimal, high: Decimal) -> None:
        """Raising a flat rate never lowers any day's gross reward."""
        calc, timeline, first = case
        low, high = sorted((low, high))

        def at(rate: Decimal) -> list[DailyReward]:
            return run(attrs.evolve(calc, schedule=AprSchedule.constant(rate)), timeline, first)

        for a, b in zip(at(low), at(high), strict=True):
            assert b.gross >= a.gross

    @given(runs(), tiered_aprs(), aprs())
    def test_raising_every_band_never_earns_less(
        self, case: Case, tiers: TieredApr, bump: Decimal
    ) -> None:
        """Raising every band of a tier table never lowers any day's gross reward."""
        calc, timeline, first = case
        higher = TieredApr([(up, WIDE.add(apr, bump)) for up, apr in tiers.bands])

        def at(rate: TieredApr) -> list[DailyReward]:
            return run(attrs.evolve(calc, schedule=AprSchedule.constant(rate)), timeline, first)

        for a, b in zip(at(tiers), at(higher), strict=True):
            assert b.gross >= a.gross


class TestPoliciesAgree:
    @given(
        tokens(),
        st.tuples(zones(), day_offsets(), first_days()),
        st.lists(st.integers(-(10**20), 10**20), max_size=8),
        aprs(),
    )
    def test_policies_agree_when_the_balance_is_constant_within_each_day(
        self,
        token: Token,
        days: tuple[tzinfo, timedelta, date],
        deltas: list[int],
        apr: Decimal,
    ) -> None:
        """Snapshot, time-weighted and minimum agree when balances change only at day starts."""
        zone, offset, first = days
        calendar = DayCalendar(zone, day_offset=offset)
        starts = [calendar.start_of(first + i * DAY) for i in range(len(deltas))]
        opening = 10**21
        events, balance = [], opening
        for at, wanted in zip(starts, deltas, strict=True):
            delta = max(wanted, -balance)  # never overdraw
            balance += delta
            events.append(BalanceEvent(at, of_units(delta, token)))
        timeline = BalanceTimeline.from_events(events, opening=of_units(opening, token))
        results = []
        for policy in (DailySnapshot(), TimeWeighted(), MinimumBalance()):
            calc = RewardCalculator(
                token, AprSchedule.constant(apr), policy, tz=zone, day_offset=offset
            )
            results.append([(r.balance, r.gross) for r in run(calc, timeline, first)])
        assert results[0] == results[1] == results[2]


class TestTimezones:
    @given(runs(), zones())
    def test_the_same_instants_in_another_zone_give_the_same_results(
        self, case: Case, other: tzinfo
    ) -> None:
        """Writing the events' instants in another zone changes no result."""
        calc, timeline, first = case
        moved = BalanceTimeline.from_events(
            [BalanceEvent(e.at.astimezone(other), e.delta, kind=e.kind) for e in timeline.events],
            opening=timeline.opening,
        )
        assert run(calc, moved, first) == run(calc, timeline, first)

    @given(runs(), zones(), st.data())
    def test_timeline_questions_do_not_depend_on_the_zone_they_are_asked_in(
        self, case: Case, other: tzinfo, data: st.DataObject
    ) -> None:
        """balance_at, min_balance and average_balance depend on the instant, not its zone."""
        _, timeline, first = case
        a, b = sorted(
            data.draw(st.lists(instants(10, first=first), min_size=2, max_size=2, unique=True))
        )
        assert timeline.balance_at(a) == timeline.balance_at(a.astimezone(other))
        assert timeline.min_balance(a, b) == timeline.min_balance(
            a.astimezone(other), b.astimezone(other)
        )
        assert timeline.average_balance(a, b) == timeline.average_balance(
            a.astimezone(other), b.astimezone(other)
        )

    @given(zones(), day_offsets(), first_days())
    def test_days_tile_time(self, zone: tzinfo, offset: timedelta, first: date) -> None:
        """Each day ends where the next starts, lasts 23 to 25 hours, and day_of finds it."""
        calendar = DayCalendar(zone, day_offset=offset)
        windows = calendar.windows(first, first + 8 * DAY)
        for w, nxt in pairwise(windows):
            assert w.end == nxt.start
        for w in windows:
            assert timedelta(hours=23) <= w.duration <= timedelta(hours=25)
            if not offset:
                assert w.start.astimezone(zone).hour in (0, 1)  # midnight, or after a gap at it
            assert calendar.day_of(w.start) == w.day
            # In UTC: aware arithmetic in a zone is wall-clock arithmetic, wrong near a gap.
            last = w.end.astimezone(UTC) - timedelta(microseconds=1)
            assert calendar.day_of(last) == w.day

    @given(zones(), day_offsets(), first_days(), wall_times())
    @example(
        ZoneInfo("America/New_York"), timedelta(hours=2, minutes=30), date(2024, 3, 9), time(2)
    )
    @example(ZoneInfo("Africa/Cairo"), timedelta(hours=1), date(2024, 4, 25), time(0))
    def test_every_time_of_day_is_read_inside_its_day(
        self, zone: tzinfo, offset: timedelta, first: date, wall: time
    ) -> None:
        """A day's reading at any wall-clock time is an instant of that day, [start, end)."""
        for w in DayCalendar(zone, day_offset=offset).windows(first, first + 8 * DAY):
            assert w.start <= w.at(wall) < w.end


class TestCompounding:
    @given(runs(compound=True))
    def test_compounding_never_pays_less_than_simple(self, case: Case) -> None:
        """Day by day, compounding earns at least as much as simple, and pays at least as much.

        Earned is cumulative gross (equally, paid + carry + forfeited). Paid alone is
        compared only without a minimum payout: with one, compounding can reach the
        threshold a day earlier and pay a smaller amount sooner, so simple's later, larger
        payment can briefly put its cumulative paid ahead.
        """
        compounding, timeline, first = case
        simple = attrs.evolve(compounding, compound=False)
        with_compounding = run(compounding, timeline, first, days=30)
        without = run(simple, timeline, first, days=30)
        gross_c = gross_s = paid_c = paid_s = Decimal(0)
        for c, s in zip(with_compounding, without, strict=True):
            gross_c, gross_s = WIDE.add(gross_c, c.gross), WIDE.add(gross_s, s.gross)
            paid_c, paid_s = WIDE.add(paid_c, c.paid), WIDE.add(paid_s, s.paid)
            assert gross_c >= gross_s
            if compounding.min_payout == 0:
                assert paid_c >= paid_s


class TestDefinitions:
    @given(runs())
    def test_gross_is_eligible_times_rate_over_the_year(self, case: Case) -> None:
        """Gross is eligible × APR / 365, rounded half-even to the gross quantum."""
        calc, timeline, first = case
        assert isinstance(calc.schedule, AprSchedule)
        rate = calc.schedule.rate_on(first)
        for r in run(calc, timeline, first):
            eligible = Fraction(r.eligible)
            if isinstance(rate, TieredApr):
                annual = marginal(eligible, rate.bands)
            else:
                assert isinstance(rate, Decimal)
                annual = eligible * Fraction(rate)
            expected = half_even(annual / 365, calc.token.gross_quantum)
            # The measured balance of an average carries 100 significant digits, already
            # rounded once; allow one quantum for that.
            assert abs(Fraction(r.gross) - expected) <= Fraction(calc.token.gross_quantum)

    @given(runs())
    def test_eligible_applies_the_minimum_holding_and_the_cap(self, case: Case) -> None:
        """Eligible is 0 below the minimum holding, the cap above it, else the measured balance."""
        calc, timeline, first = case
        for r in run(calc, timeline, first):
            if r.balance < calc.min_holding:
                assert r.eligible == 0
            elif calc.cap is not None and r.balance > calc.cap:
                assert r.eligible == calc.cap
            else:
                assert r.eligible == r.balance

    @given(tokens().flatmap(timelines), st.data())
    def test_average_is_the_integral_over_the_length(
        self, timeline: BalanceTimeline, data: st.DataObject
    ) -> None:
        """The time-weighted average is the exact integral of the balance over the window length."""
        start, end = sorted(data.draw(st.lists(instants(10), min_size=2, max_size=2, unique=True)))
        s, e = to_us(start), to_us(end)
        changes = [(to_us(ev.at), Fraction(ev.delta)) for ev in timeline.events]
        integral = Fraction(0)
        # Walk the step function: the balance at s, then each change inside (s, e).
        balance = Fraction(timeline.opening) + sum((d for t, d in changes if t <= s), Fraction(0))
        cursor = s
        for t, d in changes:
            if s < t < e:
                integral += balance * (t - cursor)
                balance += d
                cursor = t
        integral += balance * (e - cursor)
        expected = integral / (e - s)
        got = Fraction(timeline.average_balance(start, end))
        assert abs(got - expected) <= abs(expected) * Fraction(1, 10**99)


REFERENCE_ZONES = ("America/New_York", "Europe/London", "Australia/Lord_Howe")
"""Zones whose clocks never change at 00:00, 22:00 or 12:00, so the model needs no gap rule."""


class TestAgainstAModelFromTheDefinitions:
    @given(
        tokens(),
        st.tuples(
            st.sampled_from(REFERENCE_ZONES),
            st.sampled_from([timedelta(0), timedelta(hours=-2)]),
            first_days(),
        ),
        st.booleans(),
        aprs(),
        st.data(),
    )
    def test_measured_balance_gross_and_paid_follow_the_definitions(
        self,
        token: Token,
        days: tuple[str, timedelta, date],
        average: bool,
        apr: Decimal,
        data: st.DataObject,
    ) -> None:
        """Each day's balance, gross and paid are what the definitions give, computed apart.

        The model cuts days with zoneinfo wall-clock times, integrates the step function
        with fractions, and settles with floor and carry: none of it calls the library.
        """
        name, offset, first = days
        zone = ZoneInfo(name)
        timeline = data.draw(timelines(token, first=first, min_events=100, max_events=200))
        policy = TimeWeighted() if average else DailySnapshot(time(12))
        calc = RewardCalculator(
            token, AprSchedule.constant(apr), policy, tz=zone, day_offset=offset
        )
        changes = [(to_us(e.at), Fraction(e.delta)) for e in timeline.events]

        def balance_at(t: int) -> Fraction:
            return Fraction(timeline.opening) + sum(
                (d for at, d in changes if at <= t), Fraction(0)
            )

        def cut(day: date) -> int:
            return to_us((datetime.combine(day, time(0)) + offset).replace(tzinfo=zone))

        carry = Fraction(0)
        unit, quantum = Fraction(calc.token.base_unit), Fraction(calc.token.gross_quantum)
        for r in calc.daily_rewards(timeline, first, first + 10 * DAY):
            s, e = cut(r.day), cut(r.day + DAY)
            if average:
                points = [s, *sorted({at for at, _ in changes if s < at < e}), e]
                integral = sum((balance_at(a) * (b - a) for a, b in pairwise(points)), Fraction(0))
                measured = integral / (e - s)
                assert abs(Fraction(r.balance) - measured) <= measured / 10**99
            else:
                noon = to_us(datetime.combine(r.day, time(12), tzinfo=zone))
                measured = balance_at(noon)
                assert Fraction(r.balance) == measured
            expected_gross = half_even(measured * Fraction(apr) / 365, calc.token.gross_quantum)
            assert abs(Fraction(r.gross) - expected_gross) <= quantum
            owed = carry + Fraction(r.gross)
            assert Fraction(r.paid) == math.floor(owed / unit) * unit
            carry = owed - Fraction(r.paid)
            assert Fraction(r.carry) == carry
