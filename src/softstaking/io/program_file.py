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
import os
import re
import tomllib
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, timedelta, tzinfo
from functools import cache
from typing import Any, Final

import attrs

import softstaking.presets as presets_package
from softstaking.core.calculator import RewardCalculator
from softstaking.core.errors import SoftStakingError
from softstaking.core.schedules import AprSchedule
from softstaking.core.tokens import Token
from softstaking.io.program_values import (
    DAY_COUNTS,
    DUSTS,
    EARNING_STARTS,
    PROGRAM_KEYS,
    TOKEN_KEYS,
    ProgramFileError,
    Setting,
    ValueReader,
)
from softstaking.io.values import parse_duration, parse_offset
from softstaking.programs.eligibility import POCKET_KINDS
from softstaking.programs.program import Program

__all__ = ["program_presets", "read_program"]

_TOML_WHERE: Final = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


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


class _Reader(ValueReader):
    """Reads one program file's structure: tokens, defaults, rules and presets."""

    def changes(
        self, settings: dict[str, Setting], base: RewardCalculator | None
    ) -> dict[str, Any]:
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
            out["dust"] = self.choice(settings["dust"], DUSTS)
        if "compound" in settings:
            out["compound"] = self.boolean(settings["compound"])
        out.update(self.payout_changes(settings, out.get("tz"), base))
        return out

    def payout_changes(
        self, settings: dict[str, Setting], tz: tzinfo | None, base: RewardCalculator | None
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
        self, symbol: str, token: Setting, defaults: dict[str, Setting]
    ) -> dict[str, Setting]:
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

    def schedule_of(self, settings: dict[str, Setting]) -> AprSchedule:
        if "rates" in settings:
            return self.rates_file(settings["rates"])
        return self.schedule(settings["rate"])

    def decimals(self, symbol: str, settings: dict[str, Setting], key: str) -> Token:
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
        top = self.table(Setting("", document), PROGRAM_KEYS)
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

    def rules(self, top: dict[str, Setting]) -> dict[str, Any]:
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

    def kind_role(self, kind: str, v: Setting) -> str:
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
        v: Setting,
        settings: dict[str, dict[str, Setting]],
        tokens: dict[str, Setting],
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

    def needed(self, own: dict[str, Setting], name: str, token: Setting, preset: str) -> Setting:
        if name not in own:
            self.fail(f"{token.key}.{name}", f"missing: preset {preset} needs each token's {name}")
        return own[name]


def _takes_at(own: dict[str, Setting], defaults: dict[str, Setting]) -> bool:
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
