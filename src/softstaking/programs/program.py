"""Programs: every account's reward in every token, as a stream.

A ``Program`` holds one ``RewardCalculator`` per
token (its rate schedule, policy, minimum holding, cap, calendar and payout settings)
and the program-wide eligibility rules. ``Program.run`` reads holdings lazily and
yields one ``AccountReward`` per account, token and day, so a run over millions
of accounts holds one account's records at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Final

import attrs

from softstaking.core.amounts import ZERO
from softstaking.core.calculator import RewardCalculator, _instance_of
from softstaking.core.errors import InvalidInputError, InvalidTypeError, SoftStakingError
from softstaking.core.instants import check_day
from softstaking.core.records import DailyReward
from softstaking.core.timeline import BalanceTimeline
from softstaking.programs.eligibility import (
    POCKET_KINDS,
    EarningStart,
    activated_events,
    next_day_events,
    next_day_start,
)
from softstaking.programs.holdings import Holding, merge_subaccounts

__all__ = ["AccountReward", "DuplicateHoldingError", "Program", "UnknownTokenError"]


class UnknownTokenError(InvalidInputError):
    """A holding names a token the program has no rules for."""


class DuplicateHoldingError(InvalidInputError):
    """The same account and token appear twice in one run."""


_EMPTY: Final = BalanceTimeline.from_events([])


def _flat(opening: Decimal) -> BalanceTimeline:
    """``BalanceTimeline.from_events([], opening=opening)`` for an opening already checked.

    Most holdings have no event in a one-day run; skipping the conversions and the sort
    of ``from_events`` is a large part of their cost. The exponent is what
    ``from_events`` derives: that of the last digit written, at most 0.
    """
    exponent = opening.as_tuple().exponent
    assert isinstance(exponent, int)  # finite: Holding checked it
    return BalanceTimeline(opening, (), (), (), min(exponent, 0))


@attrs.frozen
class AccountReward:
    """One account's reward in one token on one day.

    Attributes:
        account: The account id, from the holding.
        token: The token's symbol.
        reward: The day's record, as the calculator gives it.
    """

    account: str
    token: str
    reward: DailyReward


def _to_kind_roles(value: Mapping[str, str]) -> Mapping[str, str]:
    if not isinstance(value, Mapping):
        msg = f"kind_roles must be a mapping {{your kind: pocket kind}}, not {type(value).__name__}"
        raise InvalidTypeError(msg)
    out: dict[str, str] = {}
    for kind, role in value.items():
        if not isinstance(kind, str) or not isinstance(role, str):
            msg = f"kind_roles maps str to str, not {kind!r} to {role!r}"
            raise InvalidTypeError(msg)
        if kind in POCKET_KINDS:
            msg = f"kind_roles: {kind!r} is already a pocket kind; map your own kinds only"
            raise InvalidInputError(msg)
        if role not in POCKET_KINDS:
            msg = (
                f"kind_roles: {kind!r} maps to {role!r}, which is not one of "
                f"{', '.join(sorted(POCKET_KINDS))}"
            )
            raise InvalidInputError(msg)
        out[kind] = role
    return MappingProxyType(out)


def _to_calculators(
    value: Mapping[str, RewardCalculator] | Iterable[RewardCalculator],
) -> Mapping[str, RewardCalculator]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        msg = "Program takes calculators: an iterable of RewardCalculator, or {symbol: calculator}"
        raise InvalidTypeError(msg)
    pairs = list(value.items()) if isinstance(value, Mapping) else [(None, c) for c in value]
    out: dict[str, RewardCalculator] = {}
    for key, calc in pairs:
        if not isinstance(calc, RewardCalculator):
            msg = f"Program rules must be RewardCalculator values, not {type(calc).__name__}"
            raise InvalidTypeError(msg)
        symbol = calc.token.symbol
        if key is not None and key != symbol:
            msg = f"Program rules: key {key!r} holds the calculator of {symbol!r}"
            raise InvalidInputError(msg)
        if symbol in out:
            msg = f"Program rules: two calculators for {symbol!r}"
            raise InvalidInputError(msg)
        out[symbol] = calc
    if not out:
        msg = "Program needs the rules of at least one token"
        raise InvalidInputError(msg)
    return MappingProxyType(out)


@attrs.frozen
class Program:
    """A soft-staking program: per-token rules and who earns from when.

    Attributes:
        calculators: The rules of each token: an iterable of calculators (keyed by
            their token's symbol), or a mapping ``{symbol: calculator}``; kept as a
            read-only mapping by symbol.
        frozen_earns: Whether funds frozen in open orders earn.
        deposits: When arriving funds start to earn: at once (T+0) or from the next
            day (T+1), in each token's calendar.
        activation: For holdings with ``activated_at``: earning starts at that instant,
            or at the start of the next day.
        kind_roles: Your own event kinds mapped to the pocket kind they act as (one of
            ``POCKET_KINDS``), kept read-only. To mark a
            kind as not earning, map it to ``"redemption_request"`` (funds leave what
            earns) and its reverse to ``"redemption_cancel"``; to make it follow
            ``frozen_earns``, map it to ``"order_freeze"`` and ``"order_release"``.

    Examples:
        >>> from datetime import UTC, datetime
        >>> from softstaking import AprSchedule, BalanceEvent, Token
        >>> usdt = RewardCalculator(Token("USDT", 6), AprSchedule.constant("0.0365"))
        >>> program = Program([usdt])
        >>> holdings = [Holding("alice", "USDT", opening=1000), Holding("bob", "USDT", opening=10)]
        >>> for r in program.run(holdings, date(2025, 1, 1), date(2025, 1, 2)):
        ...     print(r.account, r.token, r.reward.day, r.reward.paid)
        alice USDT 2025-01-01 0.100000
        bob USDT 2025-01-01 0.001000
    """

    calculators: Mapping[str, RewardCalculator] = attrs.field(converter=_to_calculators)
    frozen_earns: bool = attrs.field(
        default=True, kw_only=True, validator=_instance_of(bool, "frozen_earns")
    )
    deposits: EarningStart = attrs.field(
        default=EarningStart.ON_ARRIVAL,
        kw_only=True,
        validator=_instance_of(EarningStart, "deposits"),
    )
    activation: EarningStart = attrs.field(
        default=EarningStart.ON_ARRIVAL,
        kw_only=True,
        validator=_instance_of(EarningStart, "activation"),
    )
    kind_roles: Mapping[str, str] = attrs.field(
        factory=dict, kw_only=True, converter=_to_kind_roles
    )

    def calculator(self, token: str) -> RewardCalculator:
        """The rules of ``token``.

        Raises:
            UnknownTokenError: If the program has none.
        """
        calc = self.calculators.get(token)
        if calc is None:
            known = ", ".join(sorted(self.calculators))
            msg = f"no rules for token {token!r} in this program (it has {known})"
            raise UnknownTokenError(msg)
        return calc

    def earning_timeline(self, holding: Holding) -> BalanceTimeline:
        """The balance of ``holding`` that earns, after every eligibility rule.

        Sub-accounts are summed (frozen funds kept or not, net accounts at zero or
        more), then the T+1 rule, then activation. The calculator measures this.

        Raises:
            UnknownTokenError: If the program has no rules for the holding's token.
            NegativeBalanceError: If an account would go below zero.
        """
        if not isinstance(holding, Holding):
            msg = f"holdings must be Holding values, not {type(holding).__name__}"
            raise InvalidTypeError(msg)
        return self._earning_timeline(holding, self.calculator(holding.token))

    def _earning_timeline(self, holding: Holding, calc: RewardCalculator) -> BalanceTimeline:
        calendar = calc.calendar
        if (
            not holding.subaccounts
            and holding.activated_at is None
            and not holding.frozen
            and not holding.waiting
        ):
            if not holding.events:
                return _flat(holding.opening)
            roles = self.kind_roles
            if self.deposits is EarningStart.ON_ARRIVAL and not any(
                e.kind in POCKET_KINDS or e.kind in roles for e in holding.events
            ):
                return BalanceTimeline.from_events(holding.events, opening=holding.opening)
        opening, events = merge_subaccounts(
            holding.parts, frozen_earns=self.frozen_earns, roles=self.kind_roles
        )
        if self.deposits is EarningStart.NEXT_DAY:
            events = next_day_events(events, opening=opening, calendar=calendar)
        if holding.activated_at is not None:
            at = holding.activated_at
            if self.activation is EarningStart.NEXT_DAY:
                at = next_day_start(calendar, at)
            events = activated_events(events, opening=opening, at=at)
            opening = ZERO
        return BalanceTimeline.from_events(events, opening=opening)

    def rewards(self, holding: Holding, start: date, end: date) -> list[DailyReward]:
        """One holding's records for the days in ``[start, end)``, as if run alone."""
        calc = self.calculator(holding.token)
        return calc.daily_rewards(
            self.earning_timeline(holding),
            start,
            end,
            carry=holding.carry,
            credited=holding.credited,
        )

    def run(
        self,
        holdings: Iterable[Holding],
        start: date,
        end: date,
        *,
        sorted_accounts: bool = False,
    ) -> Iterator[AccountReward]:
        """Every holding's records for the days in ``[start, end)``, as a stream.

        Holdings are read one at a time, and each one's records are yielded before the
        next is read, so memory holds one holding and its records. The results are
        those of each holding run alone (``rewards``).

        Refusing a duplicate ``(account, token)`` needs memory of what was seen. By
        default that is one small entry per account (its id and a bit per token seen,
        about 100 bytes), the one part of a run that grows with the input: O(accounts).
        With ``sorted_accounts`` the holdings must come ordered by account id (an
        account's tokens together, in any order); then only the current account is
        remembered and memory stays flat.

        Args:
            holdings: The holdings, each account and token at most once.
            start: The first day.
            end: The day after the last.
            sorted_accounts: Whether holdings come sorted by account id.

        Raises:
            UnknownTokenError: When a holding's token has no rules (records of earlier
                holdings have been yielded by then).
            DuplicateHoldingError: When an account and token come a second time, or,
                with ``sorted_accounts``, when an account comes out of order.
            SoftStakingError: Any error of one holding, with a note naming it.
        """
        first, last = check_day(start, name="start"), check_day(end, name="end")
        checked: set[str] = set()  # tokens whose rules cover the range
        bits = {symbol: 1 << i for i, symbol in enumerate(self.calculators)}
        seen: dict[str, int] = {}  # account id -> one bit per token seen
        current: str | None = None
        for holding in holdings:
            if not isinstance(holding, Holding):
                msg = f"holdings must be Holding values, not {type(holding).__name__}"
                raise InvalidTypeError(msg)
            account, token = holding.account, holding.token
            try:
                calc = self.calculator(token)
            except UnknownTokenError as error:
                error.add_note(f"in the holding of {token!r} by account {account!r}")
                raise
            if sorted_accounts and account != current:
                if current is not None and account < current:
                    msg = (
                        f"account {account!r} comes after {current!r}: with "
                        "sorted_accounts, holdings must be sorted by account id"
                    )
                    raise DuplicateHoldingError(msg)
                current = account
                seen.clear()
            mask = seen.get(account, 0)
            bit = bits[token]
            if mask & bit:
                msg = f"account {account!r} holds {token!r} twice in this run"
                raise DuplicateHoldingError(msg)
            seen[account] = mask | bit
            if token not in checked:
                try:  # a bad range or a missing rate is the token's, not the account's
                    calc.daily_rewards(_EMPTY, first, last)
                except SoftStakingError as error:
                    error.add_note(f"in the rules of {token!r}")
                    raise
                checked.add(token)
            try:
                timeline = self._earning_timeline(holding, calc)
                records = calc.daily_rewards(
                    timeline, first, last, carry=holding.carry, credited=holding.credited
                )
            except SoftStakingError as error:
                error.add_note(f"in the holding of {token!r} by account {account!r}")
                raise
            for record in records:
                yield AccountReward(account, token, record)
