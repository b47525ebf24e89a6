"""The reward calculator: one account, one token, day by day."""

from __future__ import annotations

import decimal
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any, Final, TypeVar

import attrs

from softstaking.core import engine
from softstaking.core.amounts import CONTEXT, EXACT, PRECISION, ZERO, AmountLike, to_amount
from softstaking.core.daycount import DayCount
from softstaking.core.days import DayCalendar, DayWindow
from softstaking.core.engine import Plan, Settings, make_plan
from softstaking.core.errors import InvalidInputError, InvalidTypeError
from softstaking.core.fixed import day_gross
from softstaking.core.instants import check_day, from_us, to_us
from softstaking.core.intraday import (
    IntradayAprSchedule,
    IntradayRates,
    LayeredSchedule,
    Schedule,
    day_rates,
    intraday_annual,
)
from softstaking.core.payouts import PayoutSchedule, payout_times
from softstaking.core.policies import AccrualPolicy, DailySnapshot, check_measured
from softstaking.core.records import DailyReward
from softstaking.core.rounding import Dust, settle
from softstaking.core.schedules import AprSchedule
from softstaking.core.sweep import BalanceView
from softstaking.core.timeline import BalanceTimeline
from softstaking.core.tokens import Token

__all__ = ["RewardCalculator"]

_PLAN_CACHE_SIZE: Final = 16

T = TypeVar("T")


def precision_error(token: Token) -> InvalidInputError:
    """The error of a run whose amounts need more digits than the library's precision."""
    msg = (
        f"an amount in this run needs more than {PRECISION} significant digits "
        f"at {token}'s resolution of {token.gross_quantum:f}; no real balance does"
    )
    return InvalidInputError(msg)


def _instance_of(kind: type[T], name: str) -> Callable[[object, attrs.Attribute[T], T], None]:
    """An attrs validator that raises ``InvalidTypeError`` naming the setting."""

    def check(_: object, __: attrs.Attribute[T], value: T) -> None:
        if not isinstance(value, kind):
            msg = f"{name} must be a {kind.__name__}, not {type(value).__name__}"
            raise InvalidTypeError(msg)

    return check


def _check_policy(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, AccrualPolicy):
        msg = (
            f"policy must have a measure(window, balances) method, such as DailySnapshot(); "
            f"got {type(value).__name__}"
        )
        raise InvalidTypeError(msg)


def _check_schedule(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, AprSchedule | IntradayAprSchedule | LayeredSchedule):
        msg = (
            "schedule must be an AprSchedule, an IntradayAprSchedule or a LayeredSchedule, "
            f"not {type(value).__name__}"
        )
        raise InvalidTypeError(msg)


def _check_delay(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, timedelta):
        msg = f"payout_delay must be a timedelta, not {type(value).__name__}"
        raise InvalidTypeError(msg)
    if value < timedelta(0):
        msg = f"payout_delay must not be negative: got {value}"
        raise InvalidInputError(msg)


def _check_payout_schedule(
    instance: RewardCalculator, _: attrs.Attribute[Any], value: object
) -> None:
    if value is None:
        return
    if not isinstance(value, PayoutSchedule):
        msg = (
            "payout_schedule must have a payout_times(day_ends) method, such as "
            f"WeeklyPayouts([0], tz=UTC); got {type(value).__name__}"
        )
        raise InvalidTypeError(msg)
    if instance.payout_delay:
        msg = (
            f"payout_delay ({instance.payout_delay}) and payout_schedule are exclusive: "
            "the schedule says when each day is paid; leave payout_delay at zero"
        )
        raise InvalidInputError(msg)


def _to_min_holding(value: AmountLike) -> Decimal:
    return to_amount(value, name="min_holding")


def _to_min_payout(value: AmountLike) -> Decimal:
    return to_amount(value, name="min_payout")


def _to_cap(value: AmountLike | None) -> Decimal | None:
    if value is None:
        return None
    cap = to_amount(value, name="cap")
    if cap == ZERO:
        msg = "cap must be above zero (None means no cap)"
        raise InvalidInputError(msg)
    return cap


@attrs.frozen
class RewardCalculator:
    """Computes one account's daily rewards in one token.

    Args:
        token: The token rewards are paid in, which fixes the base unit.
        schedule: The annual rate of each day (``AprSchedule``), or of each
            instant (``IntradayAprSchedule``, or a
            ``LayeredSchedule`` of both kinds).
        policy: How a day's balance is measured; the balance at midnight by default.
        tz: The zone whose calendar days are the accrual days. Any tzinfo.
        day_offset: Where a day starts relative to midnight, strictly within ±24 hours.
        day_count: The year length a daily rate is taken over.
        min_holding: A measured balance below this earns nothing that day.
        cap: A measured balance above this earns as if it were the cap.
        compound: Whether each day's ``paid`` is added to the balance at ``payout_at``,
            so later measurements see it.
        payout_delay: How long after the end of the accrual day the reward is credited,
            in elapsed time.
        payout_schedule: When rewards are paid, such as ``WeeklyPayouts([0], tz=UTC)``:
            each day's ``payout_at`` is then the first payout at or after the day ends,
            in the schedule's zone, and with ``compound`` the balance grows there.
            ``None`` (the default) pays at the end of the day plus ``payout_delay``.
            The two are exclusive: a schedule with a non-zero delay is an error.
        min_payout: A payable amount below this is not paid that day; it carries.
        dust: What happens to the rest below one base unit: carried (the default) or
            forfeited and reported.

    Examples:
        >>> from datetime import datetime, timezone
        >>> calc = RewardCalculator(Token("USDT", 6), AprSchedule.constant("0.0365"))
        >>> tl = BalanceTimeline.from_events([], opening=1000)
        >>> [r.paid for r in calc.daily_rewards(tl, date(2024, 1, 1), date(2024, 1, 3))]
        [Decimal('0.100000'), Decimal('0.100000')]
    """

    token: Token = attrs.field(validator=_instance_of(Token, "token"))
    schedule: Schedule = attrs.field(validator=_check_schedule)
    policy: AccrualPolicy = attrs.field(factory=DailySnapshot, validator=_check_policy)
    tz: tzinfo = attrs.field(default=UTC, kw_only=True)
    day_offset: timedelta = attrs.field(default=timedelta(0), kw_only=True)
    day_count: DayCount = attrs.field(
        default=DayCount.ACT_365_FIXED,
        kw_only=True,
        validator=_instance_of(DayCount, "day_count"),
    )
    min_holding: Decimal = attrs.field(default=ZERO, kw_only=True, converter=_to_min_holding)
    cap: Decimal | None = attrs.field(default=None, kw_only=True, converter=_to_cap)
    compound: bool = attrs.field(
        default=False, kw_only=True, validator=_instance_of(bool, "compound")
    )
    payout_delay: timedelta = attrs.field(
        default=timedelta(0), kw_only=True, validator=_check_delay
    )
    payout_schedule: PayoutSchedule | None = attrs.field(
        default=None, kw_only=True, validator=_check_payout_schedule
    )
    min_payout: Decimal = attrs.field(default=ZERO, kw_only=True, converter=_to_min_payout)
    dust: Dust = attrs.field(default=Dust.CARRY, kw_only=True, validator=_instance_of(Dust, "dust"))
    calendar: DayCalendar = attrs.field(init=False, repr=False, eq=False)
    _plans: dict[tuple[date, date], Plan] = attrs.field(
        init=False, factory=dict, repr=False, eq=False
    )
    _settings: Settings = attrs.field(init=False, repr=False, eq=False)

    @calendar.default
    def _make_calendar(self) -> DayCalendar:
        return DayCalendar(self.tz, day_offset=self.day_offset)

    @_settings.default
    def _make_settings(self) -> Settings:
        return Settings(
            self.token,
            self.policy,
            self.min_holding,
            self.cap,
            self.compound,
            self.min_payout,
            self.dust,
        )

    def daily_rewards(
        self,
        timeline: BalanceTimeline,
        start: date,
        end: date,
        *,
        carry: AmountLike = 0,
        credited: Iterable[DailyReward] = (),
    ) -> list[DailyReward]:
        """One record per day in ``[start, end)``, half-open like ``range``.

        Args:
            timeline: The account's balance through time.
            start: The first day.
            end: The day after the last; ``end == start`` gives no records.
            carry: What was owed but unpaid before ``start``, such as the last record's
                ``carry`` from an earlier run, so that runs can be chained.
            credited: With ``compound=True``, the records of every earlier run (all of
                them: the timeline holds no rewards): each one's ``paid`` is in the
                balance from its ``payout_at`` on, as it would be in one long run, so a
                payout still due after ``start`` is credited when it falls. Together
                with ``carry`` this chains compounding runs.

        Raises:
            InvalidInputError: If ``end`` is before ``start``, a day has no rate, an event
                is finer than the token's base unit, the policy measures a negative or
                non-finite balance, ``credited`` is given without ``compound``, or an
                amount is too large for the library's precision.
        """
        if not isinstance(timeline, BalanceTimeline):
            msg = f"timeline must be a BalanceTimeline, not {type(timeline).__name__}"
            raise InvalidTypeError(msg)
        self._check_units(timeline)
        # The default carry, without the checks an amount given by the caller needs.
        no_carry = type(carry) is int and carry == 0
        owed_before = ZERO if no_carry else to_amount(carry, name="carry")
        credits = [] if isinstance(credited, tuple) and not credited else self._credits(credited)
        plan = self._plan(check_day(start, name="start"), check_day(end, name="end"))
        try:
            return self._run(timeline, plan, owed_before, credits)
        except (decimal.InvalidOperation, decimal.Inexact) as error:
            # Only reachable with amounts far beyond any real balance (10^60 and more).
            raise precision_error(self.token) from error

    def _credits(self, credited: Iterable[DailyReward]) -> list[tuple[int, Decimal]]:
        """Earlier payments as ``(instant, amount)`` in time order, for compounding."""
        credits = []
        for i, record in enumerate(credited):
            if not isinstance(record, DailyReward):
                msg = f"credited[{i}] must be a DailyReward, not {type(record).__name__}"
                raise InvalidTypeError(msg)
            if not self.compound:
                msg = "credited is for chaining compounding runs: set compound=True"
                raise InvalidInputError(msg)
            if record.paid:
                credits.append((to_us(record.payout_at), record.paid))
        credits.sort(key=lambda credit: credit[0])
        return credits

    def _run(
        self,
        timeline: BalanceTimeline,
        plan: Plan,
        carry: Decimal,
        credits: Sequence[tuple[int, Decimal]],
    ) -> list[DailyReward]:
        try:
            return engine.run(plan, timeline, carry, credits, self._settings)
        except engine.Fallback:
            return self._run_decimal(timeline, plan, carry, credits)

    def _run_decimal(
        self,
        timeline: BalanceTimeline,
        plan: Plan,
        carry: Decimal,
        credits: Sequence[tuple[int, Decimal]],
    ) -> list[DailyReward]:
        """The day loop in Decimal, for what the integer loop leaves (see ``engine``)."""
        view = BalanceView(timeline)
        for at_us, amount in credits:
            view.credit(at_us, amount)
        measure = self.policy.measure
        token, quantum = self.token, self.token.gross_quantum
        min_holding, cap, compound = self.min_holding, self.cap, self.compound
        min_payout, dust = self.min_payout, self.dust
        half_even = decimal.ROUND_HALF_EVEN
        out: list[DailyReward] = []
        days = zip(
            plan.windows, plan.rates, plan.year_days, plan.payout_at, plan.payout_us, strict=True
        )
        for window, rate, year_days, payout_at, payout_us in days:
            view.enter_day(window.start_us)
            measured = measure(window, view)
            if type(measured) is not Decimal or not measured.is_finite() or measured < ZERO:
                measured = self._check_measured(measured, window)
            if measured < min_holding:
                eligible = ZERO
            elif cap is not None and measured > cap:
                eligible = cap
            else:
                eligible = measured
            if isinstance(rate, IntradayRates):
                annual, apr = intraday_annual(
                    self.policy, window, view, rate, measured=measured, eligible=eligible
                )
                gross = CONTEXT.divide(annual, year_days).quantize(quantum, half_even, CONTEXT)
            else:
                gross, apr = day_gross(eligible, rate, year_days, quantum)
            paid, carry, forfeited = settle(
                EXACT.add(carry, gross), token, min_payout=min_payout, dust=dust
            )
            if compound and paid:
                view.credit(payout_us, paid)
            out.append(
                DailyReward(
                    window.day,
                    measured,
                    eligible,
                    apr,
                    gross,
                    paid,
                    carry,
                    payout_at,
                    forfeited,
                )
            )
        return out

    def _plan(self, start: date, end: date) -> Plan:
        """The account-independent facts of each day, computed once per range."""
        key = (start, end)
        plan = self._plans.get(key)
        if plan is not None:
            return plan
        windows = self.calendar.windows(start, end)
        payouts = self._payout_instants(windows)
        plan = make_plan(
            windows,
            day_rates(self.schedule, windows),
            [self.day_count.days_in_year(w.day) for w in windows],
            payouts,
            [to_us(paid_at) for paid_at in payouts],
            policy=self.policy,
        )
        if len(self._plans) >= _PLAN_CACHE_SIZE:
            self._plans.clear()
        self._plans[key] = plan
        return plan

    def _payout_instants(self, windows: Sequence[DayWindow]) -> list[datetime]:
        """When each day is paid: by the payout schedule, else its end plus the delay."""
        if self.payout_schedule is not None:
            return payout_times(self.payout_schedule, [w.end for w in windows])
        delay_us = self.payout_delay // timedelta(microseconds=1)  # elapsed, not wall time
        return [from_us(w.end_us + delay_us).astimezone(self.tz) for w in windows]

    def _check_units(self, timeline: BalanceTimeline) -> None:
        """Refuse amounts finer than the token's base unit: they could never be paid out."""
        if timeline._exponent >= -self.token.decimals:
            return
        token = self.token
        if not token.is_whole(timeline.opening):
            msg = (
                f"opening balance {timeline.opening:f} is finer than "
                f"{token}'s base unit {token.base_unit:f}"
            )
            raise InvalidInputError(msg)
        for event in timeline.events:
            if not token.is_whole(event.delta):
                msg = (
                    f"{event.kind} of {event.delta:f} at {event.at.isoformat()} is finer than "
                    f"{token}'s base unit {token.base_unit:f}"
                )
                raise InvalidInputError(msg)

    def _check_measured(self, measured: object, window: DayWindow) -> Decimal:
        return check_measured(measured, where=f"{type(self.policy).__name__} on {window.day}")
