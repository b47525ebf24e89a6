"""Sample data shipped with the package: the seed's IOTX scenario, ready to compute.

The files beside this module hold an illustrative IOTX holder under KuCoin's 2019
soft-staking rules (see ``README.md`` here). The functions read them with
``softstaking.io`` and build the calculator, so that examples, tests and the ``demo``
command share one scenario.
"""

from __future__ import annotations

from datetime import date, time, timedelta, timezone
from decimal import Decimal
from importlib import resources
from pathlib import Path

from softstaking.core.calculator import RewardCalculator
from softstaking.core.policies import DailySnapshot
from softstaking.core.records import DailyReward
from softstaking.core.timeline import BalanceTimeline
from softstaking.core.tokens import Token
from softstaking.io import read_events, read_schedule

__all__ = [
    "IOTX",
    "kucoin_2019_path",
    "sample_path",
    "seed_calculator",
    "seed_rewards",
    "seed_timeline",
]

IOTX = Token("IOTX", 18)
UTC8 = timezone(timedelta(hours=8), "UTC+8")
FIRST_DAY = date(2019, 7, 15)
END_DAY = date(2019, 7, 23)


def sample_path(name: str) -> Path:
    """The path of a sample file shipped in ``softstaking.samples``.

    >>> sample_path("iotx_seed_payouts.csv").name
    'iotx_seed_payouts.csv'
    """
    return Path(str(resources.files("softstaking.samples").joinpath(name)))


def kucoin_2019_path() -> Path:
    """The program file of KuCoin's 2019 soft staking: 12 tokens, illustrative rates.

    Read it with ``softstaking.io.read_program``; it gives the program of
    ``softstaking.presets.kucoin_soft_staking_2019`` with the file's rates.

    >>> kucoin_2019_path().name
    'kucoin_2019.toml'
    """
    return sample_path("kucoin_2019.toml")


def seed_timeline() -> BalanceTimeline:
    """The sample holder's balance, from ``iotx_seed_events.csv``."""
    return BalanceTimeline.from_events(read_events(sample_path("iotx_seed_events.csv")))


def seed_calculator() -> RewardCalculator:
    """KuCoin's 2019 rules: snapshot 23:59:59 UTC+8, paid the next day, 0.000001 floor."""
    return RewardCalculator(
        IOTX,
        read_schedule(sample_path("iotx_seed_rates.csv")),
        DailySnapshot(time(23, 59, 59)),
        tz=UTC8,
        min_payout=Decimal("0.000001"),
    )


def seed_rewards() -> list[DailyReward]:
    """The sample holder's records for 15 to 22 July 2019."""
    return seed_calculator().daily_rewards(seed_timeline(), FIRST_DAY, END_DAY)
