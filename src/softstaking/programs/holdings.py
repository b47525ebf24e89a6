"""Holdings: one account's events in one token, possibly spread over sub-accounts.

A ``Holding`` is the input a ``Program`` runs on: who
holds, which token, and the events of the account's available balance (see
``softstaking.programs.eligibility`` for the event kinds). A user whose token sits in several
accounts (spot, funding, margin) lists the others as ``SubAccount`` values; they
are summed, each counting at least zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from softstaking.core.amounts import EXACT, ZERO, AmountLike, to_amount
from softstaking.core.calculator import _instance_of
from softstaking.core.errors import InvalidInputError, InvalidTypeError
from softstaking.core.instants import check_aware
from softstaking.core.records import DailyReward
from softstaking.core.timeline import BalanceEvent, BalanceTimeline
from softstaking.programs.eligibility import _exact_sum, earning_events

__all__ = ["Holding", "SubAccount", "merge_subaccounts"]


def _is_frame(value: object) -> bool:
    """Whether ``value`` is a table of rows (a DataFrame, an Arrow table), not events."""
    return hasattr(value, "__arrow_c_stream__") or hasattr(value, "__dataframe__")


def _to_events(value: Iterable[BalanceEvent]) -> tuple[BalanceEvent, ...]:
    if isinstance(value, BalanceTimeline):
        msg = "pass a timeline's events and opening, or use Holding.from_timeline"
        raise InvalidTypeError(msg)
    if _is_frame(value):
        # Iterating a DataFrame gives its column names; keep the frame whole, so that
        # the validator refuses it by name, with the account (_check_events).
        return (value,)  # type: ignore[return-value]
    if not isinstance(value, Iterable):
        msg = f"events must be an iterable of BalanceEvent, not {type(value).__name__}"
        raise InvalidTypeError(msg)
    return tuple(value)


def _check_events(owner: str, events: tuple[object, ...]) -> None:
    """Refuse anything but ``BalanceEvent`` values among ``events``, naming ``owner``."""
    for index, event in enumerate(events):
        if isinstance(event, BalanceEvent):
            continue
        if _is_frame(event):
            msg = (
                f"{owner}: events must be BalanceEvent values, not a "
                f"{type(event).__name__}: run a ledger DataFrame with "
                "softstaking.frames.rewards or Program.table"
            )
        else:
            msg = f"{owner}: events[{index}] is a {type(event).__name__}, not a BalanceEvent"
        raise InvalidTypeError(msg)


def _check_holding_events(
    instance: Holding, _: attrs.Attribute[Any], value: tuple[object, ...]
) -> None:
    _check_events(f"the holding of {instance.token!r} by account {instance.account!r}", value)


def _check_part_events(
    instance: SubAccount, _: attrs.Attribute[Any], value: tuple[object, ...]
) -> None:
    _check_events(f"sub-account {instance.name!r}", value)


def _to_signed_opening(value: AmountLike) -> Decimal:
    return to_amount(value, name="opening", allow_negative=True)


def _to_opening(value: AmountLike) -> Decimal:
    return to_amount(value, name="opening")


def _to_frozen(value: AmountLike) -> Decimal:
    if value is ZERO:
        return ZERO
    return to_amount(value, name="frozen")


def _to_waiting(value: AmountLike) -> Decimal:
    if value is ZERO:
        return ZERO
    return to_amount(value, name="waiting")


def _to_credited(value: Iterable[DailyReward]) -> tuple[DailyReward, ...]:
    return tuple(value)


def _to_carry(value: AmountLike) -> Decimal:
    if value is ZERO:  # the default, already checked: skip the conversion
        return ZERO
    return to_amount(value, name="carry")


def _check_net(instance: SubAccount, _: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        msg = f"net must be a bool, not {type(value).__name__}"
        raise InvalidTypeError(msg)
    if not value and instance.opening < ZERO:
        msg = (
            f"sub-account {instance.name!r} opens at {instance.opening:f}; only a net "
            "account (net=True, such as margin) may be negative"
        )
        raise InvalidInputError(msg)


@attrs.frozen
class SubAccount:
    """One of a user's accounts in a token, such as ``"funding"`` or ``"margin"``.

    Attributes:
        name: What the account is called, for error messages.
        events: Its available-balance events, in any order.
        opening: Its balance before the first event.
        net: Whether it counts at its net value (assets less debt, as a margin account),
            which may go negative. A negative net value counts as zero: it never
            reduces the user's other accounts.
        frozen: The amount in open orders before the first event (an order still open
            from the previous run), so that its release is not refused.
        waiting: The amount waiting for redemption before the first event.
    """

    name: str = attrs.field(validator=_instance_of(str, "SubAccount.name"))
    events: tuple[BalanceEvent, ...] = attrs.field(
        default=(), converter=_to_events, validator=_check_part_events
    )
    opening: Decimal = attrs.field(default=ZERO, kw_only=True, converter=_to_signed_opening)
    net: bool = attrs.field(default=False, kw_only=True, validator=_check_net)
    frozen: Decimal = attrs.field(default=ZERO, kw_only=True, converter=_to_frozen)
    waiting: Decimal = attrs.field(default=ZERO, kw_only=True, converter=_to_waiting)


def _check_activated(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        check_aware(value, name="activated_at")


def _to_subaccounts(value: Iterable[SubAccount]) -> tuple[SubAccount, ...]:
    if value == ():
        return ()
    parts = tuple(value)
    for part in parts:
        if not isinstance(part, SubAccount):
            msg = f"subaccounts must hold SubAccount values, not {type(part).__name__}"
            raise InvalidTypeError(msg)
    return parts


@attrs.frozen
class Holding:
    """One account's holding of one token: the input of a program run.

    Attributes:
        account: The account (user) id.
        token: The token's symbol, which picks the program's rules.
        events: The main account's available-balance events, in any order: only
            ``BalanceEvent`` values. Anything else (such as a DataFrame of a ledger,
            which ``softstaking.frames.rewards`` runs) is refused with an
            ``InvalidTypeError`` naming the account.
        opening: The main account's balance before its first event; it earns from the
            start (unless ``activated_at`` is later).
        subaccounts: Further accounts of the same user in the same token, summed.
        activated_at: When the user enabled the program, for programs that pay only
            from then (or from the next day); None if always enabled.
        carry: What was owed but unpaid before the run, from the last record of the
            previous run, so that daily runs chain.
        frozen: The main account's amount in open orders before its first event.
        waiting: The main account's amount waiting for redemption before its first
            event. With ``carry``, these let daily runs chain while an order is open
            or a redemption waits across midnight.
        credited: With a compounding program, the records of every earlier run, whose
            payments are in the balance from their payout time on (see
            ``RewardCalculator.daily_rewards``), so that compounding runs chain too.

    Examples:
        >>> from datetime import UTC, datetime
        >>> h = Holding("alice", "USDT", [BalanceEvent(datetime(2025, 1, 1, tzinfo=UTC), 5)])
        >>> h.account, h.token, len(h.events)
        ('alice', 'USDT', 1)
    """

    account: str = attrs.field(validator=_instance_of(str, "Holding.account"))
    token: str = attrs.field(validator=_instance_of(str, "Holding.token"))
    events: tuple[BalanceEvent, ...] = attrs.field(
        default=(), converter=_to_events, validator=_check_holding_events
    )
    opening: Decimal = attrs.field(default=ZERO, kw_only=True, converter=_to_opening)
    subaccounts: tuple[SubAccount, ...] = attrs.field(
        default=(), kw_only=True, converter=_to_subaccounts
    )
    activated_at: datetime | None = attrs.field(
        default=None, kw_only=True, validator=_check_activated
    )
    carry: Decimal = attrs.field(default=ZERO, kw_only=True, converter=_to_carry)
    frozen: Decimal = attrs.field(default=ZERO, kw_only=True, converter=_to_frozen)
    waiting: Decimal = attrs.field(default=ZERO, kw_only=True, converter=_to_waiting)
    credited: tuple[DailyReward, ...] = attrs.field(
        default=(), kw_only=True, converter=_to_credited, repr=False
    )

    @classmethod
    def from_timeline(
        cls,
        account: str,
        token: str,
        timeline: BalanceTimeline,
        *,
        subaccounts: Iterable[SubAccount] = (),
        activated_at: datetime | None = None,
        carry: AmountLike = 0,
    ) -> Holding:
        """A holding whose main account is ``timeline`` (its events and opening).

        Args:
            account: The account id.
            token: The token's symbol.
            timeline: The main account's balance through time.
            subaccounts: Further accounts, as in the class.
            activated_at: When the user enabled the program, as in the class.
            carry: What was owed before the run, as in the class.
        """
        if not isinstance(timeline, BalanceTimeline):
            msg = f"timeline must be a BalanceTimeline, not {type(timeline).__name__}"
            raise InvalidTypeError(msg)
        return cls(
            account,
            token,
            timeline.events,
            opening=timeline.opening,
            subaccounts=tuple(subaccounts),
            activated_at=activated_at,
            carry=carry,
        )

    @property
    def parts(self) -> tuple[SubAccount, ...]:
        """Every account of the holding: the main one (named ``"main"``), then the others."""
        main = SubAccount(
            "main", self.events, opening=self.opening, frozen=self.frozen, waiting=self.waiting
        )
        return (main, *self.subaccounts)


def _clamped(events: list[BalanceEvent], opening: Decimal) -> tuple[Decimal, list[BalanceEvent]]:
    """A net account's contribution: its value where positive, else zero, exactly."""
    net = opening
    counted = max(net, ZERO)
    out: list[BalanceEvent] = []
    for index, event in enumerate(events):
        net = _exact_sum(net, event.delta, where=f"earning events[{index}] ({event.kind})")
        now = max(net, ZERO)
        if now != counted:
            out.append(BalanceEvent(event.at, EXACT.subtract(now, counted), kind=event.kind))
            counted = now
    return max(opening, ZERO), out


def merge_subaccounts(
    parts: Iterable[SubAccount],
    *,
    frozen_earns: bool,
    roles: Mapping[str, str] | None = None,
) -> tuple[Decimal, list[BalanceEvent]]:
    """The opening and events of the user's earning balance summed over ``parts``.

    Each part goes through ``earning_events`` on its own
    (so an overdrawn spot account is an error even if funding could cover it); a net
    part counts at its value clamped at zero. Because every part then stays at or above
    zero, so does their sum, at every event, and the result builds a
    ``BalanceTimeline``. Events at one instant keep the order
    of the parts.

    Args:
        parts: The sub-accounts.
        frozen_earns: Whether funds frozen in open orders earn.
        roles: Your own event kinds mapped to the pocket kind they act as.

    Returns:
        The summed opening and the events, in the parts' order.

    Raises:
        NegativeBalanceError: If a part that is not net would go below zero; the note
            names the sub-account.
        InvalidInputError: If a pocket event has the wrong sign, or a sum needs more
            significant digits than the library keeps; the note names the sub-account.

    Examples:
        >>> from datetime import UTC, datetime
        >>> t = datetime(2025, 1, 1, tzinfo=UTC)
        >>> spot = SubAccount("spot", opening=100)
        >>> margin = SubAccount("margin", [BalanceEvent(t, -70)], opening=50, net=True)
        >>> opening, events = merge_subaccounts([spot, margin], frozen_earns=True)
        >>> opening, [e.delta for e in events]
        (Decimal('150'), [Decimal('-50')])
    """
    opening = ZERO
    merged: list[BalanceEvent] = []
    for part in parts:
        try:
            events = earning_events(
                part.events,
                opening=part.opening,
                frozen=part.frozen,
                waiting=part.waiting,
                frozen_earns=frozen_earns,
                allow_negative=part.net,
                roles=roles,
            )
            part_opening = part.opening
            if frozen_earns and part.frozen:
                part_opening = _exact_sum(part_opening, part.frozen, where="its opening")
            if part.net:
                part_opening, events = _clamped(events, part_opening)
            opening = _exact_sum(opening, part_opening, where="the summed opening")
        except InvalidInputError as error:
            error.add_note(f"in sub-account {part.name!r}")
            raise
        merged.extend(events)
    return opening, merged
