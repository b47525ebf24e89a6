"""The integer engine: every day of every (account, token), in ints, a run of days at a time.

The series (account, token) are worked on a chunk at a time, and within a chunk one
token's series at a time. Each (series, day) gets an int64 value id: the series'
opening or the balance after one of its events, forward-filled along the days.
``DailySnapshot`` reads the balance at each day's snapshot instant; ``MinimumBalance``
takes the lowest of the day's opening balance and the balance after each instant with
events inside the day, and ``TimeWeighted`` sums ``delta × (day end − instant)`` exactly
in base units × microseconds: such a day gets an id of its own, and its gross comes
from that exact total (``core.fixed.weighted_gross_units``), or where that declines
from the average divided at the library's precision, as the calculator does.

Along each series the days then fall into runs with the same value id and kind of day
(rate and year); the gross of a run is computed once. Where a token's numbers fit in
int64, ``vector.part`` computes every run's gross and settles every day in arrays;
below ``2**256``, ``wide.part`` does, in base-``10**10`` limbs (the ledger's amounts
may come as limbs already: ``wideints.Wide``); otherwise ``_python_part`` does, in
Python ints (``core.fixed.flat_gross_units`` for a flat rate where it answers,
``day_gross`` else, ``settle_units`` inline). The decimal
columns are written from integer words; each chunk is a ``pyarrow.RecordBatch``
(``batches``), and ``compute`` gathers them into a table. Everything is exact.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, NoReturn

import attrs

from softstaking.columns import vector, wide, wideints
from softstaking.columns.ledger import Ledger
from softstaking.columns.output import (
    APR_SCALE,
    DecimalColumn,
    add_words,
    digits_of,
    limb_words,
    words_of,
    zone_name,
)
from softstaking.columns.plan import Aprs, Plan, Run
from softstaking.columns.plan import plan as plan_of
from softstaking.columns.weighted import Specials, WeightedDays
from softstaking.columns.wideints import Wide
from softstaking.core.calculator import RewardCalculator
from softstaking.core.errors import NegativeBalanceError
from softstaking.core.fixed import from_units
from softstaking.core.instants import from_us
from softstaking.core.policies import DailySnapshot, MinimumBalance, TimeWeighted
from softstaking.core.schedules import AprSchedule
from softstaking.core.timeline import BalanceEvent
from softstaking.core.tokens import GUARD_DIGITS

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Ints = npt.NDArray[np.int64]
    Objects = npt.NDArray[np.object_]
    Amounts = npt.NDArray[Any]  # int64, or object (Python ints)

__all__ = ["batches", "check_balances", "compute", "unsupported"]

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


def check_balances(ledger: Ledger) -> Amounts | Wide:
    """Each event's balance after it; refuses one that takes its series below zero.

    int64 where the ledger's amounts are and no sum can pass int64; a ``Wide`` where
    the ledger holds one (and has fewer than ``wideints.MAX_EVENTS`` events); else
    Python ints.

    The first offending event in the order of the series (account, token), then time,
    raises ``NegativeBalanceError`` naming its ledger row.
    """
    import numpy as np

    delta, series, opening = ledger.delta_amounts, ledger.series, ledger.opening_amounts
    n = len(delta)
    if n == 0:
        return np.empty(0, dtype="int64")
    first = np.ones(n, dtype=bool)
    first[1:] = series[1:] != series[:-1]
    if (isinstance(delta, Wide) or isinstance(opening, Wide)) and n < wideints.MAX_EVENTS:
        after = wideints.running_sums(wideints.of(delta), first, wideints.of(opening), series)
        negative = np.flatnonzero(after.negative())
        if negative.size:
            i = int(negative[0])
            _refuse(ledger, i, int(delta[i]), after[i])
        return after
    wide = object in (delta.dtype, opening.dtype)
    if wide or int(np.abs(opening).max()) + int(np.abs(delta).max()) * n >= 2**63:
        delta, opening = delta.astype(object), opening.astype(object)  # sums may not fit
    running = np.cumsum(delta)
    head = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    balance: Amounts = running - (running - delta)[head] + opening[series]
    negative = np.flatnonzero(balance < 0)
    if negative.size:
        i = int(negative[0])
        _refuse(ledger, i, int(delta[i]), int(balance[i]))
    return balance


def _refuse(ledger: Ledger, i: int, delta: int, balance: int) -> NoReturn:
    """Raise ``NegativeBalanceError`` for event ``i``, which takes its series to ``balance``."""
    series = int(ledger.series[i])
    token = ledger.tokens[ledger.code[series]]
    at = from_us(int(ledger.at[i]))
    value = from_units(delta, -token.decimals)
    event = BalanceEvent(at, value, kind=ledger.kind[i])
    after = from_units(balance, -token.decimals)
    row = int(ledger.row[i])
    msg = (
        f"ledger row {row} ({event.kind} of {value:f} at {at.isoformat()}) "
        f"would take the balance to {after:f}"
    )
    error = NegativeBalanceError(msg, event=event, index=row, balance=after)
    error.add_note(
        f"in the holding of {token.symbol!r} by account {ledger.account[series].as_py()!r}"
    )
    raise error


_CHUNK_CELLS = 1 << 18
"""About how many rows (series × days) the engine works on at once."""

_VECTOR = True
"""Whether a token's part is worked in int64 arrays (``vector``) where its numbers fit.

Tests turn it off to hold the general path, in Python ints, to the same results."""


def batches(
    ledger: Ledger,
    calculators: Sequence[RewardCalculator],
    start: date,
    end: date,
    after: Amounts | Wide,
    *,
    widen: bool = False,
) -> tuple[Any, Iterator[Any]]:
    """Every series' records for the days in ``[start, end)``: a schema and its batches.

    ``calculators[i]`` holds the rules of ``ledger.tokens[i]``, each one the engine runs
    (``unsupported`` is None); ``after`` is ``check_balances(ledger)``. The series are
    worked on a chunk at a time (about ``_CHUNK_CELLS`` rows), each token's part of a
    chunk a run of days at a time, and each chunk is a ``pyarrow.RecordBatch`` whose
    decimal columns are written from integers. The schema's decimal types follow the
    scales (``output``); a value too wide for its column's ``decimal128`` raises
    ``InvalidInputError``, unless ``widen``: that batch's column is then a
    ``decimal256`` (``compute`` makes the whole column so).
    """
    import numpy as np
    import pyarrow as pa

    n_series = len(ledger.code)
    days = (end - start).days
    widest = max([t.decimals for t in ledger.tokens] or [0])
    fine = widest + GUARD_DIGITS
    plans = [plan_of(c, start, end, widest) for c in calculators]
    scales = {
        "balance": fine,
        "eligible": fine,
        "apr": APR_SCALE,
        "gross": fine,
        "paid": widest,
        "carry": fine,
        "forfeited": fine,
    }
    payouts = np.zeros((len(plans), days), dtype="int64")
    for t, token_plan in enumerate(plans):
        delay = token_plan.calculator.payout_delay // timedelta(microseconds=1)
        payouts[t] = token_plan.ends + delay
    names = sorted({zone_name(c.tz) or "" for c in calculators})
    instant = pa.timestamp("us", tz=names[0] if len(names) == 1 and names[0] else "UTC")

    def columns() -> dict[str, DecimalColumn]:
        return {
            name: DecimalColumn(name, scale, integer_digits=10 if name == "apr" else 12)
            for name, scale in scales.items()
        }

    schema = pa.schema(
        [
            ("account", pa.string()),
            ("token", pa.string()),
            ("day", pa.date32()),
            *((name, column.arrow_type()) for name, column in columns().items()),
            ("payout_at", instant),
        ]
    )
    bounds = np.searchsorted(ledger.series, np.arange(n_series + 1))  # each series' events
    event_code = ledger.code[ledger.series] if len(ledger.series) else np.empty(0, "int64")
    per_chunk = max(1, _CHUNK_CELLS // max(days, 1))
    base = (start - _EPOCH).days
    zeros: dict[int, Any] = {}  # one zeroed buffer per size, shared by the chunks

    def chunk(a: int, z: int) -> Any:
        cells = (z - a) * days
        digits = dict.fromkeys(scales, 1)
        codes = ledger.code[a:z]
        present = np.unique(codes).tolist()
        parts: list[tuple[Ints | None, dict[str, Any]]] = []
        for t in present:
            ss = a + np.flatnonzero(codes == t)
            lo, hi = int(bounds[a]), int(bounds[z])
            ev = lo + np.flatnonzero(event_code[lo:hi] == t)
            part, part_digits = _token_part(ledger, plans[t], ss, ev, after, days)
            rows = None if len(present) == 1 else (ss - a)[:, None] * days + np.arange(days)
            parts.append((None if rows is None else rows.ravel(), part))
            for name, d in part_digits.items():
                digits[name] = max(digits[name], d)
        decimals = columns()
        for column in decimals.values():
            column.fixed = not widen
        same = all(part["eligible"] is part["balance"] for _, part in parts)
        for name, column in decimals.items():
            if name == "eligible" and same:
                column.add_same(decimals["balance"])
            elif all(part[name] is None for _, part in parts):
                column.add_zeros(cells, zeros)
            else:
                column.add_parts(cells, [(rows, part[name]) for rows, part in parts], digits[name])
        del parts
        day_index = np.tile(np.arange(days), z - a)
        account, token = ledger.keys(a, z, repeat=days)
        payout_us = payouts[np.repeat(codes, days), day_index]
        arrays = {
            "account": account,
            "token": token,
            "day": pa.array((day_index + base).astype("int32"), pa.int32()).cast(pa.date32()),
            **{name: column.finish().chunk(0) for name, column in decimals.items()},
            "payout_at": pa.array(payout_us, pa.int64()).cast(instant),
        }
        return pa.RecordBatch.from_pydict(arrays)

    def chunks() -> Iterator[Any]:
        for a in range(0, n_series if days else 0, per_chunk):
            yield chunk(a, min(a + per_chunk, n_series))

    return schema, chunks()


def compute(
    ledger: Ledger,
    calculators: Sequence[RewardCalculator],
    start: date,
    end: date,
    after: Amounts | Wide,
) -> Any:
    """Every series' records for the days in ``[start, end)``, as a ``pyarrow.Table``.

    The batches of ``batches``, widened where a value needs it: a decimal column that
    needs a ``decimal256`` in one batch is one in every batch (an exact cast).
    """
    import pyarrow as pa

    schema, chunks = batches(ledger, calculators, start, end, after, widen=True)
    parts = list(chunks)
    wide = {f.name for b in parts for f in b.schema if pa.types.is_decimal256(f.type)}
    for name in wide:  # widened in some batch: decimal256 in all
        i = schema.get_field_index(name)
        schema = schema.set(i, pa.field(name, pa.decimal256(76, schema.field(i).type.scale)))
    return pa.Table.from_batches([b.cast(schema) for b in parts], schema=schema)


def _grid(plan: Plan, m: int, loc: Ints, at: Ints, days: int) -> Ints:
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


@attrs.frozen(eq=False)
class _Measured:
    """One token part's days, measured: a value id per cell (series × day), and values.

    Ids below ``len(plain)`` are the series' openings, the balances after their events
    and ``MinimumBalance``'s lows of the days with events inside them (``plain``:
    int64, Python ints or a ``Wide``); the rest are ``TimeWeighted``'s days with events inside
    them (``special``, a ``WeightedDays``: each one's exact total and length).
    """

    grid: Ints
    plain: Amounts | Wide
    special: Specials

    def values(self) -> list[Any]:
        """Every value, by id."""
        plain: list[Any] = self.plain.tolist()
        return plain + list(self.special)


def _measure(  # noqa: PLR0917 (one token's chunk)
    ledger: Ledger, plan: Plan, ss: Ints, ev: Ints, after: Amounts | Wide, days: int
) -> _Measured:
    """Each cell's measured value id, for the series ``ss`` of one token and their events."""
    import numpy as np

    m = len(ss)
    local = np.empty(int(ss[-1]) + 1 - int(ss[0]), dtype="int64")
    local[ss - ss[0]] = np.arange(m)
    loc = local[ledger.series[ev] - ss[0]]
    at = ledger.at[ev]
    grid = _grid(plan, m, loc, at, days)
    plain: Amounts | Wide
    opening = ledger.opening_amounts
    if isinstance(after, Wide) or isinstance(opening, Wide):
        plain = wideints.concat([wideints.of(opening[ss]), wideints.of(after[ev])])
    else:
        plain = np.concatenate([opening[ss], after[ev]])
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
            pos = loc[chosen] * days + day[chosen]  # in order: by series, then instant
            cells, first = np.unique(pos, return_index=True)
            if len(cells):
                if isinstance(plain, Wide):  # the lows are found among Python ints
                    plain = plain.objects()
                values = np.asarray(after[ev][chosen])
                lows = np.minimum(np.minimum.reduceat(values, first), plain[grid[cells]])
                grid[cells] = len(plain) + np.arange(len(cells))
                plain = np.concatenate([plain, lows])
            return _Measured(grid, plain, [])
        else:  # TimeWeighted
            chosen = np.flatnonzero(inside)
            pos = loc[chosen] * days + day[chosen]  # in order: by series, then instant
            cells, first = np.unique(pos, return_index=True)
            weighted = WeightedDays(
                plain=plain,
                opening=grid[cells],
                span=(ends - starts)[cells % days],
                first=first,
                delta=ledger.delta_amounts[ev][chosen],
                weight=ends[day[chosen]] - at[chosen],
            )
            grid[cells] = len(plain) + np.arange(len(cells))
            return _Measured(grid, plain, weighted)
    return _Measured(grid, plain, [])


def _token_part(  # noqa: PLR0917 (one token's chunk)
    ledger: Ledger, plan: Plan, ss: Ints, ev: Ints, after: Amounts | Wide, days: int
) -> tuple[dict[str, Any], dict[str, int]]:
    """The words of every decimal column for the series ``ss`` of one token, and digits.

    The days are measured, then cut into runs of days with one value and one kind of
    day; the int64 path (``vector.part``) works them where its numbers fit, the Python
    ints of ``_python_part`` otherwise.
    """
    import numpy as np

    m = len(ss)
    cells = m * days
    measured = _measure(ledger, plan, ss, ev, after, days)
    kind = plan.kind
    change = np.ones((m, days), dtype=bool)
    g2 = measured.grid.reshape(m, days)
    if days > 1:
        change[:, 1:] = (g2[:, 1:] != g2[:, :-1]) | (kind[1:] != kind[:-1])
    heads = np.flatnonzero(change.ravel())
    lengths = np.diff(np.append(heads, cells))
    vids, kinds = measured.grid[heads], kind[heads % days]
    aprs = Aprs(plan)
    carry = ledger.carry[ss]
    if _VECTOR:
        for path in (vector.part, wide.part):
            done = path(
                plan, measured.plain, measured.special, vids, kinds, lengths, aprs, carry, days
            )
            if done is not None:
                return done
    values = measured.values()
    runs = [aprs.run(values[v], k) for v, k in zip(vids.tolist(), kinds.tolist(), strict=True)]
    return _python_part(plan, runs, lengths, aprs, carry.tolist(), days)


def _python_part(  # noqa: PLR0917 (the parts of one token's chunk)
    plan: Plan,
    runs: list[Run],
    lengths: Ints,
    aprs: Aprs,
    carry_in: list[int],
    days: int,
) -> tuple[dict[str, Any], dict[str, int]]:
    """The words of one token's part from its runs, in Python ints: any size."""
    import numpy as np

    factor = 10**plan.shift
    m = len(carry_in)
    run_balance = [r[0] for r in runs]
    run_eligible = [r[1] for r in runs]
    run_gross = [r[2] for r in runs]

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
    out["apr"], digits["apr"] = aprs.words([r[3] for r in runs], lengths)
    step = 10**GUARD_DIGITS
    if plan.min_q <= step and not plan.forfeit and max(carry_in) < step:
        _pay_fast(out, digits, run_gross, lengths, carry_in, m, days, plan.shift)
    else:
        _pay_days(out, digits, run_gross, lengths, carry_in, m, days, plan)
    return out, digits


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

    A run's gross is ``whole`` base units (Python ints, of any size) and a rest below
    one base unit; ``vector.pay_fast`` settles the rests (a day pays one more base unit
    when the carry passes one), and each day pays its run's ``whole`` besides.
    """
    import numpy as np

    step = 10**GUARD_DIGITS
    factor = 10**shift
    whole = [g // step * factor for g in run_gross]
    rests = vector.split_ints(np.array([g % step for g in run_gross], dtype=object))
    carries = vector.split_ints(np.array(carry_in, dtype=object))
    assert rests is not None  # each below one base unit
    assert carries is not None
    bump, carry = vector.pay_fast(rests, lengths, carries, m, days)
    paid = np.repeat(words_of(whole), lengths, axis=0)
    one = words_of([factor])
    out["paid"] = add_words(paid, one * bump.astype("<u8")[:, None])
    top = max(whole)
    at = np.flatnonzero(bump)
    if len(at) and len(str(top + factor)) != len(str(top)):
        # A bumped day pays its run's whole units and one more: at a power of ten, which
        # runs were bumped decides the digits.
        runs = np.unique(np.searchsorted(np.cumsum(lengths), at, side="right"))
        top = max(top, max(whole[r] for r in runs.tolist()) + factor)
    elif len(at):
        top += factor
    digits["paid"] = digits_of([top])
    out["carry"] = limb_words(carry.hi, carry.lo, vector.LIMB, shift)
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
    plan: Plan,
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
