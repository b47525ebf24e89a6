"""Hypothesis strategies shared by the property tests."""

from __future__ import annotations

import decimal
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo

from dateutil import tz as dateutil_tz
from hypothesis import strategies as st

from softstaking import (
    AccrualPolicy,
    BalanceEvent,
    BalanceTimeline,
    DailySnapshot,
    MinimumBalance,
    SnapshotAverage,
    TieredApr,
    TimeWeighted,
    Token,
)

WIDE = decimal.Context(prec=500, traps=[decimal.Inexact, decimal.InvalidOperation])
"""A context wide enough that the tests' own arithmetic is exact, or raises."""


def of_units(n: int, token: Token) -> Decimal:
    """``n`` base units of ``token``, exactly."""
    return Decimal(n).scaleb(-token.decimals, WIDE)


FIRST_DAY = date(2024, 1, 1)
"""Runs start here; 2024 is a leap year and has DST changes in March and October/November."""

DST_ZONES = (
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "America/Santiago",  # DST changes at midnight
)


def _dateutil_zone(name: str) -> tzinfo:
    zone = dateutil_tz.gettz(name)
    assert zone is not None
    return zone


def zones() -> st.SearchStrategy[tzinfo]:
    """Timezones: UTC, fixed offsets, and DST zones from zoneinfo and dateutil."""
    return st.one_of(
        st.just(UTC),
        st.sampled_from([timezone(timedelta(hours=8)), timezone(timedelta(hours=-5, minutes=-30))]),
        st.sampled_from(DST_ZONES).map(ZoneInfo),
        st.sampled_from(DST_ZONES).map(_dateutil_zone),
    )


def tokens() -> st.SearchStrategy[Token]:
    """Tokens, most often with the decimals real tokens have."""
    decimals = st.one_of(st.sampled_from([0, 2, 6, 8, 18]), st.integers(0, 36))
    return decimals.map(lambda d: Token("TKN", d))


def units(token: Token, *, max_units: int = 10**30) -> st.SearchStrategy[Decimal]:
    """Non-negative whole numbers of the token's base units."""
    return st.integers(0, max_units).map(lambda n: of_units(n, token))


def aprs(*, max_basis_points: int = 50_000) -> st.SearchStrategy[Decimal]:
    """Non-negative APRs as fractions, to a hundredth of a basis point (up to 500 %)."""
    return st.integers(0, max_basis_points * 100).map(lambda n: Decimal(n).scaleb(-6, WIDE))


@st.composite
def tiered_aprs(draw: st.DrawFn) -> TieredApr:
    """Marginal tiers with rising bounds and an open last band."""
    bounds = sorted(set(draw(st.lists(st.integers(1, 10**9), max_size=4))))
    rates = draw(st.lists(aprs(), min_size=len(bounds) + 1, max_size=len(bounds) + 1))
    bands: list[tuple[Decimal | None, Decimal]] = [
        (Decimal(b), r) for b, r in zip(bounds, rates, strict=False)
    ]
    bands.append((None, rates[-1]))
    return TieredApr(bands)


def instants(days: int, zone: tzinfo | None = None) -> st.SearchStrategy[datetime]:
    """Aware instants within ``days`` days of :data:`FIRST_DAY`, some on exact midnights."""
    start = datetime.combine(FIRST_DAY, time(0), tzinfo=UTC) - timedelta(days=1)
    span_seconds = (days + 2) * 86_400
    seconds = st.one_of(
        st.integers(0, span_seconds),
        st.integers(0, days + 2).map(lambda d: d * 86_400),
    )
    micros = st.integers(0, 999_999)
    out = st.builds(lambda s, us: start + timedelta(seconds=s, microseconds=us), seconds, micros)
    if zone is not None:
        return out.map(lambda t: t.astimezone(zone))
    return out


@st.composite
def timelines(
    draw: st.DrawFn, token: Token, *, days: int = 10, max_events: int = 8
) -> BalanceTimeline:
    """Timelines of whole base units that never overdraw, in an arbitrary zone."""
    zone = draw(zones())
    opening_units = draw(st.integers(0, 10**24))
    ats = sorted(draw(st.lists(instants(days, zone), max_size=max_events)))
    balance_units = opening_units  # tracked in integer base units, so exactly
    events = []
    for at in ats:
        if balance_units and draw(st.booleans()):
            delta_units = -draw(st.integers(1, balance_units))
        else:
            delta_units = draw(st.integers(1, 10**24))
        balance_units += delta_units
        kind = "deposit" if delta_units > 0 else "withdrawal"
        events.append(BalanceEvent(at, of_units(delta_units, token), kind=kind))
    return BalanceTimeline.from_events(events, opening=of_units(opening_units, token))


def wall_times() -> st.SearchStrategy[time]:
    """Times of day, including midnight and the last second."""
    return st.one_of(
        st.sampled_from([time(0), time(23, 59, 59), time(2, 30), time(12)]),
        st.times(),
    )


def policies() -> st.SearchStrategy[AccrualPolicy]:
    """Every built-in accrual policy."""
    return st.one_of(
        st.builds(DailySnapshot, wall_times()),
        st.just(TimeWeighted()),
        st.just(MinimumBalance()),
        st.lists(wall_times(), min_size=1, max_size=4, unique=True).map(SnapshotAverage),
    )


@st.composite
def net_accounts(
    draw: st.DrawFn, token: Token, *, days: int = 10, max_events: int = 8
) -> tuple[Decimal, list[BalanceEvent]]:
    """A net account (margin) as ``(opening, events)``: its value may go below zero."""
    zone = draw(zones())
    opening = of_units(draw(st.integers(-(10**24), 10**24)), token)
    ats = draw(st.lists(instants(days, zone), max_size=max_events))
    deltas = draw(
        st.lists(st.integers(-(10**24), 10**24).filter(bool), min_size=len(ats), max_size=len(ats))
    )
    events = [
        BalanceEvent(at, of_units(d, token), kind="trade")
        for at, d in zip(ats, deltas, strict=True)
    ]
    return opening, events
