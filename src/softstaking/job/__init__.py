"""The daily payout job: a ledger in, payouts and state out, safe to re-run.

``run_day`` and ``run_days`` compute from a ``State`` (each holding's closing amounts,
and with compounding its credited and pending payouts) and return the records and the
next state; ``run_files`` is the job on files, as the
``softstaking run`` command runs it. See the guide *Run the daily payout job*.

This layer sits above ``softstaking.io`` and ``softstaking.samples``, beside ``frames``
and ``plot``; it needs the ``arrow`` extra.
"""

from softstaking.job.run import (
    JobError,
    Summary,
    TokenTotals,
    UnchainableProgramError,
    run_day,
    run_days,
    run_files,
)
from softstaking.job.state import State, read_pending, read_state, write_state

__all__ = [
    "JobError",
    "State",
    "Summary",
    "TokenTotals",
    "UnchainableProgramError",
    "read_pending",
    "read_state",
    "run_day",
    "run_days",
    "run_files",
    "write_state",
]
