"""Exact soft-staking and savings rewards, day by day.

>>> from softstaking import RewardCalculator, Token, AprSchedule, TimeWeighted
"""

from softstaking.amounts import CONTEXT, AmountLike
from softstaking.calculator import RewardCalculator
from softstaking.daycount import DayCount
from softstaking.days import DayCalendar, DayWindow, resolve_wall_time
from softstaking.eligibility import EarningStart
from softstaking.errors import (
    InvalidInputError,
    InvalidTypeError,
    MissingRateError,
    NaiveDatetimeError,
    NegativeBalanceError,
    SoftStakingError,
)
from softstaking.holdings import Holding, SubAccount
from softstaking.policies import (
    AccrualPolicy,
    DailySnapshot,
    MinimumBalance,
    SnapshotAverage,
    TimeWeighted,
)
from softstaking.program import AccountReward, DuplicateHoldingError, Program, UnknownTokenError
from softstaking.records import DailyReward
from softstaking.rounding import Dust, Settlement, settle
from softstaking.schedules import AprSchedule, Rate, RateLike, TieredApr
from softstaking.sweep import BalanceView
from softstaking.timeline import BalanceEvent, BalanceTimeline
from softstaking.tokens import Token

__all__ = [
    "CONTEXT",
    "AccountReward",
    "AccrualPolicy",
    "AmountLike",
    "AprSchedule",
    "BalanceEvent",
    "BalanceTimeline",
    "BalanceView",
    "DailyReward",
    "DailySnapshot",
    "DayCalendar",
    "DayCount",
    "DayWindow",
    "DuplicateHoldingError",
    "Dust",
    "EarningStart",
    "Holding",
    "InvalidInputError",
    "InvalidTypeError",
    "MinimumBalance",
    "MissingRateError",
    "NaiveDatetimeError",
    "NegativeBalanceError",
    "Program",
    "Rate",
    "RateLike",
    "RewardCalculator",
    "Settlement",
    "SnapshotAverage",
    "SoftStakingError",
    "SubAccount",
    "TieredApr",
    "TimeWeighted",
    "Token",
    "UnknownTokenError",
    "resolve_wall_time",
    "settle",
]

__version__ = "0.1.0.dev0"
