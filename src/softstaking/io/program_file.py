"""Program files: a whole ``Program`` described in TOML, read with ``read_program``.

A program file names its tokens under ``[tokens]``, each with its decimals and rates
and any setting of its calculator; ``[defaults]`` holds settings every token shares
unless it gives its own; the top level holds the program's eligibility rules, or the
name of a preset to start from. The guide *Program files* lists every key.

Reading is strict: an unknown key, a value of the wrong type, a TOML float where an
exact amount belongs, or a value out of range raises ``ProgramFileError`` naming the
file and the key's path, such as ``tokens.IOTX.cap``; a TOML syntax error names the
line and column.

Examples:
    >>> from softstaking.samples import kucoin_2019_path
    >>> program = read_program(kucoin_2019_path())
    >>> sorted(program.calculators)[:4]
    ['ATOM', 'ELA', 'EOS', 'IOTX']
    >>> program.calculator("IOTX").policy
    DailySnapshot(at=datetime.time(23, 59, 59))
"""

from __future__ import annotations

import inspect
import json
import os
import re
import tomllib
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, date, time, timedelta, tzinfo
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Final

import attrs

import softstaking.presets as presets_package
from softstaking.core.calculator import RewardCalculator
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
from softstaking.core.tokens import Token
from softstaking.io.fields import FieldError, parse_amount, parse_day
from softstaking.io.readers import read_schedule
from softstaking.io.values import parse_duration, parse_offset, parse_wall_time, parse_zone
from softstaking.programs.eligibility import POCKET_KINDS, EarningStart
from softstaking.programs.program import Program

__all__ = [
    "DAY_COUNTS",
    "EARNING_STARTS",
    "POLICIES",
    "PROGRAM_KEYS",
    "TOKEN_KEYS",
    "WEEKDAYS",
    "ProgramFileError",
    "program_presets",
    "read_program",
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

_DUSTS: Final[Mapping[str, Dust]] = {d.value: d for d in Dust}
_PAYOUT_KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    "daily": ("schedule", "at", "tz"),
    "weekly": ("schedule", "weekdays", "at", "tz"),
    "monthly": ("schedule", "day", "at", "tz"),
    "window": ("schedule", "opens", "closes", "tz"),
}
_TIER_KEYS: Final = ("up_to", "apr")
_TOML_WHERE: Final = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_BARE_KEY: Final = re.compile(r"[A-Za-z0-9_-]+", re.ASCII)


def _join(path: str, key: str) -> str:
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


@cache
def program_presets() -> Mapping[str, Callable[..., Program]]:
    """The presets a program file may name, by name.

    They are the functions of ``softstaking.presets`` that return a ``Program``.

    Examples:
        >>> "kucoin_soft_staking_2019" in program_presets()
        True
    """
    found: dict[str, Callable[..., Program]] = {}
    for name in presets_package.__all__:
        value = getattr(presets_package, name)
        if not inspect.isfunction(value):
            continue
        try:
            returns = typing.get_type_hints(value).get("return")
        except (NameError, TypeError):  # pragma: no cover  (every preset's hints resolve)
            continue
        if returns is Program:
            found[name] = value
    return found


@attrs.frozen
class _Value:
    """A setting as written, with the dotted path of its key."""

    key: str
    raw: object


def _kind(value: object) -> str:
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


class _Reader:
    """Reads one program file; every error names the file and a key."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.name = os.fspath(path)
        self.folder = Path(self.name).parent

    def fail(self, key: str, reason: str) -> typing.NoReturn:
        raise ProgramFileError(self.name, key, reason)

    # -- plain values ------------------------------------------------------------------

    def table(self, v: _Value, allowed: tuple[str, ...]) -> dict[str, _Value]:
        if not isinstance(v.raw, dict):
            self.fail(v.key, f"must be a table, not {_kind(v.raw)} {v.raw!r}")
        out: dict[str, _Value] = {}
        for key, raw in v.raw.items():
            path = _join(v.key, key)
            if key not in allowed:
                self.fail(path, f"unknown key; expected one of {', '.join(allowed)}")
            out[key] = _Value(path, raw)
        return out

    def text(self, v: _Value) -> str:
        if not isinstance(v.raw, str):
            self.fail(v.key, f"must be a string, not {_kind(v.raw)} {v.raw!r}")
        return v.raw

    def boolean(self, v: _Value) -> bool:
        if not isinstance(v.raw, bool):
            self.fail(v.key, f"must be true or false, not {_kind(v.raw)} {v.raw!r}")
        return v.raw

    def integer(self, v: _Value) -> int:
        if isinstance(v.raw, bool) or not isinstance(v.raw, int):
            self.fail(v.key, f"must be an integer, not {_kind(v.raw)} {v.raw!r}")
        return v.raw

    def choice(self, v: _Value, choices: Mapping[str, Any] | tuple[str, ...]) -> Any:  # noqa: ANN401
        text = self.text(v)
        if text not in choices:
            self.fail(v.key, f"unknown value {text!r}; expected one of {', '.join(choices)}")
        return choices[text] if isinstance(choices, Mapping) else text

    def amount(self, v: _Value, name: str) -> Decimal:
        if isinstance(v.raw, float):
            self.fail(
                v.key,
                f"{v.raw!r} is a TOML float, which is not exact: quote the amount, "
                f'such as {name} = "{v.raw!r}"',
            )
        if isinstance(v.raw, bool) or not isinstance(v.raw, str | int):
            self.fail(
                v.key, f'must be an amount such as "0.05" or 100, not {_kind(v.raw)} {v.raw!r}'
            )
        try:
            return parse_amount(v.raw, name=name)
        except FieldError as err:
            self.fail(v.key, str(err))

    def parsed(self, v: _Value, parse: Callable[[str], Any], native: type | None = None) -> Any:  # noqa: ANN401
        if native is not None and isinstance(v.raw, native):
            return v.raw
        text = self.text(v)
        try:
            return parse(text)
        except SoftStakingError as err:
            self.fail(v.key, str(err))

    def wall_time(self, v: _Value) -> time:
        value = self.parsed(v, parse_wall_time, time)
        if value.tzinfo is not None:  # pragma: no cover  (TOML local times have none)
            self.fail(v.key, "must be a wall-clock time without a zone")
        return typing.cast(time, value)

    def zone(self, v: _Value) -> tzinfo:
        return typing.cast(tzinfo, self.parsed(v, parse_zone))

    # -- rates -------------------------------------------------------------------------

    def tiers(self, v: _Value) -> TieredApr:
        if not isinstance(v.raw, list) or not v.raw:
            self.fail(v.key, "tiers must be a non-empty array of {up_to, apr} tables")
        bands: list[tuple[Decimal | None, Decimal]] = []
        for i, raw in enumerate(v.raw):
            band = self.table(_Value(f"{v.key}[{i}]", raw), _TIER_KEYS)
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

    def rate(self, v: _Value) -> Rate:
        if isinstance(v.raw, list):
            return self.tiers(v)
        return self.amount(v, "rate")

    def schedule(self, v: _Value) -> AprSchedule:
        """``rate``: one rate, tiers, or a table of effective day -> rate or tiers."""
        if not isinstance(v.raw, dict):
            return AprSchedule.constant(self.rate(v))
        if not v.raw:
            self.fail(v.key, "a table of rates needs at least one day")
        entries: dict[date, Rate] = {}
        for key, raw in v.raw.items():
            path = _join(v.key, key)
            try:
                day = parse_day(key)
            except FieldError as err:
                self.fail(path, f"a key of a rate table is an effective day: {err}")
            entries[day] = self.rate(_Value(path, raw))
        try:
            return AprSchedule(entries)
        except SoftStakingError as err:  # pragma: no cover  (every part was checked)
            self.fail(v.key, str(err))

    def rates_file(self, v: _Value) -> AprSchedule:
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

    def policy(self, settings: dict[str, _Value], base: AccrualPolicy | None) -> AccrualPolicy:
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
                key = settings.get("policy", _Value("", None)).key
                self.fail(key, 'policy snapshots needs at, such as at = ["09:00", "21:00"]')
            raws = at.raw if isinstance(at.raw, list) else [at.raw]
            times = [self.wall_time(_Value(f"{at.key}[{i}]", raw)) for i, raw in enumerate(raws)]
            try:
                return SnapshotAverage(times)
            except SoftStakingError as err:
                self.fail(at.key, str(err))
        if at is not None:
            self.fail(at.key, f"policy {name} takes no at: it measures the whole day")
        return TimeWeighted() if name == "average" else MinimumBalance()

    def weekdays(self, v: _Value) -> list[int]:
        if not isinstance(v.raw, list):
            self.fail(v.key, 'must be an array of weekdays, such as ["MO", "TH"]')
        days = []
        for i, raw in enumerate(v.raw):
            if raw not in WEEKDAYS:
                self.fail(f"{v.key}[{i}]", f"{raw!r} is not a weekday: {', '.join(WEEKDAYS)}")
            days.append(WEEKDAYS.index(raw))
        return days

    def payout(self, v: _Value, tz: tzinfo) -> PayoutSchedule:
        if not isinstance(v.raw, dict):
            self.fail(v.key, 'must be a table, such as {schedule = "weekly", weekdays = ["MO"]}')
        if "schedule" not in v.raw:
            self.fail(f"{v.key}.schedule", f"missing: one of {', '.join(_PAYOUT_KEYS)}")
        kind = self.choice(_Value(f"{v.key}.schedule", v.raw["schedule"]), tuple(_PAYOUT_KEYS))
        parts = self.table(v, _PAYOUT_KEYS[kind])
        zone = self.zone(parts["tz"]) if "tz" in parts else tz
        at = self.wall_time(parts["at"]) if "at" in parts else time(0)

        def need(key: str) -> _Value:
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

    def changes(self, settings: dict[str, _Value], base: RewardCalculator | None) -> dict[str, Any]:
        """The calculator's keyword settings the file gives (all but token and schedule)."""
        out: dict[str, Any] = {}
        if "policy" in settings or "at" in settings:
            out["policy"] = self.policy(settings, None if base is None else base.policy)
        if "tz" in settings:
            out["tz"] = self.zone(settings["tz"])
        if "day_offset" in settings:
            out["day_offset"] = self.parsed(settings["day_offset"], parse_offset)
        if "day_count" in settings:
            out["day_count"] = self.choice(settings["day_count"], DAY_COUNTS)
        for name in ("min_holding", "min_payout"):
            if name in settings:
                out[name] = self.amount(settings[name], name)
        if "cap" in settings:
            out["cap"] = self.amount(settings["cap"], "cap")
            if out["cap"] == 0:
                self.fail(settings["cap"].key, "cap must be above zero (leave it out for none)")
        if "dust" in settings:
            out["dust"] = self.choice(settings["dust"], _DUSTS)
        if "compound" in settings:
            out["compound"] = self.boolean(settings["compound"])
        out.update(self.payout_changes(settings, out.get("tz"), base))
        return out

    def payout_changes(
        self, settings: dict[str, _Value], tz: tzinfo | None, base: RewardCalculator | None
    ) -> dict[str, Any]:
        """``payout_delay`` and ``payout``: either replaces the other (a preset's too)."""
        out: dict[str, Any] = {}
        if "payout_delay" in settings:
            out["payout_delay"] = self.parsed(settings["payout_delay"], parse_duration)
            if base is not None:
                out["payout_schedule"] = None
        if "payout" in settings:
            zone = tz or (UTC if base is None else base.tz)
            out["payout_schedule"] = self.payout(settings["payout"], zone)
            if out.setdefault("payout_delay", timedelta(0)):
                self.fail(
                    settings["payout_delay"].key,
                    "payout_delay and payout are exclusive: the schedule says when each "
                    "day is paid; leave payout_delay out",
                )
        return out

    def token_settings(
        self, symbol: str, token: _Value, defaults: dict[str, _Value]
    ) -> dict[str, _Value]:
        """A token's settings: its own, then the defaults it does not override."""
        own = self.table(token, TOKEN_KEYS)
        for pair in (own, defaults):
            if "rate" in pair and "rates" in pair:
                self.fail(pair["rates"].key, "give rate or rates, not both")
        merged = dict(own)
        for key, value in defaults.items():
            if key in ("rate", "rates") and ("rate" in own or "rates" in own):
                continue  # the token's rates replace the defaults' in either form
            if key == "at" and "at" not in own and not _takes_at(merged, defaults):
                continue  # the token's policy measures the whole day
            merged.setdefault(key, value)
        if "rate" not in merged and "rates" not in merged:
            self.fail(f"{token.key}.rate", f"missing: give {symbol}'s rate or a rates file")
        return merged

    def schedule_of(self, settings: dict[str, _Value]) -> AprSchedule:
        if "rates" in settings:
            return self.rates_file(settings["rates"])
        return self.schedule(settings["rate"])

    def decimals(self, symbol: str, settings: dict[str, _Value], key: str) -> Token:
        if "decimals" not in settings:
            self.fail(f"{key}.decimals", f"missing: how many decimals {symbol} has")
        v = settings["decimals"]
        decimals = self.integer(v)
        try:
            return Token(symbol, decimals)
        except SoftStakingError as err:
            self.fail(v.key, str(err))

    # -- the file ----------------------------------------------------------------------

    def read(self) -> Program:
        try:
            with open(self.name, "rb") as stream:
                document = tomllib.load(stream)
        except tomllib.TOMLDecodeError as err:
            message = str(err)
            found = _TOML_WHERE.search(message)
            if found is None:
                raise ProgramFileError(self.name, "", f"invalid TOML: {message}") from None
            reason = f"invalid TOML: {message[: found.start()]}"
            line, column = int(found.group(1)), int(found.group(2))
            raise ProgramFileError(self.name, "", reason, line=line, column=column) from None
        except UnicodeDecodeError as err:
            raise ProgramFileError(self.name, "", f"not UTF-8 text: {err}") from None
        top = self.table(_Value("", document), PROGRAM_KEYS)
        defaults = self.table(top["defaults"], TOKEN_KEYS) if "defaults" in top else {}
        if "tokens" not in top:
            self.fail("tokens", "missing: a program needs at least one [tokens.SYMBOL] table")
        raw_tokens = top["tokens"].raw
        tokens = self.table(
            top["tokens"], tuple(raw_tokens) if isinstance(raw_tokens, dict) else ()
        )
        if not tokens:
            self.fail("tokens", "a program needs at least one token")
        settings = {s: self.token_settings(s, v, defaults) for s, v in tokens.items()}
        rules = self.rules(top)
        if "preset" in top:
            return self.from_preset(top["preset"], settings, tokens, rules)
        calcs = []
        for symbol, own in settings.items():
            key = tokens[symbol].key
            token = self.decimals(symbol, own, key)
            schedule = self.schedule_of(own)
            changes = self.changes(own, None)
            try:
                calcs.append(RewardCalculator(token, schedule, **changes))
            except SoftStakingError as err:
                self.fail(key, str(err))
        return self.program(lambda: Program(calcs, **rules))

    def rules(self, top: dict[str, _Value]) -> dict[str, Any]:
        """The program's own settings that the file gives."""
        out: dict[str, Any] = {}
        if "frozen_earns" in top:
            out["frozen_earns"] = self.boolean(top["frozen_earns"])
        for name in ("deposits", "activation"):
            if name in top:
                out[name] = self.choice(top[name], EARNING_STARTS)
        if "kind_roles" in top:
            v = top["kind_roles"]
            roles = self.table(v, tuple(v.raw) if isinstance(v.raw, dict) else ())
            out["kind_roles"] = {kind: self.kind_role(kind, role) for kind, role in roles.items()}
        return out

    def kind_role(self, kind: str, v: _Value) -> str:
        role = self.text(v)
        if kind in POCKET_KINDS:
            self.fail(v.key, f"{kind!r} is already a pocket kind; map your own kinds only")
        if role not in POCKET_KINDS:
            self.fail(
                v.key, f"unknown role {role!r}; expected one of {', '.join(sorted(POCKET_KINDS))}"
            )
        return role

    def program(self, build: Callable[[], Program]) -> Program:
        try:
            return build()
        except SoftStakingError as err:  # pragma: no cover  (every part was checked)
            self.fail("", str(err))

    def from_preset(
        self,
        v: _Value,
        settings: dict[str, dict[str, _Value]],
        tokens: dict[str, _Value],
        rules: dict[str, Any],
    ) -> Program:
        """A preset's program with the file's rates, then the file's overrides."""
        name = self.text(v)
        presets = program_presets()
        if name not in presets:
            self.fail(v.key, f"unknown preset {name!r}; expected one of {', '.join(presets)}")
        build = presets[name]
        rates = {symbol: self.schedule_of(own) for symbol, own in settings.items()}
        extra: dict[str, Any] = {}
        for parameter in list(inspect.signature(build).parameters.values())[1:]:
            if parameter.default is not inspect.Parameter.empty:
                continue
            if parameter.name == "minimums":
                extra["minimums"] = {
                    s: self.amount(self.needed(own, "min_holding", tokens[s], name), "min_holding")
                    for s, own in settings.items()
                }
            elif parameter.name == "caps":
                extra["caps"] = {
                    s: self.amount(own["cap"], "cap") if "cap" in own else None
                    for s, own in settings.items()
                }
            else:  # pragma: no cover  (no preset has another required setting)
                self.fail(v.key, f"preset {name} needs {parameter.name}, which a file cannot give")
        try:
            program = build(rates, **extra)
        except SoftStakingError as err:
            self.fail(v.key, str(err))
        calcs = []
        for symbol, calc in program.calculators.items():
            own, key = settings[symbol], tokens[symbol].key
            changes = self.changes(own, calc)
            if "decimals" in own:
                changes["token"] = self.decimals(symbol, own, key)
            try:
                calcs.append(attrs.evolve(calc, **changes))
            except SoftStakingError as err:
                self.fail(key, str(err))
        return self.program(lambda: attrs.evolve(program, calculators=calcs, **rules))

    def needed(self, own: dict[str, _Value], name: str, token: _Value, preset: str) -> _Value:
        if name not in own:
            self.fail(f"{token.key}.{name}", f"missing: preset {preset} needs each token's {name}")
        return own[name]


def _takes_at(own: dict[str, _Value], defaults: dict[str, _Value]) -> bool:
    """Whether the policy a token ends up with reads snapshot times."""
    chosen = own.get("policy", defaults.get("policy"))
    return chosen is None or chosen.raw in ("snapshot", "snapshots")


def read_program(path: str | os.PathLike[str]) -> Program:
    """A ``Program`` from a TOML program file.

    Args:
        path: The program file. A ``rates`` file it names is read relative to it.

    Raises:
        ProgramFileError: If the file is not valid TOML (naming the line and column), or
            a key is unknown, missing or has a wrong value (naming its dotted path, such
            as ``tokens.IOTX.cap``), or a rates file is missing or has bad rows.
        OSError: If the program file itself cannot be opened.
    """
    return _Reader(path).read()
