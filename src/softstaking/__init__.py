"""Exact soft-staking and savings rewards, day by day.

>>> from softstaking import RewardCalculator, Token, AprSchedule, TimeWeighted
"""

from softstaking.amounts import CONTEXT, AmountLike
from softstaking.calculator import RewardCalculator
from softstaking.daycount import DayCount
from softstaking.days import DayCalendar, DayWindow, resolve_wall_time
from softstaking.errors import (
    InvalidInputError,
    InvalidTypeError,
    MissingRateError,
    NaiveDatetimeError,
    NegativeBalanceError,
    SoftStakingError,
)
from softstaking.explain import Explanation, explain_day
from softstaking.policies import (
    AccrualPolicy,
    DailySnapshot,
    MinimumBalance,
    SnapshotAverage,
    TimeWeighted,
)
from softstaking.reconcile import DayCheck, DayStatus, Payout, Reconciliation, reconcile
from softstaking.records import DailyReward
from softstaking.rounding import Dust, Settlement, settle
from softstaking.schedules import AprSchedule, Rate, RateLike, TieredApr
from softstaking.sweep import BalanceView
from softstaking.timeline import BalanceEvent, BalanceTimeline
from softstaking.tokens import Token

__all__ = [
    "CONTEXT",
    "AccrualPolicy",
    "AmountLike",
    "AprSchedule",
    "BalanceEvent",
    "BalanceTimeline",
    "BalanceView",
    "DailyReward",
    "DailySnapshot",
    "DayCalendar",
    "DayCheck",
    "DayCount",
    "DayStatus",
    "DayWindow",
    "Dust",
    "Explanation",
    "InvalidInputError",
    "InvalidTypeError",
    "MinimumBalance",
    "MissingRateError",
    "NaiveDatetimeError",
    "NegativeBalanceError",
    "Payout",
    "Rate",
    "RateLike",
    "Reconciliation",
    "RewardCalculator",
    "Settlement",
    "SnapshotAverage",
    "SoftStakingError",
    "TieredApr",
    "TimeWeighted",
    "Token",
    "explain_day",
    "reconcile",
    "resolve_wall_time",
    "settle",
]

__version__ = "0.1.0.dev0"
