"""The values of a program file: typed readers whose errors name the file and the key.

``ValueReader`` turns what ``tomllib`` parsed (strings, integers, tables, arrays) into the
library's values: amounts, rates and tiers, schedules, zones, policies and payout
schedules. Each value travels with the dotted path of its key (a ``Setting``), so that a
mistake raises ``ProgramFileError`` naming it, such as ``tokens.IOTX.cap``.
``softstaking.io.program_file`` reads the file's structure with it.
"""

from __future__ import annotations

import json
import os
import re
import typing
from collections.abc import Callable, Mapping
from datetime import date, time, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import attrs

from softstaking.core.daycount import DayCount
from softstaking.core.errors import InvalidBandError, InvalidInputError, SoftStakingError
from softstaking.core.payouts import (
    DailyPayouts,
    MonthlyPayouts,
    PayoutSchedule,
    WeeklyPayouts,
    WindowPayouts,
)
from softstaking.core.policies import (
    AccrualPolicy,
    DailySnapshot,
    MinimumBalance,
    SnapshotAverage,
    TimeWeighted,
)
from softstaking.core.rates import Rate, TieredApr
from softstaking.core.rounding import Dust
from softstaking.core.schedules import AprSchedule
from softstaking.io.fields import FieldError, parse_amount, parse_day
from softstaking.io.readers import read_schedule
from softstaking.io.values import parse_wall_time, parse_zone
from softstaking.programs.eligibility import EarningStart

__all__ = [
    "DAY_COUNTS",
    "DUSTS",
    "EARNING_STARTS",
    "POLICIES",
    "PROGRAM_KEYS",
    "TOKEN_KEYS",
    "WEEKDAYS",
    "ProgramFileError",
    "Setting",
    "ValueReader",
    "join_key",
    "kind_of",
]

PROGRAM_KEYS: Final = (
    "preset",
    "frozen_earns",
    "deposits",
    "activation",
    "kind_roles",
    "defaults",
    "tokens",
)
"""The keys of a program file's top level."""

TOKEN_KEYS: Final = (
    "decimals",
    "rate",
    "rates",
    "policy",
    "at",
    "tz",
    "day_offset",
    "day_count",
    "min_holding",
    "cap",
    "min_payout",
    "dust",
    "payout",
    "payout_delay",
    "compound",
)
"""The keys of a token's table, and of ``[defaults]``."""

POLICIES: Final = ("snapshot", "average", "minimum", "snapshots")
"""The ``policy`` names: ``DailySnapshot``, ``TimeWeighted``, ``MinimumBalance``,
``SnapshotAverage``."""

DAY_COUNTS: Final[Mapping[str, DayCount]] = {
    "ACT/365F": DayCount.ACT_365_FIXED,
    "ACT/360": DayCount.ACT_360,
    "ACT/ACT": DayCount.ACT_ACT,
}
"""The ``day_count`` names and the conventions they stand for."""

EARNING_STARTS: Final[Mapping[str, EarningStart]] = {
    "same_day": EarningStart.ON_ARRIVAL,
    "next_day": EarningStart.NEXT_DAY,
}
"""The values of ``deposits`` and ``activation``: T+0 and T+1."""

WEEKDAYS: Final = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
"""The weekday names of a weekly payout schedule, Monday first."""

DUSTS: Final[Mapping[str, Dust]] = {d.value: d for d in Dust}
_PAYOUT_KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    "daily": ("schedule", "at", "tz"),
    "weekly": ("schedule", "weekdays", "at", "tz"),
    "monthly": ("schedule", "day", "at", "tz"),
    "window": ("schedule", "opens", "closes", "tz"),
}
_TIER_KEYS: Final = ("up_to", "apr")
_BARE_KEY: Final = re.compile(r"[A-Za-z0-9_-]+", re.ASCII)


def join_key(path: str, key: str) -> str:
    """A dotted key path, as TOML writes it: ``tokens.IOTX.cap``, ``kind_roles."a b"``."""
    part = key if _BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)
    return f"{path}.{part}" if path else part


class ProgramFileError(InvalidInputError):
    """A program file cannot be read: the message names the file and the key at fault.

    Attributes:
        path: The program file, as given.
        key: The dotted path of the key at fault, such as ``tokens.IOTX.cap``; ``""``
            for the file as a whole (a TOML syntax error).
        reason: What is wrong, in words.
        line: For a TOML syntax error, the 1-based line; otherwise None.
        column: For a TOML syntax error, the 1-based column; otherwise None.
    """

    def __init__(
        self,
        path: str,
        key: str,
        reason: str,
        *,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        where = path if line is None else f"{path}:{line}:{column}"
        if key:
            where += f": {key}"
        super().__init__(f"{where}: {reason}")
        self.path = path
        self.key = key
        self.reason = reason
        self.line = line
        self.column = column


@attrs.frozen
class Setting:
    """A setting as written, with the dotted path of its key."""

    key: str
    raw: object


def kind_of(value: object) -> str:
    """What a TOML value is, in TOML's words, such as ``string`` or ``table``."""
    names = {
        str: "string",
        int: "integer",
        float: "float",
        bool: "boolean",
        dict: "table",
        list: "array",
        date: "date",
        time: "time",
    }
    return names.get(type(value), type(value).__name__)


class ValueReader:
    """Reads the values of one program file; every error names the file and a key."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.name = os.fspath(path)
        self.folder = Path(self.name).parent

    def fail(self, key: str, reason: str) -> typing.NoReturn:
        """Raise ``ProgramFileError`` for ``key`` with ``reason``."""
        raise ProgramFileError(self.name, key, reason)

    # -- plain values ------------------------------------------------------------------

    def table(self, v: Setting, allowed: tuple[str, ...]) -> dict[str, Setting]:
        """A table whose keys are all ``allowed``, as settings with their paths."""
        if not isinstance(v.raw, dict):
            self.fail(v.key, f"must be a table, not {kind_of(v.raw)} {v.raw!r}")
        out: dict[str, Setting] = {}
        for key, raw in v.raw.items():
            path = join_key(v.key, key)
            if key not in allowed:
                self.fail(path, f"unknown key; expected one of {', '.join(allowed)}")
            out[key] = Setting(path, raw)
        return out

    def text(self, v: Setting) -> str:
        """A string."""
        if not isinstance(v.raw, str):
            self.fail(v.key, f"must be a string, not {kind_of(v.raw)} {v.raw!r}")
        return v.raw

    def boolean(self, v: Setting) -> bool:
        """``true`` or ``false``."""
        if not isinstance(v.raw, bool):
            self.fail(v.key, f"must be true or false, not {kind_of(v.raw)} {v.raw!r}")
        return v.raw

    def integer(self, v: Setting) -> int:
        """An integer (not a boolean)."""
        if isinstance(v.raw, bool) or not isinstance(v.raw, int):
            self.fail(v.key, f"must be an integer, not {kind_of(v.raw)} {v.raw!r}")
        return v.raw

    def choice(self, v: Setting, choices: Mapping[str, Any] | tuple[str, ...]) -> Any:  # noqa: ANN401
        """One of ``choices``; with a mapping, the value it maps to."""
        text = self.text(v)
        if text not in choices:
            self.fail(v.key, f"unknown value {text!r}; expected one of {', '.join(choices)}")
        return choices[text] if isinstance(choices, Mapping) else text

    def amount(self, v: Setting, name: str) -> Decimal:
        """An exact amount: a string or an integer, never a TOML float."""
        if isinstance(v.raw, float):
            self.fail(
                v.key,
                f"{v.raw!r} is a TOML float, which is not exact: quote the amount, "
                f'such as {name} = "{v.raw!r}"',
            )
        if isinstance(v.raw, bool) or not isinstance(v.raw, str | int):
            self.fail(
                v.key, f'must be an amount such as "0.05" or 100, not {kind_of(v.raw)} {v.raw!r}'
            )
        try:
            return parse_amount(v.raw, name=name)
        except FieldError as err:
            self.fail(v.key, str(err))

    def parsed(self, v: Setting, parse: Callable[[str], Any], native: type | None = None) -> Any:  # noqa: ANN401
        """A string read by ``parse`` (or already a ``native`` value), errors at the key."""
        if native is not None and isinstance(v.raw, native):
            return v.raw
        text = self.text(v)
        try:
            return parse(text)
        except SoftStakingError as err:
            self.fail(v.key, str(err))

    def wall_time(self, v: Setting) -> time:
        """A time of day: a TOML local time or an ``HH:MM[:SS]`` string."""
        value = self.parsed(v, parse_wall_time, time)
        if value.tzinfo is not None:  # pragma: no cover  (TOML local times have none)
            self.fail(v.key, "must be a wall-clock time without a zone")
        return typing.cast(time, value)

    def zone(self, v: Setting) -> tzinfo:
        """A timezone, as ``softstaking.io.values.parse_zone`` reads it."""
        return typing.cast(tzinfo, self.parsed(v, parse_zone))

    # -- rates -------------------------------------------------------------------------

    def tiers(self, v: Setting) -> TieredApr:
        """Tiers: an array of ``{up_to, apr}`` tables, the last with no ``up_to``."""
        if not isinstance(v.raw, list) or not v.raw:
            self.fail(v.key, "tiers must be a non-empty array of {up_to, apr} tables")
        bands: list[tuple[Decimal | None, Decimal]] = []
        for i, raw in enumerate(v.raw):
            band = self.table(Setting(f"{v.key}[{i}]", raw), _TIER_KEYS)
            if "apr" not in band:
                self.fail(f"{v.key}[{i}].apr", "missing: each band needs its apr")
            up_to = self.amount(band["up_to"], "up_to") if "up_to" in band else None
            bands.append((up_to, self.amount(band["apr"], "apr")))
        try:
            return TieredApr(bands)
        except InvalidBandError as err:
            where = v.key if err.band is None else f"{v.key}[{err.band}]"
            self.fail(where, str(err))
        except SoftStakingError as err:
            self.fail(v.key, str(err))

    def rate(self, v: Setting) -> Rate:
        """A day's rate: an amount, or tiers."""
        if isinstance(v.raw, list):
            return self.tiers(v)
        return self.amount(v, "rate")

    def schedule(self, v: Setting) -> AprSchedule:
        """``rate``: one rate, tiers, or a table of effective day -> rate or tiers."""
        if not isinstance(v.raw, dict):
            return AprSchedule.constant(self.rate(v))
        if not v.raw:
            self.fail(v.key, "a table of rates needs at least one day")
        entries: dict[date, Rate] = {}
        for key, raw in v.raw.items():
            path = join_key(v.key, key)
            try:
                day = parse_day(key)
            except FieldError as err:
                self.fail(path, f"a key of a rate table is an effective day: {err}")
            entries[day] = self.rate(Setting(path, raw))
        try:
            return AprSchedule(entries)
        except SoftStakingError as err:  # pragma: no cover  (every part was checked)
            self.fail(v.key, str(err))

    def rates_file(self, v: Setting) -> AprSchedule:
        """``rates``: a CSV or JSON Lines file of rates, relative to the program file."""
        path = self.folder / self.text(v)
        if not path.is_file():
            self.fail(v.key, f"no such rates file: {path}")
        try:
            return read_schedule(path)
        except SoftStakingError as err:
            self.fail(v.key, str(err))
        except (OSError, UnicodeDecodeError) as err:
            self.fail(v.key, f"cannot read {path}: {err}")

    # -- a token's settings ------------------------------------------------------------

    def policy(self, settings: dict[str, Setting], base: AccrualPolicy | None) -> AccrualPolicy:
        """The policy of ``policy`` and ``at``; ``base`` is a preset's, changed by ``at``."""
        at = settings.get("at")
        if "policy" in settings:
            name = self.choice(settings["policy"], POLICIES)
        elif isinstance(base, DailySnapshot | SnapshotAverage) or base is None:
            name = "snapshots" if isinstance(base, SnapshotAverage) else "snapshot"
        else:
            assert at is not None  # only called without a policy when at is given
            self.fail(at.key, f"the preset's policy ({type(base).__name__}) takes no at")
        if name == "snapshot":
            if at is None:
                return DailySnapshot()
            if isinstance(at.raw, list):
                self.fail(at.key, "policy snapshot takes one time; use snapshots for several")
            return DailySnapshot(self.wall_time(at))
        if name == "snapshots":
            if at is None:
                key = settings.get("policy", Setting("", None)).key
                self.fail(key, 'policy snapshots needs at, such as at = ["09:00", "21:00"]')
            raws = at.raw if isinstance(at.raw, list) else [at.raw]
            times = [self.wall_time(Setting(f"{at.key}[{i}]", raw)) for i, raw in enumerate(raws)]
            try:
                return SnapshotAverage(times)
            except SoftStakingError as err:
                self.fail(at.key, str(err))
        if at is not None:
            self.fail(at.key, f"policy {name} takes no at: it measures the whole day")
        return TimeWeighted() if name == "average" else MinimumBalance()

    def weekdays(self, v: Setting) -> list[int]:
        """Weekday names (``MO`` … ``SU``) as numbers, Monday 0."""
        if not isinstance(v.raw, list):
            self.fail(v.key, 'must be an array of weekdays, such as ["MO", "TH"]')
        days = []
        for i, raw in enumerate(v.raw):
            if raw not in WEEKDAYS:
                self.fail(f"{v.key}[{i}]", f"{raw!r} is not a weekday: {', '.join(WEEKDAYS)}")
            days.append(WEEKDAYS.index(raw))
        return days

    def payout(self, v: Setting, tz: tzinfo) -> PayoutSchedule:
        """A payout schedule table: daily, weekly, monthly or window."""
        if not isinstance(v.raw, dict):
            self.fail(v.key, 'must be a table, such as {schedule = "weekly", weekdays = ["MO"]}')
        if "schedule" not in v.raw:
            self.fail(f"{v.key}.schedule", f"missing: one of {', '.join(_PAYOUT_KEYS)}")
        kind = self.choice(Setting(f"{v.key}.schedule", v.raw["schedule"]), tuple(_PAYOUT_KEYS))
        parts = self.table(v, _PAYOUT_KEYS[kind])
        zone = self.zone(parts["tz"]) if "tz" in parts else tz
        at = self.wall_time(parts["at"]) if "at" in parts else time(0)

        def need(key: str) -> Setting:
            if key not in parts:
                self.fail(f"{v.key}.{key}", f"missing: a {kind} payout schedule needs {key}")
            return parts[key]

        build: Callable[[], PayoutSchedule]
        if kind == "daily":
            build = lambda: DailyPayouts(at, tz=zone)  # noqa: E731
        elif kind == "weekly":
            days = self.weekdays(need("weekdays"))
            build = lambda: WeeklyPayouts(days, at=at, tz=zone)  # noqa: E731
        elif kind == "monthly":
            day = self.integer(need("day"))
            build = lambda: MonthlyPayouts(day, at=at, tz=zone)  # noqa: E731
        else:
            opens, closes = self.wall_time(need("opens")), self.wall_time(need("closes"))
            build = lambda: WindowPayouts(opens, closes, tz=zone)  # noqa: E731
        try:
            return build()
        except SoftStakingError as err:
            self.fail(v.key, str(err))
