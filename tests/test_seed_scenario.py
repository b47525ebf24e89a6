"""The seed's scenario: KuCoin IOTX soft staking earns from the first measurement after arrival.

"The Soft Staking will begin once the deposit has arrived in your account" and "once the
open order is matched" (../shared/reference/000_7592b94f43aa091f.txt).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import pytest

from softstaking import (
    AccrualPolicy,
    AprSchedule,
    BalanceEvent,
    BalanceTimeline,
    DailyReward,
    DailySnapshot,
    MinimumBalance,
    RewardCalculator,
    TimeWeighted,
    Token,
)
from softstaking.samples import seed_rewards

UTC8 = timezone(timedelta(hours=8))
IOTX = Token("IOTX", 18)
JULY_15 = date(2019, 7, 15)
# 36,500 IOTX at 5 %: exactly 5 IOTX for a day held in full (36,500 × 0.05 / 365).
RATE = AprSchedule.constant("0.05")


def rewards(kind: str, policy: AccrualPolicy, at: datetime) -> list[DailyReward]:
    timeline = BalanceTimeline.from_events([BalanceEvent(at, "36500", kind=kind)])
    calc = RewardCalculator(IOTX, RATE, policy, tz=UTC8)
    return calc.daily_rewards(timeline, JULY_15 - timedelta(days=1), JULY_15 + timedelta(days=2))


@pytest.mark.parametrize("kind", ["deposit", "trade"])
class TestEarningStartsOnArrival:
    ARRIVAL = datetime(2019, 7, 15, 14, 23, tzinfo=UTC8)

    def test_a_late_snapshot_counts_the_arrival_day(self, kind: str) -> None:
        """With KuCoin's 23:59:59 snapshot, tokens that arrived at 14:23 earn that day."""
        before, arrival, after = rewards(kind, DailySnapshot(time(23, 59, 59)), self.ARRIVAL)
        assert before.paid == 0
        assert arrival.paid == 5
        assert after.paid == 5

    def test_a_midnight_snapshot_counts_from_the_next_day(self, kind: str) -> None:
        """With a midnight snapshot the first measurement after arrival is the next day's."""
        before, arrival, after = rewards(kind, DailySnapshot(), self.ARRIVAL)
        assert [before.paid, arrival.paid, after.paid] == [0, 0, 5]

    def test_the_average_counts_the_time_held(self, kind: str) -> None:
        """Time-weighted, the arrival day earns for the 577 of 1,440 minutes held."""
        _, arrival, after = rewards(kind, TimeWeighted(), self.ARRIVAL)
        assert abs(Fraction(arrival.balance) - Fraction(36500 * 577, 1440)) < Fraction(1, 10**90)
        assert abs(Fraction(arrival.gross) - Fraction(5 * 577, 1440)) < Fraction(1, 10**38)
        assert after.paid == 5

    def test_the_minimum_waits_for_a_whole_day(self, kind: str) -> None:
        """Under the lowest-balance rule the arrival day holds zero at its start."""
        _, arrival, after = rewards(kind, MinimumBalance(), self.ARRIVAL)
        assert [arrival.paid, after.paid] == [0, 5]

    def test_arrival_at_the_snapshot_instant_counts(self, kind: str) -> None:
        """A deposit at exactly 23:59:59 is in that second's snapshot."""
        at = datetime(2019, 7, 15, 23, 59, 59, tzinfo=UTC8)
        _, arrival, _ = rewards(kind, DailySnapshot(time(23, 59, 59)), at)
        assert arrival.paid == 5


class TestDemoData:
    def test_the_demo_pays_the_first_day_from_the_snapshot(self) -> None:
        """The shipped sample's first day: 50,000 IOTX at 6.80 %, 9.315068493150684931 paid."""
        first = seed_rewards()[0]
        assert first.balance == 50000
        # 50,000 × 0.068 / 365 = 9.31506849315068493150684…
        assert first.paid == Decimal("9.315068493150684931")

    def test_the_floor_holds_back_amounts_under_a_millionth(self) -> None:
        """0.005 IOTX at 6.88 % earns 0.00000094… a day: unpaid, then paid once over 0.000001."""
        records = seed_rewards()
        small = [r for r in records if r.balance == Decimal("0.005")]
        assert [r.paid == 0 for r in small] == [True, False, True, False]
        # Two days' worth is paid at once: floor(2 × 0.005 × 0.0688 / 365, 18 places).
        assert small[1].paid == Decimal("0.000001884931506849")
