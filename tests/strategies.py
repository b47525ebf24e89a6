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
    AprSchedule,
    BalanceEvent,
    BalanceTimeline,
    DailyPayouts,
    DailyReward,
    DailySnapshot,
    DayCount,
    Dust,
    EarningStart,
    IntradayAprSchedule,
    MinimumBalance,
    MonthlyPayouts,
    PayoutSchedule,
    Program,
    Rate,
    RewardCalculator,
    ScaledApr,
    SnapshotAverage,
    StackedApr,
    TieredApr,
    TimeWeighted,
    Token,
    WeeklyPayouts,
    WholeBalanceTiers,
    WindowPayouts,
)
from softstaking.core.days import DayWindow
from softstaking.core.intraday import Schedule
from softstaking.core.sweep import BalanceView
from softstaking.programs.eligibility import POCKET_KINDS

WIDE = decimal.Context(prec=500, traps=[decimal.Inexact, decimal.InvalidOperation])
"""A context wide enough that the tests' own arithmetic is exact, or raises."""


def of_units(n: int, token: Token) -> Decimal:
    """``n`` base units of ``token``, exactly."""
    return Decimal(n).scaleb(-token.decimals, WIDE)


FIRST_DAY = date(2024, 1, 1)
"""The default first day of a run: 2024 is a leap year."""

DST_CHANGES_2024 = (
    date(2024, 3, 10),  # New York springs forward
    date(2024, 3, 31),  # London springs forward
    date(2024, 4, 6),  # Santiago falls back at midnight (24:00 becomes 23:00)
    date(2024, 4, 7),  # Lord Howe falls back 30 minutes
    date(2024, 9, 8),  # Santiago springs forward at midnight: 00:00 does not exist
    date(2024, 10, 6),  # Lord Howe springs forward 30 minutes
    date(2024, 10, 27),  # London falls back
    date(2024, 11, 3),  # New York falls back
)
"""The days the clocks change in :data:`DST_ZONES` in 2024."""

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


def first_days() -> st.SearchStrategy[date]:
    """First days of runs: mostly a few days before a DST change, so runs cross it."""
    near_change = st.builds(
        lambda change, before: change - timedelta(days=before),
        st.sampled_from(DST_CHANGES_2024),
        st.integers(0, 5),
    )
    return st.one_of(
        near_change, st.just(FIRST_DAY), st.dates(date(2023, 1, 1), date(2025, 12, 31))
    )


def day_offsets() -> st.SearchStrategy[timedelta]:
    """Day offsets: none, KuCoin's −2 hours, offsets that cut days inside DST gaps, any."""
    return st.one_of(
        st.just(timedelta(0)),
        st.sampled_from([timedelta(hours=-2), timedelta(hours=2, minutes=30), timedelta(hours=1)]),
        st.integers(-(24 * 60) + 1, 24 * 60 - 1).map(lambda m: timedelta(minutes=m)),
    )


def instants(
    days: int, zone: tzinfo | None = None, *, first: date = FIRST_DAY
) -> st.SearchStrategy[datetime]:
    """Aware instants within ``days`` days of ``first``, some on exact midnights."""
    start = datetime.combine(first, time(0), tzinfo=UTC) - timedelta(days=1)
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
    draw: st.DrawFn,
    token: Token,
    *,
    days: int = 10,
    min_events: int = 0,
    max_events: int = 8,
    first: date = FIRST_DAY,
) -> BalanceTimeline:
    """Timelines of whole base units that never overdraw, in an arbitrary zone."""
    zone = draw(zones())
    opening_units = draw(st.integers(0, 10**24))
    ats = sorted(
        draw(st.lists(instants(days, zone, first=first), min_size=min_events, max_size=max_events))
    )
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


def account_ids() -> st.SearchStrategy[str]:
    """Account ids: short strings, often sharing prefixes so that tie-breaks matter."""
    return st.text(alphabet="abc019", min_size=1, max_size=4)


@st.composite
def holdings(draw: st.DrawFn, *, max_accounts: int = 8, decimals: int = 18) -> dict[str, Decimal]:
    """Measured balances by account: whole units, fractions finer than a unit, equal values."""
    ids = draw(st.lists(account_ids(), max_size=max_accounts, unique=True))
    shared = draw(st.integers(0, 10**6))  # equal holdings make equal remainders
    values = st.one_of(
        st.integers(0, 10**24).map(lambda n: Decimal(n).scaleb(-decimals, WIDE)),
        st.integers(0, 10**30).map(lambda n: Decimal(n).scaleb(-(decimals + 7), WIDE)),
        st.just(Decimal(shared)),
    )
    return {a: draw(values) for a in ids}


def pools(token: Token) -> st.SearchStrategy[Decimal]:
    """Pools: whole base units, or with a rest finer than the base unit."""
    return st.one_of(
        units(token, max_units=10**12),
        st.integers(0, 10**15).map(lambda n: Decimal(n).scaleb(-(token.decimals + 3), WIDE)),
    )


def weekday_sets() -> st.SearchStrategy[list[int]]:
    """Non-empty sets of weekdays as ``date.weekday()`` numbers."""
    return st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True)


@st.composite
def whole_balance_tiers(draw: st.DrawFn) -> WholeBalanceTiers:
    """Whole-balance (Method A) tiers with rising bounds and an open last band."""
    return WholeBalanceTiers(draw(tiered_aprs()).bands)


def rate_layers() -> st.SearchStrategy[Rate]:
    """One rate of any single kind: flat, marginal tiers or whole-balance tiers."""
    return st.one_of(aprs(), tiered_aprs(), whole_balance_tiers())


def stacked_aprs() -> st.SearchStrategy[StackedApr]:
    """Stacks of one to three layers, each a rate of any single kind."""
    return st.lists(rate_layers(), min_size=1, max_size=3).map(StackedApr)


def scale_factors() -> st.SearchStrategy[Decimal]:
    """Non-negative scale factors to four decimals, up to 3: haircuts and boosts."""
    return st.integers(0, 30_000).map(lambda n: Decimal(n).scaleb(-4, WIDE))


def any_rates() -> st.SearchStrategy[Rate]:
    """Any rate the library ships: single kinds, stacks and scaled rates."""
    return st.one_of(
        rate_layers(),
        stacked_aprs(),
        st.builds(lambda r, k: ScaledApr(r, factor=k), rate_layers(), scale_factors()),
    )


def intraday_policies() -> st.SearchStrategy[AccrualPolicy]:
    """The built-in policies that give a meaning to several rates in one day."""
    return st.one_of(
        st.builds(DailySnapshot, wall_times()),
        st.just(TimeWeighted()),
        st.lists(wall_times(), min_size=1, max_size=4, unique=True).map(SnapshotAverage),
    )


def fine_amounts(token: Token) -> st.SearchStrategy[Decimal]:
    """Non-negative amounts down to the token's gross quantum, some with positive exponents."""
    return st.one_of(
        units(token),
        st.integers(0, 10**60).map(
            lambda n: Decimal(n).scaleb(token.gross_quantum.adjusted(), WIDE)
        ),
        st.integers(0, 10**12).map(lambda n: Decimal(n).scaleb(6, WIDE)),  # written as 5E+6
        st.decimals(min_value=0, max_value=10**30, allow_nan=False, allow_infinity=False),
    )


@st.composite
def reward_records(draw: st.DrawFn, token: Token | None = None) -> DailyReward:
    """Reward records with any exact amounts and payout instants in any zone."""
    token = token if token is not None else draw(tokens())
    amount = fine_amounts(token)
    zone = draw(zones())
    return DailyReward(
        draw(st.dates(min_value=date(1971, 1, 1), max_value=date(2199, 12, 31))),
        draw(amount),
        draw(amount),
        draw(aprs()),
        draw(amount),
        draw(units(token)),
        draw(amount),
        draw(instants(10, zone)),
        draw(amount),
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


from softstaking import Holding, SubAccount  # noqa: E402  (appended: the file is append-only)


@st.composite
def rich_holdings(
    draw: st.DrawFn, account: str, token: Token, *, days: int = 4, max_events: int = 4
) -> Holding:
    """A holding with perhaps a funding and a net margin sub-account, activation and carry."""
    main = draw(timelines(token, days=days, max_events=max_events))
    parts = []
    if draw(st.booleans()):
        funding = draw(timelines(token, days=days, max_events=max_events))
        parts.append(SubAccount("funding", funding.events, opening=funding.opening))
    if draw(st.booleans()):
        m_opening, m_events = draw(net_accounts(token, days=days, max_events=max_events))
        parts.append(SubAccount("margin", m_events, opening=m_opening, net=True))
    activated_at = draw(st.none() | instants(days, draw(zones())))
    carry = draw(st.just(Decimal(0)) | units(token, max_units=10**6))
    return Holding.from_timeline(
        account, token.symbol, main, subaccounts=parts, activated_at=activated_at, carry=carry
    )


def file_zones() -> st.SearchStrategy[tzinfo]:
    """Zones a program file can name: UTC, fixed offsets to the minute, IANA names."""
    return st.one_of(
        st.just(UTC),
        st.integers(-(24 * 60) + 1, 24 * 60 - 1).map(lambda m: timezone(timedelta(minutes=m))),
        st.sampled_from([*DST_ZONES, "Asia/Shanghai"]).map(ZoneInfo),
    )


def apr_schedules() -> st.SearchStrategy[AprSchedule]:
    """Daily schedules: one rate (flat or tiers) every day, or rates from given days."""
    one = st.one_of(aprs(), tiered_aprs())
    return st.one_of(
        one.map(AprSchedule.constant),
        st.dictionaries(
            st.dates(date(2000, 1, 1), date(2040, 12, 31)), one, min_size=1, max_size=4
        ).map(AprSchedule),
    )


def payout_schedules() -> st.SearchStrategy[PayoutSchedule]:
    """The four built-in payout schedules, in zones a program file can name."""
    return st.one_of(
        st.builds(lambda at, tz: DailyPayouts(at, tz=tz), wall_times(), file_zones()),
        st.builds(
            lambda days, at, tz: WeeklyPayouts(days, at=at, tz=tz),
            weekday_sets(),
            wall_times(),
            file_zones(),
        ),
        st.builds(
            lambda day, at, tz: MonthlyPayouts(day, at=at, tz=tz),
            st.integers(1, 31),
            wall_times(),
            file_zones(),
        ),
        st.builds(
            lambda window, tz: WindowPayouts(*window, tz=tz),
            st.tuples(wall_times(), wall_times()).filter(lambda w: w[0] != w[1]),
            file_zones(),
        ),
    )


@st.composite
def file_calculators(draw: st.DrawFn, symbol: str) -> RewardCalculator:
    """A calculator of ``symbol`` whose every setting a program file can write."""
    token = Token(symbol, draw(st.integers(0, 36)))
    amounts = units(token, max_units=10**24)
    paid_by = draw(st.one_of(st.none(), payout_schedules()))
    delay = (
        timedelta(0)
        if paid_by is not None
        else draw(st.integers(0, 10**6).map(lambda s: timedelta(seconds=s)))
    )
    return RewardCalculator(
        token,
        draw(apr_schedules()),
        draw(policies()),
        tz=draw(file_zones()),
        day_offset=draw(day_offsets()),
        day_count=draw(st.sampled_from(list(DayCount))),
        min_holding=draw(amounts),
        cap=draw(st.one_of(st.none(), amounts.filter(bool))),
        compound=draw(st.booleans()),
        payout_delay=delay,
        payout_schedule=paid_by,
        min_payout=draw(amounts),
        dust=draw(st.sampled_from(list(Dust))),
    )


@st.composite
def file_programs(draw: st.DrawFn) -> Program:
    """Programs whose every part a program file can write."""
    symbols = draw(
        st.lists(
            st.sampled_from(["IOTX", "ELA", "USDT", "BTC", "A-B", "x_y"]),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    roles = st.dictionaries(
        st.sampled_from(["staked", "locked", "in review", "loan.out"]),
        st.sampled_from(sorted(POCKET_KINDS)),
        max_size=3,
    )
    return Program(
        [draw(file_calculators(s)) for s in symbols],
        frozen_earns=draw(st.booleans()),
        deposits=draw(st.sampled_from(list(EarningStart))),
        activation=draw(st.sampled_from(list(EarningStart))),
        kind_roles=draw(roles),
    )


class ClosingBalance:
    """A user's own policy: the balance at the day's last microsecond, through the public API."""

    def measure(self, window: DayWindow, balances: BalanceView) -> Decimal:
        """The balance at the last instant of the day."""
        return balances.balance_at(window.end.astimezone(UTC) - timedelta(microseconds=1))


def _day_schedule(draw: st.DrawFn, first: date, days: int) -> AprSchedule:
    """A daily schedule over the run: rates of any kind, often kept for several days."""
    changes = sorted(set(draw(st.lists(st.integers(1, max(days, 1)), max_size=3))))
    rates = draw(st.lists(any_rates(), min_size=len(changes) + 1, max_size=len(changes) + 1))
    keys = [first - timedelta(days=2), *(first + timedelta(days=c) for c in changes)]
    return AprSchedule(dict(zip(keys, rates, strict=True)))


def _intraday_schedule(draw: st.DrawFn, first: date, days: int) -> IntradayAprSchedule:
    """Flat or tiered rates that change at instants inside the run, in any zone."""
    zone = draw(zones())
    opening = datetime.combine(first - timedelta(days=2), time(0), tzinfo=UTC)
    ats = sorted(set(draw(st.lists(instants(days, zone, first=first), max_size=3))))
    rates = draw(st.lists(rate_layers(), min_size=len(ats) + 1, max_size=len(ats) + 1))
    return IntradayAprSchedule(dict(zip([opening, *ats], rates, strict=True)))


def _payout_setting(draw: st.DrawFn) -> dict[str, object]:
    """Either a payout delay or a payout schedule of any kind."""
    zone = draw(zones())
    kind = draw(st.sampled_from(["none", "delay", "daily", "weekly", "monthly", "window"]))
    if kind == "delay":
        return {"payout_delay": timedelta(minutes=draw(st.integers(1, 3 * 24 * 60)))}
    if kind == "daily":
        return {"payout_schedule": DailyPayouts(draw(wall_times()), tz=zone)}
    if kind == "weekly":
        return {"payout_schedule": WeeklyPayouts(draw(weekday_sets()), tz=zone)}
    if kind == "monthly":
        return {"payout_schedule": MonthlyPayouts(draw(st.integers(1, 31)), tz=zone)}
    if kind == "window":
        return {"payout_schedule": WindowPayouts(time(0), time(8), tz=zone)}
    return {}


def starting_carries(token: Token) -> st.SearchStrategy[Decimal]:
    """Starting carries: none, whole units, sub-unit rests and unusual exponents."""
    quantum = token.gross_quantum.adjusted()
    return st.one_of(
        st.just(Decimal(0)),
        units(token, max_units=10**6),
        st.integers(0, 10**25).map(lambda n: Decimal(n).scaleb(quantum, WIDE)),
        st.sampled_from(["0E-50", "1E-40", "0E+3", "5", "0.5", "1E-60", "7E-45"]).map(Decimal),
    )


@st.composite
def calculator_runs(
    draw: st.DrawFn, *, intraday: bool = False, max_days: int = 8, max_events: int = 6
) -> tuple[RewardCalculator, BalanceTimeline, date, date, Decimal]:
    """``(calculator, timeline, start, end, carry)``: any setting the calculator takes.

    Daily schedules of every rate kind (flat, marginal and whole-balance tiers, stacks,
    scaled rates, ``AprSchedule.layered``) with every policy, a user's own included; or,
    with ``intraday``, rates that change within days (alone or over a daily layer) with
    the policies that combine them. Any zone (DST ones around their 2024 changes), day
    offset and day count, a minimum holding, a cap, compounding, a minimum payout, dust
    forfeited or carried, payout delays and schedules, and a starting carry.
    """
    token = draw(tokens())
    first = draw(first_days())
    days = draw(st.integers(0, max_days))
    timeline = draw(timelines(token, days=days, max_events=max_events, first=first))
    schedule: Schedule
    policy: AccrualPolicy
    if intraday:
        schedule = _intraday_schedule(draw, first, days)
        if draw(st.booleans()):
            schedule = _day_schedule(draw, first, days) + schedule
        policy = draw(intraday_policies())
    else:
        schedule = _day_schedule(draw, first, days)
        if draw(st.booleans()):
            schedule = AprSchedule.layered(schedule, _day_schedule(draw, first, days))
        policy = draw(st.one_of(policies(), st.just(ClosingBalance())))
    holding = draw(st.one_of(st.just(Decimal(0)), units(token, max_units=10**24)))
    cap = draw(st.one_of(st.none(), units(token, max_units=10**24).filter(bool)))
    payouts = fine_amounts(token).filter(lambda m: m < 10**40)
    min_payout = draw(st.one_of(st.just(Decimal(0)), payouts))
    calc = RewardCalculator(
        token,
        schedule,
        policy,
        tz=draw(zones()),
        day_offset=draw(day_offsets()),
        day_count=draw(st.sampled_from(list(DayCount))),
        min_holding=holding,
        cap=cap,
        compound=draw(st.booleans()),
        min_payout=min_payout,
        dust=draw(st.sampled_from(list(Dust))),
        **_payout_setting(draw),  # type: ignore[arg-type]
    )
    carry = draw(starting_carries(token))
    return calc, timeline, first, first + timedelta(days=days), carry


@st.composite
def job_scenarios(
    draw: st.DrawFn,
) -> tuple[Program, list[tuple[str, str, datetime, Decimal, str]], date, int]:
    """A small chainable program, and a ledger over its first 3 to 5 days.

    Returns the program, the ledger's rows ``(account, token, at, delta, kind)`` (in the
    ledger's order), the first day and the number of days. Events use every pocket kind,
    never taking the available, frozen or waiting amount below zero.
    """
    first = draw(first_days())
    days = draw(st.integers(3, 5))
    symbols = draw(st.lists(st.sampled_from(["AAA", "BBB"]), min_size=1, max_size=2, unique=True))
    calculators = []
    for symbol in symbols:
        token = Token(symbol, draw(st.sampled_from([0, 2, 6, 8, 18])))
        calculators.append(
            RewardCalculator(
                token,
                AprSchedule.constant(draw(aprs())),
                draw(policies()),
                tz=draw(st.one_of(st.just(UTC), st.sampled_from(DST_ZONES).map(ZoneInfo))),
                day_offset=draw(day_offsets()),
                min_holding=draw(st.sampled_from([0, 1, 1000])),
                min_payout=draw(st.sampled_from([Decimal(0), token.base_unit * 1000, Decimal(1)])),
                payout_delay=draw(st.sampled_from([timedelta(0), timedelta(days=1)])),
                dust=draw(st.sampled_from(list(Dust))),
            )
        )
    program = Program(
        calculators,
        frozen_earns=draw(st.booleans()),
        deposits=draw(st.sampled_from(list(EarningStart))),
    )
    rows: list[tuple[str, str, datetime, Decimal, str]] = []
    for account in draw(st.lists(st.sampled_from(["a", "b", "c"]), max_size=3, unique=True)):
        for symbol in draw(st.lists(st.sampled_from(symbols), min_size=1, unique=True)):
            calc = program.calculator(symbol)
            low = calc.calendar.start_of(first)
            span = calc.calendar.start_of(first + timedelta(days=days)) - low
            seconds = int(span.total_seconds())
            ats = sorted(
                draw(
                    st.lists(
                        st.one_of(
                            st.integers(0, seconds - 1),
                            st.integers(0, days - 1).map(lambda d: d * 86_400),
                        ),
                        min_size=1,
                        max_size=8,
                    )
                )
            )
            available = frozen = waiting = 0  # in base units
            for second in ats:
                choices = ["deposit"]
                if available:
                    choices += ["withdrawal", "order_freeze", "redemption_request"]
                if frozen:
                    choices.append("order_release")
                if waiting:
                    choices += ["redemption_cancel", "redemption_settle"]
                kind = draw(st.sampled_from(choices))
                if kind == "deposit":
                    amount = draw(st.integers(1, 10**12))
                    available += amount
                elif kind in ("withdrawal", "order_freeze", "redemption_request"):
                    amount = -draw(st.integers(1, available))
                    available += amount
                    frozen -= amount if kind == "order_freeze" else 0
                    waiting -= amount if kind == "redemption_request" else 0
                elif kind == "order_release":
                    amount = draw(st.integers(1, frozen))
                    frozen -= amount
                    available += amount
                elif kind == "redemption_cancel":
                    amount = draw(st.integers(1, waiting))
                    waiting -= amount
                    available += amount
                else:  # settle: the waiting amount leaves
                    amount = -draw(st.integers(1, waiting))
                    waiting += amount
                at = low + timedelta(seconds=second)
                rows.append((account, symbol, at, of_units(amount, calc.token), kind))
    return program, rows, first, days


# Every public value type, for the pickling test (tests/test_pickle.py).

from typing import cast  # noqa: E402  (appended: the file is append-only)

from softstaking import (  # noqa: E402  (appended: the file is append-only)
    AccountReward,
    Allocation,
    DayCalendar,
    LayeredSchedule,
    PoolDay,
    ReportedPayout,
    distribute,
    distribute_days,
)


def day_calendars() -> st.SearchStrategy[DayCalendar]:
    """Calendars in any zone with any day offset."""
    return st.builds(lambda tz, offset: DayCalendar(tz, day_offset=offset), zones(), day_offsets())


def day_windows() -> st.SearchStrategy[DayWindow]:
    """One day's window in any calendar."""
    return st.builds(lambda cal, day: cal.window(day), day_calendars(), first_days())


def account_rewards() -> st.SearchStrategy[AccountReward]:
    """An account's record of one token and day."""
    return st.builds(
        lambda account, record: AccountReward(account, "USDT", record),
        account_ids(),
        reward_records(),
    )


@st.composite
def allocations(draw: st.DrawFn) -> Allocation:
    """One pool shared among holders, some perhaps below the minimum."""
    token = draw(tokens())
    return distribute(
        draw(pools(token)),
        draw(holdings(decimals=token.decimals)),
        token=token,
        min_holding=draw(st.sampled_from(["0", "1"])),
    )


@st.composite
def pool_days(draw: st.DrawFn) -> PoolDay:
    """One day of a multi-day distribution."""
    token = draw(tokens())
    day = draw(first_days())
    held = draw(holdings(decimals=token.decimals))
    return distribute_days({day: draw(pools(token))}, {day: held}, token=token)[0]


def intraday_schedules() -> st.SearchStrategy[IntradayAprSchedule | LayeredSchedule]:
    """The schedules of calculators whose rates change within days, alone or layered."""
    return calculator_runs(intraday=True).map(
        lambda run: cast("IntradayAprSchedule | LayeredSchedule", run[0].schedule)
    )


def layered_schedules() -> st.SearchStrategy[LayeredSchedule]:
    """A daily schedule under a schedule whose rates change within days."""
    return intraday_schedules().map(
        lambda s: s if isinstance(s, LayeredSchedule) else AprSchedule.constant("0.01") + s
    )


def reported_payouts() -> st.SearchStrategy[ReportedPayout]:
    """A platform's reported payment of one day."""
    return st.builds(
        ReportedPayout, st.dates(date(2000, 1, 1), date(2040, 12, 31)), units(Token("T", 6))
    )


import attrs  # noqa: E402  (appended: the file is append-only)


@st.composite
def chained_job_scenarios(
    draw: st.DrawFn,
) -> tuple[Program, list[tuple[str, str, datetime, Decimal, str]], date, int]:
    """``job_scenarios`` whose tokens may compound and be paid later, as a schedule says.

    Each token compounds or not, and is paid at the end of the day, after a delay of up
    to three days, or by a built-in payout schedule: daily at a wall time, weekly on a
    weekday of the run, monthly on a day of the run (or the 29th to 31st, the month's
    end), or in a window; so that payouts fall both inside and after the run.
    """
    program, rows, first, days = draw(job_scenarios())
    calculators = []
    for calc in program.calculators.values():
        zone = draw(zones())
        payday = first + timedelta(days=draw(st.integers(0, days)))
        kind = draw(st.sampled_from(["end", "delay", "daily", "weekly", "monthly", "window"]))
        schedule: PayoutSchedule | None = None
        delay = timedelta(0)
        if kind == "delay":
            delay = draw(st.sampled_from([timedelta(hours=36), timedelta(days=2), timedelta(3)]))
        elif kind == "daily":
            schedule = DailyPayouts(draw(wall_times()), tz=zone)
        elif kind == "weekly":
            schedule = WeeklyPayouts([payday.weekday()], at=draw(wall_times()), tz=zone)
        elif kind == "monthly":
            day = draw(st.one_of(st.just(payday.day), st.integers(29, 31)))
            schedule = MonthlyPayouts(day, tz=zone)
        elif kind == "window":
            schedule = WindowPayouts(time(0), time(8), tz=zone)
        calculators.append(
            attrs.evolve(
                calc,
                compound=draw(st.booleans()),
                payout_delay=delay if kind != "end" else calc.payout_delay,
                payout_schedule=schedule,
            )
        )
    chained = Program(
        calculators,
        frozen_earns=program.frozen_earns,
        deposits=program.deposits,
        kind_roles=program.kind_roles,
    )
    return chained, rows, first, days


BUSY_START = datetime(2024, 1, 1, tzinfo=UTC)
"""Where :func:`busy_steps` puts its instants: microsecond offsets from here."""


@st.composite
def busy_steps(draw: st.DrawFn, *, span_us: int = 120) -> tuple[int, list[tuple[int, int]]]:
    """An opening balance and 20 to 50 balance events packed into ``span_us`` microseconds.

    As ``(opening, [(offset_us, delta), ...])`` in whole numbers, the offsets rising
    and often equal, the balance never below zero: more events than a gallop of the sweep
    spans, so that its long searches run.
    """
    opening = draw(st.integers(0, 10**6))
    offsets = sorted(draw(st.lists(st.integers(0, span_us), min_size=20, max_size=50)))
    balance, steps = opening, []
    for offset in offsets:  # in time order, so that no step overdraws
        delta = draw(st.integers(-balance, 10**6))
        steps.append((offset, delta))
        balance += delta
    return opening, steps


@st.composite
def sub_account_job_scenarios(
    draw: st.DrawFn,
) -> tuple[Program, list[tuple[str, str, datetime, Decimal, str, str]], date, int]:
    """``chained_job_scenarios`` whose accounts are sub-accounts of fewer users.

    Each of the scenario's accounts ``a``, ``b`` and ``c`` becomes a drawn pair (user,
    sub-account): ``u`` or ``v``, and ``""`` (the main account), ``"fund"`` or ``"spot"``,
    no two alike. So every sub-account's events keep it, its orders and its redemptions
    at zero or more, as the scenario's accounts were, while a user may hold a token in
    several. Rows are ``(user, token, at, delta, kind, sub_account)``.
    """
    program, rows, first, days = draw(chained_job_scenarios())
    pairs = draw(
        st.lists(
            st.tuples(st.sampled_from(["u", "v"]), st.sampled_from(["", "fund", "spot"])),
            min_size=3,
            max_size=3,
            unique=True,
        )
    )
    names = dict(zip(["a", "b", "c"], pairs, strict=True))
    out = [
        (names[account][0], token, at, delta, kind, names[account][1])
        for account, token, at, delta, kind in rows
    ]
    return program, out, first, days


ODD_DECIMAL_TEXTS = (
    "1e3",
    "1E+3",
    "-2.5e-3",
    "1e-1000000",
    "7E999999",
    " 1.5",
    "2 ",
    "\t-3\n",
    "1_000",
    "NaN",
    "-sNaN",
    "Infinity",
    "-inf",
    "-0",
    "+0.000",
    ".5",
    "5.",
    "-.5",
    "+5",
    "",
    ".",
    "-",
    "+-1",
    "1.2.3",
    "0x10",
    "١٢.٥",  # Arabic-Indic digits: Decimal reads them, Arrow does not
    "１２",  # full-width digits
    "finer",
)
"""Decimal strings Arrow and ``Decimal`` may read differently, and strings neither reads."""


@st.composite
def decimal_texts(draw: st.DrawFn) -> str:
    """Decimal strings: plain ones of up to 90 digits (often 39 or more), and odd forms."""
    if draw(st.integers(0, 5)) == 0:
        return draw(st.sampled_from(ODD_DECIMAL_TEXTS))
    sign = draw(st.sampled_from(["", "", "-", "+"]))
    digits = st.text("0123456789", max_size=45)
    whole = draw(st.one_of(digits, st.sampled_from(["9" * 39, str(2**128), "4" + "0" * 38])))
    point = draw(st.booleans())
    fraction = draw(st.one_of(st.text("0123456789", max_size=45), st.just("0" * 40)))
    if not point:
        fraction = ""
    if not whole and not fraction:
        whole = "0"
    return sign + whole + ("." if point else "") + fraction
