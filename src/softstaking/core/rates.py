"""Annual rates: flat, tiered two ways, stacked in layers, and scaled by a haircut.

A rate is either a ``Decimal`` APR as a fraction (``Decimal("0.05")`` is
5 %) or any object with the two methods of ``RateModel``: ``annual_reward(balance)``
(a year's reward on a balance) and ``blended_rate(balance)`` (the one flat rate that
earns the same). The library ships four models:

* ``TieredApr``: marginal bands, each band's rate on the part of the balance inside
  it (Regulation DD's Method B; what exchanges call tiered APR);
* ``WholeBalanceTiers``: the rate of the band the balance falls in, on the whole
  balance (Regulation DD's Method A);
* ``StackedApr``: layers that add up, such as a base APR plus a bonus tiered APR;
* ``ScaledApr``: a rate times a factor, such as OKX paying 85 % of the APY.

Sums and products are exact under the library's context; only a blended rate (a
division) rounds, half-even at its 100 significant digits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Protocol, TypeAlias, runtime_checkable

import attrs

from softstaking.core.amounts import CONTEXT, ZERO, AmountLike, to_amount
from softstaking.core.errors import InvalidBandError, InvalidInputError, InvalidTypeError

__all__ = [
    "Rate",
    "RateLike",
    "RateModel",
    "ScaledApr",
    "StackedApr",
    "TieredApr",
    "WholeBalanceTiers",
    "annual_reward",
    "blended_rate",
    "to_rate",
]


@runtime_checkable
class RateModel(Protocol):
    """A rate that depends on the balance.

    ``annual_reward(balance)`` is a year's reward on ``balance`` and ``blended_rate(balance)``
    the single flat rate that earns the same (what ``apr``
    reports); at a zero balance, the rate the first unit would earn.
    """

    def annual_reward(self, balance: Decimal) -> Decimal:
        """A year's reward on ``balance``."""
        ...

    def blended_rate(self, balance: Decimal) -> Decimal:
        """The flat rate that earns the same on ``balance``."""
        ...


Rate: TypeAlias = Decimal | RateModel
"""An annual rate: a flat APR as a fraction, or a ``RateModel`` such as tiers."""

RateLike: TypeAlias = AmountLike | RateModel
"""What the library accepts as a rate: an amount (``"0.05"``) or a ``RateModel``."""


def to_rate(value: object, *, name: str = "rate") -> Rate:
    """Check a rate: a ``RateModel`` as it is, else a non-negative exact amount.

    Examples:
        >>> to_rate("0.05")
        Decimal('0.05')
    """
    if isinstance(value, RateModel) and not isinstance(value, Decimal):
        return value
    return to_amount(value, name=name)


def annual_reward(rate: Rate, balance: Decimal) -> Decimal:
    """A year's reward on ``balance`` at ``rate``, flat or a model.

    Examples:
        >>> annual_reward(Decimal("0.05"), Decimal(1000))
        Decimal('50.00')
    """
    if isinstance(rate, Decimal):
        return CONTEXT.multiply(balance, rate)
    return rate.annual_reward(balance)


def blended_rate(rate: Rate, balance: Decimal) -> Decimal:
    """The flat rate that earns what ``rate`` earns on ``balance``."""
    if isinstance(rate, Decimal):
        return rate
    return rate.blended_rate(balance)


_Bands: TypeAlias = tuple[tuple[Decimal | None, Decimal], ...]


def _check_bands(value: Iterable[tuple[AmountLike | None, AmountLike]], kind: str) -> _Bands:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        msg = f"{kind} takes a list of (up_to, apr) pairs, the last with up_to=None"
        raise InvalidTypeError(msg)
    bands: list[tuple[Decimal | None, Decimal]] = []
    for i, pair in enumerate(value):
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            msg = f"{kind} band {i} must be an (up_to, apr) pair, not {pair!r}"
            raise InvalidTypeError(msg)
        raw_up_to, raw_apr = pair
        apr = to_amount(raw_apr, name=f"{kind} band {i} apr")
        if raw_up_to is None:
            if bands and bands[-1][0] is None:
                msg = f"{kind} band {i - 1} is open (up_to=None), but only the last band may be"
                raise InvalidBandError(msg, band=i - 1)
            bands.append((None, apr))
            continue
        up_to = to_amount(raw_up_to, name=f"{kind} band {i} up_to")
        previous = bands[-1][0] if bands else ZERO
        if previous is None:
            msg = f"{kind} band {i - 1} is open (up_to=None), but only the last band may be"
            raise InvalidBandError(msg, band=i - 1)
        if up_to <= previous:
            msg = (
                f"{kind} band {i}: up_to must be above the previous band's bound "
                f"({previous}), got {up_to}"
            )
            raise InvalidBandError(msg, band=i)
        bands.append((up_to, apr))
    if not bands:
        msg = f"{kind} needs at least one band"
        raise InvalidBandError(msg, band=None)
    if bands[-1][0] is not None:
        msg = (
            f"{kind}'s last band must have up_to=None, so every balance has a rate; "
            f"got up_to={bands[-1][0]}. Use the calculator's cap to stop earning above "
            "a bound."
        )
        raise InvalidBandError(msg, band=len(bands) - 1)
    return tuple(bands)


def _to_marginal_bands(value: Iterable[tuple[AmountLike | None, AmountLike]]) -> _Bands:
    return _check_bands(value, "TieredApr")


def _to_whole_bands(value: Iterable[tuple[AmountLike | None, AmountLike]]) -> _Bands:
    return _check_bands(value, "WholeBalanceTiers")


@attrs.frozen
class TieredApr:
    """Marginal tiers: each band's rate applies to the part of the balance inside it.

    Regulation DD calls this Method B. A band covers the balances above the previous
    band's bound up to and including its own ``up_to``.

    Attributes:
        bands: ``(up_to, apr)`` pairs with rising bounds; the last has ``up_to=None``
            and covers everything above the one before.

    HTX's published example: 9,000 USDT at 10 % up to 2,000, 8 % up to 5,000 and 5 %
    above earns 2,000 × 10 % + 3,000 × 8 % + 4,000 × 5 % = 640 a year.

    Examples:
        >>> htx = TieredApr([(2000, "0.10"), (5000, "0.08"), (None, "0.05")])
        >>> htx.annual_reward(Decimal(9000))
        Decimal('640.00')
        >>> htx.blended_rate(Decimal(9000))
        Decimal('0.07111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111')
    """

    bands: tuple[tuple[Decimal | None, Decimal], ...] = attrs.field(converter=_to_marginal_bands)

    def annual_reward(self, balance: Decimal) -> Decimal:
        """A year's reward on ``balance``: the sum over bands of the part inside × its rate.

        Exact for balances given to the base unit; an average balance carrying the
        library's full precision rounds half-even at that precision.
        """
        total = ZERO
        lower = ZERO
        for up_to, apr in self.bands:
            if up_to is None or balance <= up_to:
                part = CONTEXT.subtract(balance, lower)
                return CONTEXT.add(total, CONTEXT.multiply(part, apr))
            total = CONTEXT.add(total, CONTEXT.multiply(CONTEXT.subtract(up_to, lower), apr))
            lower = up_to
        raise AssertionError("unreachable: the last band is open")  # pragma: no cover

    def blended_rate(self, balance: Decimal) -> Decimal:
        """The single rate that earns the same on ``balance``; the first band's at zero."""
        if balance == ZERO:
            return self.bands[0][1]
        return CONTEXT.divide(self.annual_reward(balance), balance)


@attrs.frozen
class WholeBalanceTiers:
    """Whole-balance tiers: the rate of the band the balance falls in, on all of it.

    Regulation DD calls this Method A. _Bands are written as for ``TieredApr``: a
    band covers the balances above the previous band's bound up to and including its
    own ``up_to``. Unlike marginal tiers, crossing a bound changes the rate of every
    unit, so a balance just above a bound can earn less than one just below it when the
    higher band's rate is lower.

    Attributes:
        bands: ``(up_to, apr)`` pairs with rising bounds; the last has ``up_to=None``.

    Examples:
        >>> bank = WholeBalanceTiers([(Decimal("999.99"), "0.01"), (None, "0.02")])
        >>> bank.annual_reward(Decimal(500)), bank.annual_reward(Decimal(2000))
        (Decimal('5.00'), Decimal('40.00'))
    """

    bands: tuple[tuple[Decimal | None, Decimal], ...] = attrs.field(converter=_to_whole_bands)

    def blended_rate(self, balance: Decimal) -> Decimal:
        """The rate of the band ``balance`` falls in; the first band's at zero."""
        for up_to, apr in self.bands:
            if up_to is None or balance <= up_to:
                return apr
        raise AssertionError("unreachable: the last band is open")  # pragma: no cover

    def annual_reward(self, balance: Decimal) -> Decimal:
        """``balance`` × the rate of its band, exactly."""
        return CONTEXT.multiply(balance, self.blended_rate(balance))


def _to_layers(value: Iterable[RateLike]) -> tuple[Rate, ...]:
    if isinstance(value, (str, bytes, Decimal, Mapping)) or not isinstance(value, Iterable):
        msg = "StackedApr takes a list of rates, such as [base, bonus]"
        raise InvalidTypeError(msg)
    layers = tuple(to_rate(layer, name=f"StackedApr layer {i}") for i, layer in enumerate(value))
    if not layers:
        msg = "StackedApr needs at least one layer"
        raise InvalidInputError(msg)
    return layers


@attrs.frozen
class StackedApr:
    """Layers of rates that add up: a year's reward is the sum of each layer's.

    Binance Simple Earn pays a real-time APR on the whole balance plus a bonus tiered
    APR on the first part of it; each layer is any rate, flat or a model.

    Attributes:
        layers: The rates, one per layer.

    Examples:
        >>> bonus = TieredApr([(500, "0.05"), (None, "0")])
        >>> s = StackedApr(["0.01", bonus])
        >>> s.annual_reward(Decimal(1000))
        Decimal('35.00')
        >>> s.blended_rate(Decimal(0))
        Decimal('0.06')
    """

    layers: tuple[Rate, ...] = attrs.field(converter=_to_layers)

    def annual_reward(self, balance: Decimal) -> Decimal:
        """The sum of each layer's annual reward on ``balance``."""
        total = ZERO
        for layer in self.layers:
            total = CONTEXT.add(total, annual_reward(layer, balance))
        return total

    def blended_rate(self, balance: Decimal) -> Decimal:
        """The single rate that earns the same; at zero, the sum of the layers' rates."""
        if balance == ZERO:
            total = ZERO
            for layer in self.layers:
                total = CONTEXT.add(total, blended_rate(layer, ZERO))
            return total
        return CONTEXT.divide(self.annual_reward(balance), balance)


def _to_inner(value: RateLike) -> Rate:
    return to_rate(value, name="ScaledApr rate")


def _to_factor(value: AmountLike) -> Decimal:
    return to_amount(value, name="ScaledApr factor")


@attrs.frozen
class ScaledApr:
    """A rate multiplied by a factor: a fee, a haircut or a boost.

    OKX Simple Earn pays hourly interest = principal × APY / 365 / 24 × 0.85, that is
    85 % of the quoted rate: ``ScaledApr(apy, factor="0.85")``. A 50 % boost is
    ``factor="1.5"``.

    Attributes:
        rate: The rate before scaling, flat or a model.
        factor: What it is multiplied by; not negative.

    Examples:
        >>> okx = ScaledApr("0.10", factor="0.85")
        >>> okx.annual_reward(Decimal(1000)), okx.blended_rate(Decimal(1000))
        (Decimal('85.0000'), Decimal('0.0850'))
    """

    rate: Rate = attrs.field(converter=_to_inner)
    factor: Decimal = attrs.field(kw_only=True, converter=_to_factor)

    def annual_reward(self, balance: Decimal) -> Decimal:
        """The inner rate's annual reward × ``factor``."""
        return CONTEXT.multiply(annual_reward(self.rate, balance), self.factor)

    def blended_rate(self, balance: Decimal) -> Decimal:
        """The inner rate's blended rate × ``factor``."""
        return CONTEXT.multiply(blended_rate(self.rate, balance), self.factor)
