"""Time-weighted days with events inside them, exact, for a whole token part at once.

Such a day's average is ``total / span`` base units: ``total`` is the opening balance
× the day's length plus ``delta × (end of day − instant)`` for each event inside the
day, in base units × microseconds, and ``span`` the day's length in microseconds.
``WeightedDays`` keeps a part's days as arrays (each one a ``Weighted`` on demand, for
the general path); ``gross`` computes every day's measured balance and gross as
``core.fixed.weighted_gross_units`` does, in arrays of base-``10**5`` limbs (small
enough that a remainder below a day's length times a limb stays in int64), and says
which days it cannot promise (an exact half quantum of gross, or values too large).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import attrs

from softstaking.columns.limbs import divmod_by, limbs_of
from softstaking.columns.plan import Plan, Weighted
from softstaking.columns.wideints import Wide
from softstaking.core.amounts import PRECISION
from softstaking.core.tokens import GUARD_DIGITS

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Ints = npt.NDArray[np.int64]

__all__ = ["Specials", "WeightedDays", "flat_runs", "gross"]

_F = 10**5
"""The limb base: a remainder below ``10**11`` (a day's µs) × ``10**5`` fits int64."""

_MAX_RATE = 9 * 10**8  # a limb × the rate's coefficient × 10**4 fits int64

_MAX_YEAR = 1000  # as core.fixed

_SPAN = 10**11
"""Microseconds above any day's (25 hours are 9 × 10**10): a limb × a span is below 10**16."""

_MAX_EVENTS = 900
"""Events in a day below this: a limb's sum of ``delta × weight`` stays in int64."""

_MEASURED = PRECISION - 1 - GUARD_DIGITS  # core.fixed._MAX_MEASURED, of the total
_SCALED = PRECISION - 2  # core.fixed._MAX_SCALED, of total × rate × 10**s


@attrs.frozen(eq=False)
class WeightedDays:
    """A token part's time-weighted days with events inside them, as arrays.

    Day ``i`` opens with the balance of value id ``opening[i]`` (of ``plain``), lasts
    ``span[i]`` µs, and has the events ``first[i]`` up to ``first[i + 1]`` (or the
    last): ``delta`` base units (int64, Python ints or a ``Wide``), each weighted by ``weight``
    µs, the rest of the day after it.
    """

    plain: Any
    opening: Ints
    span: Ints
    first: Ints
    delta: Any
    weight: Ints

    def __len__(self) -> int:
        return len(self.opening)

    def __getitem__(self, i: int) -> Weighted:
        span = int(self.span[i])
        stop = int(self.first[i + 1]) if i + 1 < len(self.first) else len(self.delta)
        start = int(self.first[i])
        added = sum(
            int(d) * int(w)
            for d, w in zip(self.delta[start:stop], self.weight[start:stop], strict=True)
        )
        return Weighted(int(self.plain[self.opening[i]]) * span + added, span)

    def __iter__(self) -> Iterator[Weighted]:
        return (self[i] for i in range(len(self)))


Specials = list[Any] | WeightedDays
"""A part's values past its plain balances: none (a list), or time-weighted days."""


def _fifths(values: Any, n: int) -> Ints | None:
    """Ints (int64, Python ints below ``2**256``, or a ``Wide``) as base-``10**5`` limbs.

    Signed: every limb of a value has its sign, or (from a ``Wide``) every limb is in
    ``[0, 10**5)`` but the top one, in ``(-10**5, 10**5)``, which carries the sign.
    Either way each limb is below ``10**5`` in magnitude.
    """
    import numpy as np

    if isinstance(values, Wide):
        tens = values.limbs
        hi, lo = divmod_by(tens, _F)
        out = np.empty((2 * len(tens), n), dtype="int64")
        out[0::2], out[1::2] = lo, hi
        while len(out) and (np.abs(out[-1]) >= _F).any():  # a top limb may be larger
            up, top = divmod_by(out[-1], _F)
            out = np.concatenate([out[:-1], top[None, :], up[None, :]])
        return out
    array = np.asarray(values)
    negative = np.asarray(array < 0, dtype=bool)
    limbs = limbs_of(np.where(negative, -array, array) if negative.any() else array)
    if limbs is None:
        return None
    hi, lo = divmod_by(limbs, _F)
    out = np.empty((2 * len(limbs), n), dtype="int64")
    out[0::2], out[1::2] = lo, hi
    out[:, negative] *= -1
    return out


def _carry(x: Ints) -> Ints:
    """Limbs with every carry moved up (floor division: a negative value's top is negative).

    Without the top limbs that are zero for every value (one limb at least).
    """
    import numpy as np

    x = np.concatenate([x, np.zeros((2, x.shape[1]), dtype="int64")])
    for i in range(len(x) - 1):
        up, x[i] = divmod_by(x[i], _F)
        x[i + 1] += up
    k = len(x)
    while k > 1 and not x[k - 1].any():
        k -= 1
    return x[:k]


def _plus(q: Ints, up: Any) -> Ints:
    """``q + up`` (``up`` 0 or 1, a bool array) for limbs each below ``10**5``, in place.

    Only the rows whose lowest limb reaches ``10**5`` carry, as far as they must; a limb
    is added on top only if a carry reaches it.
    """
    import numpy as np

    q[0] += up
    rows = np.flatnonzero(q[0] == _F)
    i = 0
    while len(rows):
        if i + 1 == len(q):
            q = np.concatenate([q, np.zeros((1, q.shape[1]), dtype="int64")])
        q[i, rows] = 0
        q[i + 1, rows] += 1
        i += 1
        rows = rows[q[i, rows] == _F]
    return q


def _divide(x: Ints, d: Any) -> tuple[Ints, Ints]:
    """``divmod`` of non-negative carried limbs by ``d``, limb by limb.

    ``d × 10**5`` must be below ``2**63`` (a remainder times a limb's base fits int64).

    ``d`` is an int or an array; an array of one value divides as that int, faster.
    """
    import numpy as np

    if not isinstance(d, int) and len(d) and (d == d[0]).all():
        d = int(d[0])
    q = np.empty_like(x)
    rem = np.zeros(x.shape[1], dtype="int64")
    for i in range(len(x) - 1, -1, -1):
        q[i], rem = divmod_by(rem * _F + x[i], d)
    return q, rem


def _below(x: Ints, digits: int) -> Any:
    """Which carried values are below ``10**digits``."""
    import numpy as np

    whole, part = divmod(digits, 5)
    ok = np.ones(x.shape[1], dtype=bool)
    if len(x) > whole:
        ok &= x[whole] < 10**part
        if len(x) > whole + 1:
            ok &= ~x[whole + 1 :].any(axis=0)
    return ok


def _tens(x: Ints) -> Ints:
    """Carried base-``10**5`` limbs as base-``10**10`` limbs (``columns.wide``)."""
    import numpy as np

    if len(x) % 2:
        x = np.concatenate([x, np.zeros((1, x.shape[1]), dtype="int64")])
    out: Ints = x[0::2] + x[1::2] * _F
    return out


def gross(
    days: WeightedDays, at: Ints, rate: tuple[int, int], year: int
) -> tuple[Ints, Ints, Any] | None:
    """The measured balance and gross (base-``10**10`` limbs of gross quanta) of days ``at``.

    As ``core.fixed.weighted_gross_units`` for each, at the flat ``rate`` (a
    ``coefficient`` pair) and a ``year`` of that many days; the third array says which
    days it answers for (False where ``weighted_gross_units`` declines: an exact half
    quantum of gross, or a numerator past its proof's bound). None for the whole call
    where the rate or year is out of its range, or for a day whose sums it cannot
    promise to hold in int64: an amount past ``2**256``, more than ``_MAX_EVENTS``
    events, a span of ``_SPAN`` µs or more, or a negative total.
    """
    import numpy as np

    r, exponent = rate
    s = GUARD_DIGITS + exponent
    if not 0 <= s <= GUARD_DIGITS or not 0 <= r < _MAX_RATE or not 0 < year < _MAX_YEAR:
        return None
    n = len(at)
    span = days.span[at]
    opening = _fifths(days.plain[days.opening[at]], n)
    # The events of the days at ``at``, and which of those days each belongs to.
    stops = np.append(days.first[1:], len(days.delta))
    counts = stops[at] - days.first[at]
    if n and int(counts.max()) > _MAX_EVENTS:
        return None
    which = np.repeat(np.arange(n), counts)
    offsets = np.cumsum(counts) - counts
    events = np.repeat(days.first[at] - offsets, counts) + np.arange(int(counts.sum()))
    weight = days.weight[events]
    delta = _fifths(days.delta[events], len(events))
    if opening is None or delta is None or (n and int(span.max()) >= _SPAN):
        return None  # a weight is below its day's span
    # total = opening × span + Σ delta × weight: each product below 10**16, and the sums
    # of a day's events carried before they could pass int64.
    total = np.zeros((max(len(opening), len(delta)) + 3, n), dtype="int64")
    total[: len(opening)] = opening * span
    if len(events):
        heads = np.flatnonzero(np.diff(which, prepend=-1))
        for i in range(len(delta)):
            total[i, which[heads]] += np.add.reduceat(delta[i] * weight, heads)
    total = _carry(total)
    if (total[-1] < 0).any():  # a negative total: not a balance the ledger can hold
        return None
    # measured = round_half_even(total × 10**20 / span)
    q, rem = _divide(np.concatenate([np.zeros((4, n), dtype="int64"), total]), span)
    measured = _plus(q, (2 * rem > span) | ((2 * rem == span) & (q[0] % 2 == 1)))
    # gross = round_half_even(total × r × 10**s / (span × year)); a tie is not promised.
    whole_limbs, digits = divmod(s, 5)
    product = _carry(
        np.concatenate([np.zeros((whole_limbs, n), dtype="int64"), total * (r * 10**digits)])
    )
    if n and int(span.max()) * year * _F >= 2**63:  # by the span, then by the year
        q1, r1 = _divide(product, span)
        q2, r2 = _divide(q1, year)
        rest = span * r2 + r1
    else:  # by both at once: a remainder below span × year, times 10**5, fits int64
        q2, rest = _divide(product, span * year)
    twice, over = 2 * rest, span * year
    result = _plus(q2, twice > over)
    ok = (twice != over) & _below(total, _MEASURED) & _below(product, _SCALED)
    return _tens(measured), _tens(result), ok


def flat_runs(
    plan: Plan, days: WeightedDays, first_id: int, vids: Ints, kinds: Ints
) -> Iterator[tuple[Ints, Ints, Ints, int]]:
    """The runs of time-weighted days (value ids from ``first_id``) ``gross`` answers.

    For a token at a flat rate with no minimum holding or cap, per kind of day ``k``:
    the runs' indices, their measured balance and gross (limbs of gross quanta), and
    ``k``. The other runs are left to ``Aprs.run``.
    """
    import numpy as np

    if plan.min_units or plan.cap_units is not None:
        return
    is_day = vids >= first_id
    for k, day_k in enumerate(plan.first):
        coef = plan.flat[day_k]
        at = np.flatnonzero(is_day & (kinds == k))
        if coef is None or not len(at):
            continue
        result = gross(days, vids[at] - first_id, coef, plan.years[day_k])
        if result is not None:
            measured, amount, ok = result
            yield at[ok], measured[:, ok], amount[:, ok], k
