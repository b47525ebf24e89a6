"""Rates that change within a day, and schedules that add up across kinds.

An ``IntradayAprSchedule`` is keyed by aware instants: each rate holds from its
instant until the next entry's, as Binance's real-time APR may change every minute. A
``LayeredSchedule`` adds schedules of any kind, such as that real-time APR plus a
bonus tiered APR that changes by day.

How a day with several rates earns depends on the accrual policy:

* ``DailySnapshot``: the rate in force at the snapshot instant;
* ``TimeWeighted``: each stretch of the day with one rate earns that
  rate on its own time-weighted average balance, weighted by its share of the day. For
  flat rates this is the integral of balance(t) × rate(t) over the day divided by the
  day's length, so a 25-hour day still pays one day's worth;
* ``SnapshotAverage``: the same over the snapshots, each snapshot read
  at the rate in force at its instant: for flat rates, the mean of balance × rate.

The layers of a ``LayeredSchedule`` earn separately and the day earns their sum:
a layer with one rate all day earns it on the day's eligible balance, as it would alone,
and only a layer that changes within the day is split into stretches. A bonus tier that
holds all day therefore earns the same whatever the real-time rate beside it does.

A day on which the rate is the same throughout earns exactly as with an
``AprSchedule``. ``MinimumBalance`` and custom
policies give no meaningful way to combine several rates in one day, so a day with
more than one rate raises ``InvalidInputError`` naming the policy.

The minimum holding and the cap apply to the day's measured balance, as on any day: below
the minimum nothing is earned; above the cap every balance of the day is scaled by
cap / measured, so the day earns on an average of exactly the cap at the day's mix of
rates. ``DailyReward.apr`` is then the effective rate, the day's annual reward divided by
the eligible balance; at a zero eligible balance it is the rate one unit held the whole
day would earn: the share-weighted mean of each stretch's rate at zero, summed over layers.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final, TypeAlias

import attrs

from softstaking.core.amounts import CONTEXT, EXACT, ZERO
from softstaking.core.days import DayWindow
from softstaking.core.errors import InvalidInputError, InvalidTypeError, MissingRateError
from softstaking.core.instants import check_aware, from_us, to_us
from softstaking.core.policies import AccrualPolicy, DailySnapshot, SnapshotAverage, TimeWeighted
from softstaking.core.rates import Rate, RateLike, StackedApr, annual_reward, blended_rate
from softstaking.core.schedules import AprSchedule, rate_entries
from softstaking.core.sweep import BalanceView

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


Pieces: TypeAlias = tuple[tuple[int, Rate], ...]
"""``(start_us, rate)`` pairs in time order, each holding until the next."""


def _one_layer(rates: IntradayRates) -> tuple[Pieces, ...]:
    return (rates.pieces,)


@attrs.frozen
class _Stretches:
    """What a day's rates and a policy fix before any balance is read.

    ``constant`` are the rates that apply to the eligible balance as they are: the
    layers with one rate all day, or the stacked rate at a daily snapshot. Each entry of
    ``changing`` is one layer that changes during the day, as ``(rate, reads, weight)``
    stretches: ``reads`` index the day's balance readings at ``cuts`` (the integrals
    between neighbouring cuts under ``TimeWeighted``, the balances at
    the snapshot instants under ``SnapshotAverage``).
    """

    constant: tuple[Rate, ...]
    changing: tuple[tuple[tuple[Rate, tuple[int, ...], int], ...], ...]
    cuts: tuple[int, ...]
    integrals: bool
    weight: int


@attrs.frozen
class IntradayRates:
    """The rates in force during one day, as ``(start, rate)`` pieces.

    Attributes:
        pieces: ``(start_us, rate)`` pairs in time order, ``start_us`` in microseconds
            since the epoch; the first starts at the day's start and each holds until
            the next. Neighbouring pieces have different rates. For a
            ``LayeredSchedule``, the stacked rate.
        layers: The pieces of each layer of a ``LayeredSchedule``, in the same
            form; ``(pieces,)`` for a single schedule. Each layer earns on its own, so a
            layer constant over the day earns on the day's eligible balance whatever
            the others do.
    """

    pieces: Pieces
    layers: tuple[Pieces, ...] = attrs.field(
        kw_only=True, default=attrs.Factory(_one_layer, takes_self=True)
    )
    _plans: dict[tuple[AccrualPolicy, int], _Stretches] = attrs.field(
        init=False, factory=dict, repr=False, eq=False
    )

    def rate_at_us(self, t: int) -> Rate:
        """The rate in force at ``t`` microseconds since the epoch."""
        return self.pieces[_piece_at(self.pieces, t)][1]


def _piece_at(pieces: Pieces, t: int) -> int:
    """The index of the piece in force at ``t`` (the first one before it starts)."""
    return max(bisect_right(pieces, t, key=lambda piece: piece[0]), 1) - 1


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
        """``realtime + bonus``: the layers add up; see ``LayeredSchedule``."""
        return LayeredSchedule([self, other])

    def __radd__(self, other: AprSchedule) -> LayeredSchedule:
        """``daily + realtime``, with the daily schedule as the first layer."""
        return LayeredSchedule([other, self])


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

    A day's rate is a ``StackedApr`` of each layer's rate, and it
    changes whenever any layer's does. A daily layer changes at the calculator's day
    boundaries. Each layer earns as it would alone and a day earns the sum: a layer
    constant over the day earns on the day's eligible balance, only a layer that changes
    within the day is split into stretches. ``realtime + bonus`` builds one; nested
    layered schedules are flattened.

    Attributes:
        layers: ``AprSchedule`` and ``IntradayAprSchedule`` values.
    """

    layers: tuple[AprSchedule | IntradayAprSchedule, ...] = attrs.field(converter=_to_layers)
    _stacks: dict[tuple[Rate, ...], StackedApr] = attrs.field(
        init=False, factory=dict, repr=False, eq=False
    )

    def pieces_in(self, window: DayWindow) -> tuple[tuple[int, Rate], ...]:
        """The ``(start_us, rate)`` pieces of the stacked rate over ``window``."""
        return self._stacked([_layer_pieces(layer, window) for layer in self.layers])

    def rate_in(self, window: DayWindow) -> Rate | IntradayRates:
        """The day's rate: one stack, or the ``IntradayRates`` of each layer."""
        per_layer = [_layer_pieces(layer, window) for layer in self.layers]
        pieces = self._stacked(per_layer)
        if len(pieces) == 1:
            return pieces[0][1]
        return IntradayRates(pieces, layers=tuple(per_layer))

    def _stacked(self, per_layer: Sequence[Pieces]) -> Pieces:
        """The pieces of the stack of ``per_layer``: it changes whenever a layer does."""
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
        """Add another layer; see ``LayeredSchedule``."""
        return LayeredSchedule([self, other])

    def __radd__(self, other: AprSchedule) -> LayeredSchedule:
        """``daily + layered``, with the daily schedule as the first layer."""
        return LayeredSchedule([other, self])


Schedule: TypeAlias = AprSchedule | IntradayAprSchedule | LayeredSchedule
"""Any schedule the calculator accepts."""


def _layer_pieces(
    layer: AprSchedule | IntradayAprSchedule, window: DayWindow
) -> tuple[tuple[int, Rate], ...]:
    if isinstance(layer, AprSchedule):
        return ((window.start_us, layer.rate_on(window.day)),)
    return layer.pieces(window.start_us, window.end_us)


def day_rates(schedule: Schedule, windows: Sequence[DayWindow]) -> list[Rate | IntradayRates]:
    """The rate of each day: one rate, or the ``IntradayRates`` of a day with several.

    A daily ``AprSchedule`` takes one pass over its entries.
    """
    if not windows:
        return []
    if isinstance(schedule, AprSchedule):
        return list(schedule.rates(windows[0].day, windows[-1].day + _ONE_DAY))
    out: list[Rate | IntradayRates] = []
    for window in windows:
        if isinstance(schedule, LayeredSchedule):
            out.append(schedule.rate_in(window))
            continue
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


def _layer_stretches(
    pieces: Pieces, reads: Sequence[int]
) -> tuple[tuple[Rate, tuple[int, ...], int], ...]:
    """Group the readings at instants ``reads`` by the piece of ``pieces`` in force.

    Each stretch is ``(rate, indices of its readings, weight)``, the weight being its
    number of readings; pieces with none are left out.
    """
    groups: dict[int, list[int]] = {}
    for k, us in enumerate(reads):
        groups.setdefault(_piece_at(pieces, us), []).append(k)
    return tuple((pieces[i][1], tuple(groups[i]), len(groups[i])) for i in sorted(groups))


def _plan(policy: AccrualPolicy, window: DayWindow, rates: IntradayRates) -> _Stretches:
    """What ``policy`` reads on ``window`` and how each layer's rates apply to it."""
    # Exact types: a subclass may measure differently, so it is not assumed to combine
    # rates the same way.
    if type(policy) is DailySnapshot:
        return _Stretches((rates.rate_at_us(window.at_us(policy.at)),), (), (), False, 1)
    constant = tuple(pieces[0][1] for pieces in rates.layers if len(pieces) == 1)
    changing = [pieces for pieces in rates.layers if len(pieces) > 1]
    if type(policy) is TimeWeighted:
        # Cut wherever a layer changes: between neighbouring cuts every layer has one
        # rate, and a layer's stretch is a run of those spans, weighted by its length
        # in microseconds.
        starts = {start for pieces in changing for start, _ in pieces}
        cuts = (*sorted(starts), window.end_us)
        layers: list[tuple[tuple[Rate, tuple[int, ...], int], ...]] = []
        for pieces in changing:
            stretches: list[tuple[Rate, tuple[int, ...], int]] = []
            ends = [start for start, _ in pieces[1:]] + [window.end_us]
            for (start, rate), end in zip(pieces, ends, strict=True):
                spans = tuple(range(bisect_left(cuts, start), bisect_left(cuts, end)))
                stretches.append((rate, spans, end - start))
            layers.append(tuple(stretches))
        weight = window.end_us - window.start_us
        return _Stretches(constant, tuple(layers), cuts, True, weight)
    if type(policy) is SnapshotAverage:
        reads = tuple(window.at_us(t) for t in policy.times)
        layers = [_layer_stretches(pieces, reads) for pieces in changing]
        return _Stretches(constant, tuple(layers), reads, False, len(reads))
    raise _policy_error(policy, window)  # pragma: no cover - intraday_annual checks first


_COMBINING: Final = (DailySnapshot, TimeWeighted, SnapshotAverage)
"""The policies that give a meaning to several rates in one day."""


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

    Each layer earns on its own and the day's annual reward is their sum, so a layer
    earns the same whatever the other layers do: a layer with one rate all day earns
    that rate on the eligible balance; a layer that changes earns, per stretch of one
    rate, that rate on the stretch's own average balance (scaled by eligible / measured
    under a cap), weighted by the stretch's share of the day. What depends only on the
    day and the policy (the snapshot rate, the cuts, which snapshot falls in which
    stretch) is worked out once and kept on ``rates``.

    Args:
        policy: The calculator's accrual policy; only the three built-in ones that give
            a meaning to several rates in one day are accepted.
        window: The day ``rates`` belong to.
        balances: The sweep, already entered into the day.
        rates: The day's rate pieces.
        measured: The balance the policy measured.
        eligible: The measured balance after the minimum holding and the cap.

    Returns:
        ``(annual, apr)``: the reward a year at the day's rates would pay, before the
        day count divides it, and the effective rate ``annual / eligible`` (at a zero
        eligible balance, the rate one unit held all day would earn).

    Raises:
        InvalidInputError: For ``MinimumBalance`` or a custom policy.
    """
    plan = _cached_plan(policy, window, rates)
    if eligible == ZERO:
        return ZERO, _rate_at_zero(plan)
    annual = ZERO
    for rate in plan.constant:
        annual = CONTEXT.add(annual, annual_reward(rate, eligible))
    if plan.changing:
        if plan.integrals:
            values = balances.integrals_us(plan.cuts)
        else:
            values = [balances.at_us(us) for us in plan.cuts]
        scale = None if eligible == measured else CONTEXT.divide(eligible, measured)
        for stretches in plan.changing:
            layer = ZERO
            for rate, reads, w in stretches:
                total = values[reads[0]]
                for k in reads[1:]:
                    total = EXACT.add(total, values[k])
                scaled = total if scale is None else CONTEXT.multiply(total, scale)
                layer = CONTEXT.add(layer, _stretch_annual(rate, scaled, w))
            annual = CONTEXT.add(annual, CONTEXT.divide(layer, plan.weight))
    return annual, CONTEXT.divide(annual, eligible)


def _cached_plan(policy: AccrualPolicy, window: DayWindow, rates: IntradayRates) -> _Stretches:
    """``_plan``, remembered on ``rates`` per policy: every account reuses it."""
    if type(policy) not in _COMBINING:
        raise _policy_error(policy, window)
    key = (policy, window.start_us)
    plan = rates._plans.get(key)
    if plan is None:
        plan = _plan(policy, window, rates)
        if len(rates._plans) >= _STACK_CACHE_SIZE:  # pragma: no cover - many policies
            rates._plans.clear()
        rates._plans[key] = plan
    return plan


def _rate_at_zero(plan: _Stretches) -> Decimal:
    """The rate one unit held all day would earn: each layer's, added up."""
    at_zero = ZERO
    for rate in plan.constant:
        at_zero = CONTEXT.add(at_zero, blended_rate(rate, ZERO))
    for stretches in plan.changing:
        mean = ZERO
        for rate, _, w in stretches:
            mean = CONTEXT.add(mean, CONTEXT.multiply(blended_rate(rate, ZERO), w))
        at_zero = CONTEXT.add(at_zero, CONTEXT.divide(mean, plan.weight))
    return at_zero
