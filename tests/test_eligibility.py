"""Eligibility transforms: frozen funds, waiting redemptions, T+1 and activation.

Expected balances come from the definitions, computed here with ``fractions.Fraction``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from softstaking import (
    AprSchedule,
    BalanceEvent,
    BalanceTimeline,
    DayCalendar,
    InvalidInputError,
    NegativeBalanceError,
    RewardCalculator,
    TimeWeighted,
    Token,
)
from softstaking.core.instants import to_us
from softstaking.programs.eligibility import (
    ORDER_FREEZE,
    ORDER_RELEASE,
    REDEMPTION_CANCEL,
    REDEMPTION_REQUEST,
    REDEMPTION_SETTLE,
    activated_events,
    earning_events,
    next_day_events,
    next_day_start,
)
from tests.strategies import FIRST_DAY, instants, timelines, tokens, zones

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
T0 = datetime(2025, 1, 1, tzinfo=UTC)
USD = Token("USD", 2)


def ev(at: datetime, delta: int | str, kind: str = "deposit") -> BalanceEvent:
    return BalanceEvent(at, delta, kind=kind)


def total(opening: Decimal, events: list[BalanceEvent], us: int, *, before: bool) -> Fraction:
    """The holding at ``us`` (or just before it), from the definition: opening plus deltas."""
    out = Fraction(opening)
    for e in events:
        t = to_us(e.at)
        if t < us or (t == us and not before):
            out += Fraction(e.delta)
    return out


def earning_by_definition(
    opening: Decimal, events: list[BalanceEvent], us: int, calendar: DayCalendar
) -> Fraction:
    """T+1 with pending funds withdrawn first: the lowest holding since just before the day."""
    day = calendar.day_of(datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us))
    b = to_us(calendar.start_of(day))
    lowest = total(opening, events, b, before=True)
    for e in events:
        s = to_us(e.at)
        if b <= s <= us:
            lowest = min(lowest, total(opening, events, s, before=False))
    return lowest


def time_weighted(tl: BalanceTimeline, day: date) -> Decimal:
    calc = RewardCalculator(USD, AprSchedule.constant(0), TimeWeighted())
    (record,) = calc.daily_rewards(tl, day, day + DAY)
    return record.balance


class TestFrozenFunds:
    EVENTS = (
        ev(T0 + 6 * HOUR, -40, ORDER_FREEZE),
        ev(T0 + 12 * HOUR, 40, ORDER_RELEASE),
        ev(T0 + 12 * HOUR, -40, "trade"),
    )

    def test_frozen_funds_do_not_earn_when_excluded(self) -> None:
        """Excluded, a freeze lowers the earning balance until its release."""
        tl = BalanceTimeline.from_events(
            earning_events(self.EVENTS, opening=100, frozen_earns=False), opening=100
        )
        # 100 for 6 h, 60 for 6 h, then 60 after the fill: (600 + 360 + 720) / 24.
        assert time_weighted(tl, T0.date()) == Fraction(100 * 6 + 60 * 6 + 60 * 12, 24)

    def test_frozen_funds_earn_when_included(self) -> None:
        """Included, funds in an open order earn until the order fills."""
        tl = BalanceTimeline.from_events(
            earning_events(self.EVENTS, opening=100, frozen_earns=True), opening=100
        )
        assert time_weighted(tl, T0.date()) == Fraction(100 * 12 + 60 * 12, 24)

    def test_releasing_more_than_is_frozen_is_refused(self) -> None:
        """A release with nothing frozen raises, naming the event and the frozen amount."""
        with pytest.raises(NegativeBalanceError, match=r"order_release of 5 .* frozen in orders"):
            earning_events([ev(T0, 5, ORDER_RELEASE)], frozen_earns=True)

    def test_freezing_more_than_is_available_is_refused(self) -> None:
        """A freeze larger than the available balance raises, even when frozen funds earn."""
        with pytest.raises(NegativeBalanceError, match="available balance to -1"):
            earning_events([ev(T0, -11, ORDER_FREEZE)], opening=10, frozen_earns=True)


class TestRedemptions:
    def test_a_waiting_redemption_earns_nothing(self) -> None:
        """Requested at t1 and settled at t2, a redemption stops earning at t1."""
        events = [
            ev(T0 + 6 * HOUR, -400, REDEMPTION_REQUEST),
            ev(T0 + 2 * DAY, -400, REDEMPTION_SETTLE),
        ]
        tl = BalanceTimeline.from_events(
            earning_events(events, opening=1000, frozen_earns=True), opening=1000
        )
        assert time_weighted(tl, T0.date()) == Fraction(1000 * 6 + 600 * 18, 24)
        assert time_weighted(tl, T0.date() + DAY) == 600
        assert time_weighted(tl, T0.date() + 2 * DAY) == 600

    def test_a_cancelled_redemption_earns_again(self) -> None:
        """A cancelled request returns its funds to the earning balance at the cancellation."""
        events = [
            ev(T0 + 6 * HOUR, -400, REDEMPTION_REQUEST),
            ev(T0 + 18 * HOUR, 400, REDEMPTION_CANCEL),
        ]
        tl = BalanceTimeline.from_events(
            earning_events(events, opening=1000, frozen_earns=False), opening=1000
        )
        assert time_weighted(tl, T0.date()) == Fraction(1000 * 12 + 600 * 12, 24)

    def test_settling_more_than_waits_is_refused(self) -> None:
        """A settlement without a matching request raises, naming the waiting amount."""
        with pytest.raises(NegativeBalanceError, match="waiting for redemption to -1"):
            earning_events([ev(T0, -1, REDEMPTION_SETTLE)], opening=5, frozen_earns=False)


class TestNextDay:
    def test_a_deposit_earns_from_the_next_day(self) -> None:
        """A deposit at 15:00 earns nothing that day and all of the next."""
        events = next_day_events([ev(T0 + 15 * HOUR, 100)], opening=50, calendar=DayCalendar())
        tl = BalanceTimeline.from_events(events, opening=50)
        assert time_weighted(tl, T0.date()) == 50
        assert time_weighted(tl, T0.date() + DAY) == 150

    def test_a_withdrawal_takes_the_funds_that_do_not_earn_yet_first(self) -> None:
        """Withdrawing 300 after depositing 500 the same day leaves the 1,000 earning."""
        events = [ev(T0 + 10 * HOUR, 500), ev(T0 + 15 * HOUR, -300, "withdrawal")]
        tl = BalanceTimeline.from_events(
            next_day_events(events, opening=1000, calendar=DayCalendar()), opening=1000
        )
        assert time_weighted(tl, T0.date()) == 1000
        assert time_weighted(tl, T0.date() + DAY) == 1200

    def test_a_withdrawal_beyond_the_pending_funds_cuts_the_earning_balance_at_once(
        self,
    ) -> None:
        """Withdrawing 700 after depositing 500 lowers the earning balance by 200 at once."""
        events = [ev(T0 + 10 * HOUR, 500), ev(T0 + 12 * HOUR, -700, "withdrawal")]
        tl = BalanceTimeline.from_events(
            next_day_events(events, opening=1000, calendar=DayCalendar()), opening=1000
        )
        assert time_weighted(tl, T0.date()) == Fraction(1000 * 12 + 800 * 12, 24)

    def test_a_round_trip_before_earning_changes_nothing(self) -> None:
        """A deposit withdrawn the same day leaves no earning event at all."""
        events = [ev(T0 + HOUR, 500), ev(T0 + 2 * HOUR, -500, "withdrawal")]
        assert next_day_events(events, opening=7, calendar=DayCalendar()) == []

    def test_a_deposit_at_the_day_start_waits_a_full_day(self) -> None:
        """A deposit at exactly 00:00 belongs to that day, so it earns from the next 00:00."""
        events = next_day_events([ev(T0, 100)], calendar=DayCalendar())
        assert [(e.at, e.delta) for e in events] == [(T0 + DAY, Decimal(100))]

    def test_the_next_day_is_the_programs_day(self) -> None:
        """With KuCoin's 22:00 UTC+8 day start, a 21:00 deposit earns from 22:00 the same date."""
        utc8 = timezone(timedelta(hours=8))
        calendar = DayCalendar(utc8, day_offset=timedelta(hours=-2))
        events = next_day_events([ev(datetime(2020, 4, 30, 21, tzinfo=utc8), 1)], calendar=calendar)
        assert [e.at for e in events] == [datetime(2020, 4, 30, 22, tzinfo=utc8)]

    def test_the_next_day_starts_at_local_midnight_across_dst(self) -> None:
        """A deposit the evening before New York springs forward earns from local midnight."""
        ny = ZoneInfo("America/New_York")
        events = next_day_events(
            [ev(datetime(2024, 3, 9, 23, tzinfo=ny), 1)], calendar=DayCalendar(ny)
        )
        assert [to_us(e.at) for e in events] == [to_us(datetime(2024, 3, 10, 5, tzinfo=UTC))]

    @given(zones(), instants(10))
    def test_next_day_start_is_the_start_of_the_calendars_next_day(
        self, zone: tzinfo, at: datetime
    ) -> None:
        """next_day_start(at) is the start of the day after the calendar day holding ``at``."""
        calendar = DayCalendar(zone, day_offset=timedelta(hours=-2))
        expected = calendar.start_of(calendar.day_of(at) + DAY)
        assert to_us(next_day_start(calendar, at)) == to_us(expected)

    def test_an_overdraft_is_refused(self) -> None:
        """A withdrawal beyond the holding raises, naming the event."""
        with pytest.raises(NegativeBalanceError, match="withdrawal of -6"):
            next_day_events([ev(T0, -6, "withdrawal")], opening=5, calendar=DayCalendar())

    @given(st.data())
    def test_the_earning_balance_is_the_lowest_holding_since_just_before_the_day(
        self, data: st.DataObject
    ) -> None:
        """At every instant, earning = min(holding just before the day, holding since)."""
        token = data.draw(tokens())
        tl = data.draw(timelines(token))
        calendar = DayCalendar(data.draw(zones()))
        events = list(tl.events)
        earning = BalanceTimeline.from_events(
            next_day_events(events, opening=tl.opening, calendar=calendar), opening=tl.opening
        )
        probes = {to_us(e.at) + d for e in events for d in (-1, 0)}
        probes |= {to_us(calendar.start_of(FIRST_DAY + k * DAY)) for k in range(-2, 14)}
        probes |= {to_us(data.draw(instants(10)))}
        for us in sorted(probes):
            at = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)
            expected = earning_by_definition(tl.opening, events, us, calendar)
            assert earning.balance_at(at) == expected
            assert expected <= total(tl.opening, events, us, before=False)


class TestActivation:
    def test_nothing_earns_before_activation(self) -> None:
        """Before activation the balance is zero; at it, the balance held arrives at once."""
        events = [ev(T0 - DAY, 100), ev(T0 + HOUR, 5), ev(T0 - HOUR, -30, "withdrawal")]
        start = T0 + 6 * HOUR
        out = activated_events(events, opening=10, at=start)
        tl = BalanceTimeline.from_events(out, opening=0)
        assert tl.balance_at(start - timedelta(microseconds=1)) == 0
        assert tl.balance_at(start) == 10 + 100 - 30 + 5
        assert [e.kind for e in out] == ["activation"]

    def test_events_after_activation_apply_unchanged(self) -> None:
        """Events from the activation instant on keep their instants and amounts."""
        later = ev(T0 + DAY, 7)
        out = activated_events([later, ev(T0, 3)], at=T0 + HOUR)
        assert out == [BalanceEvent(T0 + HOUR, 3, kind="activation"), later]

    @given(st.data())
    def test_the_balance_is_zero_before_activation_and_the_holding_from_it(
        self, data: st.DataObject
    ) -> None:
        """Before ``at`` nothing is held; from ``at`` on the balance is the holding's."""
        tl = data.draw(timelines(data.draw(tokens())))
        at = data.draw(instants(10))
        events = list(tl.events)
        out = BalanceTimeline.from_events(
            activated_events(events, opening=tl.opening, at=at), opening=0
        )
        probes = {to_us(e.at) + d for e in events for d in (-1, 0)} | {to_us(at) - 1, to_us(at)}
        for us in probes:
            when = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)
            expected = 0 if us < to_us(at) else total(tl.opening, events, us, before=False)
            assert out.balance_at(when) == expected

    def test_a_naive_activation_time_is_refused(self) -> None:
        """The activation instant must be timezone-aware."""
        with pytest.raises(ValueError, match="at must be timezone-aware"):
            activated_events([], at=datetime(2025, 1, 1))


class TestPocketSigns:
    @pytest.mark.parametrize(
        ("kind", "delta"),
        [
            (ORDER_FREEZE, 5),
            (ORDER_FREEZE, 0),
            (REDEMPTION_REQUEST, 5),
            (REDEMPTION_SETTLE, 500),
            (ORDER_RELEASE, -5),
            (REDEMPTION_CANCEL, -5),
            (REDEMPTION_CANCEL, 0),
        ],
    )
    def test_a_pocket_event_with_the_wrong_sign_is_refused_by_name(
        self, kind: str, delta: int
    ) -> None:
        """Freeze, request and settle must be negative, release and cancel positive."""
        t = datetime(2025, 1, 1, tzinfo=UTC)
        events = [BalanceEvent(t, 1), BalanceEvent(t, delta, kind=kind)]
        with pytest.raises(InvalidInputError, match=rf"events\[1\] \({kind} of"):
            earning_events(events, opening=10, frozen=10, waiting=10, frozen_earns=False)

    def test_a_positive_settlement_cannot_create_funds(self) -> None:
        """Settling +500 then cancelling +500 from nothing is refused, not a balance of 500."""
        t = datetime(2025, 1, 1, tzinfo=UTC)
        events = [
            BalanceEvent(t, 500, kind=REDEMPTION_SETTLE),
            BalanceEvent(t + timedelta(hours=1), 500, kind=REDEMPTION_CANCEL),
        ]
        with pytest.raises(InvalidInputError, match="redemption_settle"):
            earning_events(events, frozen_earns=True)


class TestOpeningPockets:
    T = datetime(2025, 1, 1, 3, tzinfo=UTC)

    def test_an_order_open_at_the_opening_can_be_released(self) -> None:
        """With frozen=40 at the opening, releasing 40 adds 40 to what earns (frozen excluded)."""
        release = BalanceEvent(self.T, 40, kind=ORDER_RELEASE)
        out = earning_events([release], opening=60, frozen=40, frozen_earns=False)
        assert [e.delta for e in out] == [40]

    def test_a_release_of_more_than_was_open_at_the_opening_is_refused(self) -> None:
        """Only what was frozen at the opening (plus later freezes) can be released."""
        release = BalanceEvent(self.T, 41, kind=ORDER_RELEASE)
        with pytest.raises(NegativeBalanceError, match="frozen in orders to -1"):
            earning_events([release], opening=60, frozen=40, frozen_earns=False)

    def test_a_redemption_waiting_at_the_opening_can_settle(self) -> None:
        """With waiting=40 at the opening, settling 40 is accepted and changes nothing earning."""
        settle = BalanceEvent(self.T, -40, kind=REDEMPTION_SETTLE)
        assert earning_events([settle], opening=60, waiting=40, frozen_earns=True) == []
        with pytest.raises(NegativeBalanceError, match="waiting for redemption to -1"):
            earning_events(
                [BalanceEvent(self.T, -41, kind=REDEMPTION_SETTLE)],
                opening=60,
                waiting=40,
                frozen_earns=True,
            )


class TestHugeAmounts:
    def test_an_inexact_sum_is_an_invalid_input_naming_the_event(self) -> None:
        """1E+70 plus 1E-36 needs 107 digits: refused as InvalidInputError, not decimal.Inexact."""
        t = datetime(2025, 1, 1, tzinfo=UTC)
        tiny = BalanceEvent(t, Decimal("1E-36"), kind="deposit")
        huge = Decimal("1E+70")
        match = r"events\[0\].*significant digits"
        with pytest.raises(InvalidInputError, match=match):
            earning_events([tiny], opening=huge, frozen_earns=True)
        with pytest.raises(InvalidInputError, match=match):
            next_day_events([tiny], opening=huge, calendar=DayCalendar())
        with pytest.raises(InvalidInputError, match=match):
            activated_events([tiny], opening=huge, at=t + timedelta(hours=1))


class TestNextDayRoundTrip:
    def test_a_same_day_round_trip_leaves_no_zero_rise(self) -> None:
        """+50 then −50 on one day, then +10 two days later: only the 10 rises, a day later."""
        t = datetime(2025, 1, 1, tzinfo=UTC)
        events = [
            BalanceEvent(t + timedelta(hours=10), 50),
            BalanceEvent(t + timedelta(hours=11), -50),
            BalanceEvent(t + timedelta(days=2), 10),
        ]
        out = next_day_events(events, opening=100, calendar=DayCalendar())
        assert [(e.at, e.delta) for e in out] == [(t + timedelta(days=3), Decimal(10))]
        assert all(e.delta != 0 for e in out)
