"""Reconciliation: the rewards computed against what a platform actually paid.

Each day gets one status:

* ``matched``: the paid amount is within the tolerance of the computed one (a day with
  nothing computed and nothing paid matches too);
* ``missing``: the calculation says something was due, the platform shows no payment;
* ``extra``: the platform paid something on a day the calculation says nothing was due;
* ``different``: both paid, and they differ by more than the tolerance.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any, Literal

import attrs

from softstaking.core.amounts import EXACT, ZERO, AmountLike, to_amount
from softstaking.core.errors import InvalidInputError
from softstaking.core.instants import check_day
from softstaking.core.records import DailyReward

__all__ = ["DayCheck", "DayStatus", "Reconciliation", "ReportedPayout", "reconcile"]


class DayStatus(enum.Enum):
    """How a day's payment compares with the computed reward."""

    MATCHED = "matched"
    MISSING = "missing"
    EXTRA = "extra"
    DIFFERENT = "different"


def _to_amount(value: AmountLike) -> Decimal:
    return to_amount(value, name="ReportedPayout.amount")


def _check_payout_day(_: object, __: attrs.Attribute[Any], value: object) -> None:
    check_day(value, name="ReportedPayout.day")


@attrs.frozen
class ReportedPayout:
    """One payment a platform reports, such as a line of its bonus history.

    Attributes:
        day: The day it is for (or, with ``by="payout"``, the day it was credited).
        amount: How much was paid.
    """

    day: date = attrs.field(validator=_check_payout_day)
    amount: Decimal = attrs.field(converter=_to_amount)


@attrs.frozen
class DayCheck:
    """One day of a reconciliation.

    Attributes:
        day: The day.
        status: How the two compare.
        expected: The computed payment; ``None`` if the day was not computed.
        actual: The platform's payment; ``None`` if it reports none that day.
        difference: ``actual − expected``, an absent side counting as zero.
    """

    day: date
    status: DayStatus
    expected: Decimal | None
    actual: Decimal | None
    difference: Decimal


@attrs.frozen
class Reconciliation:
    """Every day's check, in day order.

    Attributes:
        checks: One ``DayCheck`` per day computed or paid.
        tolerance: The largest difference still counted as a match.
    """

    checks: tuple[DayCheck, ...]
    tolerance: Decimal

    @property
    def agrees(self) -> bool:
        """Whether every day matched."""
        return all(c.status is DayStatus.MATCHED for c in self.checks)

    def count(self, status: DayStatus) -> int:
        """How many days have ``status``."""
        return sum(1 for c in self.checks if c.status is status)

    def __str__(self) -> str:
        def show(amount: Decimal | None) -> str:
            return "-" if amount is None else f"{amount:f}"

        rows = [("day", "status", "computed", "platform", "difference")]
        rows += [
            (
                c.day.isoformat(),
                c.status.value,
                show(c.expected),
                show(c.actual),
                show(c.difference),
            )
            for c in self.checks
        ]
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        lines = [
            "  ".join(
                cell.ljust(w) if i < 2 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
            for row in rows
        ]
        summary = ", ".join(f"{self.count(s)} {s.value}" for s in DayStatus)
        lines.append(f"{len(self.checks)} days: {summary} (tolerance {self.tolerance:f})")
        return "\n".join(lines)


def _status(expected: Decimal | None, actual: Decimal | None, tolerance: Decimal) -> DayStatus:
    due = expected is not None and expected > tolerance
    if actual is None:
        return DayStatus.MISSING if due else DayStatus.MATCHED
    if expected is None or expected == ZERO:
        return DayStatus.EXTRA if actual > tolerance else DayStatus.MATCHED
    if EXACT.abs(EXACT.subtract(actual, expected)) <= tolerance:
        return DayStatus.MATCHED
    return DayStatus.DIFFERENT


def reconcile(
    records: Iterable[DailyReward],
    payouts: Iterable[ReportedPayout],
    *,
    tolerance: AmountLike = 0,
    by: Literal["day", "payout"] = "day",
) -> Reconciliation:
    """Compare computed records with a platform's payments, day by day.

    Args:
        records: The computed rewards; each day's ``paid`` is what was due.
        payouts: The platform's payments. Several on one day are added up.
        tolerance: The largest difference, either way, still counted as a match.
        by: Whether a payout's ``day`` is the accrual day (``"day"``, the default) or
            the day it was credited, compared with the date of ``payout_at``.

    Examples:
        >>> from softstaking.samples import seed_rewards
        >>> records = seed_rewards()[:2]
        >>> paid = [ReportedPayout(records[0].day, records[0].paid)]
        >>> result = reconcile(records, paid)
        >>> result.count(DayStatus.MATCHED), result.count(DayStatus.MISSING)
        (1, 1)
    """
    limit = to_amount(tolerance, name="tolerance")
    if by not in ("day", "payout"):
        msg = f"by must be 'day' or 'payout', not {by!r}"
        raise InvalidInputError(msg)
    expected: dict[date, Decimal] = {}
    for r in records:
        key = r.day if by == "day" else r.payout_at.date()
        expected[key] = EXACT.add(expected.get(key, ZERO), r.paid)
    actual: dict[date, Decimal] = {}
    for p in payouts:
        actual[p.day] = EXACT.add(actual.get(p.day, ZERO), p.amount)
    checks = []
    for day in sorted(expected.keys() | actual.keys()):
        e, a = expected.get(day), actual.get(day)
        difference = EXACT.subtract(a or ZERO, e or ZERO)
        checks.append(DayCheck(day, _status(e, a, limit), e, a, difference))
    return Reconciliation(tuple(checks), limit)
