"""Gate's preset: Gate Soft Staking (2025)."""

from __future__ import annotations

from collections.abc import Mapping

from softstaking.core.amounts import AmountLike
from softstaking.presets.terms import EXCHANGE_DECIMALS, Rates, check_keys, utc_daily_average
from softstaking.programs.program import Program

__all__ = ["gate_soft_staking"]


def gate_soft_staking(
    rates: Rates,
    *,
    minimums: Mapping[str, AmountLike],
    caps: Mapping[str, AmountLike | None],
    decimals: int = EXCHANGE_DECIMALS,
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
    check_keys(minimums, rates, "minimums")
    check_keys(caps, rates, "caps")
    return utc_daily_average(rates, minimums, caps, decimals, frozen_earns=True)
