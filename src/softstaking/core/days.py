"""Calendar days in a timezone, as half-open windows of time.

Day ``d`` runs from its start to the next day's start, ``[start, end)``. The start is
midnight of ``d`` in the zone, moved by an optional offset for programs whose day is cut
elsewhere (KuCoin once ran days from 22:00 to 21:59:59 UTC+8). Because the start is a
wall-clock time, a day that crosses a daylight-saving change is longer or shorter by the
change: 23 or 25 hours in most zones, 23½ or 24½ in Lord Howe.

Wall-clock times are resolved the same way everywhere:

* a time that happens twice (the clocks go back) means its first occurrence;
* a time that does not exist (the clocks go forward) means the first instant after the
  gap, the moment the clocks jump.

One case needs a further rule. When a day is cut inside a gap (a day offset of 2:30 in New
York, say), the gap's end is the next day's first instant, so a time of the day that falls
in the same gap would land outside the day; it means the day's last instant instead, one
microsecond before the jump, so that every reading of a day stays inside it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Final

import attrs

from softstaking.core.errors import InvalidInputError, InvalidTypeError
from softstaking.core.instants import check_aware, check_day, from_us, to_us

__all__ = ["DayCalendar", "DayWindow", "resolve_wall_time"]

_DAY: Final = timedelta(days=1)


def resolve_wall_time(wall: datetime, tz: tzinfo) -> datetime:
    """The first instant at or after the naive wall-clock time ``wall`` in ``tz``.

    Args:
        wall: A naive datetime read as a wall-clock time in ``tz``.
        tz: Any tzinfo: ``zoneinfo``, ``dateutil.tz`` or a fixed offset.

    Returns:
        An aware datetime in ``tz``. An ambiguous wall time gives its first occurrence;
        a wall time inside a gap gives the instant the gap ends.

    Examples:
        >>> from zoneinfo import ZoneInfo
        >>> ny = ZoneInfo("America/New_York")
        >>> resolve_wall_time(datetime(2024, 3, 10, 2, 30), ny).isoformat()
        '2024-03-10T03:00:00-04:00'
        >>> resolve_wall_time(datetime(2024, 11, 3, 1, 30), ny).isoformat()
        '2024-11-03T01:30:00-04:00'
    """
    first = wall.replace(tzinfo=tz, fold=0)
    instant = first.astimezone(UTC)
    local = instant.astimezone(tz)
    if local.replace(tzinfo=None, fold=0) == wall:
        return local
    # In a gap. PEP 495 maps fold=0 and fold=1 to the offsets either side of it, so the
    # transition lies between the two readings; find the first instant at or after it.
    other = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    lo, hi = sorted((to_us(instant), to_us(other)))
    if lo == hi:  # a tzinfo that ignores fold: widen to a day either side
        lo, hi = lo - 86_400_000_000, hi + 86_400_000_000
    while lo < hi:
        mid = (lo + hi) // 2
        if from_us(mid).astimezone(tz).replace(tzinfo=None, fold=0) >= wall:
            hi = mid
        else:
            lo = mid + 1
    return from_us(lo).astimezone(tz)


@attrs.frozen
class DayWindow:
    """One accrual day: its label and the instants it covers, ``[start, end)``.

    Attributes:
        day: The calendar date that names the day.
        start: The first instant of the day, aware, in the calendar's zone.
        end: The first instant of the next day.
        start_us: ``start`` as microseconds since the epoch.
        end_us: ``end`` as microseconds since the epoch.
    """

    day: date
    start: datetime
    end: datetime
    start_us: int
    end_us: int
    _wall_start: datetime = attrs.field(repr=False)
    _tz: tzinfo = attrs.field(repr=False)
    _cache: dict[time, int] = attrs.field(factory=dict, eq=False, repr=False, init=False)

    @property
    def duration(self) -> timedelta:
        """How long the day lasts: 24 hours, or longer or shorter by a DST change."""
        return timedelta(microseconds=self.end_us - self.start_us)

    def at(self, wall: time) -> datetime:
        """The instant in this day at which the zone's clock shows ``wall``.

        With a day offset, a time earlier than the cut-off falls on the next calendar
        date: in a day running 22:00 to 22:00, 23:00 comes before 10:00. The result is
        always inside ``[start, end)``: a time in a gap that ends the day means the day's
        last instant (see the module's notes).
        """
        candidate = datetime.combine(self._wall_start.date(), wall)
        if candidate < self._wall_start:
            candidate += _DAY
        instant = resolve_wall_time(candidate, self._tz)
        if to_us(instant) >= self.end_us:
            return from_us(self.end_us - 1).astimezone(self._tz)
        return instant

    def at_us(self, wall: time) -> int:
        """``at`` as microseconds since the epoch, remembered per time of day."""
        us = self._cache.get(wall)
        if us is None:
            us = self._cache[wall] = to_us(self.at(wall))
        return us


def _check_tz(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, tzinfo):
        msg = f"tz must be a tzinfo such as ZoneInfo('UTC'), not {type(value).__name__}"
        raise InvalidTypeError(msg)


def _check_offset(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, timedelta):
        msg = f"day_offset must be a timedelta, not {type(value).__name__}"
        raise InvalidTypeError(msg)
    if not -_DAY < value < _DAY:
        msg = f"day_offset must lie strictly between -24 and +24 hours: got {value}"
        raise InvalidInputError(msg)


@attrs.frozen
class DayCalendar:
    """How a program cuts time into days.

    Attributes:
        tz: The zone whose calendar days are used.
        day_offset: Where a day starts relative to its midnight. ``timedelta(hours=-2)``
            makes day ``d`` run from 22:00 on ``d - 1`` to 22:00 on ``d``.

    Examples:
        >>> from datetime import timezone
        >>> kucoin = DayCalendar(timezone(timedelta(hours=8)), day_offset=timedelta(hours=-2))
        >>> kucoin.window(date(2020, 5, 1)).start.isoformat()
        '2020-04-30T22:00:00+08:00'
    """

    tz: tzinfo = attrs.field(default=UTC, validator=_check_tz)
    day_offset: timedelta = attrs.field(default=timedelta(0), validator=_check_offset, kw_only=True)

    def start_of(self, day: date) -> datetime:
        """The first instant of ``day``."""
        wall = datetime.combine(day, time(0)) + self.day_offset
        return resolve_wall_time(wall, self.tz)

    def window(self, day: date) -> DayWindow:
        """The window of one day."""
        day = check_day(day, name="day")
        return self.windows(day, day + _DAY)[0]

    def windows(self, start: date, end: date) -> list[DayWindow]:
        """The windows of the days in ``[start, end)``, in order."""
        start = check_day(start, name="start")
        end = check_day(end, name="end")
        if end < start:
            msg = f"end ({end}) is before start ({start})"
            raise InvalidInputError(msg)
        out: list[DayWindow] = []
        if end == start:
            return out
        begin = self.start_of(start)
        begin_us = to_us(begin)
        day = start
        while day < end:
            nxt = day + _DAY
            finish = self.start_of(nxt)
            finish_us = to_us(finish)
            wall = datetime.combine(day, time(0)) + self.day_offset
            out.append(DayWindow(day, begin, finish, begin_us, finish_us, wall, self.tz))
            day, begin, begin_us = nxt, finish, finish_us
        return out

    def day_of(self, instant: datetime) -> date:
        """The day whose window contains ``instant``."""
        instant = check_aware(instant, name="instant")
        local = instant.astimezone(self.tz).replace(tzinfo=None) - self.day_offset
        day = local.date()
        # Near a DST change the wall-clock estimate can be a day off; settle it exactly.
        us = to_us(instant)
        while us < to_us(self.start_of(day)):
            day -= _DAY
        while us >= to_us(self.start_of(day + _DAY)):
            day += _DAY
        return day
