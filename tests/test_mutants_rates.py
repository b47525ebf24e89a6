"""Rate behaviour that mutation testing (tools/mutation.py) found no test stating.

Each case here failed against a mutant of ``softstaking.core.rates``. The messages and the
``band`` of an ``InvalidBandError`` are the library's contract for bad bands: the error
names the band at fault by its index in the list given.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from softstaking import (
    InvalidBandError,
    InvalidInputError,
    InvalidTypeError,
    ScaledApr,
    StackedApr,
    TieredApr,
    WholeBalanceTiers,
)
from softstaking.core.rates import to_rate

BAD_BANDS: list[tuple[Callable[[], object], str, int | None]] = [
    (
        lambda: TieredApr([(5, "0.1"), (None, "0.1"), (None, "0.2")]),
        "TieredApr band 1 is open (up_to=None), but only the last band may be",
        1,
    ),
    (
        lambda: WholeBalanceTiers([(5, "0.1"), (None, "0.1"), (7, "0.2")]),
        "WholeBalanceTiers band 1 is open (up_to=None), but only the last band may be",
        1,
    ),
    (
        lambda: TieredApr([(5, "0.1"), (7, "0.1"), (7, "0.2"), (None, "0")]),
        "TieredApr band 2: up_to must be above the previous band's bound (7), got 7",
        2,
    ),
    (
        lambda: TieredApr([(0, "0.1"), (None, "0")]),
        "TieredApr band 0: up_to must be above the previous band's bound (0), got 0",
        0,
    ),
    (lambda: TieredApr([]), "TieredApr needs at least one band", None),
    (
        lambda: WholeBalanceTiers([(5, "0.1"), (7, "0.2"), (9, "0.3")]),
        "WholeBalanceTiers's last band must have up_to=None, so every balance has a rate; "
        "got up_to=9. Use the calculator's cap to stop earning above a bound.",
        2,
    ),
]


class TestBandErrors:
    @pytest.mark.parametrize(("make", "message", "band"), BAD_BANDS)
    def test_a_bad_band_is_named_by_its_index(
        self, make: Callable[[], object], message: str, band: int | None
    ) -> None:
        """The message names the tiers' kind and the band; ``band`` is its index."""
        with pytest.raises(InvalidBandError) as caught:
            make()
        assert str(caught.value) == message
        assert caught.value.band == band

    @pytest.mark.parametrize(
        ("make", "message"),
        [
            (
                lambda: TieredApr("5"),  # type: ignore[arg-type]
                "TieredApr takes a list of (up_to, apr) pairs, the last with up_to=None",
            ),
            (
                lambda: WholeBalanceTiers(5),  # type: ignore[arg-type]
                "WholeBalanceTiers takes a list of (up_to, apr) pairs, the last with up_to=None",
            ),
            (
                lambda: TieredApr([(5, "0.1"), (None,)]),  # type: ignore[list-item]
                "TieredApr band 1 must be an (up_to, apr) pair, not (None,)",
            ),
            (
                lambda: TieredApr([(5, "0.1"), [None, "0", "1"]]),  # type: ignore[list-item]
                "TieredApr band 1 must be an (up_to, apr) pair, not [None, '0', '1']",
            ),
            (
                lambda: TieredApr([(5, "0.1"), "ab"]),  # type: ignore[list-item]
                "TieredApr band 1 must be an (up_to, apr) pair, not 'ab'",
            ),
            (lambda: StackedApr("0.1"), "StackedApr takes a list of rates, such as [base, bonus]"),
            (lambda: StackedApr(7), "StackedApr takes a list of rates, such as [base, bonus]"),  # type: ignore[arg-type]
        ],
    )
    def test_a_value_of_the_wrong_shape_is_refused_by_name(
        self, make: Callable[[], object], message: str
    ) -> None:
        """Not a list of pairs, or a band not a pair of two: a type error saying which."""
        with pytest.raises(InvalidTypeError) as caught:
            make()
        assert str(caught.value) == message

    @pytest.mark.parametrize(
        ("make", "start"),
        [
            (lambda: TieredApr([(5, "-0.1"), (None, "0")]), "TieredApr band 0 apr must not be"),
            (lambda: TieredApr([(5, "0"), ("-1", "0")]), "TieredApr band 1 up_to must not be"),
            (lambda: WholeBalanceTiers([(None, "-1")]), "WholeBalanceTiers band 0 apr must not"),
            (lambda: StackedApr([]), "StackedApr needs at least one layer"),
            (lambda: StackedApr(["0.1", "-1"]), "StackedApr layer 1 must not be negative"),
            (lambda: ScaledApr("-1", factor=1), "ScaledApr rate must not be negative"),
            (lambda: ScaledApr("1", factor="-1"), "ScaledApr factor must not be negative"),
            (lambda: to_rate("-0.01"), "rate must not be negative"),
            (lambda: to_rate(Decimal("-0.01")), "rate must not be negative"),
            (lambda: to_rate("x", name="bonus"), "bonus must be a decimal number"),
        ],
    )
    def test_a_bad_amount_is_named_as_its_place(
        self, make: Callable[[], object], start: str
    ) -> None:
        """An amount is named by where it was given; a Decimal rate is checked like any."""
        with pytest.raises(InvalidInputError) as caught:
            make()
        assert str(caught.value).startswith(start)


class TestBoundaries:
    def test_a_whole_balance_tier_includes_its_bound(self) -> None:
        """Method A: a balance equal to ``up_to`` is in that band (the docstring's bank)."""
        bank = WholeBalanceTiers([(Decimal("999.99"), "0.01"), (None, "0.02")])
        assert bank.blended_rate(Decimal("999.99")) == Decimal("0.01")
        assert bank.annual_reward(Decimal("999.99")) == Decimal("9.9999")

    def test_a_marginal_tier_at_its_bound_earns_its_own_rate_only(self) -> None:
        """Method B at a bound: 2,000 × 10 % is 200.0; the band above has no part of it."""
        tiers = TieredApr([(2000, "0.1"), (None, "0.085")])
        reward = tiers.annual_reward(Decimal(2000))
        assert reward == Decimal("200.0")
        assert reward.as_tuple().exponent == -1  # 2000 × 0.1 to the digit, no 0 × 0.085 term

    def test_at_zero_marginal_tiers_blend_to_the_first_bands_rate(self) -> None:
        """The rate the first unit would earn."""
        tiers = TieredApr([(10, "0.03"), (20, "0.02"), (None, "0.01")])
        assert tiers.blended_rate(Decimal(0)) == Decimal("0.03")

    def test_a_scaled_tiered_rate_scales_what_the_tiers_give(self) -> None:
        """HTX's 9,000 USDT earning 640 a year, at 85 %: 544 a year, 544 / 9,000 blended."""
        htx = TieredApr([(2000, "0.10"), (5000, "0.08"), (None, "0.05")])
        scaled = ScaledApr(htx, factor="0.85")
        assert scaled.annual_reward(Decimal(9000)) == 544
        assert scaled.blended_rate(Decimal(0)) == Decimal("0.085")

    def test_a_stack_blends_to_its_reward_over_the_balance(self) -> None:
        """The docstring's stack earns 35 a year on 1,000: a blended rate of 3.5 %."""
        stack = StackedApr(["0.01", TieredApr([(500, "0.05"), (None, "0")])])
        assert stack.blended_rate(Decimal(1000)) == Decimal("0.035")
