"""Pool-share distribution: a day's pool shared pro rata to the holders' balances.

This is how KuCoin's 2019 soft staking paid: each day's staking income from the chain was
shared out in proportion to the holdings measured that day,
``reward = pool × holding / total holding``. Accounts below a minimum holding get nothing
and do not count in the total.

The shares are whole base units that add up exactly to the pool, found by the
largest-remainder (Hamilton) method in integer arithmetic: each account first gets the
whole units of its exact quota, rounded down; the units left over go one each to the
accounts with the largest fractional remainders, ties going to the smaller account id
(in string order). What cannot be shared out (the pool's part finer than a base unit, or
the whole pool on a day with no eligible holder) is carried to the next day's pool or
reported, as ``Dust`` says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal

import attrs

from softstaking.core.amounts import EXACT, ZERO, AmountLike, to_amount
from softstaking.core.days import DayCalendar
from softstaking.core.errors import InvalidInputError, InvalidTypeError
from softstaking.core.fixed import from_units, to_units
from softstaking.core.frozen import FrozenMap
from softstaking.core.instants import check_day
from softstaking.core.policies import AccrualPolicy, check_measured
from softstaking.core.rounding import Dust
from softstaking.core.sweep import BalanceView
from softstaking.core.timeline import BalanceTimeline
from softstaking.core.tokens import Token

__all__ = ["Allocation", "PoolDay", "distribute", "distribute_days", "measure_holdings"]

_DAY = timedelta(days=1)


def _empty_shares() -> Mapping[str, Decimal]:
    return FrozenMap({})


@attrs.frozen
class Allocation:
    """One pool shared out among holders.

    Attributes:
        pool: What was shared: the day's pool plus anything carried into it.
        shares: Each eligible account's share in whole base units, by account id in
            ascending order. Accounts below the minimum holding are not in it.
        excluded: The accounts below the minimum holding, in ascending order.
        total_holding: The sum of the eligible accounts' balances, the quotas' denominator.
        undistributed: What could not be shared out: ``pool - sum(shares)``.
    """

    pool: Decimal
    shares: Mapping[str, Decimal] = attrs.field(factory=_empty_shares, hash=False)
    excluded: tuple[str, ...] = ()
    total_holding: Decimal = ZERO
    undistributed: Decimal = ZERO


@attrs.frozen
class PoolDay:
    """One day of a multi-day distribution.

    Every day satisfies ``pool + carry_in == sum(shares) + carry_out + forfeited``.

    Attributes:
        day: The day whose pool this is.
        pool: The day's own pool, as given.
        carry_in: Undistributed amount from earlier days added to the pool.
        allocation: How ``pool + carry_in`` was shared.
        carry_out: The undistributed amount carried to the next day (with ``Dust.CARRY``).
        forfeited: The undistributed amount given up and reported (with ``Dust.FORFEIT``).
    """

    day: date
    pool: Decimal
    carry_in: Decimal
    allocation: Allocation
    carry_out: Decimal
    forfeited: Decimal


def _check_token(token: object) -> Token:
    if not isinstance(token, Token):
        msg = f"token must be a Token, not {type(token).__name__}"
        raise InvalidTypeError(msg)
    return token


def _read_holdings(holdings: object) -> dict[str, Decimal]:
    if not isinstance(holdings, Mapping):
        msg = f"holdings must be a mapping of account id to balance, not {type(holdings).__name__}"
        raise InvalidTypeError(msg)
    out: dict[str, Decimal] = {}
    for account, balance in holdings.items():
        if not isinstance(account, str):
            msg = (
                f"account ids must be str, not {type(account).__name__} ({account!r}); "
                "convert numeric ids with str() so that ties break in one order"
            )
            raise InvalidTypeError(msg)
        out[account] = to_amount(balance, name=f"holding of account {account!r}")
    return out


def _scaled_ints(values: Iterable[Decimal]) -> tuple[list[int], int]:
    """The values as ints in one unit, ``10**-shift``, and that ``shift``.

    The unit is the finest of the values' last digits, so each int is exact; their sum is
    exact too, however many digits it has (averages can carry a hundred each).
    """
    values = list(values)
    exponents = [v.as_tuple().exponent for v in values]
    shift = max([0, *(-e for e in exponents if isinstance(e, int))])
    return [to_units(v, -shift) for v in values], shift


def _hamilton(units: int, weights: list[int], ids: list[str]) -> list[int]:
    """Share ``units`` in proportion to ``weights``: floors, then largest remainders.

    Ties between equal remainders go to the smaller id. The result sums to ``units``
    whenever the weights sum to more than zero.
    """
    total = sum(weights)
    floors: list[int] = []
    remainders: list[int] = []
    for w in weights:
        q, r = divmod(units * w, total)
        floors.append(q)
        remainders.append(r)
    left = units - sum(floors)
    if left:
        order = sorted(range(len(weights)), key=lambda i: (-remainders[i], ids[i]))
        for i in order[:left]:
            floors[i] += 1
    return floors


def distribute(
    pool: AmountLike,
    holdings: Mapping[str, AmountLike],
    *,
    token: Token,
    min_holding: AmountLike = 0,
) -> Allocation:
    """Share ``pool`` among ``holdings`` pro rata, in whole base units of ``token``.

    Args:
        pool: The amount to share, not negative.
        holdings: Each account's measured balance, by account id (a str). The order
            does not matter.
        token: Whose base unit the shares are whole numbers of.
        min_holding: A balance below this gets nothing and does not count in the
            total; a balance of exactly this amount takes part.

    Returns:
        The allocation. Each share is the floor or the ceiling of the exact quota
        ``pool_units × holding / total_holding`` in base units; the shares sum to the
        pool's whole base units, and ``undistributed`` holds the rest: the sub-unit
        part of the pool, or all of it when no eligible account holds anything.

    Raises:
        InvalidTypeError: For an account id that is not a str, a float amount, or a
            token that is not a ``Token``.
        InvalidInputError: For a negative pool, holding or minimum.

    Examples:
        >>> usdt = Token("USDT", 6)
        >>> a = distribute("1", {"alice": 1, "bob": 1, "carol": 1}, token=usdt)
        >>> dict(a.shares)
        {'alice': Decimal('0.333334'), 'bob': Decimal('0.333333'), 'carol': Decimal('0.333333')}
        >>> a.undistributed
        Decimal('0.000000')
    """
    token = _check_token(token)
    amount = to_amount(pool, name="pool")
    minimum = to_amount(min_holding, name="min_holding")
    balances = _read_holdings(holdings)
    ids = sorted(a for a, b in balances.items() if b >= minimum)
    excluded = tuple(sorted(a for a, b in balances.items() if b < minimum))
    weights, shift = _scaled_ints(balances[a] for a in ids)
    # Exact whatever its length: a sum of averages can outgrow the library's 100 digits.
    total = from_units(sum(weights), -shift) if ids else ZERO
    # The pool's whole base units: int() truncates, and the pool is not negative.
    units = int(amount.scaleb(token.decimals, EXACT))
    if not ids or sum(weights) == 0:
        units = 0
        counts = [0] * len(ids)
    else:
        counts = _hamilton(units, weights, ids)
    exp = -token.decimals
    shares = {a: Decimal(n).scaleb(exp, EXACT) for a, n in zip(ids, counts, strict=True)}
    paid = Decimal(units).scaleb(exp, EXACT)
    return Allocation(
        amount,
        FrozenMap(shares),
        excluded,
        total,
        EXACT.subtract(amount, paid),
    )


def distribute_days(
    pools: Mapping[date, AmountLike],
    holdings: Mapping[date, Mapping[str, AmountLike]],
    *,
    token: Token,
    min_holding: AmountLike = 0,
    dust: Dust = Dust.CARRY,
    carry: AmountLike = 0,
) -> list[PoolDay]:
    """Share each day's pool in day order, rolling what is left over forward.

    Args:
        pools: Each day's pool, by day.
        holdings: Each day's measured balances, by day and account id; the same days
            as ``pools``. ``measure_holdings`` makes this from timelines.
        token: Whose base unit the shares are whole numbers of.
        min_holding: The minimum balance to take part, as in ``distribute``.
        dust: ``Dust.CARRY`` (the default) adds each day's undistributed amount
            to the next day's pool; ``Dust.FORFEIT`` reports it in ``forfeited``
            and starts the next day from nothing.
        carry: An undistributed amount from before the first day, such as the last
            record's ``carry_out`` from an earlier run.

    Returns:
        One record per day, in day order. Over the run, ``carry + sum(pools) ==
        sum(all shares) + sum(forfeited) + the last carry_out``, exactly.

    Raises:
        InvalidInputError: If ``pools`` and ``holdings`` name different days.

    Examples:
        >>> from datetime import date
        >>> btc = Token("BTC", 8)
        >>> days = distribute_days(
        ...     {date(2019, 7, 1): "0.000000005", date(2019, 7, 2): "0.000000005"},
        ...     {date(2019, 7, 1): {"a": 1}, date(2019, 7, 2): {"a": 1}},
        ...     token=btc,
        ... )
        >>> [(d.allocation.shares["a"], d.carry_out) for d in days]
        [(Decimal('0E-8'), Decimal('5E-9')), (Decimal('1E-8'), Decimal('0E-9'))]
    """
    if not isinstance(dust, Dust):
        msg = f"dust must be a Dust, not {type(dust).__name__}"
        raise InvalidTypeError(msg)
    if set(pools) != set(holdings):
        no_holdings = ", ".join(str(d) for d in sorted(set(pools) - set(holdings)))
        no_pool = ", ".join(str(d) for d in sorted(set(holdings) - set(pools)))
        msg = (
            "pools and holdings must cover the same days: "
            f"no holdings for [{no_holdings}], no pool for [{no_pool}]"
        )
        raise InvalidInputError(msg)
    owed = to_amount(carry, name="carry")
    out: list[PoolDay] = []
    for day in sorted(check_day(d, name="day") for d in pools):
        own = to_amount(pools[day], name=f"pool of {day}")
        allocation = distribute(
            EXACT.add(own, owed), holdings[day], token=token, min_holding=min_holding
        )
        left = allocation.undistributed
        carry_out, forfeited = (left, ZERO) if dust is Dust.CARRY else (ZERO, left)
        out.append(PoolDay(day, own, owed, allocation, carry_out, forfeited))
        owed = carry_out
    return out


def measure_holdings(
    timelines: Mapping[str, BalanceTimeline],
    start: date,
    end: date,
    *,
    policy: AccrualPolicy,
    calendar: DayCalendar | None = None,
) -> dict[date, dict[str, Decimal]]:
    """Measure every account's balance on each day of ``[start, end)`` with ``policy``.

    Each account's timeline is swept once, forward, as the calculator does.

    Args:
        timelines: Each account's balance through time, by account id.
        start: The first day.
        end: The day after the last.
        policy: How a day's balance is measured, e.g. ``DailySnapshot(time(23, 59, 59))``.
        calendar: How time is cut into days; UTC midnights by default.

    Returns:
        ``{day: {account: balance}}``, ready for ``distribute_days``.

    Raises:
        InvalidInputError: If ``end`` is before ``start`` or the policy measures a
            negative or non-finite balance.
        InvalidTypeError: If the policy returns something other than a Decimal.
    """
    if not isinstance(policy, AccrualPolicy):
        msg = f"policy must have a measure(window, balances) method, not {type(policy).__name__}"
        raise InvalidTypeError(msg)
    cal = DayCalendar() if calendar is None else calendar
    if not isinstance(cal, DayCalendar):
        msg = f"calendar must be a DayCalendar, not {type(cal).__name__}"
        raise InvalidTypeError(msg)
    windows = cal.windows(start, end)
    out: dict[date, dict[str, Decimal]] = {w.day: {} for w in windows}
    name = type(policy).__name__
    for account, timeline in timelines.items():
        if not isinstance(timeline, BalanceTimeline):
            kind = type(timeline).__name__
            msg = f"timeline of {account!r} must be a BalanceTimeline, not {kind}"
            raise InvalidTypeError(msg)
        view = BalanceView(timeline)
        for w in windows:
            view.enter_day(w.start_us)
            out[w.day][account] = check_measured(
                policy.measure(w, view), where=f"{name} for {account!r} on {w.day}"
            )
    return out
