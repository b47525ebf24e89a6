"""Programs: every account's reward in every token, as a stream.

A ``Program`` holds one ``RewardCalculator`` per
token (its rate schedule, policy, minimum holding, cap, calendar and payout settings)
and the program-wide eligibility rules. ``Program.run`` reads holdings lazily and
yields one ``AccountReward`` per account, token and day, so a run over millions
of accounts holds one account's records at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Final

import attrs

from softstaking.core.amounts import ZERO
from softstaking.core.calculator import RewardCalculator, _instance_of
from softstaking.core.errors import InvalidInputError, InvalidTypeError, SoftStakingError
from softstaking.core.fixed import from_units
from softstaking.core.frozen import FrozenMap
from softstaking.core.instants import check_day, from_us
from softstaking.core.records import DailyReward
from softstaking.core.timeline import BalanceEvent, BalanceTimeline
from softstaking.core.tokens import GUARD_DIGITS
from softstaking.programs.eligibility import (
    POCKET_KINDS,
    EarningStart,
    activated_events,
    next_day_events,
    next_day_start,
)
from softstaking.programs.holdings import Holding, merge_subaccounts

if TYPE_CHECKING:
    import pyarrow as pa

    from softstaking.columns.ledger import Ledger

__all__ = [
    "AccountReward",
    "DuplicateHoldingError",
    "Program",
    "UnknownTokenError",
    "ledger_holdings",
    "table_of_read",
]


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
    return FrozenMap(out)


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
    return FrozenMap(out)


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

    def table(
        self, ledger: object, start: date, end: date, *, openings: object | None = None
    ) -> pa.Table:
        """Every account's records for the days in ``[start, end)``, as an Arrow table.

        Needs the ``arrow`` extra (pyarrow and numpy). The result equals ``run`` over
        the holdings the ledger describes, one row per account, token and day, ordered
        by account, token and day, with the columns ``account``, ``token``, ``day``
        (date32), ``balance``, ``eligible``, ``apr``, ``gross``, ``paid``, ``carry``,
        ``forfeited`` (Arrow decimals, never floats) and ``payout_at`` (a timestamp
        in the calculators' zone). The scales are those of
        ``softstaking.columns.output``: ``paid`` in the base unit; ``gross``,
        ``carry``, ``forfeited``, ``balance`` and ``eligible`` in the gross quantum
        (``decimals + GUARD_DIGITS``); ``apr`` to 28 decimal places. The types follow
        the scales (a ``decimal128`` keeps 12 digits left of the point, else a
        ``decimal256``), not the values, so that an Arrow or pandas sum of a column,
        which a ``decimal128`` keeps a ``decimal128``, has room. Two values are
        rounded half-even to their column's scale rather than exact: a
        ``TimeWeighted`` (or ``SnapshotAverage``) balance and eligible balance,
        which the calculator keeps to 100 significant digits, and a tier model's
        blended ``apr``; the gross and everything after it are computed from the
        unrounded values, so they equal ``run`` exactly. The tokens of one table share
        the finest token's scale, so a value that would need more than the 76 digits an
        Arrow decimal holds (say 10**20 of a 0-decimal token beside a 36-decimal token)
        raises ``InvalidInputError``; run such tokens in separate tables.

        The integer engine (``softstaking.columns.engine``) computes the table when
        every token's calculator has a daily ``AprSchedule`` (any rate: a Decimal or a
        tier model), the ``DailySnapshot``, ``TimeWeighted`` or ``MinimumBalance``
        policy, no compounding and no payout schedule (a ``payout_delay`` is fine),
        and the program takes deposits on arrival and the ledger has no pocket kind
        (``POCKET_KINDS``) or kind of ``kind_roles``. Otherwise the table is built
        from ``run`` over ``Holding`` values, with the same result, more slowly.

        Args:
            ledger: The balance events, one a row: a ``pyarrow.Table`` or anything with
                the Arrow stream interface (``__arrow_c_stream__``: pandas 2.2 and later,
                polars), with the columns ``account`` and ``token`` (strings), ``at``
                (timestamps with a time zone), ``delta`` (decimals, decimal strings or
                integers; never floats) and optionally ``kind`` (strings; empty means
                ``"transfer"``). Events at one instant apply in the ledger's order. A
                ``sub_account`` column must be empty: one balance is read per account
                and token (``run`` with ``SubAccount`` values checks each one's own).
            start: The first day.
            end: The day after the last.
            openings: The balances before the first event, a table of the same kinds
                with ``account``, ``token``, ``opening`` and optionally ``carry`` (from the
                last record of the previous run); an account and token without a
                row opens at zero.

        Raises:
            InvalidTypeError: A float amount column, or a column of another wrong type,
                named in the message.
            NaiveDatetimeError: Timestamps without a time zone.
            UnknownTokenError: A row names a token the program has no rules for.
            DuplicateHoldingError: The openings name an account and token twice.
            NegativeBalanceError: An event takes a balance below zero.
            InvalidInputError: An amount finer than the token's base unit, a missing
                column or an empty value. Messages name the row of the ledger (or
                openings), counted from 0 as given.

        Examples:
            >>> import pyarrow as pa
            >>> from datetime import UTC, datetime
            >>> from softstaking import AprSchedule, Token
            >>> usdt = RewardCalculator(Token("USDT", 6), AprSchedule.constant("0.0365"))
            >>> program = Program([usdt])
            >>> noon = datetime(2025, 1, 1, 12, tzinfo=UTC)
            >>> ledger = pa.table({
            ...     "account": ["alice"], "token": ["USDT"],
            ...     "at": pa.array([noon], pa.timestamp("us", "UTC")), "delta": ["1000"]})
            >>> t = program.table(ledger, date(2025, 1, 1), date(2025, 1, 3))
            >>> t.column("paid").to_pylist()
            [Decimal('0.000000'), Decimal('0.100000')]
        """
        first, last = check_day(start, name="start"), check_day(end, name="end")
        read = self._read(ledger, openings)
        return table_of_read(self, read, first, last)

    def batches(
        self, ledger: object, start: date, end: date, *, openings: object | None = None
    ) -> pa.RecordBatchReader:
        """``table``'s records as a stream of record batches, one schema throughout.

        The same rows as ``table``, in the same order, a chunk of accounts at a time, for
        a caller that writes them as they come (``pyarrow.parquet.ParquetWriter``,
        ``pyarrow.dataset.write_dataset``) and so never holds them all: on the integer
        engine's path the memory is that of the ledger and one chunk. The ledger is read
        and checked before this returns, so a bad row raises here, as in ``table``.

        The decimal types are those of the columns' scales (``softstaking.columns.output``)
        in every batch; a value too wide for its column's ``decimal128`` (more than 38
        digits) raises ``InvalidInputError`` while streaming, where ``table`` would make
        that column a ``decimal256``. Off the engine's path (see ``table``) the records
        are computed first, then streamed.

        Examples:
            >>> import pyarrow as pa
            >>> from datetime import UTC, datetime
            >>> from softstaking import AprSchedule, Token
            >>> usdt = RewardCalculator(Token("USDT", 6), AprSchedule.constant("0.0365"))
            >>> noon = datetime(2025, 1, 1, 12, tzinfo=UTC)
            >>> ledger = pa.table({
            ...     "account": ["alice"], "token": ["USDT"],
            ...     "at": pa.array([noon], pa.timestamp("us", "UTC")), "delta": ["1000"]})
            >>> stream = Program([usdt]).batches(ledger, date(2025, 1, 1), date(2025, 1, 3))
            >>> stream.read_all().column("paid").to_pylist()
            [Decimal('0.000000'), Decimal('0.100000')]
        """
        import pyarrow as pa  # noqa: PLC0415 (the arrow extra, lazy)

        first, last = check_day(start, name="start"), check_day(end, name="end")
        read = self._read(ledger, openings)
        calculators = _checked_rules(self, read, first, last)
        if not read.special and self._engine_runs(calculators):
            from softstaking.columns.engine import batches, check_balances  # noqa: PLC0415

            after = check_balances(read)
            schema, chunks = batches(read, calculators, first, last, after)
            return pa.RecordBatchReader.from_batches(schema, chunks)
        table = table_of_read(self, read, first, last)
        return pa.RecordBatchReader.from_batches(table.schema, table.to_batches())

    def _read(self, ledger: object, openings: object | None) -> Ledger:
        """The ledger and openings, read and checked for this program's tokens and kinds."""
        from softstaking.columns.ledger import read_ledger, to_arrow  # noqa: PLC0415 (lazy)

        events = to_arrow(ledger, name="ledger")
        opened = to_arrow(openings, name="openings") if openings is not None else None
        return read_ledger(
            events,
            opened,
            token_of=lambda symbol: self.calculator(symbol).token,
            special_kinds=POCKET_KINDS | set(self.kind_roles),
            duplicate_error=DuplicateHoldingError,
            wide=True,
        )

    def _engine_runs(self, calculators: list[RewardCalculator]) -> bool:
        """Whether the integer engine computes a table (see ``table``)."""
        if self.deposits is not EarningStart.ON_ARRIVAL:
            return False
        from softstaking.columns.engine import unsupported  # noqa: PLC0415 (lazy)

        return all(unsupported(calc) is None for calc in calculators)


def _checked_rules(
    program: Program, read: Ledger, start: date, end: date
) -> list[RewardCalculator]:
    """The calculators of the ledger's tokens, each checked over the days first.

    A bad range or a missing rate is the token's, not an account's.
    """
    calculators = [program.calculators[token.symbol] for token in read.tokens]
    for calc in calculators:
        try:
            calc.daily_rewards(_EMPTY, start, end)
        except SoftStakingError as error:
            error.add_note(f"in the rules of {calc.token.symbol!r}")
            raise
    return calculators


def table_of_read(program: Program, read: Ledger, start: date, end: date) -> pa.Table:
    """``program.table`` of a ledger already read (``columns.ledger.read_ledger``).

    For callers that read the ledger for their own needs too, such as the payout job:
    it is then read once. ``read`` must have been read with the program's tokens, its
    ``POCKET_KINDS`` and kinds of ``kind_roles`` as special kinds, as ``table`` does.
    """
    from softstaking.columns.engine import check_balances, compute  # noqa: PLC0415 (lazy)
    from softstaking.columns.output import build_table, records_of  # noqa: PLC0415 (lazy)

    calculators = _checked_rules(program, read, start, end)
    if not read.special:
        after = check_balances(read)
        if program._engine_runs(calculators):
            return compute(read, calculators, start, end, after)
    rewards = (
        (r.account, r.token, r.reward)
        for r in program.run(ledger_holdings(read), start, end, sorted_accounts=True)
    )
    return build_table(records_of(rewards, read.tokens, [c.tz for c in calculators]))


def ledger_holdings(
    read: Ledger,
    *,
    frozen: Sequence[int] | None = None,
    waiting: Sequence[int] | None = None,
) -> Iterator[Holding]:
    """The holdings a read ledger describes, in its order (by account, then token).

    ``frozen`` and ``waiting``, when given, are each holding's opening amounts in open
    orders and waiting for redemption, in base units, in the ledger's holding order.
    """
    bounds = read.bounds()
    accounts, symbols = read.account.to_pylist(), read.token.to_pylist()
    for i, (account, symbol) in enumerate(zip(accounts, symbols, strict=True)):
        exponent = -read.tokens[read.code[i]].decimals
        events = [
            BalanceEvent(
                from_us(int(read.at[j])),
                from_units(int(read.delta[j]), exponent),
                kind=read.kind[j],
            )
            for j in range(bounds[i], bounds[i + 1])
        ]
        yield Holding(
            account,
            symbol,
            events,
            opening=from_units(int(read.opening[i]), exponent),
            carry=from_units(int(read.carry[i]), exponent - GUARD_DIGITS),
            frozen=0 if frozen is None else from_units(frozen[i], exponent),
            waiting=0 if waiting is None else from_units(waiting[i], exponent),
        )
