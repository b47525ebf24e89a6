"""Presets: real programs' published rules, ready to run.

Each function builds a ``Program`` (or, for a bank account, a
``RewardCalculator``) from a program's published rules. Its
docstring cites the source and its date and says when the source is a repost. Rates a
program publishes daily are inputs: pass an ``AprSchedule``
(or a constant rate) per token.

Payouts that the sources describe as "the next day" are expressed with the calculator's
``payout_delay`` (the time after the end of the accrual day); for programs that pay
weekly or monthly, build the calculators with a ``payout_schedule``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, time, timedelta, timezone, tzinfo
from decimal import Decimal
from types import MappingProxyType
from typing import Final, TypeAlias

import attrs

from softstaking.amounts import CONTEXT, EXACT, ZERO, AmountLike, to_amount
from softstaking.calculator import RewardCalculator
from softstaking.daycount import DayCount
from softstaking.eligibility import EarningStart
from softstaking.errors import InvalidInputError, InvalidTypeError
from softstaking.policies import AccrualPolicy, DailySnapshot, SnapshotAverage, TimeWeighted
from softstaking.program import Program
from softstaking.records import DailyReward
from softstaking.schedules import AprSchedule, RateLike
from softstaking.tokens import Token

__all__ = [
    "BINANCE_SOFT_STAKING_MINIMUMS",
    "HOLD_TO_EARN",
    "UTC8",
    "AverageDailyBalance",
    "Rates",
    "TokenTerms",
    "binance_soft_staking",
    "gate_soft_staking",
    "kucoin_hold_to_earn",
    "kucoin_pool_x",
    "kucoin_soft_staking_2019",
    "regulation_dd_average_daily_balance",
    "regulation_dd_daily_balance",
]

UTC8: Final = timezone(timedelta(hours=8))
"""KuCoin's clock: UTC+8, no daylight saving."""

Rates: TypeAlias = Mapping[str, AprSchedule | RateLike]
"""Each token's rate, by symbol: a schedule, or one rate for every day."""

_EXCHANGE_DECIMALS: Final = 8


def _to_apr(value: AmountLike) -> Decimal:
    return to_amount(value, name="TokenTerms.apr")


def _to_min_holding(value: AmountLike) -> Decimal:
    return to_amount(value, name="TokenTerms.min_holding")


def _to_cap(value: AmountLike | None) -> Decimal | None:
    return None if value is None else to_amount(value, name="TokenTerms.cap")


@attrs.frozen
class TokenTerms:
    """One row of a program's published per-token table.

    Attributes:
        apr: The annual rate as a fraction (``Decimal("0.0132")`` is 1.32 %); a
            Decimal, int or str at or above zero (floats are refused).
        min_holding: The least balance that earns, at or above zero.
        cap: The most that earns; above it earns nothing more. None for no cap.
    """

    apr: Decimal = attrs.field(converter=_to_apr)
    min_holding: Decimal = attrs.field(converter=_to_min_holding)
    cap: Decimal | None = attrs.field(converter=_to_cap)


def _terms(apr: str, min_holding: str, cap: str) -> TokenTerms:
    return TokenTerms(apr, min_holding, cap)


HOLD_TO_EARN: Final[Mapping[str, TokenTerms]] = MappingProxyType(
    {
        "USDT": _terms("0.0132", "1", "15000000"),
        "USDC": _terms("0.0211", "1", "5000000"),
        "ETH": _terms("0.005", "0.001", "500"),
        "SOL": _terms("0.008", "0.02", "10000"),
        "DOT": _terms("0.01", "1", "50000"),
        "ADA": _terms("0.005", "5", "800000"),
        "BNB": _terms("0.0016", "0.002", "500"),
    }
)
"""KuCoin Hold to Earn's table (APR, minimum holding, cap) as published in 2025–26.

Source: kucoin.com/support/48142946141501 and kucoin.com/earn/hold-to-earn. The APRs
change; the minimums and caps are the program's terms.
"""

BINANCE_SOFT_STAKING_MINIMUMS: Final[Mapping[str, Decimal]] = MappingProxyType(
    {
        "BNB": Decimal("0.5"),
        "SOL": Decimal(1),
        "ADA": Decimal(150),
        "SUI": Decimal(100),
        "TON": Decimal(100),
        "NEAR": Decimal(100),
        "POL": Decimal(500),
        "ALGO": Decimal(1000),
    }
)
"""Binance Soft Staking's minimum holdings (2025, from reposts of Binance's announcement).

Read-only; pass your own mapping to ``binance_soft_staking`` to change it.
"""


def _schedule(symbol: str, rate: object) -> AprSchedule:
    if isinstance(rate, AprSchedule):
        return rate
    if isinstance(rate, float):
        to_amount(rate, name=f"rate of {symbol}")  # raises the helpful float error
    return AprSchedule.constant(rate)  # type: ignore[arg-type]


def _rates(rates: Rates) -> dict[str, AprSchedule]:
    if not isinstance(rates, Mapping):
        msg = f"rates must be a mapping {{symbol: AprSchedule or rate}}, not {type(rates).__name__}"
        raise InvalidTypeError(msg)
    if not rates:
        msg = "rates must name at least one token"
        raise InvalidInputError(msg)
    return {symbol: _schedule(symbol, rate) for symbol, rate in rates.items()}


def _check_keys(table: Mapping[str, object] | None, rates: Rates, what: str) -> None:
    """Refuse keys of ``table`` that name no token in ``rates`` (a typo, most likely)."""
    if table is None:
        return
    for symbol in table:
        if symbol not in rates:
            msg = (
                f"{what} names {symbol!r}, which has no rate: "
                f"rates has {', '.join(sorted(map(str, rates)))}"
            )
            raise InvalidInputError(msg)


def _lookup(table: Mapping[str, AmountLike | None], symbol: str, what: str) -> AmountLike | None:
    if symbol not in table:
        msg = f"no {what} for {symbol!r}: the table has {', '.join(sorted(table))}"
        raise InvalidInputError(msg)
    return table[symbol]


def _soft_staking(
    rates: Rates,
    *,
    tz: tzinfo,
    policy: AccrualPolicy,
    minimums: Mapping[str, AmountLike] | None,
    caps: Mapping[str, AmountLike | None] | None,
    decimals: int,
    payout_delay: timedelta,
    min_payout: AmountLike = 0,
) -> list[RewardCalculator]:
    calcs = []
    for symbol, schedule in _rates(rates).items():
        min_holding = 0 if minimums is None else _lookup(minimums, symbol, "minimum holding")
        cap = None if caps is None else _lookup(caps, symbol, "cap")
        calcs.append(
            RewardCalculator(
                Token(symbol, decimals),
                schedule,
                policy,
                tz=tz,
                min_holding=min_holding or 0,
                cap=cap,
                payout_delay=payout_delay,
                min_payout=min_payout,
            )
        )
    return calcs


def kucoin_soft_staking_2019(rates: Rates, *, decimals: int = _EXCHANGE_DECIMALS) -> Program:
    """KuCoin Soft Staking as launched in 2019 (ELA, IOTX and ten more PoS tokens).

    Rules: the balance is a snapshot at 23:59:59 UTC+8; earning starts when a deposit
    arrives or a buy order fills (the seed); the reward is paid the next day; a daily
    rebate under 0.000001 is not paid (``min_payout``; the library carries it to the
    next day rather than drop it, since the source does not say it is lost).

    The program shared each day's chain staking income pro rata; the rate it published
    daily per token is the input here, so the reward is ``balance × APR / 365``.
    Paid at 00:00 UTC+8 the next day (``payout_delay`` 0): the sources give no time.
    The 2019 rules do not mention open orders; they count here, as in KuCoin's other
    holding programs of the time (GALA for ZPT holders, the KCS bonus).

    Sources: kucoin.com/news/ela-soft-staking-official-rules (KuCoin, 2019);
    cryptonewsz.com/kucoin-launches-soft-staking-program-for-the-iotx-owners/ (a news
    repost, 2019); the seed article (KuCoin's IOTX guide, 2019).

    Args:
        rates: The published annualised rate of each token, by symbol.
        decimals: The decimals rewards are paid in.
    """
    calcs = _soft_staking(
        rates,
        tz=UTC8,
        policy=DailySnapshot(time(23, 59, 59)),
        minimums=None,
        caps=None,
        decimals=decimals,
        payout_delay=timedelta(0),
        min_payout=Decimal("0.000001"),
    )
    return Program(calcs, frozen_earns=True)


def kucoin_pool_x(rates: Rates, *, minute: int = 30, decimals: int = _EXCHANGE_DECIMALS) -> Program:
    """KuCoin Pool-X soft staking (2020): the mean of 24 hourly snapshots.

    Rules: one snapshot at a random moment inside every hour (UTC+8); the day's holding
    is the sum of the 24 snapshots / 24; paid the next day; APR 2–5 %. The random
    moment is not published, so the snapshots are taken at ``minute`` past each hour.

    Source: cryptonewsz.com/pool-x-opens-west-soft-staking-program (a news repost of
    KuCoin's announcement, 2020).

    Args:
        rates: The published rate of each token, by symbol.
        minute: The minute of each hour the snapshot is read at.
        decimals: The decimals rewards are paid in.
    """
    if isinstance(minute, bool) or not isinstance(minute, int):
        msg = f"minute must be an int from 0 to 59, not {type(minute).__name__}"
        raise InvalidTypeError(msg)
    if not 0 <= minute < 60:
        msg = f"minute must be an int from 0 to 59, not {minute!r}"
        raise InvalidInputError(msg)
    calcs = _soft_staking(
        rates,
        tz=UTC8,
        policy=SnapshotAverage([time(h, minute) for h in range(24)]),
        minimums=None,
        caps=None,
        decimals=decimals,
        payout_delay=timedelta(0),
    )
    return Program(calcs, frozen_earns=True)


def kucoin_hold_to_earn(
    rates: Rates | None = None, *, decimals: int = _EXCHANGE_DECIMALS
) -> Program:
    """KuCoin Hold to Earn (2025–26), with its per-token minimums and caps.

    Rules: the daily average balance across funding, spot, margin and futures accounts
    (list them as sub-accounts; margin as ``net=True``); snapshots from 00:00 UTC+8 the
    day after enabling (set ``Holding.activated_at``); assets frozen in open orders do not
    earn; daily reward = amount × APR / 365; a balance under the minimum earns nothing
    and above the cap earns as the cap (``HOLD_TO_EARN``). The first reward comes
    at 18:00 UTC+8 two days after enabling: the day after enabling ends at 00:00, and
    the reward follows 18 hours later (``payout_delay`` of 18 h).

    Sources: kucoin.com/support/48142946141501 and kucoin.com/earn/hold-to-earn
    (KuCoin's own pages, 2025–26).

    Args:
        rates: Each token's rate, by symbol; by default the table's published APRs for
            every token in it. A symbol outside the table raises.
        decimals: The decimals rewards are paid in.
    """
    if rates is None:
        rates = {symbol: terms.apr for symbol, terms in HOLD_TO_EARN.items()}
    calcs = _soft_staking(
        rates,
        tz=UTC8,
        policy=TimeWeighted(),
        minimums={s: t.min_holding for s, t in HOLD_TO_EARN.items()},
        caps={s: t.cap for s, t in HOLD_TO_EARN.items()},
        decimals=decimals,
        payout_delay=timedelta(hours=18),
    )
    return Program(calcs, frozen_earns=False, activation=EarningStart.NEXT_DAY)


def binance_soft_staking(
    rates: Rates,
    *,
    caps: Mapping[str, AmountLike | None] | None = None,
    minimums: Mapping[str, AmountLike] = BINANCE_SOFT_STAKING_MINIMUMS,
    decimals: int = _EXCHANGE_DECIMALS,
) -> Program:
    """Binance Soft Staking (2025): daily average spot balance, minimums and caps.

    Rules: the daily average balance of eligible tokens in the spot account; a
    per-token minimum (``BINANCE_SOFT_STAKING_MINIMUMS``) and cap, above which a
    balance earns nothing more; snapshots from 00:00 UTC the day after activation (set
    ``Holding.activated_at``); daily reward = amount × APR / 365; tokens in open orders
    do not count. The caps are not in the reposts, so pass them. As with Gate, the
    next-day rule is for activation only; later deposits count on arrival (T+0) in the
    daily average. Paid by 08:00 UTC the
    next day (``payout_delay`` of 8 h, the end of Binance's 00:00–08:00 window); rewards
    in 8 decimals, as Binance rounds paid rewards.

    Source: reposts of Binance's announcement of 18 June 2025 on Binance Square, such
    as binance.com/en/square/post/26873180387042 (July 2025, the minimums) and
    binance.com/en/square/post/27781868344033 (August 2025, the snapshot and payout
    days); no primary announcement page recorded. The payout window and 8 decimals
    from Binance Simple Earn's published rules.

    Args:
        rates: The rate Binance publishes daily for each token, by symbol.
        caps: Each token's cap; None (or a token missing from it) means no cap.
        minimums: Each token's minimum holding; a token missing from it raises.
        decimals: The decimals rewards are paid in.

    Raises:
        InvalidInputError: If ``caps`` (or ``minimums``, when passed) names a token
            that is not in ``rates``, most likely a typo.
    """
    _check_keys(caps, rates, "caps")
    if minimums is not BINANCE_SOFT_STAKING_MINIMUMS:
        _check_keys(minimums, rates, "minimums")
    caps = None if caps is None else {s: caps.get(s) for s in rates}
    return _utc_daily_average(rates, minimums, caps, decimals, frozen_earns=False)


def gate_soft_staking(
    rates: Rates,
    *,
    minimums: Mapping[str, AmountLike],
    caps: Mapping[str, AmountLike | None],
    decimals: int = _EXCHANGE_DECIMALS,
) -> Program:
    """Gate Soft Staking: average holding × APR / 365, with a minimum and a cap.

    Rules: daily reward = average holding × APR / 365; a minimum holding; above the cap
    rewards are on the cap; snapshots from 00:00 UTC the day after activation (set
    ``Holding.activated_at``); payout 00:00–08:00 UTC (``payout_delay`` of 8 h). Gate
    publishes its table per token, so pass it. The next-day rule is Gate's for
    activation only, so deposits after activation count on arrival (T+0) in the daily
    average: ``activation=EarningStart.NEXT_DAY``, ``deposits=EarningStart.ON_ARRIVAL``.
    The sources do not say whether open orders count; they do here
    (``frozen_earns=True``), as with a plain average holding.

    Sources: gate.com/help/lend/softstaking/47044/soft-staking-faq (Gate's FAQ, 2025:
    "snapshots from 00:00 (UTC) the day after activation", the first
    reward two days after activation, 00:00–08:00 UTC) and Gate's launch article, "Gate
    Launches Soft Staking" (gate.com/learn/articles/, article 12046, 2025).

    Args:
        rates: Each token's rate, by symbol.
        minimums: Each token's minimum holding.
        caps: Each token's cap (None for none).
        decimals: The decimals rewards are paid in.

    Raises:
        InvalidInputError: If ``minimums`` or ``caps`` lacks a token of ``rates``, or
            names a token that is not in it.
    """
    _check_keys(minimums, rates, "minimums")
    _check_keys(caps, rates, "caps")
    return _utc_daily_average(rates, minimums, caps, decimals, frozen_earns=True)


def _utc_daily_average(
    rates: Rates,
    minimums: Mapping[str, AmountLike],
    caps: Mapping[str, AmountLike | None] | None,
    decimals: int,
    *,
    frozen_earns: bool,
) -> Program:
    """Binance's and Gate's shape: UTC days, daily average, paid by 08:00 UTC next day."""
    calcs = _soft_staking(
        rates,
        tz=UTC,
        policy=TimeWeighted(),
        minimums=minimums,
        caps=caps,
        decimals=decimals,
        payout_delay=timedelta(hours=8),
    )
    return Program(calcs, frozen_earns=frozen_earns, activation=EarningStart.NEXT_DAY)


def regulation_dd_daily_balance(
    token: Token,
    schedule: AprSchedule,
    *,
    tz: tzinfo = UTC,
    min_balance: AmountLike = 0,
    day_count: DayCount = DayCount.ACT_365_FIXED,
    compound: bool = False,
) -> RewardCalculator:
    """US Regulation DD's daily balance method (12 CFR 1030.7(a)(1)).

    Rules: a daily periodic rate on the full principal each day; the daily rate is at
    least 1/365 of the rate (``DayCount.ACT_365_FIXED``; ``DayCount.ACT_ACT`` uses 1/366
    in a leap year, which is allowed). A minimum balance to earn is measured the same
    way: the day's balance, here the balance at the end of the day. Interest is credited
    at the end of the day; with ``compound`` it earns from then.

    An overdrawn account: a ``BalanceTimeline`` cannot go
    negative, so the calculator alone refuses one. Run it in a program with the account
    as a net sub-account, which counts a negative balance as zero:
    ``Program([calc]).rewards(Holding(id, symbol, subaccounts=[SubAccount("checking",
    events, opening=..., net=True)]), start, end)``; an overdrawn day then has a
    balance of zero and earns nothing.

    Source: 12 CFR 1030.7(a) and its official commentary (Regulation DD, as recodified
    by the CFPB in 2011; ecfr.gov).

    Args:
        token: The currency, such as ``Token("USD", 2)``.
        schedule: The annual rate of each day.
        tz: The bank's zone, whose days are the accrual days.
        min_balance: The least day's balance that earns.
        day_count: ACT/365 Fixed, or ACT/ACT for 1/366 in leap years.
        compound: Whether each day's interest earns from the next day on.
    """
    return RewardCalculator(
        token,
        schedule,
        DailySnapshot(time(23, 59, 59, 999999)),
        tz=tz,
        min_holding=min_balance,
        day_count=day_count,
        compound=compound,
    )


@attrs.frozen
class AverageDailyBalance:
    """A statement period's interest under the average daily balance method.

    Attributes:
        days: The days in the period.
        average: The average daily balance: the sum of each day's balance / days.
        interest: The period's interest before rounding to the currency's unit; zero if
            the average is under the minimum balance.
    """

    days: int
    average: Decimal
    interest: Decimal


def regulation_dd_average_daily_balance(
    records: Iterable[DailyReward], *, min_balance: AmountLike = 0
) -> AverageDailyBalance:
    """US Regulation DD's average daily balance method (12 CFR 1030.7(a)(2)).

    The periodic rate applies to the average daily balance of the period, which is
    the sum of each day's principal over the number of days. Run
    ``regulation_dd_daily_balance`` (without a minimum) over the statement period
    and pass its records: the interest is the sum of the days' gross rewards, which is
    the average × the days × the daily rate, and it is zero when the average is under
    ``min_balance`` (a minimum is measured by the method that computes interest).

    Source: 12 CFR 1030.7(a)(2) and its official commentary (ecfr.gov; CFPB, 2011).

    The records must be one account's, one per day, on consecutive days in order, and
    come from a calculator without ``compound``: compounded records already include
    interest credited earlier in the period, which the method does not add to the
    principal. (A record does not say whether it was compounded, so this is not
    checked: do not pass them.)

    Args:
        records: One statement period's daily records, one per consecutive day.
        min_balance: The least average daily balance that earns.

    Raises:
        InvalidInputError: If there are no records, a day is repeated or missing (the
            error names it), or their minimum holding already zeroed a day (then the
            days' gross no longer adds up to the period's).
    """
    floor = to_amount(min_balance, name="min_balance")
    days = 0
    balances = interest = ZERO
    previous: date | None = None
    for r in records:
        if not isinstance(r, DailyReward):
            msg = f"records must be DailyReward values, not {type(r).__name__}"
            raise InvalidTypeError(msg)
        if previous is not None and r.day != previous + timedelta(days=1):
            msg = (
                f"the record of {r.day} follows that of {previous}: the records must be "
                "one per day, on consecutive days in order"
            )
            raise InvalidInputError(msg)
        previous = r.day
        if r.eligible != r.balance:
            msg = f"the record of {r.day} has a minimum or cap applied; run without them"
            raise InvalidInputError(msg)
        days += 1
        balances = CONTEXT.add(balances, r.balance)
        interest = EXACT.add(interest, r.gross)
    if not days:
        msg = "the average daily balance needs at least one day's record"
        raise InvalidInputError(msg)
    average = CONTEXT.divide(balances, days)
    return AverageDailyBalance(days, average, interest if average >= floor else ZERO)
