"""The engine's path for amounts past int64: numbers as base-``10**10`` limbs in arrays.

An 18-decimal token passes int64 at about nine tokens, so its balances and daily gross
do not fit ``vector``'s arrays. Here an amount is an ``(k, n)`` int64 array of limbs,
least significant first: ``Σ limbs[i] × 10**(10 × i)``, each limb below ``10**10``.

* ``limbs.limbs_of`` turns Python ints (below ``2**256``) into limbs.
* ``flat_gross`` is ``core.fixed.flat_gross_units`` for limbs: the product by the
  rate's coefficient and the long division by the year's days, limb by limb, with
  ``vector``'s table of remainders for the digits below and the half-even rounding.
* ``part`` works a token's part: where every payable amount is paid, ``vector.pay_fast``
  settles the parts below a base unit (they fit int64 whatever the balance) and each
  day pays its run's whole base units besides; otherwise (a minimum payout, forfeited
  dust) a day at a time across the series, in limbs. It returns None for an amount
  past ``2**256``, which the Python-int path works.

Nothing is rounded here that ``core.fixed`` does not round.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from softstaking.columns import vector, weighted
from softstaking.columns.limbs import BASE_DIGITS, divmod_by, largest, limbs_of, trim
from softstaking.columns.output import add_small, limb_words, parts_words
from softstaking.columns.plan import Aprs, Plan
from softstaking.columns.weighted import Specials, WeightedDays
from softstaking.columns.wideints import Wide
from softstaking.core.tokens import GUARD_DIGITS

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Ints = npt.NDArray[np.int64]

__all__ = ["flat_gross", "part"]

_B = 10**BASE_DIGITS

_MAX_RATE = 9 * 10**8
"""Rate coefficients below this: ``limb × r + rem × 10**10`` stays within int64."""

_MAX_YEAR = 1000  # as core.fixed


def flat_gross(units: Ints, rate: tuple[int, int], year: int) -> Ints | None:
    """The gross in gross quanta of ``units`` (limbs of base units) at a flat rate.

    As ``core.fixed.flat_gross_units``: ``round_half_even(units × r × 10**s / year)``
    with ``s = GUARD_DIGITS + exponent``. None where ``s`` is outside ``[0, 20]``, the
    year is not below 1000 days, or the coefficient ``r`` is not below ``_MAX_RATE``.
    """
    import numpy as np

    r, exponent = rate
    s = GUARD_DIGITS + exponent
    if not 0 <= s <= GUARD_DIGITS or not 0 < year < _MAX_YEAR or not 0 <= r < _MAX_RATE:
        return None
    k, n = units.shape
    # Long division of units × r by the year, most significant limb first. The
    # quotient's limbs may pass 10**10 until they are carried.
    q = np.zeros((k + 1, n), dtype="int64")
    rem = np.zeros(n, dtype="int64")
    for i in range(k - 1, -1, -1):
        q[i], rem = divmod_by(rem * _B + units[i] * r, year)
    for i in range(k):
        up, q[i] = divmod_by(q[i], _B)
        q[i + 1] += up
    t_hi, t_lo, above, half = vector.remainders(s, year)
    # The quotient is q × 10**s + t; its parity is t's (10**s is even) unless s is 0.
    odd = (t_lo[rem] if s else q[0]) & 1
    up = above[rem] | (half[rem] & (odd == 1))
    whole_limbs, digits = divmod(s, BASE_DIGITS)
    g = np.zeros((k + 3, n), dtype="int64")
    if digits:  # each limb's top digits move up a limb
        top, low = divmod_by(q, 10 ** (BASE_DIGITS - digits))
        g[whole_limbs : whole_limbs + k + 1] += low * 10**digits
        g[whole_limbs + 1 : whole_limbs + k + 2] += top
    else:
        g[whole_limbs : whole_limbs + k + 1] = q
    g[0] += t_lo[rem] + up  # t is below 10**s: it fills the zeros the shift left
    g[1] += t_hi[rem]
    for i in range(k + 2):
        carry, g[i] = divmod_by(g[i], _B)
        g[i + 1] += carry
    return trim(g)


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

    As ``vector.part``, for amounts of any size below ``2**256`` (and carries in below
    ``vector.LIMIT`` base units): by running sums where every payable amount is paid
    (no minimum payout above one base unit, ``Dust.CARRY``, carries in below one base
    unit), else a day at a time across the series. None past those sizes.
    """
    import numpy as np

    step = 10**GUARD_DIGITS
    carry_in = vector.split_ints(carry)
    base = _balances(plain)
    if carry_in is None or base is None:
        return None
    fast = plan.min_q <= step and not plan.forfeit and not carry_in.whole.any()
    runs = _runs(plan, plain, base, special, vids, kinds, aprs)
    if runs is None:
        return None
    (balance, eligible, gross), run_apr = runs
    m = len(carry_in.whole)
    shift = plan.shift

    def spread(limbs: Ints) -> tuple[Any, int]:
        words = parts_words(list(limbs[::-1]), BASE_DIGITS, shift)
        if len(words) < m * days:  # else every run is one day
            words = np.repeat(words, lengths, axis=0)
        return words, len(str(largest(limbs) * 10**shift))

    out: dict[str, Any] = {}
    digits: dict[str, int] = {}
    out["balance"], digits["balance"] = spread(balance)
    if eligible is balance or np.array_equal(eligible, balance):
        out["eligible"], digits["eligible"] = out["balance"], digits["balance"]
    else:
        out["eligible"], digits["eligible"] = spread(eligible)
    out["gross"], digits["gross"] = spread(gross)
    out["apr"], digits["apr"] = aprs.words(run_apr, lengths)
    if len(gross) < 3:  # a gross below one base unit everywhere
        gross = np.concatenate([gross, np.zeros((3 - len(gross), len(vids)), dtype="int64")])
    if fast:
        _pay_fast(out, digits, gross, lengths, carry_in, days, shift)
    else:
        min_units = -(-plan.min_q // step)
        if not _pay_days(
            out, digits, gross, lengths, carry_in, days, shift, min_units, forfeit=plan.forfeit
        ):
            return None
    return out, digits


def _balances(plain: Any) -> Ints | None:
    """The balances (ints, or a ``Wide``) as limbs; None for one past ``2**256`` or below 0."""
    if isinstance(plain, Wide):
        if plain.negative().any():
            return None
        return trim(plain.limbs)
    return limbs_of(plain)


def _pay_fast(  # noqa: PLR0917 (the parts of one token's chunk)
    out: dict[str, Any],
    digits: dict[str, int],
    gross: Ints,
    lengths: Ints,
    carry_in: vector.Split,
    days: int,
    shift: int,
) -> None:
    """Paid, carry and forfeited where every payable amount is paid.

    The parts below a base unit settle in int64 (a day pays one more base unit when
    the carry passes one); each day pays its run's whole base units besides.
    """
    import numpy as np

    m = len(carry_in.whole)
    rests = vector.Split(np.zeros(gross.shape[1], dtype="int64"), gross[1], gross[0])
    bump, settled = vector.pay_fast(rests, lengths, carry_in, m, days)
    whole = gross[2:]
    top = largest(whole)
    narrow = (top + 1) * 10**shift < 2**127  # a day's one more base unit included
    paid = parts_words(list(whole[::-1]), BASE_DIGITS, shift, narrow=narrow)
    if len(paid) < m * days:
        paid = np.repeat(paid, lengths, axis=0)
    at = np.flatnonzero(bump)
    if len(at):
        add_small(paid, at, 10**shift)
        # A bumped day pays its run's whole units and one more. Which runs were bumped
        # matters to the digits only where one more reaches a power of ten.
        if len(str((top + 1) * 10**shift)) == len(str(top * 10**shift)):
            top += 1
        else:
            ends = np.cumsum(lengths)  # where each run's days end
            runs = at if whole.shape[1] == len(bump) else np.searchsorted(ends, at, side="right")
            top = max(top, largest(whole[:, runs]) + 1)
    out["paid"], digits["paid"] = paid, len(str(top * 10**shift))
    out["carry"] = limb_words(settled.hi, settled.lo, vector.LIMB, shift)
    digits["carry"] = len(str(largest([settled.lo, settled.hi]) * 10**shift))
    out["forfeited"], digits["forfeited"] = None, 1  # zeros


def _pay_days(  # noqa: PLR0917 (the parts of one token's chunk)
    out: dict[str, Any],
    digits: dict[str, int],
    gross: Ints,
    lengths: Ints,
    carry_in: vector.Split,
    days: int,
    shift: int,
    min_units: int,
    *,
    forfeit: bool,
) -> bool:
    """Paid, carry and forfeited settled a day at a time, as ``settle_units``.

    What is payable is the whole base units owed (limbs); it is paid unless fewer
    than ``min_units``; the rest carries, or with ``forfeit`` the part below a base
    unit is given up. False for a minimum past ``2**256`` base units.
    """
    import numpy as np

    m = len(carry_in.whole)
    cells = (m, days)
    whole = gross[2:]
    minimum = limbs_of(np.array([min_units], dtype=object))
    if minimum is None:
        return False
    # Room for the whole units held back: below the minimum, or its run's gross.
    k = max(len(whole), len(minimum)) + 1
    least = [int(minimum[i, 0]) if i < len(minimum) else 0 for i in range(k)]
    gw = np.zeros((k, m, days), dtype="int64")
    gw[: len(whole)] = np.repeat(whole, lengths, axis=1).reshape(len(whole), *cells)
    gh, gl = (np.repeat(p, lengths).reshape(cells) for p in (gross[1], gross[0]))
    paid = np.zeros((k, m, days), dtype="int64")
    kept = np.zeros((k + 2, m, days), dtype="int64")  # lo, hi, then whole limbs
    lost = np.zeros((2, m, days), dtype="int64")
    start = limbs_of(carry_in.whole)
    assert start is not None  # int64, non-negative
    cw = np.zeros((k, m), dtype="int64")
    cw[: len(start)] = start
    ch, cl = carry_in.hi, carry_in.lo
    zero = np.zeros(m, dtype="int64")
    for d in range(days):
        lo = cl + gl[:, d]
        up = lo >= _B
        lo -= up * _B
        hi = ch + gh[:, d] + up
        up = hi >= _B
        hi -= up * _B
        owed = cw + gw[:, :, d]
        owed[0] += up
        for i in range(k - 1):
            up = owed[i] >= _B
            owed[i] -= up * _B
            owed[i + 1] += up
        below = _less(owed, least)
        paid[:, :, d] = np.where(below, 0, owed)
        cw = np.where(below, owed, 0)
        if forfeit:
            lost[1, :, d], lost[0, :, d] = hi, lo
            ch = cl = zero
        else:
            ch, cl = hi, lo
        kept[2:, :, d], kept[1, :, d], kept[0, :, d] = cw, ch, cl

    def words(limbs: Any) -> tuple[Any, int]:
        flat = limbs.reshape(len(limbs), m * days)
        return (
            parts_words(list(flat[::-1]), BASE_DIGITS, shift),
            len(str(largest(flat) * 10**shift)),
        )

    out["paid"], digits["paid"] = words(paid)
    out["carry"], digits["carry"] = words(kept)
    if forfeit:
        out["forfeited"], digits["forfeited"] = words(lost)
    else:
        out["forfeited"], digits["forfeited"] = None, 1  # zeros
    return True


def _less(x: Ints, limbs: list[int]) -> Any:
    """Which amounts (limbs, least first) are below the amount of ``limbs``."""
    import numpy as np

    less = np.zeros(x.shape[1], dtype=bool)
    same = np.ones(x.shape[1], dtype=bool)
    for i in range(len(x) - 1, -1, -1):
        less |= same & (x[i] < limbs[i])
        same &= x[i] == limbs[i]
    return less


def _runs(  # noqa: PLR0917 (the runs of one token's chunk)
    plan: Plan,
    plain: Any,
    base: Ints,
    special: Specials,
    vids: Ints,
    kinds: Ints,
    aprs: Aprs,
) -> tuple[tuple[Ints, ...], Ints] | None:
    """Each run's balance, eligible balance and gross (limbs of gross quanta); apr ids.

    A run of a plain balance within the minimum holding and the cap, on a day of a
    flat rate, by ``flat_gross``; any other as the general path computes it
    (``aprs.run``). None past ``2**256``.
    """
    import numpy as np

    n = len(vids)
    is_plain = vids < len(plain)
    plain_ids = np.where(is_plain, vids, 0)
    if plan.min_units or plan.cap_units is not None:
        balances = np.asarray(plain)
        allowed = np.asarray(balances >= plan.min_units, dtype=bool)
        if plan.cap_units is not None:
            allowed &= np.asarray(balances <= plan.cap_units, dtype=bool)
        fast = is_plain & allowed[plain_ids] if len(plain) else is_plain
    else:  # balances are never below zero
        fast = is_plain.copy()
    pieces: list[tuple[Ints, Ints, Ints | None, Ints]] = []  # at, balance, eligible, gross
    run_apr = np.zeros(n, dtype="int64")
    for k, day_k in enumerate(plan.first):
        at = np.flatnonzero(fast & (kinds == k))
        coef = plan.flat[day_k]
        units = base[:, plain_ids[at]]
        result = None if coef is None else flat_gross(units, coef, plan.years[day_k])
        if result is None:
            fast[at] = False
            continue
        pieces.append((at, units, None, result))
        run_apr[at] = aprs.flat[k]
    if isinstance(special, WeightedDays):
        for at, measured, amount, k in weighted.flat_runs(plan, special, len(plain), vids, kinds):
            pieces.append((at, measured, measured, amount))
            run_apr[at] = aprs.flat[k]
            fast[at] = True
    slow = np.flatnonzero(~fast)
    if len(slow):
        ids = vids[slow]
        inside = ids < len(plain)
        picked = iter(plain[ids[inside]].tolist())
        values = [
            next(picked) if p else special[v - len(plain)]
            for v, p in zip(ids.tolist(), inside.tolist(), strict=True)
        ]
        runs = [aprs.run(v, k) for v, k in zip(values, kinds[slow].tolist(), strict=True)]
        balance, eligible, gross = (
            limbs_of(np.array([r[i] for r in runs], dtype=object)) for i in range(3)
        )
        if balance is None or eligible is None or gross is None:
            return None
        pieces.append((slow, balance, eligible, gross))
        run_apr[slow] = [r[3] for r in runs]
    return _gather(n, pieces), run_apr


def _gather(n: int, pieces: list[tuple[Ints, Ints, Ints | None, Ints]]) -> tuple[Ints, ...]:
    """The runs' balance, eligible balance and gross, in limbs of gross quanta.

    A piece's ``eligible`` is None for runs of base units (``balance``, moved up two
    limbs: ``GUARD_DIGITS`` digits), eligible in full; else all three are quanta.
    """
    import numpy as np

    if len(pieces) == 1 and len(pieces[0][0]) == n:  # one piece of every run, in order
        _, b, e, g = pieces[0]
        if e is None:
            b = trim(np.concatenate([np.zeros((2, n), dtype="int64"), b]))
            return b, b, trim(g)  # one array: eligible is the balance
        return trim(b), trim(e), trim(g)
    height = 1
    for _, b, e, g in pieces:
        height = max(height, len(b) + 2 if e is None else max(len(b), len(e)), len(g))
    balance, eligible, gross = (np.zeros((height, n), dtype="int64") for _ in range(3))
    for at, b, e, g in pieces:
        if e is None:
            balance[2 : 2 + len(b), at] = b
            eligible[2 : 2 + len(b), at] = b
        else:
            balance[: len(b), at] = b
            eligible[: len(e), at] = e
        gross[: len(g), at] = g
    return trim(balance), trim(eligible), trim(gross)
