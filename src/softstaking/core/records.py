"""The per-day reward record, and its explanation.

``DailyReward.explain()`` does a day's arithmetic from the record alone;
``softstaking.explain_day`` reruns the calculator to fill in the balance's history too.
Both give an ``Explanation``, defined here beside the record it explains.
"""

from __future__ import annotations

import decimal
from collections import deque
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from itertools import repeat

import attrs

from softstaking.core.amounts import CONTEXT, EXACT, ZERO
from softstaking.core.days import DayWindow
from softstaking.core.errors import InvalidInputError
from softstaking.core.rates import TieredApr
from softstaking.core.timeline import BalanceEvent
from softstaking.core.tokens import Token

__all__ = ["DailyReward", "Explanation", "from_record", "reward_maker", "rewards_builder"]


def _fmt(amount: Decimal) -> str:
    """Fixed-point, every digit; a zero is written ``0`` whatever its exponent."""
    return f"{amount:f}" if amount else "0"


def _signed(amount: Decimal) -> str:
    return f"{amount:+f}"


@attrs.frozen
class DailyReward:
    """What one account earned on one day, and how.

    Attributes:
        day: The accrual day.
        balance: The balance the policy measured.
        eligible: The balance that earns, after the minimum holding and the cap.
        apr: The annual rate applied; for tiers, the blended rate on ``eligible``.
        gross: The day's reward before rounding to base units: ``eligible × apr`` over
            the day count's year, rounded half-even to the token's ``gross_quantum``.
        paid: What is credited: a whole number of base units.
        carry: Owed but not yet paid after this day, carried to the next.
        payout_at: When ``paid`` is credited: the end of the day plus ``payout_delay``,
            or the payout that covers the day under ``payout_schedule``. A file written
            by ``softstaking.io`` keeps it as an ISO 8601 time with its UTC offset
            (seconds too, such as ``+05:30:15``) and reads back equal, with one caveat:
            in a DST fold (``fold=1`` in a named zone, such as 01:30 on the night the
            clocks go back) Python never counts an aware datetime equal to one in another
            zone, so the value read back (a fixed offset) names the same instant but is
            not ``==``; compare ``.timestamp()`` or ``astimezone(UTC)`` there.
        forfeited: The sub-unit rest given up this day, with ``Dust.FORFEIT``; else zero.
    """

    day: date
    balance: Decimal
    eligible: Decimal
    apr: Decimal
    gross: Decimal
    paid: Decimal
    carry: Decimal
    payout_at: datetime
    forfeited: Decimal = ZERO

    def explain(self, *, token: Token | None = None, year_days: int = 365) -> Explanation:
        """This day's arithmetic, step by step: gross, owed, paid and carry.

        The record alone knows the amounts, not the events behind them; for those, use
        ``softstaking.explain_day``, which fills in the balance's history too.

        Args:
            token: The token, to name the base unit ``paid`` was rounded down to.
            year_days: The day count's year for the day: 365 (the default), 360 or 366.

        >>> from datetime import UTC, datetime
        >>> r = DailyReward(date(2024, 1, 1), Decimal(36500), Decimal(36500), Decimal("0.05"),
        ...                 Decimal(5), Decimal(5), Decimal(0), datetime(2024, 1, 2, tzinfo=UTC))
        >>> print(r.explain())
        measured balance = 36500
        eligible = measured = 36500
        apr = 0.05
        gross = eligible × apr / 365 = 36500 × 0.05 / 365 = 5.00
        owed  = carry_before + gross = 0 + 5 = 5
        paid  = owed rounded down to the base unit = 5
        carry = owed − paid = 0
        payout at 2024-01-02T00:00:00+00:00
        """
        return from_record(self, token=token, year_days=year_days)


RewardMaker = Callable[
    [date, Decimal, Decimal, Decimal, Decimal, Decimal, Decimal, datetime, Decimal], DailyReward
]


def reward_maker() -> RewardMaker:
    """A function that builds a ``DailyReward`` from all nine fields, in order, quickly.

    It fills the slots directly, which is what attrs' ``__init__`` does after its
    validators and converters; ``DailyReward`` has none, so the records are the same. Were
    one added, this gives the class itself, and every record is built the usual way.

    >>> from datetime import UTC
    >>> make = reward_maker()
    >>> at, one = datetime(2024, 1, 2, tzinfo=UTC), Decimal(1)
    >>> make(date(2024, 1, 1), one, one, one, one, one, one, at, ZERO) == DailyReward(
    ...     date(2024, 1, 1), one, one, one, one, one, one, at)
    True
    """
    fields = attrs.fields(DailyReward)
    if any(f.validator or f.converter or not f.init for f in fields) or hasattr(
        DailyReward, "__attrs_post_init__"
    ):
        return DailyReward  # pragma: no cover - DailyReward has neither
    slots = [getattr(DailyReward, f.name).__set__ for f in fields]
    day_, balance_, eligible_, apr_, gross_, paid_, carry_, payout_at_, forfeited_ = slots
    new = object.__new__

    def make(  # noqa: PLR0917 - the record's fields, in their order
        day: date,
        balance: Decimal,
        eligible: Decimal,
        apr: Decimal,
        gross: Decimal,
        paid: Decimal,
        carry: Decimal,
        payout_at: datetime,
        forfeited: Decimal,
    ) -> DailyReward:
        record: DailyReward = new(DailyReward)
        day_(record, day)
        balance_(record, balance)
        eligible_(record, eligible)
        apr_(record, apr)
        gross_(record, gross)
        paid_(record, paid)
        carry_(record, carry)
        payout_at_(record, payout_at)
        forfeited_(record, forfeited)
        return record

    return make


RewardsBuilder = Callable[
    [
        Iterable[date],
        Iterable[Decimal],
        Iterable[Decimal],
        Iterable[Decimal],
        Iterable[Decimal],
        Iterable[Decimal],
        Iterable[Decimal],
        Iterable[datetime],
        Iterable[Decimal],
    ],
    list[DailyReward],
]


def _plain(DailyReward: type[DailyReward]) -> bool:  # noqa: N803 - the class, to check
    """Whether attrs' ``__init__`` would only fill the slots, in the fields' order."""
    fields = attrs.fields(DailyReward)
    return not (
        any(f.validator or f.converter or not f.init for f in fields)
        or hasattr(DailyReward, "__attrs_post_init__")
    )


class _Open(DailyReward):
    """A ``DailyReward`` being built: the same slots, written as a plain class writes them.

    ``rewards_builder`` fills one and turns it into a ``DailyReward`` by assigning its
    ``__class__`` (the two have the same layout), which is then as frozen as any.
    """

    __slots__ = ()
    __init__ = object.__init__
    __setattr__ = object.__setattr__
    __delattr__ = object.__delattr__


def _build_open(  # noqa: PLR0917 - the record's fields, in their order
    day: Iterable[date],
    balance: Iterable[Decimal],
    eligible: Iterable[Decimal],
    apr: Iterable[Decimal],
    gross: Iterable[Decimal],
    paid: Iterable[Decimal],
    carry: Iterable[Decimal],
    payout_at: Iterable[datetime],
    forfeited: Iterable[Decimal],
) -> list[DailyReward]:
    """Records from columns, each filled as an ``_Open`` and closed into a ``DailyReward``."""
    out: list[DailyReward] = []
    append, open_, closed = out.append, _Open, DailyReward
    for d, b, e, a, g, p, c, at, f in zip(
        day, balance, eligible, apr, gross, paid, carry, payout_at, forfeited, strict=True
    ):
        r = open_()
        r.day = d
        r.balance = b
        r.eligible = e
        r.apr = a
        r.gross = g
        r.paid = p
        r.carry = c
        r.payout_at = at
        r.forfeited = f
        r.__class__ = closed
        append(r)
    return out


def _build_slots(  # noqa: PLR0917 - the record's fields, in their order
    day: Iterable[date],
    balance: Iterable[Decimal],
    eligible: Iterable[Decimal],
    apr: Iterable[Decimal],
    gross: Iterable[Decimal],
    paid: Iterable[Decimal],
    carry: Iterable[Decimal],
    payout_at: Iterable[datetime],
    forfeited: Iterable[Decimal],
) -> list[DailyReward]:
    """Records from columns, made empty and filled a column at a time by the slots' setters."""
    days = list(day)
    records: list[DailyReward] = list(map(object.__new__, repeat(DailyReward, len(days))))
    columns = (days, balance, eligible, apr, gross, paid, carry, payout_at, forfeited)
    names = [field.name for field in attrs.fields(DailyReward)]
    for name, column in zip(names, columns, strict=True):
        deque(map(getattr(DailyReward, name).__set__, records, column), maxlen=0)
    return records


def _builds_the_class(build: RewardsBuilder) -> bool:
    """Whether ``build`` gives true ``DailyReward`` records, equal to the class's own."""
    at, one, two = datetime(2024, 1, 2), Decimal(1), Decimal("2.0")
    want = DailyReward(date(2024, 1, 1), one, two, one, two, one, two, at, ZERO)
    try:
        got = build(*([value] for value in attrs.astuple(want, recurse=False)))
    except TypeError:  # pragma: no cover - an interpreter that refuses the __class__ change
        return False
    return len(got) == 1 and type(got[0]) is DailyReward and got[0] == want


def rewards_builder() -> RewardsBuilder:
    """A function that builds ``DailyReward`` records from nine columns, in field order.

    Each record is filled as attrs' ``__init__`` fills it after its validators and
    converters (``DailyReward`` has none, so the records are the same), without the
    cost of a frozen class's writes: as an unfrozen twin of the class that becomes a
    ``DailyReward`` once full, or, on an interpreter that refuses that, with the slots'
    setters a column at a time. Were a validator or converter added, the records are
    built the usual way. The columns must have one value per record.

    >>> from datetime import UTC
    >>> build = rewards_builder()
    >>> at, one = datetime(2024, 1, 2, tzinfo=UTC), Decimal(1)
    >>> day = date(2024, 1, 1)
    >>> build([day], [one], [one], [one], [one], [one], [one], [at], [ZERO]) == [
    ...     DailyReward(day, one, one, one, one, one, one, at)]
    True
    """
    if not _plain(DailyReward):  # pragma: no cover - DailyReward has neither
        return lambda *columns: list(map(DailyReward, *columns))
    if _builds_the_class(_build_open):
        return _build_open
    return _build_slots  # pragma: no cover - CPython and PyPy take the __class__ change


@attrs.frozen
class Explanation:
    """How one day's reward came about. ``str()`` gives it as text.

    Attributes:
        record: The day's record.
        year_days: The day count's denominator for the day: 365, 360 or 366.
        carry_before: What was owed before the day; from the record, by conservation:
            ``paid + carry + forfeited − gross``.
        owed: ``carry_before + gross``.
        exact_gross: ``eligible × apr / year_days`` before rounding to the gross quantum.
        token: The token, if known; it names the base unit ``paid`` is rounded to.
        window: The day's window, if known.
        opening: The balance at the start of the window, if known.
        events: The balance events inside the window, in time order.
        measured_by: How the balance was measured, such as ``"snapshot at 23:59:59"``.
        min_holding: The minimum holding in force, if known.
        cap: The cap in force, if any.
        min_payout: The minimum payout in force, if known.
        tiers: The day's tiers, when the rate was tiered.
        compound: Whether earlier rewards were added to the balance.
        quotient_rounded: Whether ``exact_gross`` had to be rounded to the library's
            precision (the quotient does not end); the text then writes ``≈``.
    """

    record: DailyReward
    year_days: int
    carry_before: Decimal
    owed: Decimal
    exact_gross: Decimal
    token: Token | None = None
    window: DayWindow | None = None
    opening: Decimal | None = None
    events: tuple[BalanceEvent, ...] = ()
    measured_by: str | None = None
    min_holding: Decimal | None = None
    cap: Decimal | None = None
    min_payout: Decimal | None = None
    tiers: TieredApr | None = None
    compound: bool = False
    quotient_rounded: bool = False

    def _balance_lines(self) -> list[str]:
        r = self.record
        lines = []
        if self.window is not None:
            lines.append(
                f"day {r.day}: from {self.window.start.isoformat()} "
                f"to {self.window.end.isoformat()}"
            )
        if self.opening is not None:
            lines.append(f"balance at the start of the day = {_fmt(self.opening)}")
            balance = self.opening
            for e in self.events:
                balance = CONTEXT.add(balance, e.delta)
                lines.append(
                    f"  {e.at.isoformat()}  {e.kind} {_signed(e.delta)}  -> {_fmt(balance)}"
                )
            if not self.events:
                lines.append("  no balance events during the day")
        if self.compound:
            lines.append(
                "  (compounding: the measured balance below includes the rewards credited "
                "before it; the balance above shows the events only)"
            )
        how = f" by {self.measured_by}" if self.measured_by else ""
        lines.append(f"measured balance{how} = {_fmt(r.balance)}")
        if r.eligible == r.balance:
            lines.append(f"eligible = measured = {_fmt(r.eligible)}")
        elif r.eligible == ZERO:
            limit = f" {_fmt(self.min_holding)}" if self.min_holding is not None else ""
            lines.append(f"eligible = 0: the balance is below the minimum holding{limit}")
        else:
            lines.append(f"eligible = cap = {_fmt(r.eligible)}: the balance is above the cap")
        return lines

    def _reward_lines(self) -> list[str]:
        r = self.record
        lines = []
        if self.tiers is not None:
            bands = ", ".join(
                f"{_fmt(apr)} up to {_fmt(up)}" if up is not None else f"{_fmt(apr)} above"
                for up, apr in self.tiers.bands
            )
            lines.append(f"tiers: {bands}; blended apr on the eligible balance = {_fmt(r.apr)}")
        else:
            lines.append(f"apr = {_fmt(r.apr)}")
        n = self.year_days
        quantum = self.token.gross_quantum if self.token is not None else None
        formula = f"gross = eligible × apr / {n} = {_fmt(r.eligible)} × {_fmt(r.apr)} / {n}"
        if self.quotient_rounded and quantum is not None:
            # the quotient does not end: show it to the gross quantum, as it is kept
            lines.append(f"{formula} ≈ {_fmt(r.gross)} (rounded half-even to {_fmt(quantum)})")
        else:
            sign = "≈" if self.quotient_rounded else "="
            lines.append(f"{formula} {sign} {_fmt(self.exact_gross)}")
            if self.exact_gross != r.gross:
                to = f" to {_fmt(quantum)}" if quantum is not None else ""
                lines.append(f"      rounded half-even{to} = {_fmt(r.gross)}")
        lines.append(
            f"owed  = carry_before + gross = {_fmt(self.carry_before)} + {_fmt(r.gross)}"
            f" = {_fmt(self.owed)}"
        )
        unit = (
            f" to {_fmt(self.token.base_unit)}" if self.token is not None else " to the base unit"
        )
        lines.append(f"paid  = owed rounded down{unit} = {_fmt(r.paid)}")
        if r.paid == ZERO and self.owed and self.min_payout:
            lines.append(f"      (nothing paid: below the minimum payout {_fmt(self.min_payout)})")
        lines.append(
            f"carry = owed − paid{' − forfeited' if r.forfeited else ''} = {_fmt(r.carry)}"
        )
        if r.forfeited:
            lines.append(f"forfeited (dust below the base unit) = {_fmt(r.forfeited)}")
        lines.append(f"payout at {r.payout_at.isoformat()}")
        return lines

    def __str__(self) -> str:
        return "\n".join(self._balance_lines() + self._reward_lines())


def from_record(record: DailyReward, **details: object) -> Explanation:
    """The arithmetic of a record, plus any known details (see ``Explanation``)."""
    year_days = details.pop("year_days", 365)
    if isinstance(year_days, bool) or not isinstance(year_days, int) or year_days < 1:
        msg = f"year_days must be a positive int, not {year_days!r}"
        raise InvalidInputError(msg)
    try:
        carry_before = EXACT.subtract(
            EXACT.add(EXACT.add(record.paid, record.carry), record.forfeited), record.gross
        )
        owed = EXACT.add(carry_before, record.gross)
    except (decimal.Inexact, decimal.Rounded):
        msg = (
            f"the record of {record.day} cannot be explained exactly: its amounts span more "
            f"than the library's {CONTEXT.prec} digits"
        )
        raise InvalidInputError(msg) from None
    watch = CONTEXT.copy()
    watch.clear_flags()
    exact = watch.divide(watch.multiply(record.eligible, record.apr), year_days)
    return Explanation(
        record,
        year_days,
        carry_before,
        owed,
        exact,
        quotient_rounded=bool(watch.flags[decimal.Inexact]),
        **details,  # type: ignore[arg-type]
    )
