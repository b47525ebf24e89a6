"""The records as an Arrow table: one row per account, token and day, decimal columns.

Every amount column is an Arrow decimal, never a float. Its type depends on its scale,
not on the day's values, so that the tables of successive runs have one schema:
``decimal128(38, scale)`` when the scale leaves 12 digits left of the point (a scale up
to 26), ``decimal256(76, scale)`` otherwise (and for the rare column whose values need
more than 38 digits). The 12 digits are also room for sums: Arrow and pandas add a
``decimal128`` column as a ``decimal128``, wrapping silently past ``2**127``, so a type
chosen by the values (a ``decimal128`` wherever they fit) would make the sum of two
balances of 0.9 ETH at scale 38 wrong. One column holds every token, so its scale is
that of the token with the most decimals, and the values of the others are written
exactly at that scale:

* ``paid``: the base unit, ``decimals``;
* ``gross``, ``carry``, ``forfeited``: the gross quantum, ``decimals + GUARD_DIGITS``;
  exact, as the calculator computes them;
* ``balance``, ``eligible``: the gross quantum too. A ``DailySnapshot`` or
  ``MinimumBalance`` balance is a whole number of base units, exact at that scale; a
  ``TimeWeighted`` or ``SnapshotAverage`` balance is a quotient kept to 100 significant
  digits, which no decimal column holds: it is rounded half-even to the gross quantum.
  ``gross`` and what follows are computed from the unrounded value.
* ``apr``: ``APR_SCALE`` (28) decimal places, rounded half-even: exact for any rate
  written with at most 28 decimals; a tier table's blended rate (a quotient) is rounded.
  It is a ``decimal128(38, 28)``: ten digits left of the point.

``payout_at`` is a microsecond timestamp in the calculators' zone when they share one
that Arrow can name (a zoneinfo key, UTC or a fixed offset), in UTC otherwise.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Sequence
from datetime import UTC, date, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import attrs

from softstaking.core.amounts import CONTEXT
from softstaking.core.errors import InvalidInputError
from softstaking.core.instants import to_us
from softstaking.core.records import DailyReward
from softstaking.core.tokens import GUARD_DIGITS, Token

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Ints = npt.NDArray[np.int64]
    Objects = npt.NDArray[np.object_]

__all__ = [
    "APR_SCALE",
    "COLUMNS",
    "DecimalColumn",
    "Records",
    "add_small",
    "add_words",
    "build_table",
    "digits_of",
    "limb_words",
    "parts_words",
    "records_of",
    "scaled",
    "words_of",
]

APR_SCALE = 28
"""The decimal places of the ``apr`` column."""

COLUMNS = (
    "account",
    "token",
    "day",
    "balance",
    "eligible",
    "apr",
    "gross",
    "paid",
    "carry",
    "forfeited",
    "payout_at",
)
"""The table's columns, in order."""

INTEGER_DIGITS = 12
"""The digits a decimal128 column keeps left of the point: scales up to 26 use one."""

_EPOCH = date(1970, 1, 1)


def scaled(amount: Decimal, scale: int) -> int:
    """``amount × 10**scale`` rounded half-even to an int (exact if it is whole).

    Examples:
        >>> scaled(Decimal("1.25"), 1), scaled(Decimal("1.5"), 0)
        (12, 2)
    """
    quantum = Decimal((0, (1,), -scale))
    return int(amount.quantize(quantum, decimal.ROUND_HALF_EVEN, CONTEXT).scaleb(scale, CONTEXT))


@attrs.frozen(eq=False)
class Records:
    """One row per account, token and day, as arrays, before Arrow.

    Amounts are Python ints in the row's token: ``paid`` in base units, ``apr`` in
    ``10**-APR_SCALE``, every other amount in gross quanta.
    """

    account: Any
    token: Any
    code: Ints
    day: Any
    tokens: tuple[Token, ...]
    zones: tuple[tzinfo, ...]
    balance: Objects
    eligible: Objects
    apr: Objects
    gross: Objects
    paid: Objects
    carry: Objects
    forfeited: Objects
    payout_us: Ints


def zone_name(zone: tzinfo) -> str | None:
    """The name Arrow knows ``zone`` by, or None.

    Examples:
        >>> zone_name(timezone(timedelta(hours=-5, minutes=-30)))
        '-05:30'
    """
    if zone is UTC:
        return "UTC"
    if isinstance(zone, ZoneInfo):
        return zone.key
    if isinstance(zone, timezone):
        offset = zone.utcoffset(None)
        if not offset:
            return "UTC"
        sign = "-" if offset < timedelta(0) else "+"
        minutes = abs(offset) // timedelta(minutes=1)
        return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    return None


def _decimal_array(
    values: Objects, scale: int, name: str, integer_digits: int = INTEGER_DIGITS
) -> Any:
    """Python ints (``10**-scale`` each) as an Arrow decimal128, else decimal256, array."""
    import numpy as np
    import pyarrow as pa

    n = len(values)
    big = max(abs(values.max()), abs(values.min())) if n else 0
    digits = len(str(big))
    if scale + integer_digits <= 38 and digits <= 38:
        kind, width = pa.decimal128(38, scale), 2
    elif digits <= 76 and scale <= 76:
        kind, width = pa.decimal256(76, scale), 4
    else:
        msg = (
            f"column {name!r} needs {max(digits, scale)} digits, more than an Arrow decimal "
            "(76) holds"
        )
        raise InvalidInputError(msg)
    if big < 2**63:
        words = np.empty((n, width), dtype="int64")
        low = values.astype("int64")
        words[:, 0] = low
        words[:, 1:] = (low >> 63)[:, None]
        data = pa.py_buffer(words)
    else:
        # Written once per run of equal neighbours (a day's balance, apr and gross repeat
        # until the balance or rate changes), then repeated.
        size = 8 * width
        heads = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
        lengths = np.diff(np.append(heads, n))
        packed = b"".join([v.to_bytes(size, "little", signed=True) for v in values[heads].tolist()])
        words = np.frombuffer(packed, dtype="int64").reshape(-1, width)
        data = pa.py_buffer(np.ascontiguousarray(np.repeat(words, lengths, axis=0)))
    return pa.Array.from_buffers(kind, n, [None, data])


def build_table(records: Records) -> Any:
    """The records as a ``pyarrow.Table`` with the columns ``COLUMNS``."""
    import numpy as np
    import pyarrow as pa

    decimals = np.array([t.decimals for t in records.tokens] or [0], dtype="int64")
    code = records.code
    fine = int(decimals.max()) + GUARD_DIGITS
    unit = int(decimals.max())

    def rescale(values: Objects, exponents: Any, scale: int) -> Objects:
        shifts = scale - exponents
        if len(values) == 0 or not shifts.any():
            return values
        factors = np.array([10 ** int(s) for s in range(int(shifts.max()) + 1)], dtype=object)
        out: Objects = values * factors[shifts]
        return out

    exponent = decimals[code] + GUARD_DIGITS if len(code) else np.empty(0, dtype="int64")
    names = sorted({zone_name(z) or "" for z in records.zones})
    tz = names[0] if len(names) == 1 and names[0] else "UTC"
    columns = {
        "account": records.account,
        "token": records.token,
        "day": pa.array(np.asarray(records.day, dtype="int32"), pa.int32()).cast(pa.date32()),
        "balance": _decimal_array(rescale(records.balance, exponent, fine), fine, "balance"),
        "eligible": _decimal_array(rescale(records.eligible, exponent, fine), fine, "eligible"),
        "apr": _decimal_array(records.apr, APR_SCALE, "apr", integer_digits=10),
        "gross": _decimal_array(rescale(records.gross, exponent, fine), fine, "gross"),
        "paid": _decimal_array(
            rescale(records.paid, decimals[code] if len(code) else exponent, unit), unit, "paid"
        ),
        "carry": _decimal_array(rescale(records.carry, exponent, fine), fine, "carry"),
        "forfeited": _decimal_array(rescale(records.forfeited, exponent, fine), fine, "forfeited"),
        "payout_at": pa.array(records.payout_us, pa.int64()).cast(pa.timestamp("us", tz=tz)),
    }
    return pa.table(columns)


def records_of(
    rewards: Iterable[tuple[str, str, DailyReward]],
    tokens: Sequence[Token],
    zones: Sequence[tzinfo],
) -> Records:
    """``Records`` of ``(account, token symbol, record)`` triples, in their order.

    ``tokens[i]`` and ``zones[i]`` are the token and calculator zone of the i-th symbol
    that may occur. For tables built from ``Program.run``.
    """
    import numpy as np
    import pyarrow as pa

    code_of = {t.symbol: i for i, t in enumerate(tokens)}
    accounts: list[str] = []
    symbols: list[str] = []
    codes: list[int] = []
    days: list[int] = []
    columns: list[list[int]] = [[] for _ in range(7)]
    payouts: list[int] = []
    for account, symbol, r in rewards:
        token = tokens[code_of[symbol]]
        fine = token.decimals + GUARD_DIGITS
        accounts.append(account)
        symbols.append(symbol)
        codes.append(code_of[symbol])
        days.append((r.day - _EPOCH).days)
        values = (
            scaled(r.balance, fine),
            scaled(r.eligible, fine),
            scaled(r.apr, APR_SCALE),
            scaled(r.gross, fine),
            scaled(r.paid, token.decimals),
            scaled(r.carry, fine),
            scaled(r.forfeited, fine),
        )
        for column, value in zip(columns, values, strict=True):
            column.append(value)
        payouts.append(to_us(r.payout_at))

    def objects(values: list[int]) -> Objects:
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out

    return Records(
        account=pa.array(accounts, pa.string()),
        token=pa.array(symbols, pa.string()),
        code=np.array(codes, dtype="int64"),
        day=np.array(days, dtype="int32"),
        tokens=tuple(tokens),
        zones=tuple(zones),
        balance=objects(columns[0]),
        eligible=objects(columns[1]),
        apr=objects(columns[2]),
        gross=objects(columns[3]),
        paid=objects(columns[4]),
        carry=objects(columns[5]),
        forfeited=objects(columns[6]),
        payout_us=np.array(payouts, dtype="int64"),
    )


_WIDE = 4
"""Words (64 bits each) of a decimal256 value; the engine works at this width."""

_M32 = (1 << 32) - 1


def words_of(values: Sequence[int]) -> Any:
    """Python ints as an ``(n, 4)`` array of little-endian two's-complement 64-bit words."""
    import numpy as np

    size = 8 * _WIDE
    try:
        packed = b"".join([v.to_bytes(size, "little", signed=True) for v in values])
    except OverflowError:  # past 2**255: more than 76 digits
        digits = digits_of(values)
        msg = f"a value needs {digits} digits, more than an Arrow decimal (76) holds"
        raise InvalidInputError(msg) from None
    return np.frombuffer(packed, dtype="<u8").reshape(-1, _WIDE)


def add_words(a: Any, b: Any) -> Any:
    """``a + b`` modulo ``2**256``, row by row, for ``(n, 4)`` arrays of words."""
    import numpy as np

    out = np.empty_like(a)
    carry = np.zeros(len(a), dtype=bool)
    for i in range(_WIDE):
        s = a[:, i] + b[:, i] + carry
        carry = (s < a[:, i]) | ((s == a[:, i]) & carry)
        out[:, i] = s
    return out


def add_small(words: Any, rows: Ints, amount: int) -> None:
    """``words[rows] += amount`` in place, for ``0 <= amount``.

    Modulo ``2**(64 × w)`` for ``(n, w)`` words (``w`` 2 or 4). Below ``2**64`` only the
    low word is added to, and the carry moves up for the rows whose low word wrapped; a
    larger amount goes through ``add_words``.
    """
    import numpy as np

    if amount >= 2**64:
        width = words.shape[1]
        one = np.broadcast_to(words_of([amount]), (len(rows), _WIDE))
        words[rows] = add_words(_at_width(words[rows], _WIDE), one)[:, :width]
        return
    low = words[rows, 0]
    total = low + np.uint64(amount)
    words[rows, 0] = total
    over = rows[total < low]
    for w in range(1, words.shape[1]):
        if not len(over):
            break
        word = words[over, w] + np.uint64(1)
        words[over, w] = word
        over = over[word == 0]


def limb_words(hi: Any, lo: Any, base_digits: int, shift: int) -> Any:
    """``(hi × 10**base_digits + lo) × 10**shift`` as ``(n, 4)`` words.

    ``hi`` and ``lo`` are non-negative int64 arrays below ``2**34`` (``base_digits``
    at most 10), and the result below ``2**255``.
    """
    import numpy as np

    if shift == 0 and base_digits == 10:  # hi × 5**10 × 2**10 + lo, in two words
        hi, lo = hi.astype("<u8", copy=False), lo.astype("<u8", copy=False)
        x = hi * np.uint64(5**10)  # below 2**58
        low = x << np.uint64(10)
        total = low + lo
        out = np.zeros((len(hi), _WIDE), dtype="<u8")
        out[:, 0] = total
        out[:, 1] = (x >> np.uint64(54)) + (total < low)
        return out
    return parts_words([hi, lo], base_digits, shift)


def parts_words(
    parts: Sequence[Ints], base_digits: int, shift: int, *, narrow: bool = False
) -> Any:
    """``((p[0] × 10**base_digits + p[1]) × 10**base_digits + …) × 10**shift`` as words.

    Each part is an array of non-negative int64 values (``base_digits`` at most 18);
    the result, an ``(n, 4)`` array of words, must be below ``2**255``; with
    ``narrow``, ``(n, 2)`` words where every value is below ``2**127`` (for a column
    that is most often a ``decimal128``: ``DecimalColumn`` widens them). The largest
    value the parts can make (Horner's rule over each part's maximum) picks the way:
    below ``2**63`` in int64, else in as many 64-bit words as it needs (``_Words``).
    """
    import numpy as np

    n = len(parts[0])
    if n == 0:
        return np.zeros((0, 2 if narrow else _WIDE), dtype="<u8")
    tops = [int(part.max()) for part in parts]
    bound = 0
    for top in tops:
        bound = bound * 10**base_digits + top
    bound *= 10**shift
    out = np.zeros((n, 2 if narrow and bound < 2**127 else _WIDE), dtype="<u8")
    if bound == 0:
        return out
    if bound < 2**63:
        value = parts[0].astype("int64")
        for part in parts[1:]:
            value = value * 10**base_digits + part
        if shift:
            value *= 10**shift
        out[:, 0] = value
        return out
    while len(parts) > 1 and tops[-1] == 0:  # trailing zero parts: a larger shift
        parts, tops, shift = parts[:-1], tops[:-1], shift + base_digits
    words = _Words(parts[0], tops[0])
    for part, top in zip(parts[1:], tops[1:], strict=True):
        words.scale(base_digits)
        words.add(part, top)
    words.scale(shift)
    for i, word in enumerate(words.words):
        out[:, i] = word
    return out


class _Words:
    """Non-negative values as uint64 words, least significant first, modulo ``2**256``.

    ``bound`` is above every value held, and says how many words they need: a step
    works on those only (one operation a step while they fit one word).
    """

    def __init__(self, part: Ints, top: int) -> None:
        self.words: list[Any] = [part.astype("<u8")]
        self.bound = top

    def _needed(self) -> int:
        # A value past 2**256 wraps (its column refuses it by its digits): four words.
        return min(_WIDE, self.bound.bit_length() // 64 + 1)

    def scale(self, digits: int) -> None:
        """Times ``10**digits``: by ``5**digits`` (factors below ``2**31``), then a shift."""
        left = digits
        while left:
            step = min(left, 13)  # 5**13 < 2**31
            self._multiply(5**step)
            left -= step
        left = digits
        while left:
            step = min(left, 63)
            self._shift(step)
            left -= step

    def add(self, part: Ints, top: int) -> None:
        self.bound += top
        carry = part.astype("<u8")
        if self._needed() == 1:
            self.words[0] = self.words[0] + carry
            return
        for i in range(self._needed()):
            if i == len(self.words):
                self.words.append(carry)
                return
            total = self.words[i] + carry
            carry = (total < self.words[i]).astype("<u8")
            self.words[i] = total

    def _multiply(self, factor: int) -> None:  # factor below 2**32
        import numpy as np

        self.bound *= factor
        f = np.uint64(factor)
        if self._needed() == 1:
            self.words[0] = self.words[0] * f
            return
        mask, thirty_two = np.uint64(_M32), np.uint64(32)
        carry = None
        for i, word in enumerate(self.words):
            p0 = (word & mask) * f  # each product below 2**64
            p1 = (word >> thirty_two) * f
            low = p0 + (p1 << thirty_two)
            up = (p1 >> thirty_two) + (low < p0)
            if carry is not None:
                total = low + carry
                up += total < low
                low = total
            self.words[i] = low
            carry = up
        if len(self.words) < self._needed():  # one word more at most
            self.words.append(carry)

    def _shift(self, bits: int) -> None:  # bits below 64
        import numpy as np

        self.bound <<= bits
        b, back = np.uint64(bits), np.uint64(64 - bits)
        shifted = [word << b for word in self.words]
        for i in range(1, len(self.words)):
            shifted[i] |= self.words[i - 1] >> back
        if len(shifted) < self._needed():
            shifted.append(self.words[-1] >> back)
        self.words = shifted


def _at_width(words: Any, width: int) -> Any:
    """``(n, 2)`` or ``(n, 4)`` words as ``(n, width)`` contiguous uint64 words.

    Cut to the low words, or sign-extended: the values must fit the width.
    """
    import numpy as np

    have = words.shape[1]
    if have >= width:
        return np.ascontiguousarray(words[:, :width], dtype="<u8")
    out = np.empty((len(words), width), dtype="<u8")
    out[:, :have] = words
    out[:, have:] = (np.uint64(0) - (words[:, have - 1] >> np.uint64(63)))[:, None]
    return out


class DecimalColumn:
    """A decimal column built a chunk of rows at a time, in Arrow's memory pool.

    It is a ``decimal128(38, scale)`` while the scale leaves ``integer_digits`` left of
    the point and every value has at most 38 digits, a ``decimal256(76, scale)``
    otherwise: the chunks written narrow so far are then cast (exactly) to the wide type.
    """

    def __init__(self, name: str, scale: int, integer_digits: int = INTEGER_DIGITS) -> None:
        self.name, self.scale = name, scale
        self.wide = scale + integer_digits > 38
        self.fixed = False  # True: a decimal128 column refuses to widen
        self.chunks: list[Any] = []

    def arrow_type(self) -> Any:
        """The column's Arrow type so far."""
        return self._type()

    def add(self, words: Any, digits: int) -> None:
        """Append rows given as ``(n, 4)`` words, whose values have at most ``digits``."""
        self.add_parts(len(words), [(None, words)], digits)

    def add_parts(self, n: int, parts: Sequence[tuple[Any, Any]], digits: int) -> None:
        """Append ``n`` rows put together from ``parts``: ``(rows, words)`` each.

        ``words`` are ``(len(rows), 4)`` words for those rows (None: zeros); ``rows``
        None means every row, in order. Each value has at most ``digits`` digits. The
        words are copied once, into the column's own buffer, at its width.
        """
        import numpy as np
        import pyarrow as pa

        self._check(digits)
        width = _WIDE if self.wide else 2
        if len(parts) == 1 and parts[0][0] is None and parts[0][1] is not None:
            out = _at_width(parts[0][1], width)
        else:
            out = np.empty((n, width), dtype="<u8")
            # Rows as single items of 8 × width bytes: one fancy index per part is much
            # cheaper than one over (rows, words).
            item = f"V{8 * width}"
            values = out.view(item).reshape(n)
            for rows, words in parts:
                where = slice(None) if rows is None else rows
                if words is None:
                    out[where] = 0
                elif words.dtype.itemsize == 8:
                    part = _at_width(words, width)
                    values[where] = part.view(item).reshape(len(part))
                else:
                    out[where] = words[:, :width]
        buffer = pa.py_buffer(out)
        self.chunks.append(pa.Array.from_buffers(self._type(), n, [None, buffer]))

    def _check(self, digits: int) -> None:
        """Refuse more digits than Arrow holds; widen to decimal256 for more than 38."""
        if max(digits, self.scale) > 76:
            msg = (
                f"column {self.name!r} needs {max(digits, self.scale)} digits, more than an "
                "Arrow decimal (76) holds"
            )
            raise InvalidInputError(msg)
        if digits > 38 and not self.wide:
            if self.fixed:
                msg = (
                    f"column {self.name!r} needs {digits} digits, more than its "
                    f"decimal128(38, {self.scale}) holds: the batches of a stream keep one "
                    "schema; Program.table widens such a column to decimal256"
                )
                raise InvalidInputError(msg)
            self.wide = True
            self.chunks = [c.cast(self._type()) for c in self.chunks]

    def add_same(self, other: DecimalColumn) -> None:
        """Append the chunk ``other`` just added, sharing its buffer (Arrow's are immutable)."""
        if other.wide and not self.wide:
            self.wide = True
            self.chunks = [c.cast(self._type()) for c in self.chunks]
        last = other.chunks[-1]
        self.chunks.append(last if other.wide == self.wide else last.cast(self._type()))

    def add_zeros(self, n: int, zeros: dict[int, Any]) -> None:
        """Append ``n`` zeros, sharing one zeroed buffer per size through ``zeros``."""
        import pyarrow as pa

        size = 8 * _WIDE * n  # wide enough for either type
        buffer = zeros.get(size)
        if buffer is None:
            buffer = zeros[size] = pa.py_buffer(bytes(size))
        self.chunks.append(pa.Array.from_buffers(self._type(), n, [None, buffer]))

    def _type(self) -> Any:
        import pyarrow as pa

        return pa.decimal256(76, self.scale) if self.wide else pa.decimal128(38, self.scale)

    def finish(self) -> Any:
        """The column: a chunked array of the chunks as written (no copy)."""
        import pyarrow as pa

        return pa.chunked_array(self.chunks, self._type())


def digits_of(values: Sequence[int]) -> int:
    """The most digits of any of ``values``."""
    if not values:
        return 1
    return len(str(max(abs(max(values)), abs(min(values)))))
