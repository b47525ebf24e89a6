"""softstaking.dask: Program.table and pool shares over Dask DataFrames, on a cluster too."""

from __future__ import annotations

import itertools
import random
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

import dask  # noqa: E402
import dask.dataframe as dd  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402

from softstaking import (  # noqa: E402
    AprSchedule,
    DailySnapshot,
    Dust,
    EarningStart,
    InvalidInputError,
    NegativeBalanceError,
    Program,
    RewardCalculator,
    TimeWeighted,
    Token,
    UnknownTokenError,
    distribute_days,
)
from softstaking import dask as sd  # noqa: E402
from softstaking.presets import UTC8, kucoin_soft_staking_2019  # noqa: E402
from tests import strategies as s  # noqa: E402

D0 = date(2025, 3, 1)
USDT = RewardCalculator(Token("USDT", 6), AprSchedule.constant("0.0365"), TimeWeighted())
BTC = RewardCalculator(
    Token("BTC", 8), AprSchedule.constant("0.02"), DailySnapshot(), tz=UTC8, min_holding="0.001"
)
PROGRAMS = {
    "engine": Program([USDT, BTC]),
    "holdings": Program([USDT, BTC], deposits=EarningStart.NEXT_DAY),
    "kucoin": kucoin_soft_staking_2019({"USDT": "0.05", "BTC": "0.03"}),
}


@pytest.fixture
def client(dask_client: Any) -> Any:
    """The session's local cluster of two worker processes (tests/conftest.py)."""
    return dask_client


@st.composite
def ledgers(
    draw: st.DrawFn, *, days: int = 3, opened: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A ledger and its openings: a few accounts in two tokens, never going below zero."""
    accounts = draw(st.lists(s.account_ids(), min_size=1, max_size=6, unique=True))
    rows: list[dict[str, object]] = []
    opens: list[dict[str, object]] = []
    for account in accounts:
        for token in draw(st.lists(st.sampled_from(["USDT", "BTC"]), min_size=1, unique=True)):
            decimals = 6 if token == "USDT" else 8
            balance = 0
            if opened and draw(st.booleans()):
                carry = Decimal(draw(st.integers(0, 10**20))).scaleb(-(decimals + 20))
                opens.append(
                    {"account": account, "token": token, "opening": "1000", "carry": str(carry)}
                )
                balance = 1000 * 10**decimals
            seconds = draw(
                st.lists(
                    st.integers(-86_400, days * 86_400), min_size=0 if balance else 1, max_size=4
                )
            )
            for second in sorted(seconds):
                units = draw(st.integers(-(balance // 5), 10**12))
                balance += units
                at = datetime.combine(D0, datetime.min.time(), tzinfo=UTC) + timedelta(
                    seconds=second
                )
                rows.append(
                    {
                        "account": account,
                        "token": token,
                        "at": at,
                        "delta": str(Decimal(units).scaleb(-decimals)),
                    }
                )
    ledger = pd.DataFrame(rows, columns=["account", "token", "at", "delta"])
    ledger["at"] = pd.to_datetime(ledger["at"], utc=True)
    ledger = ledger.sort_values("at", kind="stable").reset_index(drop=True)
    openings = pd.DataFrame(opens, columns=["account", "token", "opening", "carry"])
    return _typed(ledger), _typed(openings)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its text columns as Arrow strings, so that an empty one keeps types."""
    text = pd.ArrowDtype(pa.string())
    return frame.astype({c: text for c in frame.columns if c != "at"})


def _frame(data: pd.DataFrame, parts: int, seed: int) -> dd.DataFrame:
    """``data`` in order, cut into up to ``parts`` partitions at random rows."""
    rng = random.Random(seed)
    n = len(data)
    cuts = sorted(rng.sample(range(1, n), min(parts - 1, n - 1))) if n > 1 else []
    pieces = [data.iloc[a:b] for a, b in zip([0, *cuts], [*cuts, n], strict=True)]
    return dd.concat([dd.from_pandas(p, npartitions=1, sort=False) for p in pieces])


def _single(
    program: Program, ledger: pd.DataFrame, openings: pd.DataFrame | None, start: date, end: date
) -> list[dict[str, object]]:
    opened = pa.Table.from_pandas(openings, preserve_index=False) if openings is not None else None
    table = program.table(
        pa.Table.from_pandas(ledger, preserve_index=False), start, end, openings=opened
    )
    rows: list[dict[str, object]] = table.to_pylist()
    return rows


def _rows(frame: pd.DataFrame) -> list[dict[str, object]]:
    ordered = frame.sort_values(["account", "token", "day"]).reset_index(drop=True)
    rows: list[dict[str, object]] = pa.Table.from_pandas(ordered, preserve_index=False).to_pylist()
    return rows


def test_record_meta_is_the_schema_of_program_table() -> None:
    """Over a ledger holding every token, Program.table has exactly the Dask records' types."""
    program = PROGRAMS["kucoin"]
    ledger = pa.table(
        {
            "account": ["a", "a"],
            "token": ["USDT", "BTC"],
            "at": pa.array([datetime(2025, 3, 1, tzinfo=UTC)] * 2, pa.timestamp("us", "UTC")),
            "delta": ["1", "1"],
        }
    )
    table = program.table(ledger, D0, D0 + timedelta(days=1))
    meta = sd.record_meta(program)
    assert pa.Schema.from_pandas(meta, preserve_index=False) == table.schema


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.booleans().flatmap(lambda opened: st.tuples(ledgers(opened=opened), st.just(opened))),
    st.sampled_from(sorted(PROGRAMS)),
    st.integers(1, 4),
    st.integers(0, 2**16),
)
def test_rewards_equal_program_table_however_partitioned(
    drawn: tuple[tuple[pd.DataFrame, pd.DataFrame], bool], name: str, parts: int, seed: int
) -> None:
    """The Dask records equal Program.table's row for row, in any partitioning."""
    (ledger, openings), opened = drawn
    program = PROGRAMS[name]
    end = D0 + timedelta(days=3)
    with dask.config.set(scheduler="sync"):
        out = sd.rewards(
            _frame(ledger, parts, seed),
            program,
            D0,
            end,
            openings=_frame(openings, parts, seed + 1) if opened else None,
        ).compute()
    assert list(out.dtypes) == list(sd.record_meta(program).dtypes)
    assert _rows(out) == _single(program, ledger, openings if opened else None, D0, end)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledgers(days=4), st.integers(1, 4), st.integers(0, 2**16))
def test_daily_runs_chained_by_closing_equal_one_run(
    data: tuple[pd.DataFrame, pd.DataFrame], parts: int, seed: int
) -> None:
    """Two runs, the second opening at the first's closing state, equal one run of both days."""
    ledger, openings = data
    program = PROGRAMS["engine"]
    mid, end = D0 + timedelta(days=2), D0 + timedelta(days=4)
    boundary = {
        symbol: pd.Timestamp(calc.calendar.start_of(mid))
        for symbol, calc in program.calculators.items()
    }
    # to_datetime: an empty ledger maps to an empty column of text, not of instants.
    before = ledger["at"] < pd.to_datetime(ledger["token"].map(boundary), utc=True)
    with dask.config.set(scheduler="sync"):
        first = sd.run(
            _frame(ledger[before], parts, seed),
            program,
            D0,
            mid,
            openings=_frame(openings, parts, seed),
        )
        records_1, closing = dask.compute(first.records, first.closing)
        records_2 = sd.rewards(
            _frame(ledger[~before], parts, seed),
            program,
            mid,
            end,
            openings=dd.from_pandas(closing, npartitions=parts),
        ).compute()
    both = pd.concat([records_1, records_2])
    # A series the first run does not know (its first row comes later) has no records then.
    known = set(zip(ledger["account"][before], ledger["token"][before], strict=True))
    known |= set(zip(openings["account"], openings["token"], strict=True))
    expected = [
        r
        for r in _single(program, ledger, openings, D0, end)
        if r["day"] >= mid or (r["account"], r["token"]) in known  # type: ignore[operator]
    ]
    assert _rows(both) == expected
    assert list(closing.dtypes) == list(sd.closing_meta(program).dtypes)


def test_partitioned_input_is_not_shuffled() -> None:
    """A ledger laid out by account runs as given, with openings in matching partitions."""
    program = PROGRAMS["engine"]
    day = datetime(2025, 3, 1, 12, tzinfo=UTC)
    ledger = pd.DataFrame(
        {
            "account": ["a", "a", "b"],
            "token": ["USDT"] * 3,
            "at": [day] * 3,
            "delta": ["1", "2", "3"],
        }
    )
    frame = dd.from_pandas(ledger, npartitions=1).repartition(divisions=[0, 2, 2])
    with dask.config.set(scheduler="sync"):
        out = sd.rewards(frame, program, D0, D0 + timedelta(days=1), partitioned=True).compute()
    assert _rows(out) == _single(program, ledger, None, D0, D0 + timedelta(days=1))


def test_cluster_result_equals_program_table(client: Any) -> None:
    """On a two-worker cluster, the records and closing state equal one machine's."""
    program = PROGRAMS["kucoin"]
    ledger, openings = _example_ledger()
    end = D0 + timedelta(days=2)
    result = sd.run(_frame(ledger, 4, 1), program, D0, end, openings=_frame(openings, 3, 2))
    records, closing = client.compute([result.records, result.closing], sync=True)
    assert _rows(records) == _single(program, ledger, openings, D0, end)
    assert len(closing) == len(
        {(a, t) for a, t in zip(ledger["account"], ledger["token"], strict=True)}
        | {(a, t) for a, t in zip(openings["account"], openings["token"], strict=True)}
    )


def _example_ledger() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    for i in range(60):
        account = f"acct{i % 17:03d}"
        token = "USDT" if i % 3 else "BTC"
        at = datetime(2025, 3, 1, tzinfo=UTC) + timedelta(hours=(i * 7) % 47)
        rows.append({"account": account, "token": token, "at": at, "delta": f"{i + 1}.5"})
    ledger = pd.DataFrame(rows)
    openings = pd.DataFrame(
        {
            "account": ["acct000", "acct001", "zz"],
            "token": ["USDT", "BTC", "USDT"],
            "opening": ["10", "0.5", "7"],
            "carry": ["0", "0.00000000000000000001", "0"],
        }
    )
    return ledger, openings


def test_unknown_token_on_the_cluster_is_the_same_error(client: Any) -> None:
    """A token without rules raises UnknownTokenError on the caller, from a worker."""
    ledger, _ = _example_ledger()
    ledger.loc[5, "token"] = "DOGE"
    records = sd.rewards(_frame(ledger, 3, 0), PROGRAMS["engine"], D0, D0 + timedelta(days=1))
    with pytest.raises(UnknownTokenError, match="DOGE"):
        client.compute(records, sync=True)


def test_negative_balance_on_the_cluster_names_the_account(client: Any) -> None:
    """An overdraft raises NegativeBalanceError naming the account, as on one machine."""
    at = datetime(2025, 3, 1, 12, tzinfo=UTC)
    ledger = pd.DataFrame(
        {
            "account": ["alice", "bob", "alice"],
            "token": ["USDT"] * 3,
            "at": [at] * 3,
            "delta": ["1000", "10", "-2000"],
        }
    )
    with pytest.raises(NegativeBalanceError) as single:
        _single(PROGRAMS["engine"], ledger, None, D0, D0 + timedelta(days=1))
    records = sd.rewards(_frame(ledger, 2, 0), PROGRAMS["engine"], D0, D0 + timedelta(days=1))
    with pytest.raises(NegativeBalanceError) as cluster:
        client.compute(records, sync=True)
    assert (
        str(cluster.value).split(" row ")[1].split(" ", 1)[1]
        == str(single.value).split(" row ")[1].split(" ", 1)[1]
    )
    assert "account 'alice'" in "\n".join(cluster.value.__notes__)


def test_write_parquet_leaves_nothing_on_error(client: Any, tmp_path: Path) -> None:
    """A failed run writes no output, not even a temporary folder; a good one writes all."""
    ledger, _ = _example_ledger()
    good = sd.rewards(_frame(ledger, 3, 0), PROGRAMS["engine"], D0, D0 + timedelta(days=1))
    target = tmp_path / "records"
    with client.as_current():
        sd.write_parquet(good, target)
    back = pd.read_parquet(target)
    assert len(back) == len(ledger.groupby(["account", "token"]))
    bad = ledger.copy()
    bad.loc[0, "token"] = "DOGE"
    records = sd.rewards(_frame(bad, 3, 0), PROGRAMS["engine"], D0, D0 + timedelta(days=1))
    with pytest.raises(UnknownTokenError), client.as_current():
        sd.write_parquet(records, tmp_path / "bad")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["records"]


def test_wrong_inputs_are_named() -> None:
    """A pandas frame, a missing column or a non-program is refused at once, by name."""
    ledger, _ = _example_ledger()
    with pytest.raises(TypeError, match="Dask DataFrame"):
        sd.rewards(ledger, PROGRAMS["engine"], D0, D0)
    with pytest.raises(ValueError, match="'delta'"):
        sd.rewards(
            dd.from_pandas(ledger.drop(columns="delta"), npartitions=1), PROGRAMS["engine"], D0, D0
        )
    with pytest.raises(TypeError, match="Program"):
        sd.rewards(dd.from_pandas(ledger, npartitions=1), object(), D0, D0)  # type: ignore[arg-type]


# Pool shares over partitions.

BTC_TOKEN = Token("BTC", 8)


@st.composite
def pool_runs(
    draw: st.DrawFn,
) -> tuple[dict[date, Decimal], dict[date, dict[str, Decimal]]]:
    """A few days' pools and measured holdings, with ties and sub-unit pools."""
    days = [D0 + timedelta(days=i) for i in range(draw(st.integers(1, 3)))]
    pools = {d: draw(s.pools(BTC_TOKEN)) for d in days}
    held = {d: draw(s.holdings(decimals=8)) for d in days}
    return pools, held


def _holdings_frame(held: dict[date, dict[str, Decimal]], parts: int, seed: int) -> dd.DataFrame:
    rows = [
        {"account": a, "day": d, "holding": str(b)}
        for d, acc in held.items()
        for a, b in acc.items()
    ]
    data = pd.DataFrame(rows, columns=["account", "day", "holding"])
    data["day"] = data["day"].astype(pd.ArrowDtype(pa.date32()))
    return _frame(data, parts, seed)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pool_runs(),
    st.integers(1, 5),
    st.integers(0, 2**16),
    st.sampled_from(["0", "0.5"]),
    st.tuples(st.sampled_from(list(Dust)), st.sampled_from(["0", "0.000000004"])),
)
def test_pool_shares_equal_distribute_days(
    run: tuple[dict[date, Decimal], dict[date, dict[str, Decimal]]],
    parts: int,
    seed: int,
    minimum: str,
    rest: tuple[Dust, str],
) -> None:
    """Pool shares over partitions are distribute_days' exactly: same spare units, same ties."""
    pools, held = run
    dust, carry = rest
    expected = distribute_days(
        pools, held, token=BTC_TOKEN, min_holding=minimum, dust=dust, carry=carry
    )
    with dask.config.set(scheduler="sync"):
        totals, shares = sd.distribute_days(
            pools,
            _holdings_frame(held, parts, seed),
            token=BTC_TOKEN,
            min_holding=minimum,
            dust=dust,
            carry=carry,
        )
        got = shares.compute()
    by_day: dict[date, dict[str, Decimal]] = {}
    for account, day, share in zip(got["account"], got["day"], got["share"], strict=True):
        by_day.setdefault(day, {})[account] = share
    for day, total in zip(expected, totals, strict=True):
        assert total.day == day.day
        assert by_day.get(day.day, {}) == dict(day.allocation.shares)
        assert (total.carry_in, total.carry_out, total.forfeited) == (
            day.carry_in,
            day.carry_out,
            day.forfeited,
        )
        assert total.total_holding == day.allocation.total_holding
        assert total.excluded == len(day.allocation.excluded)
        assert total.pool + total.carry_in == total.shared + total.carry_out + total.forfeited


def test_pool_shares_on_the_cluster(client: Any) -> None:
    """On the cluster, three equal holders split a unit's rest to the smallest id."""
    held = {D0: {f"u{i:02d}": Decimal(1) for i in range(30)}}
    pools = {D0: Decimal("0.00000100")}
    expected = distribute_days(pools, held, token=BTC_TOKEN)[0].allocation.shares
    with client.as_current():
        totals, shares = sd.distribute_days(pools, _holdings_frame(held, 4, 3), token=BTC_TOKEN)
    got = client.compute(shares, sync=True)
    assert dict(zip(got["account"], got["share"], strict=True)) == dict(expected)
    assert totals[0].shared == Decimal("0.00000100")


def test_importing_loads_no_dask() -> None:
    """Neither ``import softstaking`` nor ``import softstaking.dask`` loads Dask or pandas."""
    code = (
        "import sys, softstaking, softstaking.presets, softstaking.dask;"
        "assert not {'dask', 'distributed', 'pandas'} & set(sys.modules), sorted(sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


# A ledger claimed laid out by account, and pocket kinds in the closing state.


def _pieces(data: pd.DataFrame, cuts: list[int]) -> dd.DataFrame:
    bounds = [0, *cuts, len(data)]
    return dd.concat(
        [
            dd.from_pandas(data.iloc[a:b], npartitions=1, sort=False)
            for a, b in itertools.pairwise(bounds)
        ]
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledgers(opened=False), st.data())
def test_a_split_account_claimed_partitioned_is_refused_naming_it(
    data: tuple[pd.DataFrame, pd.DataFrame], draw: st.DataObject
) -> None:
    """partitioned=True over any cut of the rows: never wrong records.

    Either the records of one machine, or an error naming the smallest split account.
    """
    ledger, _ = data
    n = len(ledger)
    cuts = (
        sorted(set(draw.draw(st.lists(st.integers(1, max(n - 1, 1)), max_size=3)))) if n > 1 else []
    )
    bounds = [0, *cuts, n]
    where: dict[str, set[int]] = {}
    for part, (a, b) in enumerate(itertools.pairwise(bounds)):
        for account in ledger["account"].iloc[a:b]:
            where.setdefault(str(account), set()).add(part)
    split = sorted(a for a, parts in where.items() if len(parts) > 1)
    program = PROGRAMS["engine"]
    end = D0 + timedelta(days=3)
    records = sd.rewards(_pieces(ledger, cuts), program, D0, end, partitioned=True)
    with dask.config.set(scheduler="sync"):
        if not split:
            assert _rows(records.compute()) == _single(program, ledger, None, D0, end)
            return
        with pytest.raises(InvalidInputError) as raised:
            records.compute()
    first = sorted(where[split[0]])
    assert str(raised.value).startswith(
        f"partitioned=True, but account {split[0]!r} is in ledger partition {first[0]} "
        f"and in ledger partition {first[1]}: "
    )


def test_openings_in_another_partition_are_refused_on_the_cluster(client: Any) -> None:
    """An account's openings in partition 1 and its ledger rows in 0: refused, named."""
    at = datetime(2025, 3, 1, 12, tzinfo=UTC)
    ledger = pd.DataFrame(
        {"account": ["a", "b"], "token": ["USDT"] * 2, "at": [at] * 2, "delta": ["1", "2"]}
    )
    openings = pd.DataFrame(
        {"account": ["b", "a"], "token": ["USDT"] * 2, "opening": ["5", "7"], "carry": ["0", "0"]}
    )
    run = sd.run(
        _pieces(ledger, [1]), PROGRAMS["engine"], D0, D0 + timedelta(days=1),
        openings=_pieces(openings, [1]), partitioned=True,
    )  # fmt: skip
    with pytest.raises(InvalidInputError, match=r"account 'a' is in ledger partition 0 and in "
                       r"openings partition 1: "):  # fmt: skip
        client.compute([run.records, run.closing], sync=True)
    laid_out = sd.run(
        _pieces(ledger, [1]), PROGRAMS["engine"], D0, D0 + timedelta(days=1),
        openings=_pieces(openings.iloc[::-1], [1]), partitioned=True,
    )  # fmt: skip
    _, closing = client.compute([laid_out.records, laid_out.closing], sync=True)
    opened = dict(zip(closing["account"], closing["opening"], strict=True))
    assert opened == {"a": Decimal(7 + 1), "b": Decimal(5 + 2)}


def test_the_closing_state_refuses_pocket_kinds_naming_the_holding() -> None:
    """run()'s closing has no frozen or waiting column: a freeze is refused, the records kept."""
    at = datetime(2025, 3, 1, 12, tzinfo=UTC)
    ledger = pd.DataFrame(
        {
            "account": ["alice", "bob", "bob"],
            "token": ["USDT"] * 3,
            "at": [at, at, at + timedelta(hours=1)],
            "delta": ["100", "50", "-20"],
            "kind": ["deposit", "deposit", "order_freeze"],
        }
    )
    program = PROGRAMS["engine"]
    end = D0 + timedelta(days=1)
    run = sd.run(dd.from_pandas(ledger, npartitions=2), program, D0, end)
    with dask.config.set(scheduler="sync"):
        assert _rows(run.records.compute()) == _single(program, ledger, None, D0, end)
        with pytest.raises(InvalidInputError, match=r"^account 'bob', token 'USDT': a "
                           r"order_freeze event, .* use softstaking.dask.run_days"):  # fmt: skip
            run.closing.compute()
