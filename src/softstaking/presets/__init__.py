"""Presets: real programs' published rules, ready to run.

The package holds one module per publisher (``kucoin``, ``binance``, ``gate`` and
``regulation_dd``), and ``terms`` for what they share; every preset is re-exported here.

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

from softstaking.presets.binance import BINANCE_SOFT_STAKING_MINIMUMS, binance_soft_staking
from softstaking.presets.gate import gate_soft_staking
from softstaking.presets.kucoin import (
    HOLD_TO_EARN,
    UTC8,
    kucoin_hold_to_earn,
    kucoin_pool_x,
    kucoin_soft_staking_2019,
)
from softstaking.presets.regulation_dd import (
    AverageDailyBalance,
    regulation_dd_average_daily_balance,
    regulation_dd_daily_balance,
)
from softstaking.presets.terms import Rates, TokenTerms

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
