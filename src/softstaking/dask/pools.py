"""Pool-share distribution over a Dask DataFrame of holdings, partition by partition.

The same shares as ``softstaking.distribute_days``, found without gathering every
account on one worker. For each day, in three passes over the partitions:

1. each partition sums its eligible holdings (exact ints at its finest digit), and
   the caller adds the sums up: the day's total, the quotas' denominator;
2. each partition sums the floors ``pool_units × holding // total`` of its accounts:
   what is left of the pool's whole units, ``left``, goes one unit each to the accounts
   with the largest remainders;
3. each partition sends its best ``left`` accounts by (remainder descending, account
   ascending), and the caller picks the best ``left`` of those: the same accounts,
   with the same tie rule, as the single-process largest-remainder method, since an
   account among the global best is among the best of its own partition.

The shares then come out as a lazy Dask DataFrame, one partition per partition of the
holdings. Days are chained on the caller as in ``distribute_days``: what a day cannot
share out is carried into the next day's pool, or forfeited.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from softstaking.core.amounts import EXACT, ZERO, AmountLike, to_amount
from softstaking.core.errors import InvalidInputError, InvalidTypeError
from softstaking.core.fixed import from_units, to_units
from softstaking.core.instants import check_day
from softstaking.core.rounding import Dust
from softstaking.core.tokens import Token
from softstaking.dask.layout import check_frame

if TYPE_CHECKING:
    import dask.dataframe as dd
    import pandas as pd

__all__ = ["PoolTotal", "distribute_days"]

_Rows = dict[date, list[tuple[str, Decimal]]]


@attrs.frozen
class PoolTotal:
    """One day of a distribution over partitions: its totals (the shares are in a frame).

    Every day satisfies ``pool + carry_in == shared + carry_out + forfeited``.

    Attributes:
        day: The day.
        pool: The day's own pool, as given.
        carry_in: Undistributed amount from earlier days added to the pool.
        total_holding: The sum of the eligible holdings, the quotas' denominator.
        holders: How many accounts took part (at or above the minimum holding).
        excluded: How many accounts were below the minimum holding.
        shared: The sum of the day's shares, in whole base units.
        carry_out: The undistributed amount carried to the next day (``Dust.CARRY``).
        forfeited: The undistributed amount given up (``Dust.FORFEIT``).
    """

    day: date
    pool: Decimal
    carry_in: Decimal
    total_holding: Decimal
    holders: int
    excluded: int
    shared: Decimal
    carry_out: Decimal
    forfeited: Decimal


def _day(value: object) -> date:
    if isinstance(value, datetime):  # pandas Timestamps too
        return value.date()
    if isinstance(value, str):  # Dask turns object columns into strings
        try:
            return date.fromisoformat(value)
        except ValueError:
            msg = f"day {value!r} is not a date written as YYYY-MM-DD"
            raise InvalidInputError(msg) from None
    return check_day(value, name="day")


def _rows(part: pd.DataFrame, minimum: Decimal) -> tuple[_Rows, dict[date, int]]:
    """The partition's eligible ``(account, holding)`` by day, and its excluded counts."""
    rows: _Rows = {}
    excluded: dict[date, int] = {}
    seen: set[tuple[date, str]] = set()
    columns = (part["account"].tolist(), part["day"].tolist(), part["holding"].tolist())
    for account, when, value in zip(*columns, strict=True):
        if not isinstance(account, str):
            msg = (
                f"account ids must be str, not {type(account).__name__} ({account!r}); "
                "convert numeric ids with str() so that ties break in one order"
            )
            raise InvalidTypeError(msg)
        day = _day(when)
        if (day, account) in seen:
            msg = f"account {account!r} has two holdings on {day}"
            raise InvalidInputError(msg)
        seen.add((day, account))
        balance = to_amount(value, name=f"holding of account {account!r} on {day}")
        if balance >= minimum:
            rows.setdefault(day, []).append((account, balance))
        else:
            excluded[day] = excluded.get(day, 0) + 1
    return rows, excluded


def _shift(values: list[Decimal]) -> int:
    exponents = [v.as_tuple().exponent for v in values]
    return max([0, *(-e for e in exponents if isinstance(e, int))])


def _sums(part: pd.DataFrame, minimum: Decimal) -> dict[date, tuple[int, int, int, int]]:
    """Pass 1: by day, ``(shift, sum of holdings in 10**-shift, holders, excluded)``."""
    rows, excluded = _rows(part, minimum)
    out: dict[date, tuple[int, int, int, int]] = {}
    for day in set(rows) | set(excluded):
        values = [b for _, b in rows.get(day, [])]
        shift = _shift(values)
        total = sum(to_units(v, -shift) for v in values)
        out[day] = (shift, total, len(values), excluded.get(day, 0))
    return out


def _quotas(
    part: pd.DataFrame, minimum: Decimal, plan: dict[date, tuple[int, int, int]]
) -> dict[date, list[tuple[str, int, int]]]:
    """Each eligible account's ``(account, floor, remainder)`` on the days that share units.

    ``plan`` gives each such day's ``(units, total, shift)``.
    """
    rows, _ = _rows(part, minimum)
    out: dict[date, list[tuple[str, int, int]]] = {}
    for day, (units, total, shift) in plan.items():
        out[day] = [
            (account, *divmod(units * to_units(b, -shift), total))
            for account, b in rows.get(day, [])
        ]
    return out


def _floors(
    part: pd.DataFrame, minimum: Decimal, plan: dict[date, tuple[int, int, int]]
) -> dict[date, int]:
    """Pass 2: by day, the sum of the partition's floors."""
    return {
        day: sum(q for _, q, _ in quotas) for day, quotas in _quotas(part, minimum, plan).items()
    }


def _best(
    part: pd.DataFrame,
    minimum: Decimal,
    plan: dict[date, tuple[int, int, int]],
    left: dict[date, int],
) -> dict[date, list[tuple[int, str]]]:
    """Pass 3: by day, the partition's best ``left`` accounts as ``(-remainder, account)``."""
    quotas = _quotas(part, minimum, {d: plan[d] for d in left})
    return {day: heapq.nsmallest(left[day], ((-r, a) for a, _, r in quotas[day])) for day in left}


def _shares(
    part: pd.DataFrame,
    minimum: Decimal,
    plan: dict[date, tuple[int, int, int]],
    winners: dict[date, set[str]],
    token: Token,
) -> pd.DataFrame:
    """Pass 4: the partition's shares: floor, plus one unit for the winners."""
    import pandas as pd
    import pyarrow as pa

    quotas = _quotas(part, minimum, plan)
    accounts: list[str] = []
    days: list[date] = []
    shares: list[Decimal] = []
    exponent = -token.decimals
    rows, _ = _rows(part, minimum)
    for day, held in rows.items():
        if day in quotas:
            won = winners.get(day, set())
            for account, q, _ in quotas[day]:
                accounts.append(account)
                days.append(day)
                shares.append(from_units(q + (account in won), exponent))
        else:  # a day that shares nothing: every holder gets zero
            for account, _ in held:
                accounts.append(account)
                days.append(day)
                shares.append(from_units(0, exponent))
    table = pa.table(
        {
            "account": pa.array(accounts, pa.string()),
            "day": pa.array(days, pa.date32()),
            "share": pa.array(shares, _share_type(token)),
        }
    )
    out: pd.DataFrame = table.to_pandas(types_mapper=pd.ArrowDtype)
    return out


def _share_type(token: Token) -> Any:
    import pyarrow as pa

    if token.decimals + 12 <= 38:
        return pa.decimal128(38, token.decimals)
    return pa.decimal256(76, token.decimals)


def share_meta(token: Token) -> pd.DataFrame:
    """The empty frame the shares of ``token`` are: account, day, share."""
    import pandas as pd
    import pyarrow as pa

    schema = pa.schema(
        [("account", pa.string()), ("day", pa.date32()), ("share", _share_type(token))]
    )
    out: pd.DataFrame = schema.empty_table().to_pandas(types_mapper=pd.ArrowDtype)
    return out


def distribute_days(
    pools: Mapping[date, AmountLike],
    holdings: object,
    *,
    token: Token,
    min_holding: AmountLike = 0,
    dust: Dust = Dust.CARRY,
    carry: AmountLike = 0,
) -> tuple[list[PoolTotal], dd.DataFrame]:
    """Share each day's pool over a Dask DataFrame of holdings, as ``distribute_days`` does.

    The totals are computed now (three passes over the holdings, on the current
    scheduler: persist the holdings first if they are costly to read); the shares are
    returned as a lazy frame. Each share equals the one ``softstaking.distribute_days``
    gives on the same holdings, however they are partitioned.

    Args:
        pools: Each day's pool, by day.
        holdings: A Dask DataFrame with the columns ``account`` (str), ``day`` (dates)
            and ``holding`` (the measured balance: decimals, decimal strings or ints,
            never floats), one row per account and day. A day of ``pools`` without
            rows has no holder (its pool is carried or forfeited).
        token: Whose base unit the shares are whole numbers of.
        min_holding: The minimum balance to take part.
        dust: ``Dust.CARRY`` or ``Dust.FORFEIT``, as in ``distribute_days``.
        carry: An undistributed amount from before the first day.

    Returns:
        One ``PoolTotal`` per day of ``pools``, in day order, and the shares: a Dask
        DataFrame with ``account``, ``day`` and ``share`` (an Arrow decimal in the
        token's base unit), one row per eligible account and day.

    Raises:
        InvalidInputError: A day of the holdings has no pool, an account comes twice on
            one day within a partition, or an amount is negative.
        InvalidTypeError: A float amount, an account id that is not a str.

    Examples:
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> usdt = Token("USDT", 6)
        >>> day = date(2019, 7, 1)
        >>> frame = dd.from_pandas(pd.DataFrame({"account": ["alice", "bob", "carol"],
        ...     "day": [day] * 3, "holding": ["1", "1", "1"]}), npartitions=3)
        >>> import dask
        >>> with dask.config.set(scheduler="sync"):
        ...     totals, shares = distribute_days({day: "1"}, frame, token=usdt)
        ...     shares.compute().sort_values("account")["share"].tolist()
        [Decimal('0.333334'), Decimal('0.333333'), Decimal('0.333333')]
    """
    import dask
    import dask.dataframe as dd

    if not isinstance(token, Token):
        msg = f"token must be a Token, not {type(token).__name__}"
        raise InvalidTypeError(msg)
    if not isinstance(dust, Dust):
        msg = f"dust must be a Dust, not {type(dust).__name__}"
        raise InvalidTypeError(msg)
    frame = check_frame(holdings, ("account", "day", "holding"), "holdings")
    minimum = to_amount(min_holding, name="min_holding")
    owed = to_amount(carry, name="carry")
    own = {check_day(d, name="day"): to_amount(p, name=f"pool of {d}") for d, p in pools.items()}
    parts = frame.to_delayed()
    sums = dask.compute(*(dask.delayed(_sums)(p, minimum) for p in parts))
    totals: dict[date, tuple[int, int, int, int]] = {}
    for found in sums:
        for day, (shift, total, holders, excluded) in found.items():
            s0, t0, h0, e0 = totals.get(day, (0, 0, 0, 0))
            top = max(s0, shift)
            totals[day] = (
                top,
                t0 * 10 ** (top - s0) + total * 10 ** (top - shift),
                h0 + holders,
                e0 + excluded,
            )
    stray = sorted(set(totals) - set(own))
    if stray:
        msg = f"holdings on days without a pool: {', '.join(map(str, stray))}"
        raise InvalidInputError(msg)
    plan: dict[date, tuple[int, int, int]] = {}
    out: list[PoolTotal] = []
    exponent = -token.decimals
    for day in sorted(own):
        shift, total, holders, excluded = totals.get(day, (0, 0, 0, 0))
        amount = EXACT.add(own[day], owed)
        units = int(amount.scaleb(token.decimals, EXACT)) if total else 0
        if units:
            plan[day] = (units, total, shift)
        left = EXACT.subtract(amount, from_units(units, exponent))
        carry_out, forfeited = (left, ZERO) if dust is Dust.CARRY else (ZERO, left)
        out.append(
            PoolTotal(
                day,
                own[day],
                owed,
                from_units(total, -shift) if holders else ZERO,
                holders,
                excluded,
                from_units(units, exponent),
                carry_out,
                forfeited,
            )
        )
        owed = carry_out
    winners: list[dict[date, set[str]]] = [{} for _ in parts]
    if plan:
        floors = dask.compute(*(dask.delayed(_floors)(p, minimum, plan) for p in parts))
        left_over = {
            day: units - sum(f.get(day, 0) for f in floors) for day, (units, _, _) in plan.items()
        }
        left_over = {day: n for day, n in left_over.items() if n}
        if left_over:
            best = dask.compute(*(dask.delayed(_best)(p, minimum, plan, left_over) for p in parts))
            for day, n in left_over.items():
                merged = heapq.merge(*([(r, a, i) for r, a in b[day]] for i, b in enumerate(best)))
                for _, account, i in heapq.nsmallest(n, merged):
                    winners[i].setdefault(day, set()).add(account)
    pieces = [
        dask.delayed(_shares)(p, minimum, plan, winners[i], token) for i, p in enumerate(parts)
    ]
    return out, dd.from_delayed(pieces, meta=share_meta(token), verify_meta=False)
