"""Bad input gets a clear error that names what is wrong, and nothing is silently clamped."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest

from softstaking import (
    AprSchedule,
    BalanceEvent,
    BalanceTimeline,
    DailySnapshot,
    DayCalendar,
    InvalidBandError,
    InvalidInputError,
    InvalidTypeError,
    MissingRateError,
    NaiveDatetimeError,
    NegativeBalanceError,
    RewardCalculator,
    SnapshotAverage,
    SoftStakingError,
    TieredApr,
    Token,
)
from softstaking.core.days import DayWindow
from softstaking.core.policies import check_measured
from softstaking.core.sweep import BalanceView

T0 = datetime(2024, 1, 1, tzinfo=UTC)
DAY1, DAY2 = date(2024, 1, 1), date(2024, 1, 2)
USDT = Token("USDT", 6)


def calc(**settings: object) -> RewardCalculator:
    return RewardCalculator(USDT, AprSchedule.constant("0.05"), **settings)  # type: ignore[arg-type]


class TestHierarchy:
    def test_every_error_is_a_softstaking_error_and_a_builtin(self) -> None:
        """Each error class is a SoftStakingError and a ValueError or a TypeError."""
        assert issubclass(InvalidInputError, SoftStakingError)
        assert issubclass(InvalidInputError, ValueError)
        assert issubclass(InvalidTypeError, SoftStakingError)
        assert issubclass(InvalidTypeError, TypeError)
        for cls in (NaiveDatetimeError, MissingRateError, NegativeBalanceError):
            assert issubclass(cls, InvalidInputError)


class TestAmounts:
    @pytest.mark.parametrize(
        "make",
        [
            lambda v: BalanceEvent(T0, v),
            lambda v: BalanceTimeline.from_events([], opening=v),
            AprSchedule.constant,
            lambda v: TieredApr([(None, v)]),
            lambda v: calc(min_holding=v),
            lambda v: calc(cap=v),
            lambda v: calc(min_payout=v),
        ],
    )
    def test_floats_are_refused_with_a_hint(self, make: object) -> None:
        """A float is a TypeError that says to pass a Decimal or a string."""
        with pytest.raises(InvalidTypeError, match=r"pass Decimal\('0.1'\) or the string '0.1'"):
            make(0.1)  # type: ignore[operator]

    @pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", Decimal("NaN")])
    def test_nan_and_infinities_are_refused(self, value: object) -> None:
        """NaN and infinities are not amounts."""
        with pytest.raises(InvalidInputError, match="finite"):
            BalanceEvent(T0, value)  # type: ignore[arg-type]

    def test_bools_are_refused(self) -> None:
        """True is not an amount, though Python counts it as 1."""
        with pytest.raises(InvalidTypeError, match="bool"):
            BalanceEvent(T0, True)

    def test_unreadable_strings_are_refused(self) -> None:
        """A string that is not a number names itself."""
        with pytest.raises(InvalidInputError, match="'12,5'"):
            BalanceEvent(T0, "12,5")

    def test_negative_rates_are_refused(self) -> None:
        """A negative APR is an error naming the day it takes effect."""
        with pytest.raises(InvalidInputError, match="2024-01-01 must not be negative"):
            AprSchedule({DAY1: "-0.01"})

    def test_amounts_finer_than_the_token_are_refused(self) -> None:
        """An event smaller than the token's base unit could never be paid: it is an error."""
        timeline = BalanceTimeline.from_events([BalanceEvent(T0, "0.0000001", kind="deposit")])
        with pytest.raises(
            InvalidInputError,
            match=r"deposit of 0\.0000001 .* finer than USDT's base unit 0\.000001",
        ):
            calc().daily_rewards(timeline, DAY1, DAY2)


class TestTimes:
    def test_naive_event_times_are_refused(self) -> None:
        """An event at a naive datetime names the field and suggests a zone."""
        with pytest.raises(NaiveDatetimeError, match=r"BalanceEvent\.at must be timezone-aware"):
            BalanceEvent(datetime(2024, 1, 1), 1)

    def test_naive_questions_are_refused(self) -> None:
        """Asking a timeline about a naive instant is an error."""
        with pytest.raises(NaiveDatetimeError):
            BalanceTimeline.from_events([]).balance_at(datetime(2024, 1, 1))

    def test_a_datetime_is_not_a_day(self) -> None:
        """Passing a datetime where a calendar day is meant is a TypeError."""
        with pytest.raises(InvalidTypeError, match=r"start must be a datetime\.date"):
            calc().daily_rewards(BalanceTimeline.from_events([]), T0, DAY2)

    def test_end_before_start_is_refused(self) -> None:
        """A range that runs backwards is an error naming both ends."""
        with pytest.raises(InvalidInputError, match=r"end \(2024-01-01\) is before start"):
            calc().daily_rewards(BalanceTimeline.from_events([]), DAY2, DAY1)

    def test_an_empty_window_is_refused(self) -> None:
        """min_balance over a window with no time in it is an error."""
        with pytest.raises(InvalidInputError, match="must be after start"):
            BalanceTimeline.from_events([]).min_balance(T0, T0)

    def test_tz_aware_snapshot_times_are_refused(self) -> None:
        """A snapshot time with its own tzinfo is ambiguous: the calculator's tz decides."""
        with pytest.raises(
            InvalidInputError,
            match=r"^DailySnapshot\.at must be a wall-clock time without tzinfo \(00:00:00\+00:00 "
            r"has one\); the calculator's tz says which zone's clock it is$",
        ):
            DailySnapshot(time(0, tzinfo=UTC))

    def test_day_offsets_beyond_a_day_are_refused(self) -> None:
        """A day offset of a whole day or more is an error."""
        with pytest.raises(InvalidInputError, match="day_offset"):
            DayCalendar(UTC, day_offset=timedelta(hours=24))

    def test_a_negative_payout_delay_is_refused(self) -> None:
        """Rewards cannot be paid before the day they accrue on ends."""
        with pytest.raises(InvalidInputError, match="payout_delay must not be negative"):
            calc(payout_delay=timedelta(hours=-1))

    def test_a_string_zone_is_refused(self) -> None:
        """The zone must be a tzinfo, not its name."""
        with pytest.raises(InvalidTypeError, match="tz must be a tzinfo"):
            calc(tz="Asia/Shanghai")


class TestBalances:
    def test_overdrawing_names_the_event(self) -> None:
        """An event that takes the balance below zero is named, with its position."""
        events = [
            BalanceEvent(T0, 10, kind="deposit"),
            BalanceEvent(T0 + timedelta(hours=1), -11, kind="withdrawal"),
        ]
        with pytest.raises(NegativeBalanceError, match=r"events\[1\] \(withdrawal of -11") as err:
            BalanceTimeline.from_events(events)
        assert err.value.index == 1
        assert err.value.event is events[1]
        assert err.value.balance == -1

    def test_same_instant_events_apply_in_the_given_order(self) -> None:
        """A withdrawal listed before the deposit at the same instant overdraws."""
        events = [BalanceEvent(T0, -5), BalanceEvent(T0, 5)]
        with pytest.raises(NegativeBalanceError):
            BalanceTimeline.from_events(events)
        assert BalanceTimeline.from_events(events[::-1]).balance_at(T0) == 0

    def test_non_events_are_refused(self) -> None:
        """Anything that is not a BalanceEvent is named by position."""
        with pytest.raises(InvalidTypeError, match=r"events\[0\] must be a BalanceEvent"):
            BalanceTimeline.from_events([(T0, 5)])  # type: ignore[list-item]


class TestRates:
    def test_a_day_before_the_schedule_has_no_rate(self) -> None:
        """A day before the first entry is a MissingRateError naming both dates."""
        schedule = AprSchedule({DAY2: "0.05"})
        with pytest.raises(
            MissingRateError, match=r"no rate for 2024-01-01: .* starts on 2024-01-02"
        ):
            schedule.rate_on(DAY1)
        with pytest.raises(MissingRateError):
            RewardCalculator(USDT, schedule).daily_rewards(
                BalanceTimeline.from_events([]), DAY1, DAY2 + timedelta(days=1)
            )

    def test_tier_bounds_must_rise(self) -> None:
        """Tier bounds that do not rise are an error naming the band."""
        with pytest.raises(InvalidInputError, match="band 1"):
            TieredApr([(100, "0.1"), (100, "0.05"), (None, "0.01")])

    def test_the_last_tier_must_be_open(self) -> None:
        """A last band with a bound would leave larger balances without a rate."""
        with pytest.raises(InvalidInputError, match="up_to=None"):
            TieredApr([(100, "0.1")])

    def test_snapshot_times_must_be_distinct_and_present(self) -> None:
        """SnapshotAverage refuses no times and repeated times."""
        with pytest.raises(InvalidInputError, match=r"^SnapshotAverage needs at least one time$"):
            SnapshotAverage([])
        with pytest.raises(InvalidInputError, match=r"^SnapshotAverage times must be distinct"):
            SnapshotAverage([time(1), time(1)])

    @pytest.mark.parametrize("times", [time(1), 1, None])
    def test_snapshot_times_must_be_an_iterable(self, times: object) -> None:
        """SnapshotAverage given one time, or no iterable, is the library's InvalidTypeError."""
        with pytest.raises(
            InvalidTypeError, match=r"SnapshotAverage takes an iterable of datetime\.time values$"
        ):
            SnapshotAverage(times)  # type: ignore[arg-type]

    def test_snapshot_times_must_be_times(self) -> None:
        """A time of day given as a string is an InvalidTypeError naming what was given."""
        with pytest.raises(InvalidTypeError, match=r"SnapshotAverage time must be .* not str"):
            SnapshotAverage(["01:00"])  # type: ignore[list-item]
        with pytest.raises(InvalidTypeError, match=r"DailySnapshot\.at must be .* not str"):
            DailySnapshot("01:00")  # type: ignore[arg-type]


class TestTokens:
    @pytest.mark.parametrize("decimals", [-1, 37])
    def test_decimals_out_of_range_are_refused(self, decimals: int) -> None:
        """Decimals run from 0 to 36."""
        with pytest.raises(InvalidInputError, match="0 to 36"):
            Token("X", decimals)

    def test_decimals_must_be_an_int(self) -> None:
        """Decimals of the wrong type are a TypeError."""
        with pytest.raises(InvalidTypeError):
            Token("X", "18")  # type: ignore[arg-type]


class TestPolicies:
    def test_a_policy_returning_a_float_is_named(self) -> None:
        """A custom policy that returns a float is an error naming it and the day."""

        class Sloppy:
            def measure(self, window: DayWindow, balances: BalanceView) -> Decimal:
                return 1.5  # type: ignore[return-value]

        with pytest.raises(InvalidTypeError, match="Sloppy on 2024-01-01 measured a float"):
            RewardCalculator(USDT, AprSchedule.constant("0.05"), Sloppy()).daily_rewards(
                BalanceTimeline.from_events([]), DAY1, DAY2
            )

    def test_a_policy_returning_a_negative_balance_is_named(self) -> None:
        """A custom policy that measures below zero is an error, not clamped to zero."""

        class Negative:
            def measure(self, window: DayWindow, balances: BalanceView) -> Decimal:
                return Decimal(-1)

        with pytest.raises(InvalidInputError, match="Negative on 2024-01-01 measured -1"):
            RewardCalculator(USDT, AprSchedule.constant("0.05"), Negative()).daily_rewards(
                BalanceTimeline.from_events([]), DAY1, DAY2
            )

    @pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "-0.000001"])
    def test_a_measured_balance_must_be_finite_and_not_negative(self, value: str) -> None:
        """check_measured refuses NaN, infinities and negatives, naming the policy and value."""
        with pytest.raises(InvalidInputError, match=f"^P on D measured {value}; a balance must"):
            check_measured(Decimal(value), where="P on D")

    @pytest.mark.parametrize("value", ["0", "0E-18", "12.5"])
    def test_a_measured_zero_or_positive_balance_is_kept(self, value: str) -> None:
        """check_measured hands back a finite balance of zero or more as it is."""
        got = check_measured(Decimal(value), where="P on D")
        assert got.as_tuple() == Decimal(value).as_tuple()

    def test_a_non_policy_is_refused(self) -> None:
        """A policy without a measure method is a TypeError."""
        with pytest.raises(InvalidTypeError, match="measure"):
            RewardCalculator(USDT, AprSchedule.constant("0.05"), "snapshot")  # type: ignore[arg-type]


def test_fixed_offset_zone_in_a_message_is_readable() -> None:
    """Errors print instants in ISO 8601 with their offset."""
    at = datetime(2024, 1, 1, 9, tzinfo=timezone(timedelta(hours=8)))
    with pytest.raises(NegativeBalanceError, match=r"2024-01-01T09:00:00\+08:00"):
        BalanceTimeline.from_events([BalanceEvent(at, -1)])


class TestPrecisionLimits:
    def test_a_balance_beyond_the_librarys_digits_names_the_event(self) -> None:
        """Adding one base unit to 10^70 needs 107 digits: an error, never a rounded sum."""
        with pytest.raises(InvalidInputError, match=r"events\[0\].*more than 100 significant"):
            BalanceTimeline.from_events([BalanceEvent(T0, "1E-36")], opening="1E+70")

    def test_a_run_beyond_the_librarys_digits_is_an_input_error(self) -> None:
        """A gross that cannot be kept to the token's resolution is named, not a decimal trap."""
        huge = BalanceTimeline.from_events([], opening="1E+90")
        with pytest.raises(InvalidInputError, match="more than 100 significant digits"):
            RewardCalculator(Token("T", 36), AprSchedule.constant("0.05")).daily_rewards(
                huge, DAY1, DAY2
            )


class TestCredited:
    def test_credited_records_need_compounding(self) -> None:
        """Earlier records as credits only make sense when payments compound."""
        timeline = BalanceTimeline.from_events([], opening="100")
        earlier = calc().daily_rewards(timeline, DAY1, DAY2)
        with pytest.raises(InvalidInputError, match="compound=True"):
            calc().daily_rewards(timeline, DAY2, DAY2 + timedelta(days=1), credited=earlier)

    def test_credited_must_be_records(self) -> None:
        """Anything but a DailyReward in credited is a TypeError naming its position."""
        timeline = BalanceTimeline.from_events([], opening="100")
        with pytest.raises(InvalidTypeError, match=r"credited\[0\]"):
            calc(compound=True).daily_rewards(timeline, DAY1, DAY2, credited=["5"])  # type: ignore[list-item]


class TestBandErrors:
    @pytest.mark.parametrize(
        ("bands", "band"),
        [
            ([(2000, "0.1"), (1000, "0.08"), (None, "0.05")], 1),  # bounds do not rise
            ([(None, "0.1"), (None, "0.08")], 0),  # an open band before the last
            ([(2000, "0.1"), (5000, "0.08")], 1),  # the last band is closed
            ([], None),  # no band at all
        ],
    )
    def test_a_bad_tier_table_names_the_band_at_fault(
        self, bands: list[tuple[int | None, str]], band: int | None
    ) -> None:
        """InvalidBandError carries the position of the band at fault, for callers to map."""
        with pytest.raises(InvalidBandError) as caught:
            TieredApr(bands)
        assert caught.value.band == band
        assert isinstance(caught.value, InvalidInputError)
