"""Payout schedules: when accrued rewards are paid, apart from when they accrue.

Rewards accrue every day; a program pays them daily, weekly, monthly or in a window after
the day. A schedule names payout instants as wall-clock times in a zone, and each accrual
day is paid at the first payout instant at or after the day ends. Four schedules ship:

* ``DailyPayouts``: every day at a time of day;
* ``WeeklyPayouts``: on given weekdays at a time of day (Bitso pays on Mondays);
* ``MonthlyPayouts``: on a day of the month (Coinbase pays monthly). Days 29, 30
  and 31 fall on the *last day* of shorter months, so no month goes without a payout;
* ``WindowPayouts``: in a window such as 00:00–08:00 UTC (Binance, Gate), modelled
  as paid at the window's *close*, the latest instant, for the first window that opens
  at or after the day ends.

Wall-clock times go through ``resolve_wall_time``: a time skipped
by the clocks going forward means the instant they jump, and a repeated time its first
occurrence. ``group_payouts`` turns a run's daily records into the payouts that
cover them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any, Final, Protocol, runtime_checkable

import attrs
from dateutil import rrule

from softstaking.core.amounts import EXACT, ZERO
from softstaking.core.days import _check_tz, resolve_wall_time
from softstaking.core.errors import InvalidInputError, InvalidTypeError
from softstaking.core.instants import check_aware, to_us
from softstaking.core.policies import _check_wall_time
from softstaking.core.records import DailyReward

__all__ = [
    "DailyPayouts",
    "MonthlyPayouts",
    "Payout",
    "PayoutSchedule",
    "PayoutStatement",
    "WeeklyPayouts",
    "WindowPayouts",
    "group_payouts",
    "payout_times",
]

_DAY: Final = timedelta(days=1)
_WEEKDAY_NAMES: Final = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@runtime_checkable
class PayoutSchedule(Protocol):
    """When accrued rewards are paid.

    ``payout_times`` gets the instants at which accrual days end, in order, and returns
    for each the instant of the payout that covers that day: aware, not before the end,
    and never earlier than the payout of an earlier day. The built-in schedules pay at
    the first payout instant at or after the end; write your own for anything else.
    """

    def payout_times(self, day_ends: Sequence[datetime]) -> list[datetime]:
        """The payout instant of each day ending at ``day_ends``."""
        ...


def _check_at(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _check_wall_time(value, name=attribute.name)


class _RuleSchedule:
    """Payout instants from a dateutil rule of payout dates and a wall-clock time."""

    __slots__ = ()
    tz: tzinfo

    def _rule(self, first: date) -> Iterable[datetime]:
        """The payout dates (as naive midnights) from ``first`` on."""
        raise NotImplementedError

    def _slot(self, day: date) -> tuple[datetime, datetime]:
        """The cut-off and payout instant of the payout on ``day``.

        A day ending at or before the cut-off is paid at the payout instant.
        """
        raise NotImplementedError

    def payout_times(self, day_ends: Sequence[datetime]) -> list[datetime]:
        """For each day end, in order, the first payout whose cut-off is at or after it.

        Args:
            day_ends: Aware instants in non-decreasing order, such as the ``end`` of
                consecutive ``DayWindow`` objects.

        Returns:
            One aware payout instant in the schedule's zone per day end.

        Raises:
            InvalidInputError: If the instants go backwards.
        """
        out: list[datetime] = []
        if not day_ends:
            return out
        ends = [to_us(check_aware(e, name="day end")) for e in day_ends]
        first = check_aware(day_ends[0], name="day end").astimezone(self.tz).date() - _DAY
        slots = (self._slot(d.date()) for d in self._rule(first))
        cutoff, pay = next(slots)
        cutoff_us, previous = to_us(cutoff), ends[0]
        for end in ends:
            if end < previous:
                msg = "day ends must come in time order"
                raise InvalidInputError(msg)
            previous = end
            while cutoff_us < end:
                cutoff, pay = next(slots)
                cutoff_us = to_us(cutoff)
            out.append(pay)
        return out


@attrs.frozen
class DailyPayouts(_RuleSchedule):
    """A payout every day at one wall-clock time.

    Attributes:
        at: The time of day; midnight by default, which pays each day as it ends when
            the zone is the calculator's and the calculator has no ``day_offset``.
        tz: The zone whose clock ``at`` is read on.

    Examples:
        >>> from datetime import UTC, timezone
        >>> utc8 = timezone(timedelta(hours=8))
        >>> kucoin = DailyPayouts(time(18), tz=utc8)  # Hold to Earn pays at 18:00 UTC+8
        >>> [t.isoformat() for t in kucoin.payout_times([datetime(2025, 6, 2, tzinfo=utc8)])]
        ['2025-06-02T18:00:00+08:00']
    """

    at: time = attrs.field(default=time(0), validator=_check_at)
    tz: tzinfo = attrs.field(kw_only=True, validator=_check_tz)

    def _rule(self, first: date) -> Iterable[datetime]:
        return rrule.rrule(rrule.DAILY, dtstart=datetime.combine(first, time(0)))

    def _slot(self, day: date) -> tuple[datetime, datetime]:
        instant = resolve_wall_time(datetime.combine(day, self.at), self.tz)
        return instant, instant


def _to_weekdays(value: Iterable[int | rrule.weekday]) -> tuple[int, ...]:
    if isinstance(value, (int, rrule.weekday)) or not isinstance(value, Iterable):
        msg = "WeeklyPayouts takes an iterable of weekdays, such as [0] or [rrule.MO]"
        raise InvalidTypeError(msg)
    days: list[int] = []
    for item in value:
        if isinstance(item, rrule.weekday):
            if item.n is not None:
                msg = f"WeeklyPayouts weekday {item} must not have an n, such as MO(+1)"
                raise InvalidInputError(msg)
            number = item.weekday
        elif isinstance(item, int) and not isinstance(item, bool):
            number = item
        else:
            msg = f"a weekday must be an int 0-6 (Monday=0) or rrule.MO..SU, not {item!r}"
            raise InvalidTypeError(msg)
        if not 0 <= number <= 6:
            msg = f"a weekday must be from 0 (Monday) to 6 (Sunday): got {number}"
            raise InvalidInputError(msg)
        if number in days:
            msg = f"WeeklyPayouts weekdays must be distinct: {_WEEKDAY_NAMES[number]} repeats"
            raise InvalidInputError(msg)
        days.append(number)
    if not days:
        msg = "WeeklyPayouts needs at least one weekday"
        raise InvalidInputError(msg)
    return tuple(sorted(days))


@attrs.frozen
class WeeklyPayouts(_RuleSchedule):
    """Payouts on given weekdays at one wall-clock time.

    Attributes:
        weekdays: The days of the week, as ``date.weekday()`` numbers (Monday is 0) or
            ``dateutil.rrule.MO`` … ``SU``; stored as sorted numbers.
        at: The time of day; midnight by default.
        tz: The zone whose calendar and clock are used.

    Examples:
        >>> from datetime import UTC
        >>> mondays = WeeklyPayouts([rrule.MO], tz=UTC)
        >>> mondays.payout_times([datetime(2024, 1, 3, tzinfo=UTC)])[0].date()
        datetime.date(2024, 1, 8)
    """

    weekdays: tuple[int, ...] = attrs.field(converter=_to_weekdays)
    at: time = attrs.field(default=time(0), kw_only=True, validator=_check_at)
    tz: tzinfo = attrs.field(kw_only=True, validator=_check_tz)

    def _rule(self, first: date) -> Iterable[datetime]:
        return rrule.rrule(
            rrule.WEEKLY, byweekday=self.weekdays, dtstart=datetime.combine(first, time(0))
        )

    def _slot(self, day: date) -> tuple[datetime, datetime]:
        instant = resolve_wall_time(datetime.combine(day, self.at), self.tz)
        return instant, instant


def _check_month_day(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"MonthlyPayouts day must be an int, not {type(value).__name__}"
        raise InvalidTypeError(msg)
    if not 1 <= value <= 31:
        msg = f"MonthlyPayouts day must be from 1 to 31: got {value}"
        raise InvalidInputError(msg)


@attrs.frozen
class MonthlyPayouts(_RuleSchedule):
    """A payout each month on one day of the month.

    dateutil's ``rrule(MONTHLY, bymonthday=31)`` skips the months without a 31st, which
    would silently skip their payouts. Here a day the month does not have means the
    month's last day: ``MonthlyPayouts(31)`` pays on 31 January, 29 February 2024,
    31 March, 30 April, and so on.

    Attributes:
        day: The day of the month, 1 to 31; 29–31 fall on the last day of shorter months.
        at: The time of day; midnight by default.
        tz: The zone whose calendar and clock are used.

    Examples:
        >>> from datetime import UTC
        >>> month_end = MonthlyPayouts(31, tz=UTC)
        >>> ends = [datetime(2024, m, 2, tzinfo=UTC) for m in (1, 2, 4)]
        >>> [t.date().isoformat() for t in month_end.payout_times(ends)]
        ['2024-01-31', '2024-02-29', '2024-04-30']
    """

    day: int = attrs.field(validator=_check_month_day)
    at: time = attrs.field(default=time(0), kw_only=True, validator=_check_at)
    tz: tzinfo = attrs.field(kw_only=True, validator=_check_tz)

    def _rule(self, first: date) -> Iterable[datetime]:
        start = datetime.combine(first, time(0))
        if self.day <= 28:
            return rrule.rrule(rrule.MONTHLY, bymonthday=self.day, dtstart=start)
        # The last of 28 … day that the month has: the day itself, or the month's end.
        candidates = tuple(range(28, self.day + 1))
        return rrule.rrule(rrule.MONTHLY, bymonthday=candidates, bysetpos=-1, dtstart=start)

    def _slot(self, day: date) -> tuple[datetime, datetime]:
        instant = resolve_wall_time(datetime.combine(day, self.at), self.tz)
        return instant, instant


def _check_closes(instance: WindowPayouts, _: attrs.Attribute[Any], value: object) -> None:
    _check_wall_time(value, name="closes")
    if value == instance.opens:
        msg = f"WindowPayouts closes must differ from opens: both are {instance.opens}"
        raise InvalidInputError(msg)


@attrs.frozen
class WindowPayouts(_RuleSchedule):
    """Payouts somewhere in a daily window, modelled as paid when the window closes.

    Binance and Gate pay "between 00:00 and 08:00 UTC the next day". A day is paid in
    the first window that opens at or after the day ends, and the payout instant is
    taken to be the window's close: the latest moment the reward can arrive, so with
    compounding no measurement counts a reward before it is certainly there. For the
    opening instead, use ``DailyPayouts`` at the opening time.

    Attributes:
        opens: When the window opens on the zone's clock.
        closes: When it closes; earlier than ``opens`` means the next calendar day.
        tz: The zone whose clock the window is read on.

    Examples:
        >>> from datetime import UTC
        >>> binance = WindowPayouts(time(0), time(8), tz=UTC)
        >>> binance.payout_times([datetime(2024, 1, 2, tzinfo=UTC)])[0].isoformat()
        '2024-01-02T08:00:00+00:00'
    """

    opens: time = attrs.field(validator=_check_at)
    closes: time = attrs.field(validator=_check_closes)
    tz: tzinfo = attrs.field(kw_only=True, validator=_check_tz)

    def _rule(self, first: date) -> Iterable[datetime]:
        return rrule.rrule(rrule.DAILY, dtstart=datetime.combine(first, time(0)))

    def _slot(self, day: date) -> tuple[datetime, datetime]:
        close_day = day if self.closes > self.opens else day + _DAY
        return (
            resolve_wall_time(datetime.combine(day, self.opens), self.tz),
            resolve_wall_time(datetime.combine(close_day, self.closes), self.tz),
        )


def payout_times(schedule: PayoutSchedule, day_ends: Sequence[datetime]) -> list[datetime]:
    """Ask ``schedule`` for the payout instants of days ending at ``day_ends``, and check them.

    The calculator calls this once per run. It holds any schedule, including your own,
    to the protocol's promises.

    Raises:
        InvalidInputError: If a payout comes before the end of the day it pays for, or
            before the payout of an earlier day; or if the count is wrong.
        NaiveDatetimeError: If a payout instant is naive.
    """
    where = type(schedule).__name__
    got = schedule.payout_times(day_ends)
    if not isinstance(got, Sequence) or len(got) != len(day_ends):
        msg = f"{where}.payout_times must return a list of one instant per day end"
        raise InvalidInputError(msg)
    got = list(got)
    previous = None
    for end, pay in zip(day_ends, got, strict=True):
        pay_us = to_us(check_aware(pay, name=f"{where} payout instant"))
        if pay_us < to_us(end):
            msg = f"{where} pays at {pay.isoformat()}, before the day ending {end.isoformat()}"
            raise InvalidInputError(msg)
        if previous is not None and pay_us < previous:
            msg = f"{where} pays at {pay.isoformat()}, before an earlier day's payout"
            raise InvalidInputError(msg)
        previous = pay_us
    return got


@attrs.frozen
class Payout:
    """One payment, covering one or more accrual days.

    Attributes:
        at: When it is paid, as the schedule names it.
        amount: The sum of the covered days' ``paid``, exactly.
        days: The accrual days it covers, in order.
    """

    at: datetime
    amount: Decimal
    days: tuple[date, ...]


@attrs.frozen
class PayoutStatement:
    """A run's daily rewards as payouts, split at an instant.

    Attributes:
        as_of: The instant the statement is drawn up at, such as the end of the run.
        paid: The payouts at or before ``as_of``, in time order.
        pending: The payouts after ``as_of``: the days are accrued, the payment is not
            yet due. A pending payout may also cover days after the run.
    """

    as_of: datetime
    paid: tuple[Payout, ...]
    pending: tuple[Payout, ...]


def group_payouts(records: Iterable[DailyReward], *, as_of: datetime) -> PayoutStatement:
    """Group one account's daily records into the payouts that cover them.

    Days with the same ``payout_at`` instant form one payout. Every day belongs to
    exactly one payout, even when it paid nothing (a payout can be zero), and the
    payouts' amounts sum exactly to the days' ``paid``.

    Args:
        records: One account's ``DailyReward`` records, as
            ``RewardCalculator.daily_rewards`` returns them.
        as_of: The instant that separates made payouts from pending ones; for a run
            over ``[start, end)`` that is usually ``calculator.calendar.start_of(end)``.

    Raises:
        InvalidTypeError: If an item is not a DailyReward.
        InvalidInputError: If a day appears twice: records of two accounts or two runs.

    Examples:
        >>> from datetime import UTC, date
        >>> from softstaking import AprSchedule, BalanceTimeline, RewardCalculator, Token
        >>> calc = RewardCalculator(
        ...     Token("USD", 2), AprSchedule.constant("0.0365"),
        ...     payout_schedule=WeeklyPayouts([0], tz=UTC),
        ... )
        >>> days = calc.daily_rewards(
        ...     BalanceTimeline.from_events([], opening=36500), date(2024, 1, 1), date(2024, 1, 10)
        ... )
        >>> statement = group_payouts(days, as_of=calc.calendar.start_of(date(2024, 1, 10)))
        >>> [(p.at.date().isoformat(), p.amount, len(p.days)) for p in statement.paid]
        [('2024-01-08', Decimal('25.55'), 7)]
        >>> [(p.at.date().isoformat(), p.amount, len(p.days)) for p in statement.pending]
        [('2024-01-15', Decimal('7.30'), 2)]
    """
    check_aware(as_of, name="as_of")
    groups: dict[int, list[DailyReward]] = {}
    seen: set[date] = set()
    for i, record in enumerate(records):
        if not isinstance(record, DailyReward):
            msg = f"records[{i}] must be a DailyReward, not {type(record).__name__}"
            raise InvalidTypeError(msg)
        if record.day in seen:
            msg = f"records[{i}] repeats the day {record.day}: records of one account, one run"
            raise InvalidInputError(msg)
        seen.add(record.day)
        groups.setdefault(to_us(record.payout_at), []).append(record)
    as_of_us = to_us(as_of)
    paid: list[Payout] = []
    pending: list[Payout] = []
    for at_us in sorted(groups):
        members = sorted(groups[at_us], key=lambda r: r.day)
        amount = ZERO
        for r in members:
            amount = EXACT.add(amount, r.paid)
        payout = Payout(members[0].payout_at, amount, tuple(r.day for r in members))
        (paid if at_us <= as_of_us else pending).append(payout)
    return PayoutStatement(as_of, tuple(paid), tuple(pending))
