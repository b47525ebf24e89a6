"""The engine's int64 path: a token's runs of days as arrays, where the numbers fit.

An amount in gross quanta (``10**-(decimals + GUARD_DIGITS)``) is held as three int64
arrays (``Split``): ``whole × 10**20 + hi × 10**10 + lo``, where ``whole`` counts base
units and ``hi`` and ``lo``, each below ``10**10``, the gross quanta below one base
unit (``GUARD_DIGITS`` is 20).

* ``flat_gross`` is ``core.fixed.flat_gross_units`` for a whole array of balances: the
  same single half-even division of ``balance × rate × 10**s`` by the year's days,
  done as ``q, rem = divmod(balance × rate, year)`` in int64, with the part of
  ``rem × 10**s / year`` (and whether to round up) read from a table of the ``year``
  possible remainders, worked out exactly in Python ints.
* ``pay_fast`` and ``pay_days`` settle the days as ``core.fixed.settle_units`` does:
  the first by sums along the days where every payable amount is paid, the second a
  day at a time across the series (a minimum payout, forfeited dust, carries of whole
  base units).

Every function returns ``None`` where a value does not fit (a balance past ``2**63``
base units, a product past int64): the engine then works that token's part in Python
ints instead. Nothing is ever rounded here that ``core.fixed`` does not round.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

import attrs

from softstaking.columns import weighted
from softstaking.columns.limbs import divmod_by
from softstaking.columns.output import parts_words
from softstaking.columns.plan import Aprs, Plan
from softstaking.columns.weighted import Specials, WeightedDays
from softstaking.columns.wideints import Wide
from softstaking.core.tokens import GUARD_DIGITS

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Ints = npt.NDArray[np.int64]

__all__ = [
    "LIMB",
    "LIMIT",
    "Split",
    "flat_gross",
    "from_limbs",
    "int64s",
    "part",
    "pay_days",
    "pay_fast",
    "remainders",
    "split_ints",
]

LIMB = 10
"""The digits of ``hi`` and of ``lo``: together the ``GUARD_DIGITS`` below a base unit."""

_B = 10**LIMB

LIMIT = 2**62
"""Wholes (base units) below this: a sum of two, and a carry, stays within int64."""

_MAX_YEAR = 1000  # as core.fixed: a year of fewer days keeps the single rounding exact

assert 2 * LIMB == GUARD_DIGITS


@attrs.frozen(eq=False)
class Split:
    """Amounts in gross quanta: ``whole × 10**20 + hi × 10**10 + lo``, int64 arrays."""

    whole: Ints
    hi: Ints
    lo: Ints

    @classmethod
    def units(cls, whole: Ints) -> Split:
        """Whole base units, nothing below."""
        import numpy as np

        n = len(whole)
        return cls(whole, np.zeros(n, dtype="int64"), np.zeros(n, dtype="int64"))

    def parts(self) -> list[Ints]:
        """``[whole, hi, lo]``, for ``output.parts_words(parts, LIMB, shift)``."""
        return [self.whole, self.hi, self.lo]

    def repeat(self, lengths: Ints) -> Split:
        """Each amount ``lengths[i]`` times, as ``numpy.repeat``."""
        import numpy as np

        return Split(*(np.repeat(p, lengths) for p in self.parts()))

    def same(self, other: Split) -> bool:
        """Whether both hold the same amounts."""
        import numpy as np

        return all(np.array_equal(a, b) for a, b in zip(self.parts(), other.parts(), strict=True))

    def largest(self) -> int:
        """The largest amount, in gross quanta (0 for none)."""
        import numpy as np

        if not len(self.whole):
            return 0
        whole = int(self.whole.max())
        at = np.flatnonzero(self.whole == whole)
        hi = int(self.hi[at].max())
        lo = int(self.lo[at[self.hi[at] == hi]].max())
        largest: int = (whole * _B + hi) * _B + lo
        return largest


def int64s(values: Any) -> Ints | None:
    """An object array of Python ints (or a ``Wide``) as int64, or None if one does not fit."""
    import numpy as np

    if isinstance(values, Wide):
        return values.int64s()
    try:
        return np.asarray(values).astype("int64")
    except OverflowError:
        return None


def split_ints(values: Any) -> Split | None:
    """Non-negative gross quanta (an object array of ints) as a ``Split``; None past ``LIMIT``."""
    import numpy as np

    small = int64s(values)
    if small is not None:  # below 2**63 < 10**20: no whole base unit
        hi, lo = divmod_by(small, _B)
        return Split(np.zeros(len(small), dtype="int64"), hi, lo)
    parts: tuple[list[int], list[int], list[int]] = ([], [], [])
    for v in values:
        w, rest = divmod(int(v), _B * _B)
        if w >= LIMIT:
            return None
        parts[0].append(w)
        parts[1].append(rest // _B)
        parts[2].append(rest % _B)
    return Split(*(np.array(p, dtype="int64") for p in parts))


def from_limbs(limbs: Ints) -> Split | None:
    """Base-``10**10`` limbs of gross quanta (``columns.wide``) as a ``Split``.

    None past ``LIMIT`` base units.
    """
    import numpy as np

    n = limbs.shape[1]
    rows = [limbs[i] if i < len(limbs) else np.zeros(n, dtype="int64") for i in range(4)]
    if len(limbs) > 4 and limbs[4:].any():
        return None
    if n and int(rows[3].max()) >= LIMIT // _B:
        return None
    return Split(rows[2] + rows[3] * _B, rows[1].copy(), rows[0].copy())


@lru_cache(maxsize=64)
def remainders(s: int, year: int) -> tuple[Ints, Ints, Ints, Ints]:
    """For each ``rem`` below ``year``: ``rem × 10**s // year`` and how its rest rounds.

    The quotient as (hi, lo) limbs; whether the rest is more than half of ``year``;
    whether it is exactly half.
    """
    import numpy as np

    t_hi, t_lo, above, half = [], [], [], []
    for rem in range(year):
        t, rest = divmod(rem * 10**s, year)
        t_hi.append(t // _B)
        t_lo.append(t % _B)
        above.append(2 * rest > year)
        half.append(2 * rest == year)
    return (
        np.array(t_hi, dtype="int64"),
        np.array(t_lo, dtype="int64"),
        np.array(above, dtype=bool),
        np.array(half, dtype=bool),
    )


def flat_gross(units: Ints, rate: tuple[int, int], year: int) -> Split | None:
    """The gross of ``units`` base units at a flat rate, as ``flat_gross_units`` gives it.

    ``rate`` is the rate's ``coefficient`` pair ``(r, exponent)``, non-negative. The
    gross in quanta is ``round_half_even(units × r × 10**s / year)`` with
    ``s = GUARD_DIGITS + exponent``; ``None`` where ``s`` is outside ``[0, 20]``, the
    year is not below 1000 days, or ``units × r`` passes int64.
    """
    import numpy as np

    r, exponent = rate
    s = GUARD_DIGITS + exponent
    if not 0 <= s <= GUARD_DIGITS or not 0 < year < _MAX_YEAR:
        return None
    if len(units) and r and int(units.max()) > (2**63 - 1) // r:
        return None
    q, rem = divmod_by(units * r, year)
    t_hi, t_lo, above, half = remainders(s, year)
    # The quotient is q × 10**s + t, t = t_hi × 10**10 + t_lo; its parity is t's (10**s
    # is even) unless s is 0, where t is 0.
    odd = (t_lo[rem] if s else q) & 1
    up = above[rem] | (half[rem] & (odd == 1))
    # q × 10**s = b1 × 10**20 + b0 × 10**s, b0 below 10**(20 - s).
    e = GUARD_DIGITS - s
    if e <= 18:
        b1, b0 = divmod_by(q, 10**e)
    else:  # q is below 2**63 < 10**19 <= 10**e
        b1, b0 = np.zeros_like(q), q
    if s >= LIMB:
        hi, lo = b0 * 10 ** (s - LIMB), np.zeros_like(q)
    else:
        hi, lo = divmod_by(b0, 10 ** (LIMB - s))
        lo *= 10**s
    lo += t_lo[rem] + up
    carry = lo >= _B
    lo -= carry * _B
    hi += t_hi[rem] + carry
    carry = hi >= _B  # only where the rest is exactly one base unit
    hi -= carry * _B
    return Split(b1 + carry, hi, lo)


def pay_fast(gross: Split, lengths: Ints, carry: Split, m: int, days: int) -> tuple[Ints, Split]:
    """``(paid, carry)`` of every cell where every payable amount is paid.

    For no minimum payout above one base unit, ``Dust.CARRY``, and carries in below one
    base unit (``carry.whole`` all zero). ``gross`` is per run of days (``lengths``);
    the result per cell (``m`` series × ``days``). The carry after a day is the carry
    in plus the parts below a base unit of the days so far, modulo one base unit; a
    day pays its whole base units, and one more when the carry passes a base unit.
    """
    import numpy as np

    hi = np.repeat(gross.hi, lengths).reshape(m, days).cumsum(axis=1) + carry.hi[:, None]
    lo = np.repeat(gross.lo, lengths).reshape(m, days).cumsum(axis=1) + carry.lo[:, None]
    up, lo = divmod_by(lo, _B)
    units, hi = divmod_by(hi + up, _B)  # whole base units the carries made so far
    bump = np.diff(units, axis=1, prepend=0).ravel()
    paid = np.repeat(gross.whole, lengths) + bump
    return paid, Split(np.zeros(m * days, dtype="int64"), hi.ravel(), lo.ravel())


def pay_days(  # noqa: PLR0917 (the parts of one token's chunk)
    gross: Split,
    lengths: Ints,
    carry: Split,
    m: int,
    days: int,
    min_units: int,
    *,
    forfeit: bool,
) -> tuple[Ints, Split, Split | None] | None:
    """``(paid, carry, forfeited)`` of every cell, settled a day at a time.

    As ``settle_units``: what is payable is the whole base units owed; it is paid
    unless fewer than ``min_units`` (the minimum payout in base units, rounded up);
    the rest carries, or with ``forfeit`` the part below a base unit is given up
    (``forfeited``; None without ``forfeit``: all zero). None if ``min_units`` does not
    fit the int64 sums.
    """
    import numpy as np

    if min_units >= LIMIT:
        return None
    cells = (m, days)
    gw, gh, gl = (np.repeat(p, lengths).reshape(cells) for p in gross.parts())
    paid = np.empty(cells, dtype="int64")
    out_w, out_h, out_l = (np.empty(cells, dtype="int64") for _ in range(3))
    if forfeit:
        f_h, f_l = np.empty(cells, dtype="int64"), np.empty(cells, dtype="int64")
    cw, ch, cl = carry.whole, carry.hi, carry.lo
    zero = np.zeros(m, dtype="int64")
    for d in range(days):
        lo = cl + gl[:, d]
        up = lo >= _B
        lo -= up * _B
        hi = ch + gh[:, d] + up
        up = hi >= _B
        hi -= up * _B
        owed = cw + gw[:, d] + up
        p = np.where(owed < min_units, 0, owed)
        paid[:, d] = p
        cw = owed - p
        if forfeit:
            f_h[:, d], f_l[:, d] = hi, lo
            ch = cl = zero
        else:
            ch, cl = hi, lo
        out_w[:, d], out_h[:, d], out_l[:, d] = cw, ch, cl
    settled = Split(out_w.ravel(), out_h.ravel(), out_l.ravel())
    lost = Split(np.zeros(m * days, dtype="int64"), f_h.ravel(), f_l.ravel()) if forfeit else None
    return paid.ravel(), settled, lost


def _digits(split: Split, shift: int) -> int:
    """The digits of the largest amount, scaled by ``10**shift``."""
    return len(str(split.largest() * 10**shift))


def part(  # noqa: PLR0917 (the runs of one token's chunk)
    plan: Plan,
    plain: Any,
    special: Specials,
    vids: Ints,
    kinds: Ints,
    lengths: Ints,
    aprs: Aprs,
    carry: Any,
    days: int,
) -> tuple[dict[str, Any], dict[str, int]] | None:
    """The words of every decimal column of one token's part, and their digits; or None.

    ``vids`` and ``kinds`` are the value id and kind of day of each run of days,
    ``lengths`` its days; ids below ``len(plain)`` are plain balances (ints), the others
    ``special`` values. ``carry`` is each series' carry in. None where an amount does
    not fit int64 (``LIMIT``).
    """
    import numpy as np

    ints = int64s(plain)
    carry_in = split_ints(carry)
    if ints is None or carry_in is None:
        return None
    runs = _runs(plan, ints, special, vids, kinds, aprs)
    if runs is None:
        return None
    balance, eligible, gross, run_apr = runs
    m = len(carry_in.whole)
    shift = plan.shift

    def spread(split: Split) -> tuple[Any, int]:
        if split.hi.any() or split.lo.any():
            words = parts_words(split.parts(), LIMB, shift)
        else:  # whole base units: one part, scaled by the gross quanta of a unit too
            words = parts_words([split.whole], LIMB, GUARD_DIGITS + shift)
        if len(words) < m * days:  # else every run is one day
            words = np.repeat(words, lengths, axis=0)
        return words, _digits(split, shift)

    out: dict[str, Any] = {}
    digits: dict[str, int] = {}
    out["balance"], digits["balance"] = spread(balance)
    if eligible.same(balance):
        out["eligible"], digits["eligible"] = out["balance"], digits["balance"]
    else:
        out["eligible"], digits["eligible"] = spread(eligible)
    out["gross"], digits["gross"] = spread(gross)
    out["apr"], digits["apr"] = aprs.words(run_apr, lengths)
    if not _pay(out, digits, plan, gross, lengths, carry_in, days):
        return None
    return out, digits


def _runs(  # noqa: PLR0917 (the runs of one token's chunk)
    plan: Plan, ints: Ints, special: Specials, vids: Ints, kinds: Ints, aprs: Aprs
) -> tuple[Split, Split, Split, Ints] | None:
    """Each run's balance, eligible balance, gross and apr id; None past ``LIMIT``.

    A run of a plain balance (an id below ``len(ints)``) within the minimum holding and
    the cap, on a day of a flat rate, is computed by ``flat_gross``; any other run as
    the general path computes it (``aprs.run``).
    """
    import numpy as np

    n = len(vids)
    is_plain = vids < len(ints)
    units = np.where(is_plain, ints[np.where(is_plain, vids, 0)], 0)
    fast = is_plain & (units >= plan.min_units)
    if plan.cap_units is not None:
        fast &= units <= plan.cap_units
    balance, eligible = Split.units(units.copy()), Split.units(units.copy())
    gross = Split(*(np.zeros(n, dtype="int64") for _ in range(3)))
    run_apr = np.zeros(n, dtype="int64")
    for k, day_k in enumerate(plan.first):
        at = np.flatnonzero(fast & (kinds == k))
        coef = plan.flat[day_k]
        result = None if coef is None else flat_gross(units[at], coef, plan.years[day_k])
        if result is None:
            fast[at] = False
            continue
        gross.whole[at], gross.hi[at], gross.lo[at] = result.parts()
        run_apr[at] = aprs.flat[k]
    if isinstance(special, WeightedDays):
        for at, measured, amount, k in weighted.flat_runs(plan, special, len(ints), vids, kinds):
            measured_q, gross_q = from_limbs(measured), from_limbs(amount)
            if measured_q is None or gross_q is None:
                return None
            for target, value in ((balance, measured_q), (eligible, measured_q), (gross, gross_q)):
                target.whole[at], target.hi[at], target.lo[at] = value.parts()
            run_apr[at] = aprs.flat[k]
            fast[at] = True
    slow = np.flatnonzero(~fast)
    if len(slow):
        values = [int(ints[v]) if v < len(ints) else special[v - len(ints)] for v in vids[slow]]
        runs = [aprs.run(v, k) for v, k in zip(values, kinds[slow].tolist(), strict=True)]
        for i, target in enumerate((balance, eligible, gross)):
            split = split_ints(np.array([r[i] for r in runs], dtype=object))
            if split is None:
                return None
            target.whole[slow], target.hi[slow], target.lo[slow] = split.parts()
        run_apr[slow] = [r[3] for r in runs]
    if n and max(int(balance.whole.max()), int(gross.whole.max())) >= LIMIT:
        return None
    return balance, eligible, gross, run_apr


def _pay(  # noqa: PLR0917 (the parts of one token's chunk)
    out: dict[str, Any],
    digits: dict[str, int],
    plan: Plan,
    gross: Split,
    lengths: Ints,
    carry_in: Split,
    days: int,
) -> bool:
    """Paid, carry and forfeited words of every cell; False where they do not fit."""
    step = 10**GUARD_DIGITS
    m = len(carry_in.whole)
    lost: Split | None
    if plan.min_q <= step and not plan.forfeit and not carry_in.whole.any():
        paid, carry = pay_fast(gross, lengths, carry_in, m, days)
        lost = None
    else:
        min_units = -(-plan.min_q // step)
        settled = pay_days(gross, lengths, carry_in, m, days, min_units, forfeit=plan.forfeit)
        if settled is None:
            return False
        paid, carry, lost = settled
    shift = plan.shift
    out["paid"] = parts_words([paid], LIMB, shift, narrow=True)
    digits["paid"] = len(str(int(paid.max()) * 10**shift)) if len(paid) else 1
    out["carry"] = parts_words(carry.parts(), LIMB, shift)
    digits["carry"] = _digits(carry, shift)
    if lost is None:
        out["forfeited"], digits["forfeited"] = None, 1
    else:
        out["forfeited"] = parts_words(lost.parts(), LIMB, shift)
        digits["forfeited"] = _digits(lost, shift)
    return True
