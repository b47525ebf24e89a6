"""Exact soft-staking and savings rewards, day by day.

Examples:
    >>> from softstaking import RewardCalculator, Token, AprSchedule, TimeWeighted
"""

import importlib
from typing import TYPE_CHECKING

from softstaking.core.amounts import PUBLIC_CONTEXT as CONTEXT
from softstaking.core.amounts import AmountLike
from softstaking.core.calculator import RewardCalculator
from softstaking.core.daycount import DayCount
from softstaking.core.days import DayCalendar, DayWindow, resolve_wall_time
from softstaking.core.errors import (
    InvalidBandError,
    InvalidInputError,
    InvalidTypeError,
    MissingRateError,
    NaiveDatetimeError,
    NegativeBalanceError,
    SoftStakingError,
)
from softstaking.core.intraday import IntradayAprSchedule, LayeredSchedule, Schedule
from softstaking.core.payouts import (
    DailyPayouts,
    MonthlyPayouts,
    Payout,
    PayoutSchedule,
    PayoutStatement,
    WeeklyPayouts,
    WindowPayouts,
    group_payouts,
    payout_times,
)
from softstaking.core.policies import (
    AccrualPolicy,
    DailySnapshot,
    MinimumBalance,
    SnapshotAverage,
    TimeWeighted,
)
from softstaking.core.rates import (
    Rate,
    RateLike,
    RateModel,
    ScaledApr,
    StackedApr,
    TieredApr,
    WholeBalanceTiers,
)
from softstaking.core.records import DailyReward, Explanation
from softstaking.core.rounding import Dust, Settlement, settle
from softstaking.core.schedules import AprSchedule
from softstaking.core.sweep import BalanceView
from softstaking.core.timeline import BalanceEvent, BalanceTimeline
from softstaking.core.tokens import Token

if TYPE_CHECKING:  # imported on first use (``__getattr__``): a faster ``import softstaking``
    from softstaking.apy import (
        apr_from_apy,
        apr_from_daily_rates,
        apr_from_daily_reward,
        apy_from_apr,
        as_percent,
        reg_dd_apy_earned_percent,
        reg_dd_apy_percent,
        round_percent,
    )
    from softstaking.core.explain import explain_day
    from softstaking.programs.distribution import (
        Allocation,
        PoolDay,
        distribute,
        distribute_days,
        measure_holdings,
    )
    from softstaking.programs.eligibility import EarningStart
    from softstaking.programs.holdings import Holding, SubAccount
    from softstaking.programs.program import (
        AccountReward,
        DuplicateHoldingError,
        Program,
        UnknownTokenError,
    )
    from softstaking.programs.reconcile import (
        DayCheck,
        DayStatus,
        Reconciliation,
        ReportedPayout,
        reconcile,
    )

_LAZY = {
    **dict.fromkeys(
        (
            "apr_from_apy",
            "apr_from_daily_rates",
            "apr_from_daily_reward",
            "apy_from_apr",
            "as_percent",
            "reg_dd_apy_earned_percent",
            "reg_dd_apy_percent",
            "round_percent",
        ),
        "softstaking.apy",
    ),
    "explain_day": "softstaking.core.explain",
    **dict.fromkeys(
        ("Allocation", "PoolDay", "distribute", "distribute_days", "measure_holdings"),
        "softstaking.programs.distribution",
    ),
    **dict.fromkeys(
        ("DayCheck", "DayStatus", "Reconciliation", "ReportedPayout", "reconcile"),
        "softstaking.programs.reconcile",
    ),
    "EarningStart": "softstaking.programs.eligibility",
    "Holding": "softstaking.programs.holdings",
    "SubAccount": "softstaking.programs.holdings",
    **dict.fromkeys(
        ("AccountReward", "DuplicateHoldingError", "Program", "UnknownTokenError"),
        "softstaking.programs.program",
    ),
}
"""Public names whose modules load on first use, by module."""


def __getattr__(name: str) -> object:
    """Load a public name of ``_LAZY`` from its module on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        msg = f"module 'softstaking' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "CONTEXT",
    "AccountReward",
    "AccrualPolicy",
    "Allocation",
    "AmountLike",
    "AprSchedule",
    "BalanceEvent",
    "BalanceTimeline",
    "BalanceView",
    "DailyPayouts",
    "DailyReward",
    "DailySnapshot",
    "DayCalendar",
    "DayCheck",
    "DayCount",
    "DayStatus",
    "DayWindow",
    "DuplicateHoldingError",
    "Dust",
    "EarningStart",
    "Explanation",
    "Holding",
    "IntradayAprSchedule",
    "InvalidBandError",
    "InvalidInputError",
    "InvalidTypeError",
    "LayeredSchedule",
    "MinimumBalance",
    "MissingRateError",
    "MonthlyPayouts",
    "NaiveDatetimeError",
    "NegativeBalanceError",
    "Payout",
    "PayoutSchedule",
    "PayoutStatement",
    "PoolDay",
    "Program",
    "Rate",
    "RateLike",
    "RateModel",
    "Reconciliation",
    "ReportedPayout",
    "RewardCalculator",
    "ScaledApr",
    "Schedule",
    "Settlement",
    "SnapshotAverage",
    "SoftStakingError",
    "StackedApr",
    "SubAccount",
    "TieredApr",
    "TimeWeighted",
    "Token",
    "UnknownTokenError",
    "WeeklyPayouts",
    "WholeBalanceTiers",
    "WindowPayouts",
    "apr_from_apy",
    "apr_from_daily_rates",
    "apr_from_daily_reward",
    "apy_from_apr",
    "as_percent",
    "distribute",
    "distribute_days",
    "explain_day",
    "group_payouts",
    "measure_holdings",
    "payout_times",
    "reconcile",
    "reg_dd_apy_earned_percent",
    "reg_dd_apy_percent",
    "resolve_wall_time",
    "round_percent",
    "settle",
]

__version__ = "0.1.0.dev0"
