"""The integer engine: every day of every (account, token), in ints, a run of days at a time.

For one token, the measured balance of each series (account) on each day is a matrix of
Python ints in base units, built from the sorted events with a cumulative sum:
``DailySnapshot`` reads the balance at each day's snapshot instant, ``MinimumBalance``
takes the lowest of the day's opening balance and the balance after each instant with
events inside the day, ``TimeWeighted`` sums ``delta × (day end − instant)`` exactly in
base units × microseconds and divides once, at the library's precision, as the
calculator does (a day without events inside it measures its opening balance exactly).

Along each series the days then fall into runs with the same measured balance and rate;
the gross of a run is computed once, with ``core.fixed.day_gross``, the calculator's own
rounding. Paying is done in ints for the whole matrix: with no minimum payout above one
base unit, the carry after day ``i`` is the running sum of carry-in and gross modulo
one base unit, so that ``paid``, ``carry`` and ``forfeited`` are array arithmetic;
otherwise each day is settled with ``core.fixed.settle_units``. Everything is exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import TYPE_CHECKING, Any

from softstaking.columns.ledger import Ledger
from softstaking.columns.output import APR_SCALE, Records, scaled
from softstaking.core.amounts import CONTEXT, ZERO
from softstaking.core.calculator import RewardCalculator
from softstaking.core.errors import NegativeBalanceError
from softstaking.core.fixed import day_gross, from_units
from softstaking.core.instants import from_us
from softstaking.core.intraday import day_rates
from softstaking.core.policies import DailySnapshot, MinimumBalance, TimeWeighted
from softstaking.core.rounding import Dust
from softstaking.core.schedules import AprSchedule
from softstaking.core.timeline import BalanceEvent
from softstaking.core.tokens import GUARD_DIGITS

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Ints = npt.NDArray[np.int64]
    Objects = npt.NDArray[np.object_]

__all__ = ["check_balances", "compute", "unsupported"]

_EPOCH = date(1970, 1, 1)


def unsupported(calculator: RewardCalculator) -> str | None:
    """Why the engine cannot run ``calculator``'s rules, or None if it can.

    The engine runs a daily ``AprSchedule`` (any rate) under ``DailySnapshot``,
    ``TimeWeighted`` or ``MinimumBalance``, without compounding or a payout schedule.
    """
    if not isinstance(calculator.schedule, AprSchedule):
        return f"its schedule is a {type(calculator.schedule).__name__}"
    if type(calculator.policy) not in (DailySnapshot, TimeWeighted, MinimumBalance):
        return f"its policy is {type(calculator.policy).__name__}"
    if calculator.compound:
        return "it compounds"
    if calculator.payout_schedule is not None:
        return "it has a payout schedule"
    return None


def check_balances(ledger: Ledger) -> Objects:
    """Each event's balance after it; refuses one that takes its series below zero.

    The first offending event in the order of the series (account, token), then time,
    raises ``NegativeBalanceError`` naming its ledger row.
    """
    import numpy as np

    delta, series = ledger.delta, ledger.series
    n = len(delta)
    if n == 0:
        return np.empty(0, dtype=object)
    running = np.cumsum(delta)
    first = np.ones(n, dtype=bool)
    first[1:] = series[1:] != series[:-1]
    head = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    balance: Objects = running - (running - delta)[head] + ledger.opening[series]
    negative = np.flatnonzero(balance < 0)
    if negative.size:
        i = int(negative[0])
        token = ledger.tokens[ledger.code[series[i]]]
        at = from_us(int(ledger.at[i]))
        value = from_units(delta[i], -token.decimals)
        event = BalanceEvent(at, value, kind=ledger.kind[i])
        after = from_units(balance[i], -token.decimals)
        row = int(ledger.row[i])
        msg = (
            f"ledger row {row} ({event.kind} of {value:f} at {at.isoformat()}) "
            f"would take the balance to {after:f}"
        )
        error = NegativeBalanceError(msg, event=event, index=row, balance=after)
        error.add_note(
            f"in the holding of {token.symbol!r} by account {ledger.account[series[i]].as_py()!r}"
        )
        raise error
    return balance


def _at_instants(opening: Objects, loc: Ints, at: Ints, delta: Objects, q: Ints) -> Objects:
    """The balance of each series at each instant ``q[k]``, events at ``q[k]`` included."""
    import numpy as np

    days = len(q)
    grid = np.zeros((len(opening), days + 1), dtype=object)
    grid[:, 0] = opening
    np.add.at(grid, (loc, np.searchsorted(q, at, side="left")), delta)
    out: Objects = grid.cumsum(axis=1)[:, :days]
    return out


def _measured(
    calculator: RewardCalculator,
    windows: Sequence[Any],
    *,
    opening: Objects,
    loc: Ints,
    at: Ints,
    delta: Objects,
    after: Objects,
    last: Any,
) -> Objects:
    """Each series' measured balance on each day: ints in base units, or Decimals."""
    import numpy as np

    policy = calculator.policy
    if isinstance(policy, DailySnapshot):
        q = np.array([w.at_us(policy.at) for w in windows], dtype="int64")
        return _at_instants(opening, loc, at, delta, q)
    starts = np.array([w.start_us for w in windows], dtype="int64")
    ends = np.array([w.end_us for w in windows], dtype="int64")
    grid = _at_instants(opening, loc, at, delta, starts)
    day = np.searchsorted(starts, at, side="left") - 1
    inside = (day >= 0) & (at < ends[np.clip(day, 0, None)])
    if isinstance(policy, MinimumBalance):
        chosen = inside & last
        np.minimum.at(grid, (loc[chosen], day[chosen]), after[chosen])
        return grid
    # TimeWeighted: the day's integral, exactly, where an event falls inside it.
    lengths = ends - starts
    weights = (ends[day[inside]] - at[inside]).astype(object)
    extra = np.zeros(grid.shape, dtype=object)
    np.add.at(extra, (loc[inside], day[inside]), delta[inside] * weights)
    busy = np.zeros(grid.shape, dtype=bool)
    busy[loc[inside], day[inside]] = True
    exponent = -calculator.token.decimals
    for i, k in zip(*np.nonzero(busy), strict=True):
        span = int(lengths[k])
        total = grid[i, k] * span + extra[i, k]
        grid[i, k] = CONTEXT.divide(from_units(total, exponent), span)
    return grid


def compute(
    ledger: Ledger,
    calculators: Sequence[RewardCalculator],
    start: date,
    end: date,
    after: Objects,
) -> Records:
    """Every series' records for the days in ``[start, end)``.

    ``calculators[i]`` holds the rules of ``ledger.tokens[i]``, each one the engine runs
    (``unsupported`` is None); ``after`` is ``check_balances(ledger)``.
    """
    import numpy as np

    n_series = len(ledger.code)
    windows_of = [c.calendar.windows(start, end) for c in calculators]
    days = (end - start).days
    cells = n_series * days
    balance = np.zeros(cells, dtype=object)
    eligible = np.zeros(cells, dtype=object)
    apr = np.zeros(cells, dtype=object)
    gross = np.zeros(cells, dtype=object)
    paid = np.zeros(cells, dtype=object)
    carry = np.zeros(cells, dtype=object)
    forfeited = np.zeros(cells, dtype=object)
    payout_us = np.zeros(cells, dtype="int64")
    local = np.full(n_series, -1, dtype="int64")
    n = len(ledger.series)
    last = np.ones(n, dtype=bool)  # the last event of its series at its instant
    if n > 1:
        last[:-1] = (ledger.series[1:] != ledger.series[:-1]) | (ledger.at[1:] != ledger.at[:-1])
    event_code = ledger.code[ledger.series] if n else np.empty(0, dtype="int64")
    for t, calculator in enumerate(calculators):
        series = np.flatnonzero(ledger.code == t)
        if not series.size or not days:
            continue
        windows = windows_of[t]
        local[series] = np.arange(series.size)
        mine = event_code == t
        loc = local[ledger.series[mine]]
        grid = _measured(
            calculator,
            windows,
            opening=ledger.opening[series],
            loc=loc,
            at=ledger.at[mine],
            delta=ledger.delta[mine],
            after=after[mine],
            last=last[mine],
        )
        cols = _pay(calculator, windows, grid, ledger.carry[series])
        rows = (series[:, None] * days + np.arange(days)).ravel()
        for target, values in zip(
            (balance, eligible, apr, gross, paid, carry, forfeited), cols, strict=True
        ):
            target[rows] = values
        delay = calculator.payout_delay // timedelta(microseconds=1)
        ends = np.array([w.end_us for w in windows], dtype="int64") + delay
        payout_us[rows] = np.tile(ends, series.size)
    base = (start - _EPOCH).days
    return Records(
        account=ledger.account.take(np.repeat(np.arange(n_series), days)),
        token=ledger.token.take(np.repeat(np.arange(n_series), days)),
        code=np.repeat(ledger.code, days),
        day=np.tile(np.arange(base, base + days, dtype="int32"), n_series),
        tokens=ledger.tokens,
        zones=tuple(c.tz for c in calculators),
        balance=balance,
        eligible=eligible,
        apr=apr,
        gross=gross,
        paid=paid,
        carry=carry,
        forfeited=forfeited,
        payout_us=payout_us,
    )


def _pay(  # noqa: PLR0912, PLR0915 (runs, then the two ways of paying)
    calculator: RewardCalculator, windows: Sequence[Any], grid: Objects, carry_in: Objects
) -> tuple[Objects, ...]:
    """The columns of one token's series: a run of days at a time, then paid in ints."""
    import numpy as np

    token = calculator.token
    decimals = token.decimals
    quantum = token.gross_quantum
    exponent = -(decimals + GUARD_DIGITS)
    step = 10**GUARD_DIGITS
    n, days = grid.shape
    rates = day_rates(calculator.schedule, windows)
    years = [calculator.day_count.days_in_year(w.day) for w in windows]
    kind = np.zeros(days, dtype="int64")  # days with the same rate and year share a kind
    for k in range(1, days):
        same = rates[k] == rates[k - 1] and years[k] == years[k - 1]
        kind[k] = kind[k - 1] if same else kind[k - 1] + 1
    change = np.ones((n, days), dtype=bool)
    if days > 1:
        change[:, 1:] = (grid[:, 1:] != grid[:, :-1]) | (kind[1:] != kind[:-1])
    flat = grid.ravel()
    heads = np.flatnonzero(change.ravel())
    lengths = np.diff(np.append(heads, n * days))
    min_holding, cap = calculator.min_holding, calculator.cap
    cache: dict[tuple[object, int], tuple[int, int, int, int]] = {}
    aprs: dict[Decimal, int] = {}
    run_gross, run_apr, run_balance, run_eligible = [], [], [], []
    for value, k in zip(flat[heads].tolist(), (heads % days).tolist(), strict=True):
        key = (value, int(kind[k]))
        hit = cache.get(key)
        if hit is None:
            # Decimal(int).scaleb in the library's context is from_units, exactly (an
            # amount has at most PRECISION digits), and as fast as C.
            if isinstance(value, Decimal):
                measured, measured_q = value, scaled(value, -exponent)
            else:
                measured, measured_q = Decimal(value).scaleb(-decimals, CONTEXT), value * step
            if measured < min_holding:
                allowed, allowed_q = ZERO, 0
            elif cap is not None and measured > cap:
                allowed, allowed_q = cap, scaled(cap, -exponent)
            else:
                allowed, allowed_q = measured, measured_q
            result = day_gross(allowed, rates[k], years[k], quantum)
            apr_q = aprs.get(result.apr)
            if apr_q is None:
                apr_q = aprs[result.apr] = scaled(result.apr, APR_SCALE)
            hit = (
                int(result.gross.scaleb(-exponent, CONTEXT)),  # to_units: gross is whole quanta
                apr_q,
                measured_q,
                allowed_q,
            )
            cache[key] = hit
        run_gross.append(hit[0])
        run_apr.append(hit[1])
        run_balance.append(hit[2])
        run_eligible.append(hit[3])

    def spread(values: list[int]) -> Objects:
        out: Objects = np.repeat(np.array(values, dtype=object), lengths)
        return out

    gross = spread(run_gross).reshape(n, days)
    floor = calculator.min_payout.scaleb(-exponent, CONTEXT).to_integral_value(ROUND_CEILING)
    min_q = int(floor)
    forfeit = calculator.dust is Dust.FORFEIT
    if min_q <= step:  # every payable amount is paid: array arithmetic
        owed = gross.copy()
        owed[:, 0] += carry_in
        if forfeit:
            forfeited = owed % step
            paid_q = owed - forfeited
            carry = np.zeros((n, days), dtype=object)
        else:
            carry = owed.cumsum(axis=1) % step
            before = np.empty((n, days), dtype=object)
            before[:, 0] = carry_in
            before[:, 1:] = carry[:, :-1]
            paid_q = before + gross - carry
            forfeited = np.zeros((n, days), dtype=object)
    else:  # a minimum payout: day by day, every series at once (settle_units in arrays)
        paid_q = np.empty((n, days), dtype=object)
        carry = np.empty((n, days), dtype=object)
        forfeited = np.zeros((n, days), dtype=object)
        owing = carry_in
        for k in range(days):
            owed = owing + gross[:, k]
            payable = owed - owed % step
            paid_k = np.where(payable < min_q, 0, payable)
            paid_q[:, k] = paid_k
            if forfeit:
                carry[:, k] = payable - paid_k
                forfeited[:, k] = owed - payable
            else:
                carry[:, k] = owed - paid_k
            owing = carry[:, k]
    return (
        spread(run_balance),
        spread(run_eligible),
        spread(run_apr),
        gross.ravel(),
        (paid_q // step).ravel(),
        carry.ravel(),
        forfeited.ravel(),
    )
