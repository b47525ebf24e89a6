"""Exact soft-staking and savings rewards, day by day.

Examples:
    >>> from softstaking import RewardCalculator, Token, AprSchedule, TimeWeighted
"""

from softstaking.amounts import CONTEXT, AmountLike
from softstaking.calculator import RewardCalculator
from softstaking.daycount import DayCount
from softstaking.days import DayCalendar, DayWindow, resolve_wall_time
from softstaking.distribution import (
    Allocation,
    PoolDay,
    distribute,
    distribute_days,
    measure_holdings,
)
from softstaking.errors import (
    InvalidInputError,
    InvalidTypeError,
    MissingRateError,
    NaiveDatetimeError,
    NegativeBalanceError,
    SoftStakingError,
)
from softstaking.payouts import (
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
from softstaking.policies import (
    AccrualPolicy,
    DailySnapshot,
    MinimumBalance,
    SnapshotAverage,
    TimeWeighted,
)
from softstaking.records import DailyReward
from softstaking.rounding import Dust, Settlement, settle
from softstaking.schedules import AprSchedule, Rate, RateLike, TieredApr
from softstaking.sweep import BalanceView
from softstaking.timeline import BalanceEvent, BalanceTimeline
from softstaking.tokens import Token

__all__ = [
    "CONTEXT",
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
    "DayCount",
    "DayWindow",
    "Dust",
    "InvalidInputError",
    "InvalidTypeError",
    "MinimumBalance",
    "MissingRateError",
    "MonthlyPayouts",
    "NaiveDatetimeError",
    "NegativeBalanceError",
    "Payout",
    "PayoutSchedule",
    "PayoutStatement",
    "PoolDay",
    "Rate",
    "RateLike",
    "RewardCalculator",
    "Settlement",
    "SnapshotAverage",
    "SoftStakingError",
    "TieredApr",
    "TimeWeighted",
    "Token",
    "WeeklyPayouts",
    "WindowPayouts",
    "distribute",
    "distribute_days",
    "group_payouts",
    "measure_holdings",
    "payout_times",
    "resolve_wall_time",
    "settle",
]

__version__ = "0.1.0.dev0"
