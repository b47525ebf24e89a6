"""Program.table: whole programs as Arrow columns, equal to Program.run."""

from __future__ import annotations

import decimal
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softstaking import (
    AprSchedule,
    BalanceEvent,
    DailySnapshot,
    DuplicateHoldingError,
    Dust,
    EarningStart,
    Holding,
    InvalidInputError,
    InvalidTypeError,
    MinimumBalance,
    NaiveDatetimeError,
    NegativeBalanceError,
    Program,
    RewardCalculator,
    SnapshotAverage,
    TimeWeighted,
    Token,
    UnknownTokenError,
)
from softstaking.columns import engine
from softstaking.columns.output import APR_SCALE
from softstaking.core.tokens import GUARD_DIGITS
from tests.strategies import (
    account_ids,
    any_rates,
    day_offsets,
    first_days,
    timelines,
    tokens,
    wall_times,
    zones,
)

DAYS = 4
UTC_US = pa.timestamp("us", tz="UTC")


def _round(value: Decimal, scale: int) -> Decimal:
    return value.quantize(
        Decimal(1).scaleb(-scale), decimal.ROUND_HALF_EVEN, decimal.Context(prec=200)
    )


def expected_rows(
    program: Program, holdings: Sequence[Holding], start: date, end: date
) -> list[dict[str, Any]]:
    """Program.run's records as the table's rows: balance, eligible and apr rounded."""
    rows = []
    ordered = sorted(holdings, key=lambda h: (h.account, h.token))
    for r in program.run(ordered, start, end, sorted_accounts=True):
        token = program.calculator(r.token).token
        fine = token.decimals + GUARD_DIGITS
        rec = r.reward
        rows.append(
            {
                "account": r.account,
                "token": r.token,
                "day": rec.day,
                "balance": _round(rec.balance, fine),
                "eligible": _round(rec.eligible, fine),
                "apr": _round(rec.apr, APR_SCALE),
                "gross": rec.gross,
                "paid": rec.paid,
                "carry": rec.carry,
                "forfeited": rec.forfeited,
                "payout_at": rec.payout_at,
            }
        )
    return rows


def ledger_of(rows: list[tuple[str, str, datetime, Decimal, str]]) -> pa.Table:
    return pa.table(
        {
            "account": pa.array([r[0] for r in rows], pa.string()),
            "token": pa.array([r[1] for r in rows], pa.string()),
            "at": pa.array([r[2].astimezone(UTC) for r in rows], UTC_US),
            "delta": pa.array([str(r[3]) for r in rows], pa.string()),
            "kind": pa.array([r[4] for r in rows], pa.string()),
        }
    )


def assert_same(table: pa.Table, expected: list[dict[str, Any]]) -> None:
    got = table.to_pylist()
    assert len(got) == len(expected)
    for row, want in zip(got, expected, strict=True):
        # The same instant: in a DST fold (fold=1) Python never counts datetimes in two
        # zones equal, and the table may keep payout_at in UTC (see Program.table).
        row["payout_at"] = row["payout_at"].astimezone(UTC)
        same = {**want, "payout_at": want["payout_at"].astimezone(UTC)}
        assert row == same, (row, same)
    for field in table.schema:
        assert not pa.types.is_floating(field.type)


@st.composite
def calculators(draw: st.DrawFn, symbol: str, *, engine: bool) -> RewardCalculator:
    token = Token(symbol, draw(tokens()).decimals)
    policy: Any
    if engine:
        policy = draw(
            st.one_of(
                st.builds(DailySnapshot, wall_times()),
                st.just(TimeWeighted()),
                st.just(MinimumBalance()),
            )
        )
    else:
        policy = draw(
            st.one_of(
                st.lists(wall_times(), min_size=1, max_size=3, unique=True).map(SnapshotAverage),
                st.builds(DailySnapshot, wall_times()),
                st.just(TimeWeighted()),
            )
        )
    rate_a, rate_b = draw(any_rates()), draw(any_rates())
    schedule = AprSchedule({date(2000, 1, 1): rate_a, draw(first_days()): rate_b})
    unit = token.base_unit
    return RewardCalculator(
        token,
        schedule,
        policy,
        tz=draw(zones()),
        day_offset=draw(day_offsets()),
        min_holding=draw(st.sampled_from([0, 1000, 10**20])) * unit,
        cap=draw(st.sampled_from([None, 10**22 * unit, Decimal("0.5") * unit])),
        min_payout=draw(st.sampled_from([Decimal(0), unit, 1000 * unit])),
        dust=draw(st.sampled_from(Dust)),
        payout_delay=draw(st.sampled_from([timedelta(0), timedelta(hours=7)])),
        compound=False if engine else draw(st.booleans()),
    )


def table_or_too_wide(
    program: Program,
    ledger: pa.Table,
    start: date,
    end: date,
    *,
    openings: pa.Table,
    rows: list[dict[str, Any]],
) -> pa.Table | None:
    """The table; or None where it refuses, as documented, a value too wide for Arrow.

    The tokens of a table share the finest token's scale, so a large balance of a
    coarse token beside a fine one can need more than the 76 digits an Arrow decimal
    holds: the refusal must then be true of some value.
    """
    try:
        return program.table(ledger, start, end, openings=openings)
    except InvalidInputError as err:
        if "more than an Arrow decimal (76) holds" not in str(err):
            raise
    scale = max(c.token.decimals for c in program.calculators.values()) + GUARD_DIGITS
    columns = ("balance", "eligible", "gross", "paid", "carry", "forfeited")
    widest = max(max(r[c].adjusted() + 1, 1) + scale for r in rows for c in columns if r[c])
    assert widest > 76, "refused a table whose values fit"
    return None


@st.composite
def programs_and_ledgers(
    draw: st.DrawFn, *, engine: bool
) -> tuple[Program, pa.Table, pa.Table, list[Holding], date]:
    calcs = [draw(calculators(s, engine=engine)) for s in ("AAA", "BBB")]
    deposits = EarningStart.ON_ARRIVAL if engine else draw(st.sampled_from(EarningStart))
    program = Program(calcs, deposits=deposits)
    start = draw(first_days())
    accounts = draw(st.lists(account_ids(), min_size=1, max_size=4, unique=True))
    rows: list[tuple[str, str, datetime, Decimal, str]] = []
    openings: list[tuple[str, str, Decimal, Decimal]] = []
    holdings = []
    for account in accounts:
        for calc in calcs:
            if not draw(st.booleans()):
                continue
            token = calc.token
            timeline = draw(timelines(token, days=DAYS, max_events=5, first=start))
            carry = Decimal(draw(st.integers(0, 10**22))).scaleb(-(token.decimals + GUARD_DIGITS))
            events = [(account, token.symbol, e.at, e.delta, e.kind) for e in timeline.events]
            rows.extend(events)
            with_opening = timeline.opening or carry or draw(st.booleans())
            if with_opening:
                openings.append((account, token.symbol, timeline.opening, carry))
            elif not events:
                continue  # in neither table: no holding
            holdings.append(
                Holding(
                    account,
                    token.symbol,
                    timeline.events,
                    opening=timeline.opening,
                    carry=carry if with_opening else 0,
                )
            )
    # The ledger in any order: the table sorts it (stably: same-instant events keep it).
    # Events of one holding at one instant keep their order wherever they land: the
    # order between them is the balance's, and another may overdraw it.
    order = draw(st.permutations(range(len(rows))))
    same_instant: dict[tuple[str, str, datetime], list[int]] = {}
    for i in range(len(rows)):
        same_instant.setdefault(rows[i][:3], []).append(i)
    queues = {key: iter(indexes) for key, indexes in same_instant.items()}
    shuffled = [rows[next(queues[rows[i][:3]])] for i in order]
    by_key: dict[tuple[str, str], list[BalanceEvent]] = {}
    for account, symbol, at, delta, kind in shuffled:
        by_key.setdefault((account, symbol), []).append(BalanceEvent(at, delta, kind=kind))
    holdings = [
        Holding(
            h.account,
            h.token,
            by_key.get((h.account, h.token), []),
            opening=h.opening,
            carry=h.carry,
        )
        for h in holdings
    ]
    opening_table = pa.table(
        {
            "account": pa.array([o[0] for o in openings], pa.string()),
            "token": pa.array([o[1] for o in openings], pa.string()),
            "opening": pa.array([str(o[2]) for o in openings], pa.string()),
            "carry": pa.array([str(o[3]) for o in openings], pa.string()),
        }
    )
    return program, ledger_of(shuffled), opening_table, holdings, start


@pytest.mark.parametrize("int64_path", [True, False], ids=["int64", "python-ints"])
@given(case=programs_and_ledgers(engine=True))
def test_the_engine_equals_run(
    int64_path: bool,
    case: tuple[Program, pa.Table, pa.Table, list[Holding], date],
) -> None:
    """The integer engine's table equals Program.run, record for record, on either path.

    With ``int64_path`` the engine works in int64 arrays wherever the numbers fit (and
    in Python ints elsewhere); without it, in Python ints throughout.
    """
    program, ledger, openings, holdings, start = case
    engine._VECTOR = int64_path
    try:
        _check_engine(program, ledger, openings, holdings, start)
    finally:
        engine._VECTOR = True


def _check_engine(
    program: Program, ledger: pa.Table, openings: pa.Table, holdings: list[Holding], start: date
) -> None:
    assert program._engine_runs(list(program.calculators.values()))
    end = start + timedelta(days=DAYS)
    expected = expected_rows(program, holdings, start, end)
    table = table_or_too_wide(program, ledger, start, end, openings=openings, rows=expected)
    if table is not None:
        assert_same(table, expected)


@given(programs_and_ledgers(engine=False))
def test_the_general_path_equals_run(
    case: tuple[Program, pa.Table, pa.Table, list[Holding], date],
) -> None:
    """Programs the engine does not run give Program.run's records too."""
    program, ledger, openings, holdings, start = case
    end = start + timedelta(days=DAYS)
    expected = expected_rows(program, holdings, start, end)
    table = table_or_too_wide(program, ledger, start, end, openings=openings, rows=expected)
    if table is not None:
        assert_same(table, expected)


# -- examples and errors -------------------------------------------------------------

USDT = Token("USDT", 6)
D0 = date(2025, 1, 1)
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def usdt_program(policy: Any = None, **settings: Any) -> Program:
    calc = RewardCalculator(USDT, AprSchedule.constant("0.0365"), policy or TimeWeighted())
    return Program([calc], **settings)


def small_ledger(**columns: Any) -> pa.Table:
    data: dict[str, Any] = {
        "account": ["alice", "bob", "alice"],
        "token": ["USDT", "USDT", "USDT"],
        "at": pa.array([T0 + timedelta(hours=h) for h in (6, 12, 30)], UTC_US),
        "delta": pa.array([Decimal("1000"), Decimal("36500"), Decimal("-500.5")]),
    }
    data.update(columns)
    return pa.table(data)


class TestTable:
    def test_a_simple_program(self) -> None:
        table = usdt_program(DailySnapshot(time(23))).table(small_ledger(), D0, D0 + timedelta(2))
        assert table.column_names == [
            "account", "token", "day", "balance", "eligible", "apr", "gross", "paid",
            "carry", "forfeited", "payout_at",
        ]  # fmt: skip
        assert table.column("account").to_pylist() == ["alice"] * 2 + ["bob"] * 2
        assert table.column("paid").to_pylist() == [
            Decimal("0.100000"), Decimal("0.049950"), Decimal("3.650000"), Decimal("3.650000"),
        ]  # fmt: skip
        assert table.schema.field("day").type == pa.date32()
        assert table.schema.field("paid").type == pa.decimal128(38, 6)
        assert table.schema.field("gross").type == pa.decimal128(38, 26)

    def test_18_decimals_use_decimal256(self) -> None:
        calc = RewardCalculator(Token("ETH", 18), AprSchedule.constant("0.05"))
        ledger = small_ledger(token=["ETH"] * 3)
        table = Program([calc]).table(ledger, D0, D0 + timedelta(1))
        assert table.schema.field("gross").type == pa.decimal256(76, 38)
        assert table.schema.field("paid").type == pa.decimal128(38, 18)

    @pytest.mark.parametrize(("decimals", "each"), [(18, "0.9"), (8, "999999999")])
    def test_arrow_sums_of_its_columns_are_exact(self, decimals: int, each: str) -> None:
        """Summing a column with Arrow (or pandas' ArrowDtype) does not wrap round.

        Arrow sums a decimal128 column as a decimal128, wrapping past 2**127: 1.7 tokens
        at the gross quantum of an 18-decimal token, 1.7E10 at an 8-decimal one's. The
        types follow the scales, so such a column is a decimal256.
        """
        calc = RewardCalculator(Token("T", decimals), AprSchedule.constant("0.05"))
        n = 20
        openings = pa.table({"account": [f"a{i:02d}" for i in range(n)], "token": ["T"] * n,
                             "opening": [each] * n})  # fmt: skip
        table = Program([calc]).table(ledger_of([]), D0, D0 + timedelta(2), openings=openings)
        for name in ("balance", "eligible", "gross", "paid", "carry", "forfeited"):
            column = table.column(name).to_pylist()
            with decimal.localcontext(decimal.Context(prec=100)):
                assert pc.sum(table.column(name)).as_py() == sum(column), name
                if name == "balance":
                    assert sum(column) == 2 * n * Decimal(each)

    def test_the_zone_of_payout_at(self) -> None:
        calc = RewardCalculator(
            USDT, AprSchedule.constant("0.01"), tz=UTC, payout_delay=timedelta(hours=1)
        )
        table = Program([calc]).table(small_ledger(), D0, D0 + timedelta(1))
        assert table.schema.field("payout_at").type == pa.timestamp("us", tz="UTC")
        assert table.column("payout_at")[0].as_py() == T0 + timedelta(days=1, hours=1)

    def test_no_rows_without_days(self) -> None:
        assert usdt_program().table(small_ledger(), D0, D0).num_rows == 0

    def test_openings_without_events(self) -> None:
        openings = pa.table({"account": ["carol"], "token": ["USDT"], "opening": ["36500"]})
        table = usdt_program().table(
            small_ledger().slice(0, 0), D0, D0 + timedelta(1), openings=openings
        )
        assert table.column("paid").to_pylist() == [Decimal("3.650000")]

    def test_pocket_kinds_take_the_general_path(self) -> None:
        ledger = pa.table(
            {
                "account": ["a", "a", "a"],
                "token": ["USDT"] * 3,
                "at": pa.array([T0, T0 + timedelta(hours=6), T0 + timedelta(hours=18)], UTC_US),
                "delta": ["36500", "-36500", "36500"],
                "kind": ["deposit", "order_freeze", "order_release"],
            }
        )
        earning = usdt_program(frozen_earns=False).table(ledger, D0, D0 + timedelta(1))
        frozen = usdt_program(frozen_earns=True).table(ledger, D0, D0 + timedelta(1))
        assert earning.column("paid").to_pylist() == [Decimal("1.825000")]
        assert frozen.column("paid").to_pylist() == [Decimal("3.650000")]


class TestRefusals:
    @pytest.mark.parametrize("with_cap", [False, True])
    def test_a_run_past_the_precision_is_refused_as_run_refuses_it(self, with_cap: bool) -> None:
        """A gross needing more than 100 digits: Program.run's InvalidInputError, not Decimal's."""
        rules: dict[str, Any] = {"cap": Decimal(10**36)} if with_cap else {}
        calc = RewardCalculator(
            Token("ETH", 18), AprSchedule.constant(Decimal(10**30)), DailySnapshot(), **rules
        )
        program = Program([calc])
        opening = Decimal(10**37)
        end = D0 + timedelta(2)
        with pytest.raises(InvalidInputError) as from_run:
            list(program.run([Holding("a", "ETH", [], opening=opening)], D0, end))
        openings = pa.table({"account": ["a"], "token": ["ETH"], "opening": [str(opening)]})
        with pytest.raises(InvalidInputError) as from_table:
            program.table(small_ledger().slice(0, 0), D0, end, openings=openings)
        assert str(from_table.value) == str(from_run.value)
        assert "more than 100 significant digits" in str(from_table.value)

    def test_floats_are_refused_naming_the_column(self) -> None:
        ledger = small_ledger(delta=pa.array([1.0, 2.0, 3.0]))
        with pytest.raises(
            InvalidTypeError, match=r"'delta' holds floats.*pass strings or decimals"
        ):
            usdt_program().table(ledger, D0, D0 + timedelta(1))
        with pytest.raises(TypeError):
            usdt_program().table(ledger, D0, D0 + timedelta(1))

    def test_naive_timestamps_are_refused(self) -> None:
        naive = pa.array([datetime(2025, 1, 1)] * 3, pa.timestamp("us"))
        with pytest.raises(NaiveDatetimeError, match="without a time zone"):
            usdt_program().table(small_ledger(at=naive), D0, D0 + timedelta(1))

    def test_an_unknown_token_names_the_row(self) -> None:
        ledger = small_ledger(token=["USDT", "USDT", "DOGE"])
        with pytest.raises(UnknownTokenError, match="DOGE") as info:
            usdt_program().table(ledger, D0, D0 + timedelta(1))
        assert "at ledger row 2" in info.value.__notes__

    def test_a_negative_balance_names_the_row(self) -> None:
        ledger = small_ledger(delta=["1000", "36500", "-1000.5"])
        with pytest.raises(NegativeBalanceError, match="ledger row 2") as info:
            usdt_program().table(ledger, D0, D0 + timedelta(1))
        assert info.value.index == 2
        assert info.value.balance == Decimal("-0.5")

    def test_an_amount_finer_than_the_base_unit_names_the_row(self) -> None:
        ledger = small_ledger(delta=["1000", "0.0000001", "1"])
        with pytest.raises(InvalidInputError, match=r"ledger row 1: delta 0\.0000001 is finer"):
            usdt_program().table(ledger, D0, D0 + timedelta(1))
        decimals = pa.array(
            [Decimal("1"), Decimal("0.0000001"), Decimal("1")], pa.decimal128(20, 7)
        )
        with pytest.raises(InvalidInputError, match=r"ledger row 1: delta 0\.0000001 is finer"):
            usdt_program().table(small_ledger(delta=decimals), D0, D0 + timedelta(1))

    def test_duplicate_openings(self) -> None:
        openings = pa.table({"account": ["a", "a"], "token": ["USDT"] * 2, "opening": ["1", "2"]})
        with pytest.raises(DuplicateHoldingError, match="openings row 1"):
            usdt_program().table(small_ledger(), D0, D0 + timedelta(1), openings=openings)

    def test_a_missing_column(self) -> None:
        with pytest.raises(InvalidInputError, match="no column 'delta'"):
            usdt_program().table(small_ledger().drop_columns(["delta"]), D0, D0 + timedelta(1))

    def test_not_a_table(self) -> None:
        with pytest.raises(InvalidTypeError, match="Arrow stream interface"):
            usdt_program().table([1, 2], D0, D0 + timedelta(1))


class TestFrames:
    def test_pandas(self) -> None:
        pd = pytest.importorskip("pandas")
        frame = pd.DataFrame(
            {
                "account": ["alice", "bob", "alice"],
                "token": ["USDT"] * 3,
                "at": pd.to_datetime(
                    ["2025-01-01 06:00", "2025-01-01 12:00", "2025-01-02 06:00"], utc=True
                ),
                "delta": ["1000", "36500", "-500.5"],
            }
        )
        table = usdt_program().table(frame, D0, D0 + timedelta(2))
        assert table.equals(usdt_program().table(small_ledger(), D0, D0 + timedelta(2)))

    def test_polars(self) -> None:
        pl = pytest.importorskip("polars")
        frame = pl.DataFrame(
            {
                "account": ["alice", "bob", "alice"],
                "token": ["USDT"] * 3,
                "at": [T0 + timedelta(hours=h) for h in (6, 12, 30)],
                "delta": [Decimal("1000"), Decimal("36500"), Decimal("-500.5")],
            }
        )
        table = usdt_program().table(frame, D0, D0 + timedelta(2))
        assert table.equals(usdt_program().table(small_ledger(), D0, D0 + timedelta(2)))


def test_import_softstaking_loads_neither_pyarrow_nor_numpy() -> None:
    code = (
        "import sys, softstaking, softstaking.columns.engine, softstaking.presets;"
        "assert 'pyarrow' not in sys.modules and 'numpy' not in sys.modules, sorted(sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    "policy", [DailySnapshot(), DailySnapshot(time(12)), TimeWeighted(), MinimumBalance()]
)
def test_events_at_the_instants_a_policy_reads(policy: Any) -> None:
    """Events exactly at a day's start, snapshot or end count as the calculator counts them."""
    program = usdt_program(policy)
    noon = T0 + timedelta(hours=12)
    events = [
        ("a", "USDT", T0, Decimal("100"), "deposit"),
        ("a", "USDT", T0, Decimal("-40"), "withdrawal"),
        ("a", "USDT", noon, Decimal("7"), "deposit"),
        ("a", "USDT", T0 + timedelta(days=1), Decimal("-67"), "withdrawal"),
        ("a", "USDT", T0 + timedelta(days=1), Decimal("5"), "deposit"),
        ("b", "USDT", noon, Decimal("3"), "deposit"),
        ("b", "USDT", noon, Decimal("-3"), "withdrawal"),
        ("b", "USDT", T0 + timedelta(days=2), Decimal("1"), "deposit"),
    ]
    holdings = [
        Holding(
            account,
            "USDT",
            [BalanceEvent(at, d, kind=k) for a, _, at, d, k in events if a == account],
        )
        for account in ("a", "b")
    ]
    end = D0 + timedelta(days=3)
    assert_same(
        program.table(ledger_of(events), D0, end), expected_rows(program, holdings, D0, end)
    )


class TestTooWide:
    def test_a_value_wider_than_arrow_holds_is_refused_by_name(self) -> None:
        """10**20 of a 0-decimal token beside a 36-decimal token needs 77 digits: refused."""
        coarse = RewardCalculator(Token("BIG", 0), AprSchedule.constant("0.05"))
        fine = RewardCalculator(Token("FINE", 36), AprSchedule.constant("0.05"))
        program = Program([coarse, fine])
        openings = pa.table(
            {"account": ["a", "b"], "token": ["BIG", "FINE"], "opening": [str(10**20), "1"]}
        )
        empty = small_ledger().slice(0, 0)
        with pytest.raises(InvalidInputError, match=r"more than an Arrow decimal \(76\) holds"):
            program.table(empty, D0, D0 + timedelta(days=1), openings=openings)


@given(programs_and_ledgers(engine=True), st.sampled_from([1, 7, 1 << 18]))
@settings(max_examples=25)
def test_batches_stream_the_table(
    case: tuple[Program, pa.Table, pa.Table, list[Holding], date], chunk: int
) -> None:
    """``Program.batches`` gives ``table``'s rows in order, in batches of one schema.

    ``chunk`` (rows a batch aims at) is small so that a table spans several batches.
    """
    program, ledger, openings, _, start = case
    end = start + timedelta(days=DAYS)
    saved = engine._CHUNK_CELLS
    engine._CHUNK_CELLS = chunk
    refused = ""
    try:
        table = program.table(ledger, start, end, openings=openings)
        stream = program.batches(ledger, start, end, openings=openings)
        parts = list(stream)
    except InvalidInputError as error:  # too wide for Arrow, or for a stream's decimal128
        refused = str(error)
    finally:
        engine._CHUNK_CELLS = saved
    if refused:
        assert "holds" in refused
        return
    assert all(b.schema == stream.schema for b in parts)
    streamed = pa.Table.from_batches(parts, schema=stream.schema)
    assert streamed.to_pylist() == table.to_pylist()
    series, per_batch = table.num_rows // DAYS, max(1, chunk // DAYS)
    assert len(parts) == -(-series // per_batch)  # a batch per chunk of series


def test_a_stream_refuses_a_value_too_wide_for_its_decimal128() -> None:
    """A stream's schema cannot widen as ``table`` does: it names the column instead.

    A 0-decimal token's balance of 10**19 needs 40 digits at scale 20.
    """
    calc = RewardCalculator(Token("BIG", 0), AprSchedule.constant(Decimal("0.01")))
    program = Program([calc])
    openings = pa.table({"account": ["a"], "token": ["BIG"], "opening": [str(10**19)]})
    start, end = date(2025, 1, 1), date(2025, 1, 2)
    table = program.table(ledger_of([]), start, end, openings=openings)
    assert table.schema.field("balance").type == pa.decimal256(76, GUARD_DIGITS)
    stream = program.batches(ledger_of([]), start, end, openings=openings)
    assert stream.schema.field("balance").type == pa.decimal128(38, GUARD_DIGITS)
    with pytest.raises(InvalidInputError, match="column 'balance' needs 40 digits"):
        stream.read_all()


def test_a_bad_row_is_refused_before_the_stream_starts() -> None:
    calc = RewardCalculator(Token("AAA", 2), AprSchedule.constant(Decimal("0.01")))
    noon = datetime(2025, 1, 1, 12, tzinfo=UTC)
    ledger = ledger_of([("a", "AAA", noon, Decimal("-1"), "transfer")])
    with pytest.raises(NegativeBalanceError, match="ledger row 0"):
        Program([calc]).batches(ledger, date(2025, 1, 1), date(2025, 1, 2))


class TestPaidType:
    """``paid`` is a decimal128 exactly where its largest value fits 38 digits.

    A 0-decimal token at 365 % a year (1 % a day): a balance of ``100 × w + 50`` units
    earns ``w`` units and a half each day, so the second day pays ``w + 1``; one of
    ``100 × w`` earns ``w`` units exactly, every day.
    """

    @pytest.mark.parametrize("int64_path", [True, False])
    @pytest.mark.parametrize(
        ("balances", "paid", "kind"),
        [
            # w = 10**38 - 1 and a half: the second day pays 10**38, 39 digits.
            ([10**40 - 50], [[10**38 - 1, 10**38]], pa.decimal256(76, 0)),
            # w = 10**38 - 1 exactly beside a half-unit earner whose second day pays 1.
            ([10**40 - 100, 50], [[10**38 - 1] * 2, [0, 1]], pa.decimal128(38, 0)),
            # Both at once: the largest pay, 10**38, decides.
            ([10**40 - 100, 10**40 - 50], [[10**38 - 1] * 2, [10**38 - 1, 10**38]],
             pa.decimal256(76, 0)),
        ],
    )  # fmt: skip
    def test_the_largest_paid_decides(
        self, int64_path: bool, balances: list[int], paid: list[list[int]], kind: Any
    ) -> None:
        calc = RewardCalculator(Token("BIG", 0), AprSchedule.constant("3.65"))
        openings = pa.table(
            {
                "account": [f"a{i}" for i in range(len(balances))],
                "token": ["BIG"] * len(balances),
                "opening": [str(b) for b in balances],
            }
        )
        engine._VECTOR = int64_path
        try:
            table = Program([calc]).table(ledger_of([]), D0, D0 + timedelta(2), openings=openings)
        finally:
            engine._VECTOR = True
        assert table.column("paid").to_pylist() == [Decimal(p) for row in paid for p in row]
        assert table.schema.field("paid").type == kind
