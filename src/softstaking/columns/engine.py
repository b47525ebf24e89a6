"""The integer engine: every day of every (account, token), in ints, a run of days at a time.

The series (account, token) are worked on a chunk at a time, and within a chunk one
token's series at a time. Each (series, day) gets an int64 value id: the series'
opening or the balance after one of its events, forward-filled along the days.
``DailySnapshot`` reads the balance at each day's snapshot instant; ``MinimumBalance``
takes the lowest of the day's opening balance and the balance after each instant with
events inside the day, and ``TimeWeighted`` sums ``delta × (day end − instant)`` exactly
in base units × microseconds and divides once, at the library's precision, as the
calculator does: such a day gets an id of its own.

Along each series the days then fall into runs with the same value id and kind of day
(rate and year); the gross of a run is computed once, with
``core.fixed.flat_gross_units`` for a flat rate where it answers, else with
``core.fixed.day_gross``. With no minimum payout above one base unit (and
``Dust.CARRY``), paying is int64 limb arithmetic over the chunk; otherwise each day is
settled as ``core.fixed.settle_units`` settles it. The decimal columns are written from
integer words into Arrow's memory (``output.DecimalColumn``). Everything is exact.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import TYPE_CHECKING, Any

import attrs

from softstaking.columns.ledger import Ledger
from softstaking.columns.output import (
    APR_SCALE,
    DecimalColumn,
    add_words,
    digits_of,
    limb_words,
    scaled,
    words_of,
    zone_name,
)
from softstaking.core.amounts import CONTEXT, ZERO
from softstaking.core.calculator import RewardCalculator
from softstaking.core.errors import NegativeBalanceError
from softstaking.core.fixed import (
    coefficient,
    day_gross,
    flat_gross_units,
    from_units,
    units_at_least,
)
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


_CHUNK_CELLS = 1 << 18
"""About how many rows (series × days) the engine works on at once."""

_LIMB = 10
"""Carries below one base unit (``10**GUARD_DIGITS`` gross quanta) are kept as two int64
limbs of ``_LIMB`` digits each, so a day's carry is array arithmetic."""


@attrs.frozen(eq=False)
class _Token:
    """What one token's rules give every day, worked out once, before the accounts."""

    calculator: RewardCalculator
    policy: Any
    q: Ints  # snapshot instants, or day starts
    ends: Ints
    kind: Ints  # days with the same rate and year share a kind
    first: list[int]  # the first day of each kind
    rates: list[Any]
    years: list[int]
    flat: list[tuple[int, int] | None]
    shift: int  # the decimals of the widest token less this token's
    min_units: int  # base units below which nothing is eligible
    cap_units: int | None  # base units above which the cap applies
    min_q: int
    forfeit: bool


def _plan(calculator: RewardCalculator, start: date, end: date, widest: int) -> _Token:
    import numpy as np

    windows = calculator.calendar.windows(start, end)
    days = len(windows)
    policy = calculator.policy
    if isinstance(policy, DailySnapshot):
        q = np.array([w.at_us(policy.at) for w in windows], dtype="int64")
    else:
        q = np.array([w.start_us for w in windows], dtype="int64")
    ends = np.array([w.end_us for w in windows], dtype="int64")
    rates = day_rates(calculator.schedule, windows)
    years = [calculator.day_count.days_in_year(w.day) for w in windows]
    kind = np.zeros(days, dtype="int64")
    for k in range(1, days):
        same = rates[k] == rates[k - 1] and years[k] == years[k - 1]
        kind[k] = kind[k - 1] if same else kind[k - 1] + 1
    decimals = calculator.token.decimals
    exponent = -(decimals + GUARD_DIGITS)
    cap = calculator.cap
    cap_units = None
    if cap is not None:
        n, e = coefficient(cap)
        cap_units = n * 10 ** (e + decimals) if e + decimals >= 0 else n // 10 ** -(e + decimals)
    min_holding = calculator.min_holding
    floor = calculator.min_payout.scaleb(-exponent, CONTEXT).to_integral_value(ROUND_CEILING)
    return _Token(
        calculator=calculator,
        policy=policy,
        q=q,
        ends=ends,
        kind=kind,
        first=np.searchsorted(kind, np.arange(int(kind[-1]) + 1 if days else 0)).tolist(),
        rates=rates,
        years=years,
        flat=[_flat(r) for r in rates],
        shift=widest - decimals,
        min_units=units_at_least(min_holding, -decimals) if min_holding else 0,
        cap_units=cap_units,
        min_q=int(floor),
        forfeit=calculator.dust is Dust.FORFEIT,
    )


def _flat(rate: object) -> tuple[int, int] | None:
    if type(rate) is not Decimal or rate.is_signed():
        return None
    return coefficient(rate)


def compute(  # noqa: PLR0912 (chunks, tokens, columns)
    ledger: Ledger,
    calculators: Sequence[RewardCalculator],
    start: date,
    end: date,
    after: Objects,
) -> Any:
    """Every series' records for the days in ``[start, end)``, as a ``pyarrow.Table``.

    ``calculators[i]`` holds the rules of ``ledger.tokens[i]``, each one the engine runs
    (``unsupported`` is None); ``after`` is ``check_balances(ledger)``. The series are
    worked on a chunk at a time, each token's part of a chunk a run of days at a time,
    and every decimal column is written from integers into Arrow's memory.
    """
    import numpy as np
    import pyarrow as pa

    n_series = len(ledger.code)
    days = (end - start).days
    widest = max([t.decimals for t in ledger.tokens] or [0])
    fine = widest + GUARD_DIGITS
    plans = [_plan(c, start, end, widest) for c in calculators]
    columns = {
        "balance": DecimalColumn("balance", fine),
        "eligible": DecimalColumn("eligible", fine),
        "apr": DecimalColumn("apr", APR_SCALE, integer_digits=10),
        "gross": DecimalColumn("gross", fine),
        "paid": DecimalColumn("paid", widest),
        "carry": DecimalColumn("carry", fine),
        "forfeited": DecimalColumn("forfeited", fine),
    }
    bounds = np.asarray(ledger.bounds(), dtype="int64")
    event_code = ledger.code[ledger.series] if len(ledger.series) else np.empty(0, "int64")
    per_chunk = max(1, _CHUNK_CELLS // max(days, 1))
    zeros: dict[int, Any] = {}
    for a in range(0, n_series if days else 0, per_chunk):
        z = min(a + per_chunk, n_series)
        cells = (z - a) * days
        chunk: dict[str, Any] = {}
        digits = dict.fromkeys(columns, 1)
        codes = ledger.code[a:z]
        present = np.unique(codes).tolist()
        for t in present:
            ss = a + np.flatnonzero(codes == t)
            lo, hi = int(bounds[a]), int(bounds[z])
            ev = lo + np.flatnonzero(event_code[lo:hi] == t)
            part, part_digits = _token_part(ledger, plans[t], ss, ev, after, days)
            if len(present) == 1:
                chunk = part
            else:
                rows = ((ss - a)[:, None] * days + np.arange(days)).ravel()
                for name, words in part.items():
                    if name not in chunk:
                        chunk[name] = np.zeros((cells, 4), dtype="<u8")
                    if words is not None:  # None: zeros
                        chunk[name][rows] = words
            for name, d in part_digits.items():
                digits[name] = max(digits[name], d)
        for name, column in columns.items():
            words = chunk[name]
            if words is None:
                column.add_zeros(cells, zeros)
            elif name == "eligible" and words is chunk["balance"]:
                column.add_same(columns["balance"])
            else:
                column.add(words, digits[name])
    base = (start - _EPOCH).days
    which = np.repeat(np.arange(n_series), days)
    code = np.repeat(ledger.code, days)
    payouts = np.zeros((len(plans), days), dtype="int64")
    for t, plan in enumerate(plans):
        delay = plan.calculator.payout_delay // timedelta(microseconds=1)
        payouts[t] = plan.ends + delay
    day_index = np.tile(np.arange(days), n_series)
    names = sorted({zone_name(c.tz) or "" for c in calculators})
    tz = names[0] if len(names) == 1 and names[0] else "UTC"
    table = {
        "account": ledger.account.take(which),
        "token": ledger.token.take(which),
        "day": pa.array((day_index + base).astype("int32"), pa.int32()).cast(pa.date32()),
        **{name: column.finish() for name, column in columns.items()},
        "payout_at": pa.array(payouts[code, day_index], pa.int64()).cast(pa.timestamp("us", tz=tz)),
    }
    return pa.table(table)


def _grid(plan: _Token, m: int, loc: Ints, at: Ints, days: int) -> Ints:
    """Each cell's value id: its series' opening or last event at the day's instant.

    The opening of the series is its local index; event ``j`` is ``m + j``.
    """
    import numpy as np

    d = np.searchsorted(plan.q, at, side="left")
    pos = loc * days + d
    keep = d < days
    last = np.ones(len(pos), dtype=bool)
    if len(pos) > 1:
        last[:-1] = pos[1:] != pos[:-1]
    chosen = np.flatnonzero(keep & last)
    grid = np.full(m * days, -1, dtype="int64")
    grid[pos[chosen]] = m + chosen
    g2 = grid.reshape(m, days)
    first = g2[:, 0]
    empty = first < 0
    first[empty] = np.flatnonzero(empty)
    np.maximum.accumulate(g2, axis=1, out=g2)
    return grid


def _token_part(  # noqa: PLR0912, PLR0915, PLR0917 (measure, runs, pay: one token's chunk)
    ledger: Ledger, plan: _Token, ss: Ints, ev: Ints, after: Objects, days: int
) -> tuple[dict[str, Any], dict[str, int]]:
    """The words of every decimal column for the series ``ss`` of one token, and digits."""
    import numpy as np

    calculator = plan.calculator
    token = calculator.token
    decimals = token.decimals
    exponent = -(decimals + GUARD_DIGITS)
    step = 10**GUARD_DIGITS
    m = len(ss)
    cells = m * days
    local = np.empty(int(ss[-1]) + 1 - int(ss[0]), dtype="int64")
    local[ss - ss[0]] = np.arange(m)
    loc = local[ledger.series[ev] - ss[0]]
    at = ledger.at[ev]
    grid = _grid(plan, m, loc, at, days)
    values: list[Any] = ledger.opening[ss].tolist() + after[ev].tolist()
    policy = plan.policy
    if not isinstance(policy, DailySnapshot) and len(ev):
        # The events inside a day make it a day of its own: its lowest balance, or
        # its time-weighted average, exact.
        starts, ends = plan.q, plan.ends
        day = np.searchsorted(starts, at, side="left") - 1
        inside = (day >= 0) & (at < ends[np.clip(day, 0, None)])
        if isinstance(policy, MinimumBalance):
            last = np.ones(len(ev), dtype=bool)
            if len(ev) > 1:
                same = (ledger.series[ev][1:] == ledger.series[ev][:-1]) & (at[1:] == at[:-1])
                last[:-1] = ~same
            chosen = np.flatnonzero(inside & last)
            lowest: dict[int, Any] = {}
            pos = (loc[chosen] * days + day[chosen]).tolist()
            for p, value in zip(pos, after[ev][chosen].tolist(), strict=True):
                held = lowest.get(p)
                if held is None or value < held:
                    lowest[p] = value
            special = {p: min(values[int(grid[p])], value) for p, value in lowest.items()}
        else:  # TimeWeighted
            chosen = np.flatnonzero(inside)
            pos = (loc[chosen] * days + day[chosen]).tolist()
            weights = (ends[day[chosen]] - at[chosen]).tolist()
            extra: dict[int, int] = {}
            for p, delta, w in zip(pos, ledger.delta[ev][chosen].tolist(), weights, strict=True):
                extra[p] = extra.get(p, 0) + delta * w
            lengths_us = (ends - starts).tolist()
            special = {}
            for p, added in extra.items():
                span = lengths_us[p % days]
                total = values[int(grid[p])] * span + added
                special[p] = CONTEXT.divide(from_units(total, -decimals), span)
        if special:
            where = np.fromiter(special, dtype="int64", count=len(special))
            grid[where] = len(values) + np.arange(len(special))
            values.extend(special.values())

    # Runs of days with one value and one kind of day.
    kind = plan.kind
    change = np.ones((m, days), dtype=bool)
    g2 = grid.reshape(m, days)
    if days > 1:
        change[:, 1:] = (g2[:, 1:] != g2[:, :-1]) | (kind[1:] != kind[:-1])
    heads = np.flatnonzero(change.ravel())
    lengths = np.diff(np.append(heads, cells))
    min_units, cap_units = plan.min_units, plan.cap_units
    first, flat, years = plan.first, plan.flat, plan.years
    factor = 10**plan.shift
    # By (value, kind of day, True): ints of base units only; a Decimal of tokens may
    # be an equal number and mean another balance.
    others: dict[tuple[Any, int, bool], tuple[int, int, int, int]] = {}
    aprs: dict[Decimal, int] = {}
    apr_ids: dict[int, int] = {}

    def apr_id(apr: Decimal) -> int:
        apr_q = aprs.get(apr)
        if apr_q is None:
            apr_q = aprs[apr] = scaled(apr, APR_SCALE)
        return apr_ids.setdefault(apr_q, len(apr_ids))

    # A flat rate's apr is the day's rate, whatever the balance: one id per kind of day.
    flat_apr = [apr_id(plan.rates[d]) if plan.flat[d] is not None else -1 for d in plan.first]
    run_balance, run_eligible, run_gross, run_apr = [], [], [], []
    for vid, k in zip(grid[heads].tolist(), kind[heads % days].tolist(), strict=True):
        value = values[vid]
        if type(value) is int and min_units <= value and (cap_units is None or value <= cap_units):
            day_k = first[k]
            coef = flat[day_k]
            if coef is not None:  # the common case: a flat rate's gross in ints
                units = flat_gross_units((value, -decimals), coef, years[day_k], exponent)
                if units is not None:
                    measured_q = value * step
                    run_balance.append(measured_q)
                    run_eligible.append(measured_q)
                    run_gross.append(units)
                    run_apr.append(flat_apr[k])
                    continue
        if type(value) is int:
            key = (value, k, True)
            cached = others.get(key)
            if cached is None:
                cached = others[key] = _run(plan, value, k, apr_id, flat_apr[k])
        else:  # a time-weighted average: hashing a 100-digit Decimal costs more than it saves
            cached = _run(plan, value, k, apr_id, flat_apr[k])
        run_balance.append(cached[0])
        run_eligible.append(cached[1])
        run_gross.append(cached[2])
        run_apr.append(cached[3])

    def spread(run_values: list[int]) -> Any:
        scaled_values = run_values if factor == 1 else [v * factor for v in run_values]
        return np.repeat(words_of(scaled_values), lengths, axis=0), digits_of(scaled_values)

    out: dict[str, Any] = {}
    digits: dict[str, int] = {}
    out["balance"], digits["balance"] = spread(run_balance)
    if run_eligible == run_balance:
        out["eligible"], digits["eligible"] = out["balance"], digits["balance"]
    else:
        out["eligible"], digits["eligible"] = spread(run_eligible)
    out["gross"], digits["gross"] = spread(run_gross)
    apr_values = list(apr_ids)
    out["apr"] = np.repeat(words_of(apr_values)[run_apr], lengths, axis=0)
    digits["apr"] = digits_of(apr_values)
    carry_in: list[int] = ledger.carry[ss].tolist()
    if plan.min_q <= step and not plan.forfeit and max(carry_in) < step:
        _pay_fast(out, digits, run_gross, lengths, carry_in, m, days, plan.shift)
    else:
        _pay_days(out, digits, run_gross, lengths, carry_in, m, days, plan)
    return out, digits


def _run(
    plan: _Token, value: Any, k: int, apr_id: Callable[[Decimal], int], flat_id: int
) -> tuple[int, int, int, int]:
    """A run's balance and eligible balance, gross (gross quanta) and apr id, in Decimal.

    For what the ints cannot promise: a tier model, a capped or ineligible balance, a
    time-weighted average (a Decimal quotient), a product past ``flat_gross_units``.
    ``flat_id`` is the apr id of a flat rate's day (its apr is the rate), else -1.
    """
    calculator = plan.calculator
    decimals = calculator.token.decimals
    exponent = -(decimals + GUARD_DIGITS)
    min_holding, cap = calculator.min_holding, calculator.cap
    day_k = plan.first[k]
    rate, year = plan.rates[day_k], plan.years[day_k]
    if type(value) is int:
        measured_q = value * 10**GUARD_DIGITS
        if value < plan.min_units:
            allowed, allowed_q = ZERO, 0
        elif plan.cap_units is not None and value > plan.cap_units:
            assert cap is not None
            allowed, allowed_q = cap, scaled(cap, -exponent)
        else:
            allowed, allowed_q = Decimal(value).scaleb(-decimals, CONTEXT), measured_q
    else:
        measured_q = scaled(value, -exponent)
        if value < min_holding:
            allowed, allowed_q = ZERO, 0
        elif cap is not None and value > cap:
            allowed, allowed_q = cap, scaled(cap, -exponent)
        else:
            allowed, allowed_q = value, measured_q
    result = day_gross(allowed, rate, year, calculator.token.gross_quantum)
    units = int(result.gross.scaleb(-exponent, CONTEXT))
    return measured_q, allowed_q, units, flat_id if flat_id >= 0 else apr_id(result.apr)


def _pay_fast(  # noqa: PLR0917 (the parts of one token's chunk)
    out: dict[str, Any],
    digits: dict[str, int],
    run_gross: list[int],
    lengths: Ints,
    carry_in: list[int],
    m: int,
    days: int,
    shift: int,
) -> None:
    """Paid, carry and forfeited where every payable amount is paid: array arithmetic.

    A run's gross is ``whole`` base units and ``rest`` gross quanta below one. The carry
    after a day is the series' carry-in and the ``rest`` of the days so far, modulo one
    base unit, kept as two int64 limbs; a day pays its ``whole`` plus one when the
    carry passes a base unit.
    """
    import numpy as np

    step, base = 10**GUARD_DIGITS, 10**_LIMB
    factor = 10**shift
    whole, rest_hi, rest_lo = [], [], []
    for g in run_gross:
        w, r = divmod(g, step)
        h, low = divmod(r, base)
        whole.append(w * factor)
        rest_hi.append(h)
        rest_lo.append(low)
    hi = np.repeat(np.array(rest_hi, dtype="int64"), lengths).reshape(m, days)
    lo = np.repeat(np.array(rest_lo, dtype="int64"), lengths).reshape(m, days)
    c_hi = np.array([c // base for c in carry_in], dtype="int64")
    c_lo = np.array([c % base for c in carry_in], dtype="int64")
    lo = lo.cumsum(axis=1) + c_lo[:, None]
    hi = hi.cumsum(axis=1) + c_hi[:, None]
    up, lo = np.divmod(lo, base)
    hi += up
    units, hi = np.divmod(hi, base)  # whole base units the carries made so far
    bump = np.diff(units, axis=1, prepend=0).ravel().astype("<u8")
    paid = np.repeat(words_of(whole), lengths, axis=0)
    one = words_of([factor])
    out["paid"] = add_words(paid, one * bump[:, None])
    digits["paid"] = digits_of([*whole, max(whole) + factor])
    out["carry"] = limb_words(hi.ravel(), lo.ravel(), _LIMB, shift)
    digits["carry"] = len(str((step - 1) * factor))
    out["forfeited"] = None  # zeros
    digits["forfeited"] = 1


def _pay_days(  # noqa: PLR0917 (the parts of one token's chunk)
    out: dict[str, Any],
    digits: dict[str, int],
    run_gross: list[int],
    lengths: Ints,
    carry_in: list[int],
    m: int,
    days: int,
    plan: _Token,
) -> None:
    """Paid, carry and forfeited settled day by day (``settle_units``, inline)."""
    step, min_q, forfeit = 10**GUARD_DIGITS, plan.min_q, plan.forfeit
    factor = 10**plan.shift
    gross: list[int] = []
    for g, n in zip(run_gross, lengths.tolist(), strict=True):
        gross.extend([g] * n)
    paid, carry, forfeited = [], [], []
    for i in range(m):
        owing = carry_in[i]
        for g in gross[i * days : (i + 1) * days]:
            owed = owing + g
            payable = owed - owed % step
            paid_q = 0 if payable < min_q else payable
            if forfeit:
                owing = payable - paid_q
                forfeited.append(owed - payable)
            else:
                owing = owed - paid_q
                forfeited.append(0)
            paid.append(paid_q // step * factor)
            carry.append(owing)
    for name, values in (("paid", paid), ("carry", carry), ("forfeited", forfeited)):
        if name == "forfeited" and not forfeit:
            out[name], digits[name] = None, 1  # zeros
            continue
        if factor != 1 and name != "paid":
            values = [v * factor for v in values]  # noqa: PLW2901
        out[name], digits[name] = words_of(values), digits_of(values)
