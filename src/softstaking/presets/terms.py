"""What the publishers' presets share: rates, per-token terms and the builders.

The presets of every publisher take their rates as ``Rates`` and build their
calculators with ``soft_staking_calculators``; the exchanges pay rewards in
``EXCHANGE_DECIMALS`` decimals unless told otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, timedelta, tzinfo
from decimal import Decimal
from typing import Final, TypeAlias

import attrs

from softstaking.core.amounts import AmountLike, to_amount
from softstaking.core.calculator import RewardCalculator
from softstaking.core.errors import InvalidInputError, InvalidTypeError
from softstaking.core.policies import AccrualPolicy, TimeWeighted
from softstaking.core.schedules import AprSchedule, RateLike
from softstaking.core.tokens import Token
from softstaking.programs.eligibility import EarningStart
from softstaking.programs.program import Program

__all__ = [
    "EXCHANGE_DECIMALS",
    "Rates",
    "TokenTerms",
    "check_keys",
    "lookup",
    "rate_schedule",
    "rate_schedules",
    "soft_staking_calculators",
    "utc_daily_average",
]

Rates: TypeAlias = Mapping[str, AprSchedule | RateLike]
"""Each token's rate, by symbol: a schedule, or one rate for every day."""

EXCHANGE_DECIMALS: Final = 8
"""The decimals the exchanges' presets pay rewards in by default."""


def _to_apr(value: AmountLike) -> Decimal:
    return to_amount(value, name="TokenTerms.apr")


def _to_min_holding(value: AmountLike) -> Decimal:
    return to_amount(value, name="TokenTerms.min_holding")


def _to_cap(value: AmountLike | None) -> Decimal | None:
    return None if value is None else to_amount(value, name="TokenTerms.cap")


@attrs.frozen
class TokenTerms:
    """One row of a program's published per-token table.

    Attributes:
        apr: The annual rate as a fraction (``Decimal("0.0132")`` is 1.32 %); a
            Decimal, int or str at or above zero (floats are refused).
        min_holding: The least balance that earns, at or above zero.
        cap: The most that earns; above it earns nothing more. None for no cap.
    """

    apr: Decimal = attrs.field(converter=_to_apr)
    min_holding: Decimal = attrs.field(converter=_to_min_holding)
    cap: Decimal | None = attrs.field(converter=_to_cap)


def rate_schedule(symbol: str, rate: object) -> AprSchedule:
    """One token's rate as a schedule: a schedule as is, a rate as a constant one."""
    if isinstance(rate, AprSchedule):
        return rate
    if isinstance(rate, float):
        to_amount(rate, name=f"rate of {symbol}")  # raises the helpful float error
    return AprSchedule.constant(rate)  # type: ignore[arg-type]


def rate_schedules(rates: Rates) -> dict[str, AprSchedule]:
    """Each token's schedule, by symbol; refuses a non-mapping or an empty one."""
    if not isinstance(rates, Mapping):
        msg = f"rates must be a mapping {{symbol: AprSchedule or rate}}, not {type(rates).__name__}"
        raise InvalidTypeError(msg)
    if not rates:
        msg = "rates must name at least one token"
        raise InvalidInputError(msg)
    return {symbol: rate_schedule(symbol, rate) for symbol, rate in rates.items()}


def check_keys(table: Mapping[str, object] | None, rates: Rates, what: str) -> None:
    """Refuse keys of ``table`` that name no token in ``rates`` (a typo, most likely)."""
    if table is None:
        return
    for symbol in table:
        if symbol not in rates:
            msg = (
                f"{what} names {symbol!r}, which has no rate: "
                f"rates has {', '.join(sorted(map(str, rates)))}"
            )
            raise InvalidInputError(msg)


def lookup(table: Mapping[str, AmountLike | None], symbol: str, what: str) -> AmountLike | None:
    """The entry of ``symbol`` in ``table``; a missing one raises, naming the ``what``."""
    if symbol not in table:
        msg = f"no {what} for {symbol!r}: the table has {', '.join(sorted(table))}"
        raise InvalidInputError(msg)
    return table[symbol]


def soft_staking_calculators(
    rates: Rates,
    *,
    tz: tzinfo,
    policy: AccrualPolicy,
    minimums: Mapping[str, AmountLike] | None,
    caps: Mapping[str, AmountLike | None] | None,
    decimals: int,
    payout_delay: timedelta,
    min_payout: AmountLike = 0,
) -> list[RewardCalculator]:
    """One calculator per token of ``rates``, with its minimum and cap from the tables."""
    calcs = []
    for symbol, schedule in rate_schedules(rates).items():
        min_holding = 0 if minimums is None else lookup(minimums, symbol, "minimum holding")
        cap = None if caps is None else lookup(caps, symbol, "cap")
        calcs.append(
            RewardCalculator(
                Token(symbol, decimals),
                schedule,
                policy,
                tz=tz,
                min_holding=min_holding or 0,
                cap=cap,
                payout_delay=payout_delay,
                min_payout=min_payout,
            )
        )
    return calcs


def utc_daily_average(
    rates: Rates,
    minimums: Mapping[str, AmountLike],
    caps: Mapping[str, AmountLike | None] | None,
    decimals: int,
    *,
    frozen_earns: bool,
) -> Program:
    """Binance's and Gate's shape: UTC days, daily average, paid by 08:00 UTC next day."""
    calcs = soft_staking_calculators(
        rates,
        tz=UTC,
        policy=TimeWeighted(),
        minimums=minimums,
        caps=caps,
        decimals=decimals,
        payout_delay=timedelta(hours=8),
    )
    return Program(calcs, frozen_earns=frozen_earns, activation=EarningStart.NEXT_DAY)
