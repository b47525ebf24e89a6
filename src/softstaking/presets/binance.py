"""Binance's presets: Binance Soft Staking (2025) and its minimum holdings."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from softstaking.core.amounts import AmountLike
from softstaking.presets.terms import EXCHANGE_DECIMALS, Rates, check_keys, utc_daily_average
from softstaking.programs.program import Program

__all__ = ["BINANCE_SOFT_STAKING_MINIMUMS", "binance_soft_staking"]

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


def binance_soft_staking(
    rates: Rates,
    *,
    caps: Mapping[str, AmountLike | None] | None = None,
    minimums: Mapping[str, AmountLike] = BINANCE_SOFT_STAKING_MINIMUMS,
    decimals: int = EXCHANGE_DECIMALS,
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
    check_keys(caps, rates, "caps")
    if minimums is not BINANCE_SOFT_STAKING_MINIMUMS:
        check_keys(minimums, rates, "minimums")
    caps = None if caps is None else {s: caps.get(s) for s in rates}
    return utc_daily_average(rates, minimums, caps, decimals, frozen_earns=False)
