"""Figures of balances and rewards, for when you would rather look than read.

Each function returns a ``matplotlib.figure.Figure`` drawn with the Agg backend and
never shown: save it with ``fig.savefig("rewards.png")`` (or ``.svg``, ``.pdf``), or let
a notebook display it. The figures are built without ``pyplot``, so they touch no
global state and need no display.

matplotlib is an extra (``pip install softstaking[plot]``) and is imported only when a
function here is called: ``import softstaking.plot`` does not load it.

The amounts are summed exactly, as ``Decimal``; they become floats only at the last
step, to be drawn. A figure is for looking at, never for reading amounts back from.

This module sits above ``programs`` and the core and beside the other front ends; nothing
in the library imports it.

Examples:
    >>> from softstaking.plot import account
    >>> from softstaking.samples import seed_calculator, seed_rewards, seed_timeline
    >>> fig = account(seed_timeline(), seed_rewards(), token="IOTX",
    ...               calendar=seed_calculator().calendar)
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['Balance (IOTX)', 'Paid so far (IOTX)']
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from itertools import accumulate, pairwise
from typing import TYPE_CHECKING, Any, TypeVar

from softstaking.core.days import DayCalendar
from softstaking.core.errors import InvalidInputError, InvalidTypeError
from softstaking.core.records import DailyReward
from softstaking.core.timeline import BalanceTimeline
from softstaking.core.tokens import Token
from softstaking.programs.program import AccountReward

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["account", "daily_totals", "policies"]

_T = TypeVar("_T")
_ZERO = Decimal(0)
_WIDTH = 9.0
"""Figure width in inches; at the default 100 dpi a PNG is 900 pixels wide."""
_STYLES = ("-", "--", "-.", ":")
"""Line styles cycled after the colours, so that a series lying on another stays visible."""


def _items(value: object, kind: type[_T], name: str, source: str) -> list[_T]:
    """The items of ``value``, all of them ``kind``, or a clear InvalidTypeError."""
    if hasattr(value, "columns"):
        msg = (
            f"{name} must be {kind.__name__} items ({source}), not a "
            f"{type(value).__name__}: pass the records themselves, not a table of them"
        )
        raise InvalidTypeError(msg)
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        msg = (
            f"{name} must be an iterable of {kind.__name__} ({source}), not {type(value).__name__}"
        )
        raise InvalidTypeError(msg)
    items = list(value)
    for i, item in enumerate(items):
        if not isinstance(item, kind):
            msg = (
                f"{name} must hold {kind.__name__} items ({source}); item {i} is "
                f"{type(item).__name__}: {item!r}"
            )
            raise InvalidTypeError(msg)
    return items


def _symbol(token: object) -> str | None:
    if token is None or isinstance(token, str):
        return token
    if isinstance(token, Token):
        return token.symbol
    msg = f"token must be a Token, a symbol or None, not {type(token).__name__}"
    raise InvalidTypeError(msg)


def _title(title: object) -> str | None:
    if title is None or isinstance(title, str):
        return title
    msg = f"title must be a str or None, not {type(title).__name__}"
    raise InvalidTypeError(msg)


def _calendar(calendar: object) -> DayCalendar:
    if calendar is None:
        return DayCalendar(UTC)
    if isinstance(calendar, DayCalendar):
        return calendar
    if isinstance(calendar, tzinfo):
        return DayCalendar(calendar)
    msg = (
        "calendar must be a DayCalendar (such as RewardCalculator.calendar), a tzinfo "
        f"or None, not {type(calendar).__name__}"
    )
    raise InvalidTypeError(msg)


def _unit(label: str, symbol: str | None) -> str:
    return f"{label} ({symbol})" if symbol else label


def _by_day(records: Sequence[DailyReward], name: str) -> list[DailyReward]:
    """The records in day order, refusing a day that comes twice."""
    if not records:
        msg = f"{name} is empty: there is nothing to draw"
        raise InvalidInputError(msg)
    ordered = sorted(records, key=lambda r: r.day)
    for before, after in pairwise(ordered):
        if before.day == after.day:
            msg = (
                f"{name} has two records for {after.day}: pass the records of one account "
                "and one token"
            )
            raise InvalidInputError(msg)
    return ordered


def _wall(instant: datetime, calendar: DayCalendar) -> datetime:
    """The instant as a naive wall-clock time in the calendar's zone, to be drawn."""
    return instant.astimezone(calendar.tz).replace(tzinfo=None)


def _figure(panels: int, height: float) -> tuple[Figure, list[Axes]]:
    """A figure of ``panels`` stacked axes sharing their dates, on the Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    fig = Figure(figsize=(_WIDTH, height), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(panels, 1, sharex=True, squeeze=False)[:, 0]
    for ax in axes:
        ax.grid(visible=True, color="#dddddd", linewidth=0.8)
        ax.set_axisbelow(True)
        ax.yaxis.set_major_formatter(_amount_formatter())
    _date_axis(axes[-1])
    return fig, list(axes)


def _date_axis(ax: Axes) -> None:
    from matplotlib import dates  # noqa: PLC0415

    locator = dates.AutoDateLocator(minticks=4, maxticks=10)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(dates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]


def _amount_formatter() -> Any:  # noqa: ANN401  (a matplotlib Formatter, imported lazily)
    """Tick labels with thousands separators and as few decimals as the ticks need."""
    from matplotlib.ticker import Formatter  # noqa: PLC0415

    class Amounts(Formatter):
        decimals = 0

        def __call__(self, x: float, pos: int | None = None) -> str:
            return f"{x:,.{self.decimals}f}"

        def format_ticks(self, values: Sequence[float]) -> list[str]:
            self.decimals = next(
                (d for d in range(7) if all(abs(v - round(v, d)) < 1e-9 for v in values)),
                6,
            )
            return [self(v) for v in values]

    return Amounts()


def _float(amount: Decimal) -> float:
    # Display only: the one place amounts leave Decimal, to become a point on a chart.
    return float(amount)


def account(
    timeline: BalanceTimeline,
    records: Iterable[DailyReward],
    *,
    token: Token | str | None = None,
    title: str | None = None,
    calendar: DayCalendar | tzinfo | None = None,
) -> Figure:
    """One account's balance and rewards, day by day.

    The upper panel shows the balance as it moves with the timeline's events (a step
    line over the records' days) and the balance the accrual policy measured each day
    (the records' ``balance``, dashed, level across each day). The lower panel shows how
    much has been paid so far at the end of each day: the running sum of ``paid``.

    Args:
        timeline: The account's balance timeline.
        records: Its daily records, as ``RewardCalculator.daily_rewards`` gives them:
            one token, each day at most once, in any order.
        token: The token, or its symbol, to name in the axis labels.
        title: The figure's title.
        calendar: How the records' days are cut: the calculator's ``calendar``, or its
            zone. By default UTC days, as the calculator's default.

    Returns:
        The figure, with two axes: the balance above, the amount paid so far below.

    Raises:
        InvalidTypeError: When ``timeline`` is not a BalanceTimeline, or ``records`` is
            not an iterable of DailyReward (a DataFrame of them is refused too).
        InvalidInputError: When there are no records, or a day comes twice.
    """
    if not isinstance(timeline, BalanceTimeline):
        msg = f"timeline must be a BalanceTimeline, not {type(timeline).__name__}"
        raise InvalidTypeError(msg)
    rows = _by_day(
        _items(records, DailyReward, "records", "from RewardCalculator.daily_rewards"), "records"
    )
    symbol = _symbol(token)
    heading = _title(title)
    days = _calendar(calendar)

    first, last = days.start_of(rows[0].day), days.start_of(rows[-1].day + timedelta(days=1))
    moments = [first, *(e.at for e in timeline.events if first < e.at < last), last]
    held = [timeline.balance_at(t) for t in moments]
    # Each day's edges: where it starts, and where the last one ends.
    edges = [_wall(t, days) for t in [*(days.start_of(r.day) for r in rows), last]]
    measured = [r.balance for r in rows]

    fig, (top, bottom) = _figure(2, 6.5)
    top.plot(
        _times([_wall(t, days) for t in moments]),
        [_float(b) for b in held],
        drawstyle="steps-post",
        linewidth=2,
        color="#1f77b4",
        label="balance",
    )
    _steps(
        top,
        edges,
        measured,
        linestyle="--",
        linewidth=1.5,
        color="#ff7f0e",
        label="measured each day",
    )
    top.set_ylabel(_unit("Balance", symbol))
    _from_zero(top)
    top.legend(loc="best")
    _so_far(bottom, edges, [r.paid for r in rows], color="#2ca02c", linewidth=2, label="paid")
    bottom.set_ylabel(_unit("Paid so far", symbol))
    _from_zero(bottom)
    if heading:
        fig.suptitle(heading)
    return fig


def daily_totals(records: Iterable[AccountReward], *, title: str | None = None) -> Figure:
    """A program's total paid per day, one panel per token.

    Amounts are summed exactly per token and day; each token gets its own panel and
    scale, because amounts of different tokens do not add up.

    Args:
        records: A program's records, as ``Program.run`` or ``Program.rewards`` yields
            them, any number of accounts and tokens.
        title: The figure's title.

    Returns:
        The figure, with one axes per token (in order of symbol), each holding one line
        labelled with the symbol: the total paid each day.

    Raises:
        InvalidTypeError: When ``records`` is not an iterable of AccountReward.
        InvalidInputError: When there are no records.
    """
    rows = _items(records, AccountReward, "records", "from Program.run")
    heading = _title(title)
    if not rows:
        msg = "records is empty: there is nothing to draw"
        raise InvalidInputError(msg)
    totals: dict[str, dict[date, Decimal]] = defaultdict(dict)
    for row in rows:
        per_day = totals[row.token]
        per_day[row.reward.day] = per_day.get(row.reward.day, _ZERO) + row.reward.paid
    symbols = sorted(totals)

    fig, axes = _figure(len(symbols), 1.0 + 2.6 * len(symbols))
    for ax, symbol, colour in zip(axes, symbols, _colours(len(symbols)), strict=True):
        first, last = min(totals[symbol]), max(totals[symbol])
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        paid = [totals[symbol].get(d, _ZERO) for d in days]
        _steps(ax, _edges(days), paid, color=colour, linewidth=2, label=symbol)
        ax.set_ylabel(_unit("Paid per day", symbol))
        _from_zero(ax)
        ax.legend(loc="best")
    if heading:
        fig.suptitle(heading)
    return fig


def policies(
    rewards: Mapping[str, Iterable[DailyReward]],
    *,
    token: Token | str | None = None,
    title: str | None = None,
) -> Figure:
    """The same holdings' rewards under several rules, such as accrual policies.

    Args:
        rewards: Each rule's name and its records (one account, one token).
        token: The token, or its symbol, to name in the axis labels.
        title: The figure's title.

    Returns:
        The figure, with two axes: the amount paid each day above, and the amount paid
        so far below, one line per rule in each, labelled with its name. Lines after
        the first few colours are dashed, so that one lying on another stays visible.

    Raises:
        InvalidTypeError: When ``rewards`` is not a mapping of names to DailyReward
            records.
        InvalidInputError: When it is empty, or a rule has no records or a day twice.
    """
    if not isinstance(rewards, Mapping):
        msg = (
            "rewards must be a mapping of names to DailyReward records, not "
            f"{type(rewards).__name__}"
        )
        raise InvalidTypeError(msg)
    if not rewards:
        msg = "rewards is empty: there is nothing to draw"
        raise InvalidInputError(msg)
    series: dict[str, list[DailyReward]] = {}
    for name, records in rewards.items():
        if not isinstance(name, str):
            msg = f"rewards' keys must be names (str), not {type(name).__name__}"
            raise InvalidTypeError(msg)
        series[name] = _by_day(
            _items(records, DailyReward, f"rewards[{name!r}]", "from daily_rewards"),
            f"rewards[{name!r}]",
        )
    symbol = _symbol(token)
    heading = _title(title)

    fig, (daily, total) = _figure(2, 7.0)
    styles = _line_styles(len(series))
    for i, ((name, records), (colour, style)) in enumerate(
        zip(series.items(), styles, strict=True)
    ):
        days = [r.day for r in records]
        paid = [r.paid for r in records]
        # Earlier lines are wider, so that one a later line lies on still shows at its edges.
        width = max(1.5, 3.5 - 0.5 * i)
        look = {"color": colour, "linestyle": style, "linewidth": width, "label": name}
        _steps(daily, _edges(days), paid, **look)
        _so_far(total, _edges(days), paid, **look)
    daily.set_ylabel(_unit("Paid each day", symbol))
    total.set_ylabel(_unit("Paid so far", symbol))
    for ax in (daily, total):
        _from_zero(ax)
    total.legend(loc="upper left")
    if heading:
        fig.suptitle(heading)
    return fig


def _from_zero(ax: Axes) -> None:
    """The amount axis from 0 to a little above the highest point, even on a flat line."""
    peak = float(ax.dataLim.ymax)
    ax.set_ylim(0, peak * 1.08 if math.isfinite(peak) and peak > 0 else 1)


def _times(values: Sequence[datetime]) -> Any:  # noqa: ANN401
    """Datetimes as matplotlib takes them (its stubs want arrays; it converts dates itself)."""
    return values


def _edges(days: Sequence[date]) -> list[datetime]:
    """Where each day starts, and where the last one ends, as naive datetimes to draw."""
    return [datetime.combine(d, time(0)) for d in [*days, days[-1] + timedelta(days=1)]]


def _steps(ax: Axes, edges: Sequence[datetime], amounts: Sequence[Decimal], **look: Any) -> None:  # noqa: ANN401
    """Each day's amount, level across the day: ``len(edges)`` points, the last repeated."""
    ax.plot(
        _times(edges),
        [_float(a) for a in [*amounts, amounts[-1]]],
        drawstyle="steps-post",
        **look,
    )


def _so_far(ax: Axes, edges: Sequence[datetime], amounts: Sequence[Decimal], **look: Any) -> None:  # noqa: ANN401
    """The running sum at the end of each day, from 0 at the start of the first."""
    ax.plot(
        _times(edges),
        [_float(a) for a in [_ZERO, *accumulate(amounts)]],
        marker="o",
        markersize=3,
        **look,
    )


def _colours(n: int) -> list[str]:
    from matplotlib import rcParams  # noqa: PLC0415

    cycle: list[str] = rcParams["axes.prop_cycle"].by_key()["color"]
    return [cycle[i % len(cycle)] for i in range(n)]


def _line_styles(n: int) -> list[tuple[str, str]]:
    """A colour and a line style for each of ``n`` series."""
    cycle = _colours(10)
    return [(cycle[i % len(cycle)], _STYLES[(i // 4) % len(_STYLES)]) for i in range(n)]
