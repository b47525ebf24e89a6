"""Rates that change within a day, and schedules that add up across kinds.

An :class:`IntradayAprSchedule` is keyed by aware instants: each rate holds from its
instant until the next entry's, as Binance's real-time APR may change every minute. A
:class:`LayeredSchedule` adds schedules of any kind, such as that real-time APR plus a
bonus tiered APR that changes by day.

How a day with several rates earns depends on the accrual policy:

* :class:`~softstaking.DailySnapshot`: the rate in force at the snapshot instant;
* :class:`~softstaking.TimeWeighted`: each stretch of the day with one rate earns that
  rate on its own time-weighted average balance, weighted by its share of the day. For
  flat rates this is the integral of balance(t) × rate(t) over the day divided by the
  day's length, so a 25-hour day still pays one day's worth;
* :class:`~softstaking.SnapshotAverage`: the same over the snapshots, each snapshot read
  at the rate in force at its instant: for flat rates, the mean of balance × rate.

A day on which the rate is the same throughout earns exactly as with an
:class:`~softstaking.AprSchedule`. :class:`~softstaking.MinimumBalance` and custom
policies give no meaningful way to combine several rates in one day, so a day with
more than one rate raises :class:`~softstaking.InvalidInputError` naming the policy.

The minimum holding and the cap apply to the day's measured balance, as on any day: below
the minimum nothing is earned; above the cap every balance of the day is scaled by
cap / measured, so the day earns on an average of exactly the cap at the day's mix of
rates. ``DailyReward.apr`` is then the effective rate, the day's annual reward divided by
the eligible balance; at a zero eligible balance it is the rate one unit held the whole
day would earn, the share-weighted mean of each stretch's rate at zero.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final, TypeAlias

import attrs

from softstaking.amounts import CONTEXT, EXACT, ZERO
from softstaking.days import DayWindow
from softstaking.errors import InvalidInputError, InvalidTypeError, MissingRateError
from softstaking.instants import check_aware, from_us, to_us
from softstaking.policies import AccrualPolicy, DailySnapshot, SnapshotAverage, TimeWeighted
from softstaking.rates import Rate, RateLike, StackedApr, annual_reward, blended_rate
from softstaking.schedules import AprSchedule, rate_entries
from softstaking.sweep import BalanceView

__all__ = [
    "IntradayAprSchedule",
    "IntradayRates",
    "LayeredSchedule",
    "Schedule",
    "day_rates",
    "intraday_annual",
]

_ONE_DAY: Final = timedelta(days=1)
_STACK_CACHE_SIZE: Final = 4096


@attrs.frozen
class IntradayRates:
    """The rates in force during one day, as ``(start, rate)`` pieces.

    Attributes:
        pieces: ``(start_us, rate)`` pairs in time order, ``start_us`` in microseconds
            since the epoch; the first starts at the day's start and each holds until
            the next. Neighbouring pieces have different rates.
    """

    pieces: tuple[tuple[int, Rate], ...]

    def rate_at_us(self, t: int) -> Rate:
        """The rate in force at ``t`` microseconds since the epoch."""
        i = bisect_right(self.pieces, t, key=lambda piece: piece[0])
        return self.pieces[max(i, 1) - 1][1]


def _check_instant_key(value: object) -> datetime:
    return check_aware(value, name="IntradayAprSchedule key")


def _to_instant_entries(value: Mapping[datetime, RateLike]) -> tuple[tuple[datetime, Rate], ...]:
    # Sorted by instant: aware datetimes sharing a tzinfo compare by wall clock.
    return rate_entries(
        value,
        kind="IntradayAprSchedule",
        key_name="effective_instant",
        check_key=_check_instant_key,
        order=to_us,
    )


def _merge_equal(pieces: Iterable[tuple[int, Rate]]) -> tuple[tuple[int, Rate], ...]:
    out: list[tuple[int, Rate]] = []
    for start, rate in pieces:
        if not out or out[-1][1] != rate:
            out.append((start, rate))
    return tuple(out)


@attrs.frozen
class IntradayAprSchedule:
    """Which annual rate applies at each instant.

    Attributes:
        entries: ``{effective_instant: rate}`` with aware datetimes. Each rate applies
            from its instant until the next entry's.

    Examples:
        >>> from datetime import UTC
        >>> s = IntradayAprSchedule({
        ...     datetime(2024, 1, 1, tzinfo=UTC): "0.05",
        ...     datetime(2024, 1, 1, 12, tzinfo=UTC): "0.03",
        ... })
        >>> s.rate_at(datetime(2024, 1, 1, 11, 59, tzinfo=UTC))
        Decimal('0.05')
    """

    entries: tuple[tuple[datetime, Rate], ...] = attrs.field(converter=_to_instant_entries)
    _starts_us: tuple[int, ...] = attrs.field(init=False, repr=False, eq=False)

    @_starts_us.default
    def _make_starts(self) -> tuple[int, ...]:
        return tuple(to_us(at) for at, _ in self.entries)

    def rate_at(self, instant: datetime) -> Rate:
        """The rate in force at ``instant``.

        Raises:
            MissingRateError: If ``instant`` is before the first entry.
        """
        return self.pieces(to_us(check_aware(instant, name="instant")), None)[0][1]

    def pieces(self, start_us: int, end_us: int | None) -> tuple[tuple[int, Rate], ...]:
        """The ``(start_us, rate)`` pieces covering ``[start_us, end_us)``.

        Raises:
            MissingRateError: If ``start_us`` is before the first entry.
        """
        starts = self._starts_us
        i = bisect_right(starts, start_us)
        if i == 0:
            msg = (
                f"no rate at {from_us(start_us).isoformat()}: the schedule starts at "
                f"{self.entries[0][0].isoformat()}"
            )
            raise MissingRateError(msg)
        j = i if end_us is None else bisect_left(starts, end_us, i)
        first = [(start_us, self.entries[i - 1][1])]
        return _merge_equal(first + [(starts[k], self.entries[k][1]) for k in range(i, j)])

    def __add__(self, other: Schedule) -> LayeredSchedule:
        """``realtime + bonus``: the layers add up; see :class:`LayeredSchedule`."""
        return LayeredSchedule([self, other])


def _to_layers(value: Iterable[Schedule]) -> tuple[AprSchedule | IntradayAprSchedule, ...]:
    if isinstance(value, (AprSchedule, IntradayAprSchedule, LayeredSchedule)) or not isinstance(
        value, Iterable
    ):
        msg = "LayeredSchedule takes a list of schedules, such as [realtime, bonus]"
        raise InvalidTypeError(msg)
    layers: list[AprSchedule | IntradayAprSchedule] = []
    for i, layer in enumerate(value):
        if isinstance(layer, LayeredSchedule):
            layers.extend(layer.layers)
        elif isinstance(layer, AprSchedule | IntradayAprSchedule):
            layers.append(layer)
        else:
            msg = (
                f"LayeredSchedule layer {i} must be an AprSchedule or an "
                f"IntradayAprSchedule, not {type(layer).__name__}"
            )
            raise InvalidTypeError(msg)
    if not layers:
        msg = "LayeredSchedule needs at least one schedule"
        raise InvalidInputError(msg)
    return tuple(layers)


@attrs.frozen
class LayeredSchedule:
    """Schedules of any kind that add up: at each instant, the stack of their rates.

    A day's rate is a :class:`~softstaking.rates.StackedApr` of each layer's rate, and it
    changes whenever any layer's does. A daily layer changes at the calculator's day
    boundaries. ``realtime + bonus`` builds one; nested layered schedules are flattened.

    Attributes:
        layers: :class:`~softstaking.AprSchedule` and :class:`IntradayAprSchedule` values.
    """

    layers: tuple[AprSchedule | IntradayAprSchedule, ...] = attrs.field(converter=_to_layers)
    _stacks: dict[tuple[Rate, ...], StackedApr] = attrs.field(
        init=False, factory=dict, repr=False, eq=False
    )

    def pieces_in(self, window: DayWindow) -> tuple[tuple[int, Rate], ...]:
        """The ``(start_us, rate)`` pieces of the stacked rate over ``window``."""
        per_layer = [_layer_pieces(layer, window) for layer in self.layers]
        starts = sorted({start for pieces in per_layer for start, _ in pieces})
        out: list[tuple[int, Rate]] = []
        at = [0] * len(per_layer)
        for start in starts:
            for n, pieces in enumerate(per_layer):
                while at[n] + 1 < len(pieces) and pieces[at[n] + 1][0] <= start:
                    at[n] += 1
            out.append((start, self._stack(tuple(p[at[n]][1] for n, p in enumerate(per_layer)))))
        return _merge_equal(out)

    def _stack(self, rates: tuple[Rate, ...]) -> StackedApr:
        """The stack of ``rates``, remembered: the same few stacks recur day after day."""
        try:
            stack = self._stacks.get(rates)
        except TypeError:  # a custom rate model that cannot be hashed
            return StackedApr(rates)
        if stack is None:
            if len(self._stacks) >= _STACK_CACHE_SIZE:
                self._stacks.clear()
            stack = self._stacks[rates] = StackedApr(rates)
        return stack

    def __add__(self, other: Schedule) -> LayeredSchedule:
        """Add another layer; see :class:`LayeredSchedule`."""
        return LayeredSchedule([self, other])


Schedule: TypeAlias = AprSchedule | IntradayAprSchedule | LayeredSchedule
"""Any schedule the calculator accepts."""


def _layer_pieces(
    layer: AprSchedule | IntradayAprSchedule, window: DayWindow
) -> tuple[tuple[int, Rate], ...]:
    if isinstance(layer, AprSchedule):
        return ((window.start_us, layer.rate_on(window.day)),)
    return layer.pieces(window.start_us, window.end_us)


def day_rates(schedule: Schedule, windows: Sequence[DayWindow]) -> list[Rate | IntradayRates]:
    """The rate of each day: one rate, or the :class:`IntradayRates` of a day with several.

    A daily :class:`~softstaking.AprSchedule` takes one pass over its entries.
    """
    if not windows:
        return []
    if isinstance(schedule, AprSchedule):
        return list(schedule.rates(windows[0].day, windows[-1].day + _ONE_DAY))
    out: list[Rate | IntradayRates] = []
    for window in windows:
        if isinstance(schedule, LayeredSchedule):
            pieces = schedule.pieces_in(window)
        else:
            pieces = schedule.pieces(window.start_us, window.end_us)
        out.append(pieces[0][1] if len(pieces) == 1 else IntradayRates(pieces))
    return out


def _policy_error(policy: AccrualPolicy, window: DayWindow) -> InvalidInputError:
    msg = (
        f"{type(policy).__name__} cannot combine several rates in one day: the rate changes "
        f"during {window.day}. Rates that change within a day work with DailySnapshot, "
        "TimeWeighted and SnapshotAverage; use a daily AprSchedule with this policy."
    )
    return InvalidInputError(msg)


def _stretch_annual(rate: Rate, total: Decimal, weight: int) -> Decimal:
    """``weight`` × a year's reward on the average ``total / weight``, for one stretch."""
    if isinstance(rate, Decimal):
        return CONTEXT.multiply(total, rate)
    average = CONTEXT.divide(total, weight)
    return CONTEXT.multiply(rate.annual_reward(average), weight)


def intraday_annual(
    policy: AccrualPolicy,
    window: DayWindow,
    balances: BalanceView,
    rates: IntradayRates,
    *,
    measured: Decimal,
    eligible: Decimal,
) -> tuple[Decimal, Decimal]:
    """A day's annual reward and effective rate when the rate changes within the day.

    Args:
        policy: The calculator's accrual policy; only the three built-in ones that give
            a meaning to several rates in one day are accepted.
        window: The day.
        balances: The sweep, already entered into the day.
        rates: The day's rate pieces.
        measured: The balance the policy measured.
        eligible: The measured balance after the minimum holding and the cap.

    Returns:
        ``(annual, apr)``: the reward a year at the day's rates would pay, before the
        day count divides it, and the effective rate ``annual / eligible`` (at a zero
        eligible balance, the rate one unit held all day would earn).

    Raises:
        InvalidInputError: For :class:`~softstaking.MinimumBalance` or a custom policy.
    """
    # Exact types: a subclass may measure differently, so it is not assumed to combine
    # rates the same way.
    if type(policy) is DailySnapshot:
        rate = rates.rate_at_us(window.at_us(policy.at))
        return annual_reward(rate, eligible), blended_rate(rate, eligible)
    # Each stretch of one rate gets (rate, sum of balances, weight): over time, the
    # integral and the stretch's length; over snapshots, their sum and their count.
    stretches: list[tuple[Rate, Decimal, int]] = []
    if type(policy) is TimeWeighted:
        cuts = [start for start, _ in rates.pieces] + [window.end_us]
        integrals = balances.integrals_us(cuts)
        for (start, rate), end, integral in zip(rates.pieces, cuts[1:], integrals, strict=True):
            stretches.append((rate, integral, end - start))
        weight = window.end_us - window.start_us
    elif type(policy) is SnapshotAverage:
        totals: dict[int, Decimal] = {}
        counts: dict[int, int] = {}
        for t in policy.times:
            us = window.at_us(t)
            i = max(bisect_right(rates.pieces, us, key=lambda piece: piece[0]), 1) - 1
            totals[i] = EXACT.add(totals.get(i, ZERO), balances.at_us(us))
            counts[i] = counts.get(i, 0) + 1
        stretches.extend((rates.pieces[i][1], totals[i], counts[i]) for i in sorted(totals))
        weight = len(policy.times)
    else:
        raise _policy_error(policy, window)
    if eligible == ZERO:
        at_zero = ZERO
        for rate, _, w in stretches:
            at_zero = CONTEXT.add(at_zero, CONTEXT.multiply(blended_rate(rate, ZERO), w))
        return ZERO, CONTEXT.divide(at_zero, weight)
    scale = None if eligible == measured else CONTEXT.divide(eligible, measured)
    annual = ZERO
    for rate, total, w in stretches:
        scaled = total if scale is None else CONTEXT.multiply(total, scale)
        annual = CONTEXT.add(annual, _stretch_annual(rate, scaled, w))
    annual = CONTEXT.divide(annual, weight)
    return annual, CONTEXT.divide(annual, eligible)
