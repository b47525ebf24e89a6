"""Explanations: one account-day's reward, step by step, with the numbers filled in.

``explain_day`` reruns the calculator up to the day and gathers what shaped it: the
balance at the start of the day, the events during it, the measured and eligible balance,
the rate, and the rounding and carry. ``DailyReward.explain
<softstaking.records.DailyReward.explain>`` does the arithmetic part from the record alone.
The text comes from ``str(explanation)``; nothing here prints.
"""

from __future__ import annotations

import decimal
from datetime import date, timedelta
from decimal import Decimal

import attrs

from softstaking.amounts import CONTEXT, EXACT, ZERO, AmountLike
from softstaking.calculator import RewardCalculator
from softstaking.days import DayWindow
from softstaking.errors import InvalidInputError
from softstaking.instants import check_day, to_us
from softstaking.intraday import day_rates
from softstaking.policies import DailySnapshot, MinimumBalance, SnapshotAverage, TimeWeighted
from softstaking.records import DailyReward
from softstaking.schedules import TieredApr
from softstaking.timeline import BalanceEvent, BalanceTimeline
from softstaking.tokens import Token

__all__ = ["Explanation", "describe_policy", "explain_day"]


def _fmt(amount: Decimal) -> str:
    """Fixed-point, every digit; a zero is written ``0`` whatever its exponent."""
    return f"{amount:f}" if amount else "0"


def _signed(amount: Decimal) -> str:
    return f"{amount:+f}"


def describe_policy(policy: object) -> str:
    """A policy in words, such as ``"snapshot at 23:59:59"``; its repr if it is not known.

    Examples:
        >>> from datetime import time
        >>> describe_policy(DailySnapshot(time(23, 59, 59)))
        'snapshot at 23:59:59'
        >>> describe_policy(TimeWeighted())
        'time-weighted average'
    """
    if isinstance(policy, DailySnapshot):
        return f"snapshot at {policy.at.isoformat()}"
    if isinstance(policy, TimeWeighted):
        return "time-weighted average"
    if isinstance(policy, MinimumBalance):
        return "the day's minimum"
    if isinstance(policy, SnapshotAverage):
        return "mean of the snapshots at " + ", ".join(t.isoformat() for t in policy.times)
    return repr(policy)


@attrs.frozen
class Explanation:
    """How one day's reward came about. ``str()`` gives it as text.

    Attributes:
        record: The day's record.
        year_days: The day count's denominator for the day: 365, 360 or 366.
        carry_before: What was owed before the day; from the record, by conservation:
            ``paid + carry + forfeited − gross``.
        owed: ``carry_before + gross``.
        exact_gross: ``eligible × apr / year_days`` before rounding to the gross quantum.
        token: The token, if known; it names the base unit ``paid`` is rounded to.
        window: The day's window, if known.
        opening: The balance at the start of the window, if known.
        events: The balance events inside the window, in time order.
        measured_by: How the balance was measured, such as ``"snapshot at 23:59:59"``.
        min_holding: The minimum holding in force, if known.
        cap: The cap in force, if any.
        min_payout: The minimum payout in force, if known.
        tiers: The day's tiers, when the rate was tiered.
        compound: Whether earlier rewards were added to the balance.
        quotient_rounded: Whether ``exact_gross`` had to be rounded to the library's
            precision (the quotient does not end); the text then writes ``≈``.
    """

    record: DailyReward
    year_days: int
    carry_before: Decimal
    owed: Decimal
    exact_gross: Decimal
    token: Token | None = None
    window: DayWindow | None = None
    opening: Decimal | None = None
    events: tuple[BalanceEvent, ...] = ()
    measured_by: str | None = None
    min_holding: Decimal | None = None
    cap: Decimal | None = None
    min_payout: Decimal | None = None
    tiers: TieredApr | None = None
    compound: bool = False
    quotient_rounded: bool = False

    def _balance_lines(self) -> list[str]:
        r = self.record
        lines = []
        if self.window is not None:
            lines.append(
                f"day {r.day}: from {self.window.start.isoformat()} "
                f"to {self.window.end.isoformat()}"
            )
        if self.opening is not None:
            lines.append(f"balance at the start of the day = {_fmt(self.opening)}")
            balance = self.opening
            for e in self.events:
                balance = CONTEXT.add(balance, e.delta)
                lines.append(
                    f"  {e.at.isoformat()}  {e.kind} {_signed(e.delta)}  -> {_fmt(balance)}"
                )
            if not self.events:
                lines.append("  no balance events during the day")
        if self.compound:
            lines.append(
                "  (compounding: the measured balance below includes the rewards credited "
                "before it; the balance above shows the events only)"
            )
        how = f" by {self.measured_by}" if self.measured_by else ""
        lines.append(f"measured balance{how} = {_fmt(r.balance)}")
        if r.eligible == r.balance:
            lines.append(f"eligible = measured = {_fmt(r.eligible)}")
        elif r.eligible == ZERO:
            limit = f" {_fmt(self.min_holding)}" if self.min_holding is not None else ""
            lines.append(f"eligible = 0: the balance is below the minimum holding{limit}")
        else:
            lines.append(f"eligible = cap = {_fmt(r.eligible)}: the balance is above the cap")
        return lines

    def _reward_lines(self) -> list[str]:
        r = self.record
        lines = []
        if self.tiers is not None:
            bands = ", ".join(
                f"{_fmt(apr)} up to {_fmt(up)}" if up is not None else f"{_fmt(apr)} above"
                for up, apr in self.tiers.bands
            )
            lines.append(f"tiers: {bands}; blended apr on the eligible balance = {_fmt(r.apr)}")
        else:
            lines.append(f"apr = {_fmt(r.apr)}")
        n = self.year_days
        quantum = self.token.gross_quantum if self.token is not None else None
        formula = f"gross = eligible × apr / {n} = {_fmt(r.eligible)} × {_fmt(r.apr)} / {n}"
        if self.quotient_rounded and quantum is not None:
            # the quotient does not end: show it to the gross quantum, as it is kept
            lines.append(f"{formula} ≈ {_fmt(r.gross)} (rounded half-even to {_fmt(quantum)})")
        else:
            sign = "≈" if self.quotient_rounded else "="
            lines.append(f"{formula} {sign} {_fmt(self.exact_gross)}")
            if self.exact_gross != r.gross:
                to = f" to {_fmt(quantum)}" if quantum is not None else ""
                lines.append(f"      rounded half-even{to} = {_fmt(r.gross)}")
        lines.append(
            f"owed  = carry_before + gross = {_fmt(self.carry_before)} + {_fmt(r.gross)}"
            f" = {_fmt(self.owed)}"
        )
        unit = (
            f" to {_fmt(self.token.base_unit)}" if self.token is not None else " to the base unit"
        )
        lines.append(f"paid  = owed rounded down{unit} = {_fmt(r.paid)}")
        if r.paid == ZERO and self.owed and self.min_payout:
            lines.append(f"      (nothing paid: below the minimum payout {_fmt(self.min_payout)})")
        lines.append(
            f"carry = owed − paid{' − forfeited' if r.forfeited else ''} = {_fmt(r.carry)}"
        )
        if r.forfeited:
            lines.append(f"forfeited (dust below the base unit) = {_fmt(r.forfeited)}")
        lines.append(f"payout at {r.payout_at.isoformat()}")
        return lines

    def __str__(self) -> str:
        return "\n".join(self._balance_lines() + self._reward_lines())


def from_record(record: DailyReward, **details: object) -> Explanation:
    """The arithmetic of a record, plus any known details (see ``Explanation``)."""
    year_days = details.pop("year_days", 365)
    if isinstance(year_days, bool) or not isinstance(year_days, int) or year_days < 1:
        msg = f"year_days must be a positive int, not {year_days!r}"
        raise InvalidInputError(msg)
    try:
        carry_before = EXACT.subtract(
            EXACT.add(EXACT.add(record.paid, record.carry), record.forfeited), record.gross
        )
        owed = EXACT.add(carry_before, record.gross)
    except (decimal.Inexact, decimal.Rounded):
        msg = (
            f"the record of {record.day} cannot be explained exactly: its amounts span more "
            f"than the library's {CONTEXT.prec} digits"
        )
        raise InvalidInputError(msg) from None
    watch = CONTEXT.copy()
    watch.clear_flags()
    exact = watch.divide(watch.multiply(record.eligible, record.apr), year_days)
    return Explanation(
        record,
        year_days,
        carry_before,
        owed,
        exact,
        quotient_rounded=bool(watch.flags[decimal.Inexact]),
        **details,  # type: ignore[arg-type]
    )


def explain_day(
    calculator: RewardCalculator,
    timeline: BalanceTimeline,
    day: date,
    *,
    start: date | None = None,
    carry: AmountLike = 0,
) -> Explanation:
    r"""Explain one day of one account under ``calculator``.

    Args:
        calculator: The program's rules.
        timeline: The account's balance through time.
        day: The day to explain.
        start: The first day of the run, so that the carry into ``day`` is right; by
            default ``day`` itself, starting from ``carry``.
        carry: What was owed before ``start``.

    Raises:
        InvalidInputError: If ``start`` is after ``day``, or the calculator does.

    Examples:
        >>> from softstaking.demo import seed_calculator, seed_timeline
        >>> text = str(explain_day(seed_calculator(), seed_timeline(), date(2019, 7, 15)))
        >>> print("\n".join(text.splitlines()[:5]))
        day 2019-07-15: from 2019-07-15T00:00:00+08:00 to 2019-07-16T00:00:00+08:00
        balance at the start of the day = 0
          2019-07-15T14:23:05+08:00  deposit +50000  -> 50000
        measured balance by snapshot at 23:59:59 = 50000
        eligible = measured = 50000
        >>> print("\n".join(text.splitlines()[-3:]))
        paid  = owed rounded down to 0.000000000000000001 = 9.315068493150684931
        carry = owed − paid = 0.00000000000000000050684931506849315068
        payout at 2019-07-16T00:00:00+08:00
    """
    day = check_day(day, name="day")
    first = day if start is None else check_day(start, name="start")
    if first > day:
        msg = f"start ({first}) is after the day to explain ({day})"
        raise InvalidInputError(msg)
    record = calculator.daily_rewards(timeline, first, day + timedelta(days=1), carry=carry)[-1]
    window = calculator.calendar.window(day)
    s, e = window.start_us, window.end_us
    events = tuple(ev for ev in timeline.events if s < to_us(ev.at) < e)
    (rate,) = day_rates(calculator.schedule, [window])
    return from_record(
        record,
        year_days=calculator.day_count.days_in_year(day),
        token=calculator.token,
        window=window,
        opening=timeline.balance_at(window.start),
        events=events,
        measured_by=describe_policy(calculator.policy),
        min_holding=calculator.min_holding,
        cap=calculator.cap,
        min_payout=calculator.min_payout,
        tiers=rate if isinstance(rate, TieredApr) else None,
        compound=calculator.compound,
    )
