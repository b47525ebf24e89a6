"""Strict readers of the values people write in settings: zones, offsets, durations, times.

Each parser takes the text as written (in a program file or on the command line) and
returns the value, or raises ``InvalidInputError`` whose message quotes the text and
says what was expected. They are strict on purpose: ``+08:60``, ``+-05:00``, ``-1d``
or ``1_0h`` are mistakes, and a mistake in a setting changes every reward it touches.

* ``parse_zone``: ``UTC``, an offset ``±HH:MM`` (also ``UTC+08:00``), or an IANA name
  such as ``Asia/Shanghai``;
* ``parse_offset``: ``±HH:MM`` strictly within 24 hours, minutes below 60, or ``0``;
* ``parse_duration``: ``0``, a whole number with a unit (``2d``, ``36h``, ``90m``,
  ``45s``) or ``HH:MM[:SS]``; never negative;
* ``parse_wall_time``: ``HH:MM``, ``HH:MM:SS`` or ``HH:MM:SS.ffffff``, no zone.
"""

from __future__ import annotations

import re
from datetime import UTC, time, timedelta, timezone, tzinfo
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from softstaking.core.errors import InvalidInputError, InvalidTypeError

__all__ = ["parse_duration", "parse_offset", "parse_wall_time", "parse_zone"]

_OFFSET: Final = re.compile(r"([+-])(\d{2}):(\d{2})", re.ASCII)
_WALL_TIME: Final = re.compile(r"\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?", re.ASCII)
_CLOCK: Final = re.compile(r"(\d+):(\d{2})(?::(\d{2}))?", re.ASCII)
_AMOUNT_OF: Final = re.compile(r"(\d+)([dhms])", re.ASCII)
_UNITS: Final = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
_IANA: Final = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*", re.ASCII)
_DAY: Final = timedelta(days=1)


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        msg = f"{what} must be written as a string, not {type(value).__name__} {value!r}"
        raise InvalidTypeError(msg)
    return value


def parse_offset(text: str) -> timedelta:
    """An offset from UTC or from midnight: ``±HH:MM`` (one sign), or ``0``.

    Hours and minutes are two digits each; the minutes are below 60 and the offset lies
    strictly within ±24 hours.

    Raises:
        InvalidInputError: If the text is not such an offset, naming it.

    Examples:
        >>> parse_offset("-02:00")
        datetime.timedelta(days=-1, seconds=79200)
        >>> parse_offset("+08:60")
        Traceback (most recent call last):
        ...
        softstaking.core.errors.InvalidInputError: offset '+08:60': the minutes must be below 60
    """
    text = _text(text, "an offset")
    if text == "0":
        return timedelta(0)
    found = _OFFSET.fullmatch(text)
    if found is None:
        msg = f"{text!r} is not an offset written ±HH:MM, such as +08:00 or -02:00"
        raise InvalidInputError(msg)
    sign, hours, minutes = found.group(1), int(found.group(2)), int(found.group(3))
    if minutes >= 60:
        msg = f"offset {text!r}: the minutes must be below 60"
        raise InvalidInputError(msg)
    if hours >= 24:
        msg = f"offset {text!r}: an offset must lie strictly within ±24:00"
        raise InvalidInputError(msg)
    offset = timedelta(hours=hours, minutes=minutes)
    return -offset if sign == "-" else offset


def parse_zone(text: str) -> tzinfo:
    """A timezone: ``UTC`` (or ``Z``), a fixed offset, or an IANA name.

    An offset is written as ``parse_offset`` reads it, optionally after ``UTC``:
    ``+08:00`` and ``UTC+08:00`` are the same zone, which has no daylight saving. A name
    such as ``Asia/Shanghai`` or ``America/New_York`` is looked up in the zone database
    and follows its clock changes.

    Raises:
        InvalidInputError: If the text is none of these, naming it.

    Examples:
        >>> parse_zone("+08:00")
        datetime.timezone(datetime.timedelta(seconds=28800))
        >>> parse_zone("Asia/Shanghai")
        zoneinfo.ZoneInfo(key='Asia/Shanghai')
    """
    text = _text(text, "a timezone")
    if text in ("UTC", "Z"):
        return UTC
    if text.startswith(("UTC+", "UTC-")):
        return timezone(parse_offset(text[3:]))
    if text.startswith(("+", "-")):
        return timezone(parse_offset(text))
    if _IANA.fullmatch(text) is not None:
        try:
            return ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    msg = (
        f"unknown timezone {text!r}: give UTC, an offset such as +08:00, "
        "or an IANA name such as Asia/Shanghai"
    )
    raise InvalidInputError(msg)


def parse_duration(text: str) -> timedelta:
    """A length of time, never negative: ``0``, ``2d``, ``36h``, ``90m``, ``45s`` or ``01:30``.

    A number with a unit is a whole number of days, hours, minutes or seconds; ``HH:MM``
    or ``HH:MM:SS`` is hours and minutes (and seconds) of elapsed time, any number of
    hours, minutes and seconds below 60.

    Raises:
        InvalidInputError: If the text is not a duration, is negative, or is too long
            for a ``timedelta`` (more than 999,999,999 days).

    Examples:
        >>> parse_duration("36h")
        datetime.timedelta(days=1, seconds=43200)
        >>> parse_duration("01:30")
        datetime.timedelta(seconds=5400)
    """
    text = _text(text, "a duration")
    if text.startswith("-"):
        msg = f"duration {text!r} is negative: a delay is 0 or more"
        raise InvalidInputError(msg)
    try:
        if text == "0":
            return timedelta(0)
        found = _AMOUNT_OF.fullmatch(text)
        if found is not None:
            return timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})
        clock = _CLOCK.fullmatch(text)
        if clock is not None:
            hours, minutes, seconds = int(clock.group(1)), int(clock.group(2)), clock.group(3)
            if minutes >= 60 or (seconds is not None and int(seconds) >= 60):
                msg = f"duration {text!r}: the minutes and seconds must be below 60"
                raise InvalidInputError(msg)
            return timedelta(hours=hours, minutes=minutes, seconds=int(seconds or 0))
    except OverflowError:
        msg = f"duration {text!r} is too long: a duration is at most 999999999 days"
        raise InvalidInputError(msg) from None
    msg = f"{text!r} is not a duration such as 0, 1d, 36h, 90m, 45s or 01:30"
    raise InvalidInputError(msg)


def parse_wall_time(text: str) -> time:
    """A time of day on a clock, without a zone: ``HH:MM``, ``HH:MM:SS`` or with microseconds.

    Raises:
        InvalidInputError: If the text is not such a time, naming it.

    Examples:
        >>> parse_wall_time("23:59:59")
        datetime.time(23, 59, 59)
    """
    text = _text(text, "a time of day")
    if _WALL_TIME.fullmatch(text) is not None:
        try:
            return time.fromisoformat(text)
        except ValueError:
            pass
    msg = f"{text!r} is not a time of day written HH:MM or HH:MM:SS, such as 23:59:59"
    raise InvalidInputError(msg)
