"""Everything a run needs pickles, so that it can be sent to a cluster's workers."""

from __future__ import annotations

import enum
import inspect
import pickle
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

import softstaking
from softstaking import (
    AprSchedule,
    DailySnapshot,
    Explanation,
    InvalidInputError,
    NegativeBalanceError,
    PayoutStatement,
    Program,
    Reconciliation,
    Token,
    UnknownTokenError,
    presets,
)
from softstaking.core.errors import InvalidBandError
from softstaking.core.frozen import FrozenMap
from tests import strategies as s

T = TypeVar("T")

_ERRORS = {
    name: getattr(softstaking, name)
    for name in softstaking.__all__
    if inspect.isclass(getattr(softstaking, name))
    and issubclass(getattr(softstaking, name), BaseException)
}


@st.composite
def _explanations(draw: st.DrawFn) -> Explanation:
    record = draw(s.reward_records())
    try:
        return record.explain()
    except InvalidInputError:  # amounts spanning over 100 digits: refused, as documented
        reject()


def _statements() -> st.SearchStrategy[PayoutStatement]:
    return st.lists(
        s.reward_records(Token("T", 6)), min_size=1, max_size=3, unique_by=lambda r: r.day
    ).map(lambda rs: softstaking.group_payouts(rs, as_of=datetime(2100, 1, 1, tzinfo=UTC)))


def _reconciliations() -> st.SearchStrategy[Reconciliation]:
    return st.builds(
        softstaking.reconcile,
        st.lists(s.reward_records(Token("T", 6)), max_size=3, unique_by=lambda r: r.day),
        st.lists(s.reported_payouts(), max_size=3),
    )


# Each public class's instances; a class missing here fails test_every_value_type_is_covered.
VALUES: dict[str, st.SearchStrategy[object]] = {
    "AccountReward": s.account_rewards(),
    "Allocation": s.allocations(),
    "AprSchedule": s.apr_schedules(),
    "BalanceEvent": s.timelines(Token("T", 6))
    .filter(lambda t: bool(t.events))
    .map(lambda t: t.events[0]),
    "BalanceTimeline": s.tokens().flatmap(s.timelines),
    "DailyPayouts": s.payout_schedules().filter(lambda p: isinstance(p, softstaking.DailyPayouts)),
    "DailyReward": s.reward_records(),
    "DailySnapshot": st.builds(DailySnapshot, s.wall_times()),
    "DayCalendar": s.day_calendars(),
    "DayCheck": _reconciliations().filter(lambda r: bool(r.checks)).map(lambda r: r.checks[0]),
    "DayWindow": s.day_windows(),
    "Explanation": _explanations(),
    "Holding": s.tokens().flatmap(lambda t: s.rich_holdings("alice", t)),
    "IntradayAprSchedule": s.intraday_schedules().map(
        lambda x: x if isinstance(x, softstaking.IntradayAprSchedule) else x.layers[-1]
    ),
    "LayeredSchedule": s.layered_schedules(),
    "MinimumBalance": st.just(softstaking.MinimumBalance()),
    "MonthlyPayouts": s.payout_schedules().filter(
        lambda p: isinstance(p, softstaking.MonthlyPayouts)
    ),
    "Payout": _statements().map(lambda st_: (st_.paid + st_.pending)[0]),
    "PayoutStatement": _statements(),
    "PoolDay": s.pool_days(),
    "Program": s.file_programs(),
    "Reconciliation": _reconciliations(),
    "ReportedPayout": s.reported_payouts(),
    "RewardCalculator": s.file_calculators("USDT"),
    "ScaledApr": st.builds(
        lambda r, k: softstaking.ScaledApr(r, factor=k), s.rate_layers(), s.scale_factors()
    ),
    "Settlement": st.builds(
        lambda owed: softstaking.settle(owed, Token("T", 6)), s.units(Token("T", 12))
    ),
    "SnapshotAverage": st.lists(s.wall_times(), min_size=1, max_size=4, unique=True).map(
        softstaking.SnapshotAverage
    ),
    "StackedApr": s.stacked_aprs(),
    "SubAccount": s.tokens()
    .flatmap(lambda t: s.rich_holdings("alice", t))
    .filter(lambda h: bool(h.subaccounts))
    .map(lambda h: h.subaccounts[0]),
    "TieredApr": s.tiered_aprs(),
    "TimeWeighted": st.just(softstaking.TimeWeighted()),
    "Token": s.tokens(),
    "WeeklyPayouts": s.payout_schedules().filter(
        lambda p: isinstance(p, softstaking.WeeklyPayouts)
    ),
    "WholeBalanceTiers": s.whole_balance_tiers(),
    "WindowPayouts": s.payout_schedules().filter(
        lambda p: isinstance(p, softstaking.WindowPayouts)
    ),
}

# Public classes that are not values: protocols and abstract bases have no instances of
# their own (their implementations are above), and a BalanceView is a cursor over a
# timeline, built inside a run.
NOT_VALUES = {"AccrualPolicy", "PayoutSchedule", "RateModel", "BalanceView"}


def _classes() -> list[str]:
    out = []
    for name in softstaking.__all__:
        value = getattr(softstaking, name)
        if not inspect.isclass(value) or issubclass(value, BaseException):
            continue
        if issubclass(value, enum.Enum):
            continue
        out.append(name)
    return out


def _round_trip(value: T) -> T:
    back: T = pickle.loads(pickle.dumps(value))
    return back


def test_every_value_type_is_covered() -> None:
    """Every public class is either built by a strategy here or named as not a value."""
    assert set(_classes()) == set(VALUES) | NOT_VALUES


@pytest.mark.parametrize("name", sorted(VALUES))
def test_values_pickle(name: str) -> None:
    """Each public value type comes back from pickle equal and of the same type."""

    @settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
    @given(VALUES[name])
    def check(value: object) -> None:
        assert isinstance(value, getattr(softstaking, name))
        back = _round_trip(value)
        assert type(back) is type(value)
        assert back == value

    check()


@pytest.mark.parametrize(
    "name",
    [
        n
        for n in softstaking.__all__
        if inspect.isclass(getattr(softstaking, n))
        and issubclass(getattr(softstaking, n), enum.Enum)
    ],
)
def test_enums_pickle(name: str) -> None:
    """Every member of each public enum comes back from pickle as itself."""
    for member in getattr(softstaking, name):
        assert _round_trip(member) is member


@pytest.mark.parametrize("name", sorted(_ERRORS))
def test_errors_pickle(name: str) -> None:
    """Each public error comes back from pickle with its type, message, attributes and notes."""
    kind = _ERRORS[name]
    if kind is NegativeBalanceError:
        error: BaseException = kind("overdrawn", event="e", index=3, balance=Decimal("-1"))
    elif kind is InvalidBandError:
        error = kind("bad band", band=2)
    else:
        error = kind("bad")
    error.add_note("in the holding of 'USDT' by account 'alice'")
    back = _round_trip(error)
    assert type(back) is kind
    assert back.args == error.args
    assert vars(back) == vars(error)


def test_program_mappings_stay_read_only() -> None:
    """A program's calculators and kind roles are read-only mappings, before and after pickle."""
    calc = softstaking.RewardCalculator(Token("USDT", 6), AprSchedule.constant("0.05"))
    program = Program([calc], kind_roles={"staked": "redemption_request"})
    for p in (program, _round_trip(program)):
        assert isinstance(p.calculators, FrozenMap)
        assert p.calculators == {"USDT": calc}
        assert p.kind_roles == {"staked": "redemption_request"}
        with pytest.raises(TypeError):
            p.calculators["BTC"] = calc  # type: ignore[index]
        with pytest.raises(TypeError):
            p.kind_roles["x"] = "y"  # type: ignore[index]


def _average_daily_balance() -> object:
    calc = presets.regulation_dd_daily_balance(Token("USD", 2), AprSchedule.constant("0.05"))
    timeline = softstaking.BalanceTimeline.from_events([], opening=1000)
    records = calc.daily_rewards(timeline, date(2025, 1, 1), date(2025, 2, 1))
    return presets.regulation_dd_average_daily_balance(records)


@pytest.mark.parametrize(
    "build",
    [
        lambda: presets.kucoin_soft_staking_2019({"IOTX": "0.05", "ELA": "0.08"}),
        lambda: presets.kucoin_pool_x({"POL": "0.05"}),
        presets.kucoin_hold_to_earn,
        lambda: presets.binance_soft_staking({"BNB": "0.01", "SOL": "0.05"}, caps={"SOL": 1000}),
        lambda: presets.gate_soft_staking({"GT": "0.01"}, minimums={"GT": 1}, caps={"GT": 9}),
        lambda: presets.regulation_dd_daily_balance(Token("USD", 2), AprSchedule.constant("0.05")),
        _average_daily_balance,
    ],
)
def test_presets_pickle(build: object) -> None:
    """Every preset's program or calculator comes back from pickle equal."""
    assert callable(build)
    value = build()
    assert _round_trip(value) == value


def test_errors_cross_a_pickle_from_a_run() -> None:
    """A program's error, raised in a run and pickled, keeps its type and notes."""
    program = Program(
        [softstaking.RewardCalculator(Token("USDT", 6), AprSchedule.constant("0.05"))]
    )
    holding = softstaking.Holding("alice", "BTC", opening=1)
    with pytest.raises(UnknownTokenError) as caught:
        list(program.run([holding], date(2025, 1, 1), date(2025, 1, 2)))
    back = _round_trip(caught.value)
    assert isinstance(back, UnknownTokenError)
    assert back.__notes__ == caught.value.__notes__
    assert str(back) == str(caught.value)
