"""The calculator's day loop in integers: one account over a run of days.

``run`` gives the records the Decimal loop gives, field by field and exponent by
exponent, faster:

* a day's gross is computed once per run of days with the same eligible balance, rate
  and year, and for a flat rate in integers (``flat_gross_units``, and for a
  time-weighted average ``average_gross_units``, from the exact sum it is the quotient
  of);
* the carry is settled in integers counting ``10**E``, where ``E`` is the exponent every
  carry has (the gross quantum's, or a finer starting carry's); amounts become Decimals
  only for the record, with the exponents the Decimal arithmetic would give.

Two paths: the built-in snapshot, time-weighted and minimum policies without
compounding or intraday rates are read as runs of days (``core.runs``, one walk over
the timeline's changes); each run's gross goes into a column for its days, the days
are settled all at once where every whole base unit owed is paid, and the records are
built from the columns (``_run_runs``). Anything else (a policy of one's own,
compounding, intraday rates) is measured a day at a time through a ``BalanceView``
(``_run_days``).

Where it cannot promise the Decimal loop's records (a negative gross or a signed zero,
an owed amount past the context's precision, a starting carry far finer than the gross
quantum, or finer at all with ``Dust.FORFEIT``), it raises ``Fallback`` instead of
returning, and the caller runs the Decimal loop from the first day (which asks a
policy again for the days already measured).
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import accumulate, islice, repeat
from operator import sub
from typing import Final, cast

import attrs

from softstaking.core.amounts import CONTEXT, PRECISION, ZERO
from softstaking.core.days import DayWindow
from softstaking.core.fixed import (
    average_gross_units,
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
from softstaking.core.records import DailyReward, reward_maker, rewards_builder
from softstaking.core.rounding import Dust
from softstaking.core.runs import Run, day_runs, snapshot_runs
from softstaking.core.schedules import Rate
from softstaking.core.sweep import BalanceView
from softstaking.core.timeline import BalanceTimeline
from softstaking.core.tokens import GUARD_DIGITS, Token

__all__ = ["Fallback", "Plan", "Settings", "make_plan", "run"]

_MAX_OWED: Final = 10**PRECISION
"""An owed amount of this many units or more has more digits than the context keeps."""

_HALF_EVEN: Final = decimal.ROUND_HALF_EVEN

_make_reward = reward_maker()
_build = rewards_builder()


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
        days: Each day's date.
        starts: Each day's first instant, in microseconds.
        ends: Each day's end, in microseconds.
        rate_ends: Where each run of days with one rate and year length ends: the index
            of the day after it. A run's days have the same rate object, or, for a flat
            rate, equal rates (their gross is the same; their ``apr`` is each day's own).
    """

    windows: tuple[DayWindow, ...]
    rates: tuple[Rate | IntradayRates, ...]
    year_days: tuple[int, ...]
    payout_at: tuple[datetime, ...]
    payout_us: tuple[int, ...]
    flat: tuple[tuple[int, int] | None, ...]
    snapshots: tuple[int, ...]
    intraday: bool
    days: tuple[date, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    rate_ends: tuple[int, ...]


def _flat(rate: Rate | IntradayRates) -> tuple[int, int] | None:
    if type(rate) is not Decimal or rate.is_signed():
        return None
    return coefficient(rate)


def _same_rate(a: Rate | IntradayRates, b: Rate | IntradayRates) -> bool:
    """Whether two days' rates give the same gross on the same balance."""
    if a is b:
        return True
    return type(a) is Decimal and type(b) is Decimal and a == b and a.is_signed() == b.is_signed()


def _rate_ends(rates: Sequence[Rate | IntradayRates], year_days: Sequence[int]) -> tuple[int, ...]:
    ends = [
        i
        for i in range(1, len(rates))
        if year_days[i] != year_days[i - 1] or not _same_rate(rates[i], rates[i - 1])
    ]
    if rates:
        ends.append(len(rates))
    return tuple(ends)


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
        tuple(w.day for w in windows),
        tuple(w.start_us for w in windows),
        tuple(w.end_us for w in windows),
        _rate_ends(rates, year_days),
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


def run(
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
    start = settings.zero_start if carry is ZERO else _start(carry, settings)
    kind = type(settings.policy)  # exact types: a subclass may measure differently
    if not (settings.compound or plan.intraday):
        if kind is DailySnapshot:
            runs = snapshot_runs(timeline, plan.snapshots)
        elif kind is TimeWeighted or kind is MinimumBalance:
            runs = day_runs(timeline, plan.starts, plan.ends, average=kind is TimeWeighted)
        else:
            runs = None
        if runs is not None:
            whole = timeline._exponent >= -settings.token.decimals
            return _run_runs(plan, runs, start, settings, whole=whole)
    view = BalanceView(timeline)
    for at_us, amount in credits:
        view.credit(at_us, amount)
    return _run_days(plan, view, start, settings)


def _pieces(runs: list[Run], rate_ends: tuple[int, ...]) -> list[Run]:
    """The runs, cut where a run of days with one rate ends inside one."""
    if len(rate_ends) == 1:
        return runs
    out: list[Run] = []
    a = r = 0
    for end, value, integral in runs:
        while rate_ends[r] < end:
            if rate_ends[r] > a:
                a = rate_ends[r]
                out.append((a, value, integral))
            r += 1
        out.append((end, value, integral))
        a = end
    return out


def _run_runs(  # noqa: PLR0915 - one loop kept whole: a call per run costs
    plan: Plan, runs: list[Run], start: _Start, settings: Settings, *, whole: bool
) -> list[DailyReward]:
    """The records of runs of days that measure one balance each, built as columns.

    A run's eligible amount and gross are worked out once (once per rate within it), and
    put in the columns for each of its days; ``_settle`` then settles the days' gross
    amounts, and the records are built from the columns. ``whole`` says every balance
    of the timeline is written with no digit finer than the base unit, so that a
    balance counts base units as it is.
    """
    token = settings.token
    decimals = token.decimals
    quantum = token.gross_quantum
    qexp = -(decimals + GUARD_DIGITS)
    shift = start.shift
    min_holding, cap = settings.min_holding, settings.cap
    check_min = bool(min_holding)
    plain = not check_min and cap is None
    multiply = CONTEXT.multiply
    rates, years, flats = plan.rates, plan.year_days, plan.flat
    aprs = cast("tuple[Decimal, ...]", rates)  # read where the day's rate is a Decimal
    starts, ends = plan.starts, plan.ends
    measured_col: list[Decimal] = []
    eligible_col = measured_col if plain else []
    apr_col: list[Decimal] = []
    gross_col: list[Decimal] = []
    gross_units: list[int] = []  # in units of 10**exponent, each day's

    last_eligible: Decimal | None = None  # the memo: the last gross, by its inputs' identity
    last_rate: object = None
    last_year = 0
    apr = gross = ZERO
    g = a = 0  # the gross in units; the run's first day
    for end, measured, integral in _pieces(runs, plan.rate_ends):
        n = end - a
        measured_col += [measured] * n
        if plain:
            eligible = measured
        else:
            if check_min and measured < min_holding:
                eligible = ZERO
            elif cap is not None and measured > cap:
                eligible = cap
            else:
                eligible = measured
            eligible_col += [eligible] * n
        rate, year = rates[a], years[a]
        if not (eligible is last_eligible and rate is last_rate and year == last_year):
            units = None
            rate_coef = flats[a]  # a flat rate's, whose gross depends on values only
            if rate_coef is not None and not eligible.is_signed():
                if integral is None or eligible is not measured:
                    counted = (
                        # Whole base units, exactly: scaleb keeps every digit.
                        (int(eligible.scaleb(decimals, CONTEXT)), -decimals)
                        if whole and eligible is measured
                        else coefficient(eligible)
                    )
                    units = flat_gross_units(counted, rate_coef, year, qexp)
                else:
                    summed = (
                        (int(integral.scaleb(decimals, CONTEXT)), -decimals)
                        if whole
                        else coefficient(integral)
                    )
                    units = average_gross_units(summed, ends[a] - starts[a], rate_coef, year, qexp)
            if units is None:
                # A rate model's apr is a quotient whose exponent follows eligible's: the
                # memo holds for the very same objects only.
                assert not isinstance(rate, IntradayRates)  # plan.intraday is false
                gross, apr = day_gross(eligible, rate, year, quantum)
                g = _gross_units(gross, qexp) * shift
            else:
                gross = multiply(units, quantum)
                g = units * shift
            last_eligible, last_rate, last_year = eligible, rate, year
        # A flat rate's apr is each day's own rate.
        apr_col += aprs[a:end] if type(rate) is Decimal else [apr] * n
        gross_col += [gross] * n
        gross_units += [g] * n
        a = end
    paid_col, carry_col, forfeited = _settle(gross_units, start, settings)
    return _build(
        plan.days,
        measured_col,
        eligible_col,
        apr_col,
        gross_col,
        paid_col,
        carry_col,
        plan.payout_at,
        forfeited,
    )


def _settle(
    gross_units: list[int], start: _Start, settings: Settings
) -> tuple[list[Decimal], list[Decimal], Iterable[Decimal]]:
    """Each day's ``paid``, ``carry`` and ``forfeited``, from its gross in units.

    ``settle_units`` a day at a time, in ints. Where every whole base unit owed is paid
    (no minimum payout above one base unit, dust carried), all at once: the days up to
    the ``k``-th owe ``T_k``, the starting carry plus their gross, in all; the ``k``-th
    day carries ``T_k mod step`` and pays ``T_k // step`` less what the days before it
    paid (the first day all of it). A paid amount is made once as a Decimal.
    """
    step, min_whole, carry_units = start.step, start.min_whole, start.carry
    unit_of, unit = start.unit, settings.token.base_unit
    multiply = CONTEXT.multiply
    forfeit = settings.dust is Dust.FORFEIT
    if not gross_units:
        return [], [], []
    if not forfeit and min_whole <= 1 and max(carry_units, step) + max(gross_units) < _MAX_OWED:
        totals = accumulate(gross_units, initial=carry_units)
        wholes, rests = zip(*map(divmod, totals, repeat(step)), strict=True)
        paid = list(map(sub, islice(wholes, 1, None), wholes))
        paid[0] = wholes[1]
        distinct = set(paid)
        made = dict(zip(distinct, map(multiply, distinct, repeat(unit)), strict=True))
        if 0 in made:
            made[0] = ZERO
        carries = list(map(multiply, islice(rests, 1, None), repeat(unit_of)))
        return list(map(made.__getitem__, paid)), carries, repeat(ZERO, len(paid))
    unit_zero = settings.unit_zero
    paid_col: list[Decimal] = []
    carry_col: list[Decimal] = []
    forfeited_col: list[Decimal] = []
    for g in gross_units:
        # settle_units, inline: what is payable is the owed amount's whole base units.
        owed = carry_units + g
        if owed >= _MAX_OWED:
            raise Fallback
        whole, rest = divmod(owed, step)
        if forfeit:
            forfeited_col.append(multiply(rest, unit_of))
            if whole and whole >= min_whole:
                paid_col.append(multiply(whole, unit))
                carry_units = 0
                carry_col.append(unit_zero)
            else:
                paid_col.append(ZERO)
                carry_units = owed - rest
                carry_col.append(multiply(whole, unit) if whole else unit_zero)
        else:
            if whole and whole >= min_whole:
                paid_col.append(multiply(whole, unit))
                carry_units = rest
            else:
                paid_col.append(ZERO)
                carry_units = owed
            carry_col.append(multiply(carry_units, unit_of))
    return paid_col, carry_col, forfeited_col if forfeit else repeat(ZERO, len(paid_col))


def _run_days(  # noqa: PLR0912, PLR0915 - one loop kept whole: a call per day costs
    plan: Plan, view: BalanceView, start: _Start, settings: Settings
) -> list[DailyReward]:
    """The records a day at a time, measuring each day when the loop reaches it.

    For any policy, compounding and intraday rates: with compounding a day's balance
    includes the days paid before it, and an intraday rate reads the view entered into
    its own day.
    """
    token = settings.token
    quantum, unit = token.gross_quantum, token.base_unit  # 1E-decimals
    qexp = -(token.decimals + GUARD_DIGITS)
    shift, step, min_whole, carry_units = start.shift, start.step, start.min_whole, start.carry
    unit_of, unit_zero = start.unit, settings.unit_zero
    forfeit = settings.dust is Dust.FORFEIT
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
        _measure_each(plan, view, policy),
        plan.rates,
        plan.year_days,
        plan.flat,
        plan.payout_at,
        plan.payout_us,
        strict=True,
    )
    for window, measured, rate, year, rate_coef, paid_at, paid_us in days:
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
                if rate_coef is not None:
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
