"""The calculator's day loop in integers: one account over a run of days.

``run`` gives the records the Decimal loop gives, field by field and exponent by
exponent, faster:

* a day's gross is computed once per run of days with the same eligible balance, rate
  and year, and for a flat rate in integers (``flat_gross_units``);
* the carry is settled in integers counting ``10**E``, where ``E`` is the exponent every
  carry has (the gross quantum's, or a finer starting carry's); amounts become Decimals
  only for the record, with the exponents the Decimal arithmetic would give;
* the built-in snapshot, time-weighted and minimum policies read a timeline without
  compounding in one walk over its changes.

Where it cannot promise the Decimal loop's records (a negative gross or a signed zero,
an owed amount past the context's precision, a starting carry far finer than the gross
quantum, or finer at all with ``Dust.FORFEIT``), it raises ``Fallback`` instead of
returning, and the caller runs the Decimal loop from the first day (which asks a
policy again for the days already measured).
"""

from __future__ import annotations

import decimal
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from itertools import repeat
from typing import Final

import attrs

from softstaking.core.amounts import CONTEXT, PRECISION, ZERO
from softstaking.core.days import DayWindow
from softstaking.core.fixed import (
    coefficient,
    day_gross,
    flat_gross_units,
    to_units,
    units_at_least,
)
from softstaking.core.intraday import IntradayRates, intraday_annual
from softstaking.core.policies import (
    AccrualPolicy,
    DailySnapshot,
    MinimumBalance,
    TimeWeighted,
    check_measured,
)
from softstaking.core.records import DailyReward, reward_maker
from softstaking.core.rounding import Dust
from softstaking.core.schedules import Rate
from softstaking.core.sweep import BalanceView
from softstaking.core.timeline import BalanceTimeline
from softstaking.core.tokens import GUARD_DIGITS, Token

__all__ = ["Fallback", "Plan", "Settings", "make_plan", "run"]

_MAX_OWED: Final = 10**PRECISION
"""An owed amount of this many units or more has more digits than the context keeps."""

_HALF_EVEN: Final = decimal.ROUND_HALF_EVEN

_make_reward = reward_maker()


class Fallback(Exception):  # noqa: N818 - a signal to the caller, not an error
    """The integer loop cannot promise the Decimal loop's records: run that instead."""


@attrs.frozen
class Plan:
    """Everything about a run's days that does not depend on the account.

    Attributes:
        windows: Each day's window.
        rates: Each day's rate, or its ``IntradayRates``.
        year_days: Each day's year length.
        payout_at: When each day is paid.
        payout_us: The same in microseconds.
        flat: A flat rate's ``coefficient``, else ``None``.
        snapshots: With ``DailySnapshot``, the instant each day is read at; else empty.
        intraday: Whether any day has several rates.
    """

    windows: tuple[DayWindow, ...]
    rates: tuple[Rate | IntradayRates, ...]
    year_days: tuple[int, ...]
    payout_at: tuple[datetime, ...]
    payout_us: tuple[int, ...]
    flat: tuple[tuple[int, int] | None, ...]
    snapshots: tuple[int, ...]
    intraday: bool


def _flat(rate: Rate | IntradayRates) -> tuple[int, int] | None:
    if type(rate) is not Decimal or rate.is_signed():
        return None
    return coefficient(rate)


def make_plan(
    windows: Sequence[DayWindow],
    rates: Sequence[Rate | IntradayRates],
    year_days: Sequence[int],
    payout_at: Sequence[datetime],
    payout_us: Sequence[int],
    *,
    policy: AccrualPolicy,
) -> Plan:
    """Gather a run's days, with what the loop reads of them precomputed."""
    # An exact type: a subclass may measure differently.
    snapshots = tuple(w.at_us(policy.at) for w in windows) if type(policy) is DailySnapshot else ()
    return Plan(
        tuple(windows),
        tuple(rates),
        tuple(year_days),
        tuple(payout_at),
        tuple(payout_us),
        tuple(_flat(r) for r in rates),
        snapshots,
        any(isinstance(r, IntradayRates) for r in rates),
    )


@attrs.frozen
class _Start:
    """How a run's amounts are counted in integers, from its starting carry."""

    exponent: int  # every carry's exponent, with Dust.CARRY: 10**exponent is the unit
    shift: int  # units in a gross quantum
    step: int  # units in a base unit
    carry: int  # the starting carry, in units
    min_whole: int  # the fewest base units paid
    unit: Decimal  # 1E(exponent): n units are made as n × unit, exactly that exponent


def _start(carry: Decimal, settings: Settings) -> _Start:
    """The run's integer units; ``Fallback`` for a carry the loop does not follow."""
    decimals = settings.token.decimals
    qexp = -(decimals + GUARD_DIGITS)
    exp = min(coefficient(carry)[1], qexp)
    if (
        carry.is_signed()
        or (settings.dust is Dust.FORFEIT and exp < qexp)
        or qexp - exp > PRECISION
        or carry.adjusted() - exp >= PRECISION
    ):
        raise Fallback  # a signed zero, or a carry that shifts every later exponent
    min_payout = settings.min_payout
    # A minimum with more digits than any owed amount is never reached.
    too_high = min_payout.adjusted() + decimals > PRECISION
    return _Start(
        exp,
        10 ** (qexp - exp),
        10 ** (-decimals - exp),
        to_units(carry, exp),
        _MAX_OWED if too_high else units_at_least(min_payout, -decimals),
        Decimal(1).scaleb(exp, CONTEXT),
    )


@attrs.frozen
class Settings:
    """The calculator's settings the loop reads."""

    token: Token
    policy: AccrualPolicy
    min_holding: Decimal
    cap: Decimal | None
    compound: bool
    min_payout: Decimal
    dust: Dust
    zero_start: _Start = attrs.field(init=False, repr=False, eq=False)
    """How a run starting without a carry counts, worked out once."""
    unit_zero: Decimal = attrs.field(init=False, repr=False, eq=False)
    """Zero base units, ``0E-decimals``."""

    @zero_start.default
    def _zero_start(self) -> _Start:
        return _start(ZERO, self)

    @unit_zero.default
    def _unit_zero(self) -> Decimal:
        return Decimal(0).scaleb(-self.token.decimals, CONTEXT)


def _snapshot_balances(timeline: BalanceTimeline, instants: Sequence[int]) -> list[Decimal]:
    """The balance at each of the rising ``instants``, in one walk over the changes."""
    times, balances, opening = timeline._times, timeline._balances, timeline.opening
    n, j = len(times), 0
    out = []
    for t in instants:
        if j < n and times[j] <= t:
            j = bisect_right(times, t, j)
        out.append(balances[j - 1] if j else opening)
    return out


def _day_balances(
    timeline: BalanceTimeline, plan: Plan, *, average: bool
) -> tuple[list[Decimal], list[bool]]:
    """Each day's average (or lowest) balance, and whether it is one of the timeline's.

    A day without a change is its balance; an average over a day with changes is a
    quotient of the context's full precision, too long for ``flat_gross_units``.
    """
    times, balances, opening = timeline._times, timeline._balances, timeline.opening
    view = BalanceView(timeline)
    ask = view.average_us if average else view.min_us
    n, j = len(times), 0
    out, held = [], []
    for window in plan.windows:
        s, e = window.start_us, window.end_us
        if j < n and times[j] <= s:
            j = bisect_right(times, s, j)
        if j < n and times[j] < e:
            view.enter_day(s)
            out.append(ask(s, e))
            held.append(not average)
        else:
            out.append(balances[j - 1] if j else opening)
            held.append(True)
    return out, held


def _measure_each(plan: Plan, view: BalanceView, policy: AccrualPolicy) -> Iterator[Decimal]:
    """Each day's measured balance, measured when the loop reaches the day.

    Lazily: with compounding, a day's balance includes the days paid before it, and
    an intraday rate reads the view entered into its own day.
    """
    measure = policy.measure
    for window in plan.windows:
        view.enter_day(window.start_us)
        measured = measure(window, view)
        if type(measured) is not Decimal or not measured.is_finite() or measured < ZERO:
            measured = check_measured(measured, where=f"{type(policy).__name__} on {window.day}")
        yield measured


def _measures(
    timeline: BalanceTimeline,
    plan: Plan,
    settings: Settings,
    credits: Sequence[tuple[int, Decimal]],
) -> tuple[Iterable[Decimal], Iterable[bool], BalanceView | None]:
    """Each day's measured balance, whether to try integers on it, and the view if any.

    The built-in snapshot, time-weighted and minimum policies without compounding are
    read up front in one walk; anything else through a ``BalanceView``, day by day.
    """
    kind = type(settings.policy)  # exact types: a subclass may measure differently
    if not (settings.compound or plan.intraday):
        if kind is DailySnapshot:
            return _snapshot_balances(timeline, plan.snapshots), repeat(True), None
        if kind is TimeWeighted or kind is MinimumBalance:
            values, held = _day_balances(timeline, plan, average=kind is TimeWeighted)
            return values, held, None
    view = BalanceView(timeline)
    for at_us, amount in credits:
        view.credit(at_us, amount)
    return _measure_each(plan, view, settings.policy), repeat(True), view


def run(  # noqa: PLR0912, PLR0915 - one loop kept whole: a call per day costs
    plan: Plan,
    timeline: BalanceTimeline,
    carry: Decimal,
    credits: Sequence[tuple[int, Decimal]],
    settings: Settings,
) -> list[DailyReward]:
    """One record per day of ``plan``, equal to the Decimal loop's.

    Raises:
        Fallback: Where the records could differ from the Decimal loop's.
    """
    token = settings.token
    quantum, unit = token.gross_quantum, token.base_unit  # 1E-decimals
    qexp = -(token.decimals + GUARD_DIGITS)
    start = settings.zero_start if carry is ZERO else _start(carry, settings)
    shift, step, min_whole, carry_units = start.shift, start.step, start.min_whole, start.carry
    unit_of, unit_zero = start.unit, settings.unit_zero
    forfeit = settings.dust is Dust.FORFEIT
    measures, hints, view = _measures(timeline, plan, settings, credits)
    policy, min_holding, cap = settings.policy, settings.min_holding, settings.cap
    check_min, compound = bool(min_holding), settings.compound
    multiply, make = CONTEXT.multiply, _make_reward

    last_eligible: Decimal | None = None  # the memo: the last day's gross, by its inputs
    last_rate: object = None
    last_year = 0
    apr = gross = ZERO
    gross_units = 0  # in units of 10**exponent
    coef_of: Decimal | None = None  # whose coefficient ``eligible_coef`` is
    eligible_coef: tuple[int, int] | None = None
    out: list[DailyReward] = []
    days = zip(
        plan.windows,
        measures,
        hints,
        plan.rates,
        plan.year_days,
        plan.flat,
        plan.payout_at,
        plan.payout_us,
        strict=False,  # hints may repeat forever; the plan's tuples agree
    )
    for window, measured, held, rate, year, rate_coef, paid_at, paid_us in days:
        if check_min and measured < min_holding:
            eligible = ZERO
        elif cap is not None and measured > cap:
            eligible = cap
        else:
            eligible = measured
        if type(rate) is Decimal:
            # A flat rate's gross depends on values only; the apr is the day's own rate.
            apr = rate
            if not (
                year == last_year
                and (rate is last_rate or rate == last_rate)
                and (eligible is last_eligible or eligible == last_eligible)
            ):
                units = None
                if rate_coef is not None and held:
                    if eligible is not coef_of:
                        coef_of = eligible
                        eligible_coef = None if eligible.is_signed() else coefficient(eligible)
                    if eligible_coef is not None:
                        units = flat_gross_units(eligible_coef, rate_coef, year, qexp)
                if units is None:
                    gross = day_gross(eligible, rate, year, quantum).gross
                    gross_units = _gross_units(gross, qexp) * shift
                else:
                    gross = multiply(units, quantum)
                    gross_units = units * shift
                last_eligible, last_rate, last_year = eligible, rate, year
        elif isinstance(rate, IntradayRates):
            assert view is not None
            annual, apr = intraday_annual(
                policy, window, view, rate, measured=measured, eligible=eligible
            )
            gross = CONTEXT.divide(annual, year).quantize(quantum, _HALF_EVEN, CONTEXT)
            gross_units = _gross_units(gross, qexp) * shift
            last_rate = None
        elif not (year == last_year and rate is last_rate and eligible is last_eligible):
            # A rate model's apr is a quotient whose exponent follows eligible's: the
            # memo holds for the very same objects only.
            gross, apr = day_gross(eligible, rate, year, quantum)
            gross_units = _gross_units(gross, qexp) * shift
            last_eligible, last_rate, last_year = eligible, rate, year

        # settle_units, inline: what is payable is the owed amount's whole base units.
        owed = carry_units + gross_units
        if owed >= _MAX_OWED:
            raise Fallback
        whole, rest = divmod(owed, step)
        if forfeit:
            forfeited = multiply(rest, unit_of)
            if whole and whole >= min_whole:
                paid = multiply(whole, unit)
                carry_units, carry_out = 0, unit_zero
            else:
                paid = ZERO
                carry_units = owed - rest
                carry_out = multiply(whole, unit) if whole else unit_zero
        else:
            forfeited = ZERO
            if whole and whole >= min_whole:
                paid = multiply(whole, unit)
                carry_units = rest
            else:
                paid = ZERO
                carry_units = owed
            carry_out = multiply(carry_units, unit_of)
        if compound and paid is not ZERO:
            assert view is not None
            view.credit(paid_us, paid)
        out.append(
            make(window.day, measured, eligible, apr, gross, paid, carry_out, paid_at, forfeited)
        )
    return out


def _gross_units(gross: Decimal, qexp: int) -> int:
    """A gross of ``day_gross`` in whole quanta; a signed one is left to the Decimal loop."""
    if gross.is_signed():
        raise Fallback
    return int(gross.scaleb(-qexp, CONTEXT))
