"""Readers for the library's inputs: balance events, rate schedules and tier tables.

Each reader is a generator over the file, so a file of millions of rows is never held in
memory whole. A bad row is never skipped silently: each problem is noted with its file,
line, column and reason, and one ``BadRowsError`` listing
them (up to ``max_errors``, then a count) is raised after the last row.

The columns are described in the guide *File formats*.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from functools import partial

import attrs

from softstaking.core.errors import InvalidBandError, SoftStakingError
from softstaking.core.schedules import AprSchedule, Rate, TieredApr
from softstaking.core.timeline import BalanceEvent
from softstaking.io.errors import DEFAULT_MAX_ERRORS, Problems
from softstaking.io.fields import parse_amount, parse_day, parse_instant, parse_text
from softstaking.io.reading import Cells, read
from softstaking.io.sources import Format, Source, name_of

__all__ = [
    "RateRow",
    "read_events",
    "read_numbered_events",
    "read_rates",
    "read_schedule",
    "read_tiers",
]


def _event(cells: Cells) -> tuple[int, BalanceEvent] | None:
    at = cells.get("at", parse_instant)
    delta = cells.get(
        "delta", partial(parse_amount, name="delta", allow_negative=True, summed=True)
    )
    kind = cells.get("kind", parse_text) if cells.present("kind") else "transfer"
    if at is None or delta is None or kind is None:
        return None
    return cells.row.line, BalanceEvent(at, delta, kind=kind)


def read_events(
    source: Source,
    *,
    format: Format | None = None,
    max_errors: int = DEFAULT_MAX_ERRORS,
) -> Iterator[BalanceEvent]:
    r"""Balance events: columns ``at``, ``delta`` and an optional ``kind``.

    Args:
        source: A path or an open text stream.
        format: ``"csv"`` or ``"jsonl"``; by default, from the file's suffix.
        max_errors: How many problems the error lists before it only counts the rest.

    Raises:
        BadRowsError: After the last row, if any row was bad.

    Examples:
        >>> import io
        >>> rows = io.StringIO("at,delta,kind\n2019-07-15T14:23:05+08:00,50000,deposit\n")
        >>> next(read_events(rows, format="csv")).delta
        Decimal('50000')
    """
    return (
        event for _, event in read_numbered_events(source, format=format, max_errors=max_errors)
    )


def read_numbered_events(
    source: Source,
    *,
    format: Format | None = None,
    max_errors: int = DEFAULT_MAX_ERRORS,
) -> Iterator[tuple[int, BalanceEvent]]:
    r"""Balance events as ``read_events`` reads them, each with the line it is on.

    The line lets a later error about an event, such as a
    ``NegativeBalanceError``, point into the file.

    Raises:
        BadRowsError: After the last row, if any row was bad.

    Examples:
        >>> import io
        >>> rows = io.StringIO("at,delta\n\n2019-07-15T14:23:05+08:00,50000\n")
        >>> line, event = next(read_numbered_events(rows, format="csv"))
        >>> line, event.delta
        (3, Decimal('50000'))
    """
    return read(
        source,
        format=format,
        max_errors=max_errors,
        required=("at", "delta"),
        optional=("kind",),
        convert=_event,
    )


@attrs.frozen
class RateRow:
    """One row of a rate schedule file.

    Attributes:
        line: The line it was read from, for messages about the schedule it builds.
        effective_date: The day the rate takes effect.
        apr: The annual rate as a fraction (``0.05`` is 5 %).
        up_to: For a tier, the balance the band runs up to; ``None`` for a flat rate or
            the open last band.
    """

    line: int
    effective_date: date
    apr: Decimal
    up_to: Decimal | None = None


def _rate(cells: Cells) -> RateRow | None:
    day = cells.get("effective_date", parse_day)
    apr = cells.get("apr", partial(parse_amount, name="apr"))
    up_to = (
        cells.get("up_to", partial(parse_amount, name="up_to")) if cells.present("up_to") else None
    )
    if day is None or apr is None:
        return None
    return RateRow(cells.row.line, day, apr, up_to)


def read_rates(
    source: Source,
    *,
    format: Format | None = None,
    max_errors: int = DEFAULT_MAX_ERRORS,
) -> Iterator[RateRow]:
    """Rate rows: columns ``effective_date``, ``apr`` and an optional ``up_to``.

    Raises:
        BadRowsError: After the last row, if any row was bad.
    """
    return read(
        source,
        format=format,
        max_errors=max_errors,
        required=("effective_date", "apr"),
        optional=("up_to",),
        convert=_rate,
    )


def _group(rows: Iterable[RateRow], problems: Problems) -> dict[date, Rate]:
    """Build each day's rate: one row without ``up_to`` is flat; several rows are tiers."""
    by_day: dict[date, list[RateRow]] = {}
    for row in rows:
        by_day.setdefault(row.effective_date, []).append(row)
    rates: dict[date, Rate] = {}
    for day, group in by_day.items():
        if len(group) == 1 and group[0].up_to is None:
            rates[day] = group[0].apr
            continue
        repeated = next((b for a, b in itertools.pairwise(group) if a.up_to is None), None)
        if repeated is not None:
            first = next(r for r in group if r.up_to is None)
            problems.add(
                repeated.line,
                "effective_date",
                f"{day} given twice: line {first.line} already gives the day's rate (or its "
                "open last band); give each day once, or its tiers with up_to",
            )
            continue
        try:
            rates[day] = TieredApr([(r.up_to, r.apr) for r in group])
        except SoftStakingError as err:
            line = _band_line(err, [r.line for r in group])
            problems.add(line, "up_to", f"the tiers effective {day}: {err}")
    return rates


def _band_line(err: SoftStakingError, lines: list[int]) -> int:
    """The line of the band the error is about, else of the last band."""
    band = err.band if isinstance(err, InvalidBandError) else None
    index = len(lines) - 1 if band is None else band
    return lines[min(index, len(lines) - 1)]


def read_schedule(
    source: Source,
    *,
    format: Format | None = None,
    max_errors: int = DEFAULT_MAX_ERRORS,
) -> AprSchedule:
    """An ``AprSchedule`` from a rate file.

    Rows with the same ``effective_date`` and an ``up_to`` make that day's tiers, in
    file order, the last with an empty ``up_to``.

    Raises:
        BadRowsError: If any row is bad, the tiers of a day do not rise, or the file
            has no rows.
    """
    problems = Problems(name_of(source), max_errors)
    rates = _group(read_rates(source, format=format, max_errors=max_errors), problems)
    if not rates and not problems:
        problems.add(1, "", "no rates: a schedule needs at least one row")
    problems.raise_if_any()
    return AprSchedule(rates)


def read_tiers(
    source: Source,
    *,
    format: Format | None = None,
    max_errors: int = DEFAULT_MAX_ERRORS,
) -> TieredApr:
    """A tier table: columns ``up_to`` (empty in the last, open band) and ``apr``.

    Raises:
        BadRowsError: If a row is bad, the bounds do not rise or the last band is not open.
    """
    problems = Problems(name_of(source), max_errors)

    def band(cells: Cells) -> tuple[int, Decimal | None, Decimal] | None:
        apr = cells.get("apr", partial(parse_amount, name="apr"))
        up_to = (
            cells.get("up_to", partial(parse_amount, name="up_to"))
            if cells.present("up_to")
            else None
        )
        return None if apr is None else (cells.row.line, up_to, apr)

    bands = list(
        read(source, format=format, max_errors=max_errors, required=("up_to", "apr"), convert=band)
    )
    try:
        return TieredApr([(up_to, apr) for _, up_to, apr in bands])
    except SoftStakingError as err:
        problems.add(
            _band_line(err, [line for line, _, _ in bands]) if bands else 1, "up_to", str(err)
        )
        problems.raise_if_any()
        raise  # pragma: no cover  (raise_if_any raised)
