"""Files in and out: balance events, rates and tiers in; reward records out and back.

Readers are generators over CSV or JSON Lines files: a file of millions of rows is never
in memory whole. A bad row is never skipped silently; the reader lists every problem with
its file, line and column in one ``BadRowsError`` after the last row. Writers keep
amounts exact: reading a written file back gives equal records. One caveat: a
``payout_at`` in a DST fold (``fold=1`` in a named zone) reads back as the same instant
with a fixed offset, which Python does not count ``==`` (see
``DailyReward``).

This package sits on top of the core; the core never imports it.

Examples:
    >>> import io
    >>> from softstaking.io import read_records, write_records
    >>> from softstaking.samples import seed_rewards
    >>> out = io.StringIO()
    >>> write_records(seed_rewards(), out, format="csv")
    8
    >>> _ = out.seek(0)
    >>> list(read_records(out, format="csv")) == seed_rewards()
    True
"""

from softstaking.io.checks import CHECK_COLUMNS, write_checks
from softstaking.io.errors import DEFAULT_MAX_ERRORS, BadRowsError, Problem
from softstaking.io.ledger import read_ledger
from softstaking.io.payouts import read_payouts
from softstaking.io.program_file import read_program
from softstaking.io.program_values import ProgramFileError
from softstaking.io.readers import (
    RateRow,
    read_events,
    read_numbered_events,
    read_rates,
    read_schedule,
    read_tiers,
)
from softstaking.io.records import (
    ACCOUNT_COLUMNS,
    COLUMNS,
    read_records,
    to_dicts,
    to_pandas,
    write_records,
)
from softstaking.io.sources import Format, Source

__all__ = [
    "ACCOUNT_COLUMNS",
    "CHECK_COLUMNS",
    "COLUMNS",
    "DEFAULT_MAX_ERRORS",
    "BadRowsError",
    "Format",
    "Problem",
    "ProgramFileError",
    "RateRow",
    "Source",
    "read_events",
    "read_ledger",
    "read_numbered_events",
    "read_payouts",
    "read_program",
    "read_rates",
    "read_records",
    "read_schedule",
    "read_tiers",
    "to_dicts",
    "to_pandas",
    "write_checks",
    "write_records",
]
