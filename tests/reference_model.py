"""The calculator's day loop as it was in Decimal, kept as a plain reference model.

A copy of ``RewardCalculator._run`` and ``settle`` before the integer engine, written as
plain functions. ``tests/test_engine.py`` checks that ``daily_rewards`` gives records
equal to these, field by field and exponent by exponent. Nothing here is fast on purpose.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from softstaking import BalanceTimeline, DailyReward, Dust, RewardCalculator, Token
from softstaking.core.amounts import CONTEXT, EXACT, ZERO, AmountLike, to_amount
from softstaking.core.instants import to_us
from softstaking.core.intraday import IntradayRates, day_rates, intraday_annual
from softstaking.core.policies import check_measured
from softstaking.core.sweep import BalanceView


def reference_settle(
    owed: Decimal, token: Token, *, min_payout: Decimal, dust: Dust
) -> tuple[Decimal, Decimal, Decimal]:
    """``settle`` as it was: ``(paid, carry, forfeited)``."""
    payable = owed.quantize(token.base_unit, decimal.ROUND_DOWN, CONTEXT)
    paid = ZERO if payable < min_payout or not payable else payable
    if dust is Dust.CARRY:
        return paid, EXACT.subtract(owed, paid), ZERO
    return paid, EXACT.subtract(payable, paid), EXACT.subtract(owed, payable)


def reference_rewards(
    calc: RewardCalculator,
    timeline: BalanceTimeline,
    start: date,
    end: date,
    *,
    carry: AmountLike = 0,
    credited: Iterable[DailyReward] = (),
) -> list[DailyReward]:
    """``calc.daily_rewards(...)`` computed by the old Decimal loop, day by day."""
    owed = to_amount(carry, name="carry")
    windows = calc.calendar.windows(start, end)
    rates = day_rates(calc.schedule, windows)
    payouts = calc._payout_instants(windows)
    view = BalanceView(timeline)
    credits = sorted(((to_us(r.payout_at), r.paid) for r in credited if r.paid), key=lambda c: c[0])
    for at_us, amount in credits:
        view.credit(at_us, amount)
    token, quantum = calc.token, calc.token.gross_quantum
    out: list[DailyReward] = []
    for window, rate, payout_at in zip(windows, rates, payouts, strict=True):
        view.enter_day(window.start_us)
        measured = check_measured(calc.policy.measure(window, view), where="reference")
        if measured < calc.min_holding:
            eligible = ZERO
        elif calc.cap is not None and measured > calc.cap:
            eligible = calc.cap
        else:
            eligible = measured
        if isinstance(rate, Decimal):
            apr = rate
            annual = CONTEXT.multiply(eligible, rate)
        elif isinstance(rate, IntradayRates):
            annual, apr = intraday_annual(
                calc.policy, window, view, rate, measured=measured, eligible=eligible
            )
        else:
            annual = rate.annual_reward(eligible)
            apr = rate.blended_rate(ZERO) if eligible == ZERO else CONTEXT.divide(annual, eligible)
        year_days = calc.day_count.days_in_year(window.day)
        gross = CONTEXT.divide(annual, year_days).quantize(
            quantum, decimal.ROUND_HALF_EVEN, CONTEXT
        )
        paid, owed, forfeited = reference_settle(
            EXACT.add(owed, gross), token, min_payout=calc.min_payout, dust=calc.dust
        )
        if calc.compound and paid:
            view.credit(to_us(payout_at), paid)
        out.append(
            DailyReward(
                window.day, measured, eligible, apr, gross, paid, owed, payout_at, forfeited
            )
        )
    return out
