"""One token's rules over the run's days, worked out once, before the accounts.

``plan`` turns a calculator into arrays the engine reads for every series: each day's
snapshot instant (or start) and end, a *kind* per day (days with the same rate and
year length share one), the minimum holding and cap in base units, the minimum payout
in gross quanta. ``Aprs`` numbers the distinct ``apr`` values of a token's part, and
``run_gross`` is a run's gross as the calculator computes it, in Decimal, for what the
integer paths cannot promise: a tier model, a capped or ineligible balance, a
time-weighted average, a product too large.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_CEILING, Decimal, Inexact, InvalidOperation
from typing import TYPE_CHECKING, Any, NamedTuple

import attrs

from softstaking.columns.output import APR_SCALE, digits_of, scaled, words_of
from softstaking.core.amounts import CONTEXT, ZERO
from softstaking.core.calculator import RewardCalculator, precision_error
from softstaking.core.fixed import (
    coefficient,
    day_gross,
    flat_gross_units,
    from_units,
    units_at_least,
    weighted_gross_units,
)
from softstaking.core.intraday import day_rates
from softstaking.core.policies import DailySnapshot
from softstaking.core.rounding import Dust
from softstaking.core.tokens import GUARD_DIGITS

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Ints = npt.NDArray[np.int64]

__all__ = ["Aprs", "Plan", "Run", "Weighted", "plan", "run_gross"]

Run = tuple[int, int, int, int]
"""A run's measured and eligible balance and gross, in gross quanta, and its apr id."""


class Weighted(NamedTuple):
    """A time-weighted day with events, exact: its average is ``total / span`` base units."""

    total: int
    """The day's sum of balance × time, in base units × microseconds."""
    span: int
    """The day's length in microseconds."""

    def average(self, decimals: int) -> Decimal:
        """The average as ``TimeWeighted`` measures it: divided at the library's precision."""
        return CONTEXT.divide(from_units(self.total, -decimals), self.span)


@attrs.frozen(eq=False)
class Plan:
    """What one token's rules give every day of the run."""

    calculator: RewardCalculator
    policy: Any
    q: Ints  # snapshot instants, or day starts (microseconds)
    ends: Ints
    kind: Ints  # days with the same rate and year share a kind
    first: list[int]  # the first day of each kind
    rates: list[Any]
    years: list[int]
    flat: list[tuple[int, int] | None]  # a flat rate's coefficient pair, by day
    shift: int  # the decimals of the widest token less this token's
    min_units: int  # base units below which nothing is eligible
    cap_units: int | None  # base units above which the cap applies
    min_q: int  # the minimum payout in gross quanta, rounded up
    forfeit: bool


def plan(calculator: RewardCalculator, start: date, end: date, widest: int) -> Plan:
    """The plan of ``calculator`` for the days in ``[start, end)``.

    ``widest`` is the most decimals of any token in the table: every token's amounts
    are written at that scale.
    """
    import numpy as np

    windows = calculator.calendar.windows(start, end)
    days = len(windows)
    policy = calculator.policy
    if isinstance(policy, DailySnapshot):
        q = np.array([w.at_us(policy.at) for w in windows], dtype="int64")
    else:
        q = np.array([w.start_us for w in windows], dtype="int64")
    ends = np.array([w.end_us for w in windows], dtype="int64")
    rates = day_rates(calculator.schedule, windows)
    years = [calculator.day_count.days_in_year(w.day) for w in windows]
    kind = np.zeros(days, dtype="int64")
    for k in range(1, days):
        same = rates[k] == rates[k - 1] and years[k] == years[k - 1]
        kind[k] = kind[k - 1] if same else kind[k - 1] + 1
    decimals = calculator.token.decimals
    exponent = -(decimals + GUARD_DIGITS)
    cap = calculator.cap
    cap_units = None
    if cap is not None:
        n, e = coefficient(cap)
        cap_units = n * 10 ** (e + decimals) if e + decimals >= 0 else n // 10 ** -(e + decimals)
    min_holding = calculator.min_holding
    floor = calculator.min_payout.scaleb(-exponent, CONTEXT).to_integral_value(ROUND_CEILING)
    return Plan(
        calculator=calculator,
        policy=policy,
        q=q,
        ends=ends,
        kind=kind,
        first=np.searchsorted(kind, np.arange(int(kind[-1]) + 1 if days else 0)).tolist(),
        rates=rates,
        years=years,
        flat=[_flat(r) for r in rates],
        shift=widest - decimals,
        min_units=units_at_least(min_holding, -decimals) if min_holding else 0,
        cap_units=cap_units,
        min_q=int(floor),
        forfeit=calculator.dust is Dust.FORFEIT,
    )


def _flat(rate: object) -> tuple[int, int] | None:
    if type(rate) is not Decimal or rate.is_signed():
        return None
    return coefficient(rate)


class Aprs:
    """The distinct ``apr`` values of one token's part, numbered, and its Decimal runs.

    ``flat[k]`` is the id of the rate of the days of kind ``k`` where it is flat (the
    apr of a flat rate is the rate, whatever the balance), else -1.
    """

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self._scaled: dict[Decimal, int] = {}
        self.ids: dict[int, int] = {}  # apr in 10**-APR_SCALE -> id, in order of ids
        # By (value, kind of day, True): ints of base units only; a Decimal of tokens
        # may be an equal number and mean another balance.
        self._runs: dict[tuple[Any, int, bool], Run] = {}
        self.flat = [self.id(plan.rates[d]) if plan.flat[d] is not None else -1 for d in plan.first]

    def id(self, apr: Decimal) -> int:
        """The id of ``apr``, new or known."""
        apr_q = self._scaled.get(apr)
        if apr_q is None:
            apr_q = self._scaled[apr] = scaled(apr, APR_SCALE)
        return self.ids.setdefault(apr_q, len(self.ids))

    def words(self, run_apr: Any, lengths: Ints) -> tuple[Any, int]:
        """The ``apr`` column's words for runs of ids ``run_apr`` and ``lengths``, and digits."""
        import numpy as np

        values = list(self.ids)
        digits = digits_of(values)
        words = words_of(values)
        if digits <= 38:  # the decimal128 the column most often is
            words = np.ascontiguousarray(words[:, :2])
        return np.repeat(words[run_apr], lengths, axis=0), digits

    def run(self, value: Any, k: int) -> Run:
        """A run of ``value`` on days of kind ``k``: ``flat_gross_units`` where it answers.

        A time-weighted day (``Weighted``) by ``weighted_gross_units`` where it
        answers. Else ``run_gross``, remembered for an int.
        """
        plan = self.plan
        day_k = plan.first[k]
        coef = plan.flat[day_k]
        if type(value) is Weighted:
            if coef is not None and plan.min_units == 0 and plan.cap_units is None:
                both = weighted_gross_units(value.total, value.span, coef, plan.years[day_k])
                if both is not None:
                    return both[0], both[0], both[1], self.flat[k]
            value = value.average(plan.calculator.token.decimals)
        if type(value) is not int:  # hashing a 100-digit Decimal costs more than it saves
            return run_gross(plan, value, k, self)
        if (
            coef is not None
            and plan.min_units <= value
            and (plan.cap_units is None or value <= plan.cap_units)
        ):
            decimals = plan.calculator.token.decimals
            exponent = -(decimals + GUARD_DIGITS)
            units = flat_gross_units((value, -decimals), coef, plan.years[day_k], exponent)
            if units is not None:
                measured = value * 10**GUARD_DIGITS
                return measured, measured, units, self.flat[k]
        key = (value, k, True)
        cached = self._runs.get(key)
        if cached is None:
            cached = self._runs[key] = run_gross(self.plan, value, k, self)
        return cached


def run_gross(plan: Plan, value: Any, k: int, aprs: Aprs) -> Run:
    """A run's balance and eligible balance, gross (gross quanta) and apr id, in Decimal.

    ``value`` is an int of base units or a Decimal average; ``k`` the kind of its days.
    """
    calculator = plan.calculator
    decimals = calculator.token.decimals
    exponent = -(decimals + GUARD_DIGITS)
    min_holding, cap = calculator.min_holding, calculator.cap
    day_k = plan.first[k]
    rate, year = plan.rates[day_k], plan.years[day_k]
    if type(value) is int:
        measured_q = value * 10**GUARD_DIGITS
        if value < plan.min_units:
            allowed, allowed_q = ZERO, 0
        elif plan.cap_units is not None and value > plan.cap_units:
            assert cap is not None
            allowed, allowed_q = cap, scaled(cap, -exponent)
        else:
            allowed, allowed_q = Decimal(value).scaleb(-decimals, CONTEXT), measured_q
    else:
        measured_q = scaled(value, -exponent)
        if value < min_holding:
            allowed, allowed_q = ZERO, 0
        elif cap is not None and value > cap:
            allowed, allowed_q = cap, scaled(cap, -exponent)
        else:
            allowed, allowed_q = value, measured_q
    try:
        result = day_gross(allowed, rate, year, calculator.token.gross_quantum)
    except (InvalidOperation, Inexact) as error:  # as RewardCalculator.daily_rewards
        raise precision_error(calculator.token) from error
    units = int(result.gross.scaleb(-exponent, CONTEXT))
    flat_id = aprs.flat[k]
    return measured_q, allowed_q, units, flat_id if flat_id >= 0 else aprs.id(result.apr)
