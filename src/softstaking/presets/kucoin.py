"""KuCoin's presets: Soft Staking (2019), Pool-X (2020) and Hold to Earn (2025–26).

KuCoin's days run on ``UTC8``; ``HOLD_TO_EARN`` is Hold to Earn's per-token table.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time, timedelta, timezone
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from softstaking.core.errors import InvalidInputError, InvalidTypeError
from softstaking.core.policies import DailySnapshot, SnapshotAverage, TimeWeighted
from softstaking.presets.terms import (
    EXCHANGE_DECIMALS,
    Rates,
    TokenTerms,
    soft_staking_calculators,
)
from softstaking.programs.eligibility import EarningStart
from softstaking.programs.program import Program

__all__ = [
    "HOLD_TO_EARN",
    "UTC8",
    "kucoin_hold_to_earn",
    "kucoin_pool_x",
    "kucoin_soft_staking_2019",
]

UTC8: Final = timezone(timedelta(hours=8))
"""KuCoin's clock: UTC+8, no daylight saving."""


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


def kucoin_soft_staking_2019(rates: Rates, *, decimals: int = EXCHANGE_DECIMALS) -> Program:
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
    calcs = soft_staking_calculators(
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


def kucoin_pool_x(rates: Rates, *, minute: int = 30, decimals: int = EXCHANGE_DECIMALS) -> Program:
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
    calcs = soft_staking_calculators(
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
    rates: Rates | None = None, *, decimals: int = EXCHANGE_DECIMALS
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
    calcs = soft_staking_calculators(
        rates,
        tz=UTC8,
        policy=TimeWeighted(),
        minimums={s: t.min_holding for s, t in HOLD_TO_EARN.items()},
        caps={s: t.cap for s, t in HOLD_TO_EARN.items()},
        decimals=decimals,
        payout_delay=timedelta(hours=18),
    )
    return Program(calcs, frozen_earns=False, activation=EarningStart.NEXT_DAY)
