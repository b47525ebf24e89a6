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
from softstaking.programs.program import AccountReward

__all__ = [
    "AccountCheck",
    "AccountPayout",
    "DayCheck",
    "DayStatus",
    "ProgramReconciliation",
    "Reconciliation",
    "ReportedPayout",
    "reconcile",
    "reconcile_program",
]


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


def _check_label(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value:
        msg = f"AccountPayout.{attribute.name} must be a non-empty str, not {value!r}"
        raise InvalidInputError(msg)


@attrs.frozen
class AccountPayout:
    """One payment in a platform's export of many accounts and tokens.

    Attributes:
        account: Who was paid.
        token: In which token.
        day: The accrual day it is for.
        amount: How much was paid.
    """

    account: str = attrs.field(validator=_check_label)
    token: str = attrs.field(validator=_check_label)
    day: date = attrs.field(validator=_check_payout_day)
    amount: Decimal = attrs.field(converter=_to_amount)


@attrs.frozen
class AccountCheck:
    """One account, token and day of a program's reconciliation.

    Attributes:
        account: The account.
        token: The token.
        day: The day.
        status: How the two compare.
        expected: The computed payment; ``None`` if the day was not computed.
        actual: The platform's payment; ``None`` if it reports none.
        difference: ``actual − expected``, an absent side counting as zero.
    """

    account: str
    token: str
    day: date
    status: DayStatus
    expected: Decimal | None
    actual: Decimal | None
    difference: Decimal


@attrs.frozen
class ProgramReconciliation:
    """Every account, token and day's check, ordered by account, token and day.

    Attributes:
        checks: One ``AccountCheck`` per account, token and day computed or paid.
        tolerance: The largest difference still counted as a match.
        days: The days compared, in order.
        tokens: The tokens compared (computed or paid), in order.
    """

    checks: tuple[AccountCheck, ...]
    tolerance: Decimal
    days: tuple[date, ...]
    tokens: tuple[str, ...]

    @property
    def agrees(self) -> bool:
        """Whether every account, token and day matched."""
        return all(c.status is DayStatus.MATCHED for c in self.checks)

    def count(self, status: DayStatus) -> int:
        """How many checks have ``status``."""
        return sum(1 for c in self.checks if c.status is status)

    def disagreements(self) -> tuple[AccountCheck, ...]:
        """The checks that are missing, extra or different, in order."""
        return tuple(c for c in self.checks if c.status is not DayStatus.MATCHED)

    def summary(self) -> str:
        """One line: the counts, the days and the tokens compared."""
        counts = ", ".join(f"{self.count(s)} {s.value}" for s in DayStatus)
        accounts = len({c.account for c in self.checks})
        days = f"{self.days[0]} to {self.days[-1]}" if self.days else "no days"
        tokens = ", ".join(self.tokens) or "none"
        return (
            f"{len(self.checks)} account-days: {counts} (tolerance {self.tolerance:f}); "
            f"compared {days} ({len(self.days)} days), tokens {tokens}, {accounts} accounts"
        )

    def __str__(self) -> str:
        def show(amount: Decimal | None) -> str:
            return "-" if amount is None else f"{amount:f}"

        rows = [("account", "token", "day", "status", "computed", "platform", "difference")]
        rows += [
            (
                c.account,
                c.token,
                c.day.isoformat(),
                c.status.value,
                show(c.expected),
                show(c.actual),
                show(c.difference),
            )
            for c in self.disagreements()
        ]
        widths = [max(len(r[i]) for r in rows) for i in range(7)]
        lines = [
            "  ".join(
                cell.ljust(w) if i < 4 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
            for row in rows
        ]
        if len(rows) == 1:
            lines = []
        lines.append(self.summary())
        return "\n".join(lines)


_Key = tuple[str, str, date]


def reconcile_program(
    rewards: Iterable[AccountReward],
    payouts: Iterable[AccountPayout],
    *,
    days: Iterable[date],
    tolerance: AmountLike = 0,
) -> ProgramReconciliation:
    """Compare a program run with a platform's payments, by account, token and day.

    Every account and token computed is checked on every day of ``days``: a day the
    export leaves out (the last day of the run too) is ``missing`` when something was
    due. Payments of an account or token nothing was computed for are ``extra``.
    ``str()`` of the result lists the disagreements, then a summary line naming the
    days and tokens compared.

    Args:
        rewards: ``Program.run``'s items over ``days``; each record's ``paid`` is due.
        payouts: The platform's payments. Several for one account, token and day are
            added up.
        days: The days compared, such as those of the run.
        tolerance: The largest difference, either way, still counted as a match.

    Raises:
        InvalidInputError: If a payment or a computed record falls outside ``days``:
            compare the same days on both sides.

    Examples:
        >>> from softstaking import AprSchedule, Holding, Program, RewardCalculator, Token
        >>> usdt = RewardCalculator(Token("USDT", 6), AprSchedule.constant("0.0365"))
        >>> run = list(Program([usdt]).run([Holding("alice", "USDT", opening=1000)],
        ...                                date(2025, 1, 1), date(2025, 1, 3)))
        >>> paid = [AccountPayout("alice", "USDT", date(2025, 1, 1), "0.1")]
        >>> result = reconcile_program(run, paid, days=[date(2025, 1, 1), date(2025, 1, 2)])
        >>> [(c.day, c.status.value) for c in result.disagreements()]
        [(datetime.date(2025, 1, 2), 'missing')]
    """
    limit = to_amount(tolerance, name="tolerance")
    compared = tuple(sorted({check_day(d, name="day") for d in days}))
    within = set(compared)
    span = f"{compared[0]} to {compared[-1]}" if compared else "none"
    expected: dict[_Key, Decimal] = {}
    for item in rewards:
        if not isinstance(item, AccountReward):
            msg = f"rewards must be Program.run's AccountReward items, not {type(item).__name__}"
            raise InvalidInputError(msg)
        day = item.reward.day
        if day not in within:
            msg = (
                f"the record of {item.account!r} in {item.token!r} on {day} is outside "
                f"the days compared ({span})"
            )
            raise InvalidInputError(msg)
        key = (item.account, item.token, day)
        expected[key] = EXACT.add(expected.get(key, ZERO), item.reward.paid)
    actual: dict[_Key, Decimal] = {}
    for p in payouts:
        if p.day not in within:
            msg = (
                f"the payment to {p.account!r} in {p.token!r} on {p.day} is outside the "
                f"days compared ({span})"
            )
            raise InvalidInputError(msg)
        key = (p.account, p.token, p.day)
        actual[key] = EXACT.add(actual.get(key, ZERO), p.amount)
    checks = []
    for key in sorted(expected.keys() | actual.keys()):
        e, a = expected.get(key), actual.get(key)
        difference = EXACT.subtract(a or ZERO, e or ZERO)
        checks.append(AccountCheck(*key, _status(e, a, limit), e, a, difference))
    tokens = tuple(sorted({c.token for c in checks}))
    return ProgramReconciliation(tuple(checks), limit, compared, tokens)
