"""The records through ``Program.run``, the general path: pockets, compounding, sub-accounts.

The integer engine computes a batch of plain transfers; a batch with amounts in open
orders or waiting for redemption, compounding holdings, or sub-accounts is computed
here, holding by holding, from the same read ledger.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs

from softstaking.columns.ledger import Ledger
from softstaking.columns.output import build_table, records_of
from softstaking.job.credits import Credits, credited_records
from softstaking.job.parts import Groups
from softstaking.programs.holdings import Holding, SubAccount
from softstaking.programs.program import Program, ledger_holdings

__all__ = ["general_table"]


def general_table(
    program: Program,
    read: Ledger,
    groups: Groups,
    frozen: Any,
    waiting: Any,
    *,
    credits: dict[int, Credits],
    paid: dict[int, list[tuple[datetime, Decimal]]],
    start: date,
    end: date,
) -> Any:
    """The records through ``Program.run``: pockets, compounding or sub-accounts.

    Each compounding holding (a key of ``credits``) gets the state's payments as its
    ``credited`` records; its records' ``(payout_at, paid)`` are put in ``paid``.
    """
    tokens = read.tokens
    day = start - timedelta(days=1)
    first = {t.symbol: program.calculators[t.symbol].calendar.start_of(start) for t in tokens}
    # Python ints: ledger_holdings makes Decimals of them.
    series = ledger_holdings(read, frozen=frozen.astype(object), waiting=waiting.astype(object))
    index: dict[tuple[str, str], int] = {}

    def merged() -> Iterator[tuple[int, Holding]]:
        if groups.members is None:
            yield from enumerate(series)
            return
        every = list(series)
        names = groups.sub.to_pylist()
        accounts = groups.account.to_pylist()
        for h, members in enumerate(groups.members):
            m = int(groups.main[h])
            main = every[m] if m >= 0 else None
            parts = [
                SubAccount(
                    names[i],
                    every[i].events,
                    opening=every[i].opening,
                    frozen=every[i].frozen,
                    waiting=every[i].waiting,
                )
                for i in members.tolist()
                if i != m
            ]
            i = int(members[0])
            holding = Holding(
                accounts[i],
                every[i].token,
                main.events if main else (),
                opening=main.opening if main else 0,
                carry=main.carry if main else 0,
                frozen=main.frozen if main else 0,
                waiting=main.waiting if main else 0,
                subaccounts=parts,
            )
            yield h, holding

    def with_credits() -> Iterator[Holding]:
        for h, holding in merged():
            if h in credits:
                index[holding.account, holding.token] = h
                decimals = tokens[read.code[groups.first[h]]].decimals
                records = credited_records(credits[h], first[holding.token], day, decimals)
                yield attrs.evolve(holding, credited=records) if records else holding
            else:
                yield holding

    def rewards() -> Iterator[tuple[str, str, Any]]:
        for r in program.run(with_credits(), start, end, sorted_accounts=True):
            h = index.get((r.account, r.token))
            if h is not None:
                paid.setdefault(h, []).append((r.reward.payout_at, r.reward.paid))
            yield r.account, r.token, r.reward

    zones = [program.calculators[t.symbol].tz for t in tokens]
    return build_table(records_of(rewards(), tokens, zones))
