"""Readers and writers: round trips, the formats, and streaming."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from softstaking import AprSchedule, DailyReward, RewardCalculator, TieredApr, Token
from softstaking.io import (
    COLUMNS,
    read_events,
    read_payouts,
    read_rates,
    read_records,
    read_schedule,
    read_tiers,
    to_dicts,
    to_pandas,
    write_records,
)
from softstaking.programs.reconcile import ReportedPayout
from softstaking.samples import sample_path, seed_rewards
from tests.strategies import FIRST_DAY, policies, reward_records, timelines, tokens

FORMATS = ("csv", "jsonl")


def _in_utc(record: DailyReward) -> DailyReward:
    """The record with its payout instant in UTC.

    A file keeps the instant and its offset, not the zone's name; Python never calls an
    instant in a DST fold equal to one in another zone, so compare in one zone.
    """
    return attrs.evolve(record, payout_at=record.payout_at.astimezone(UTC))


def _round_trip(records: list[DailyReward], fmt: str) -> list[DailyReward]:
    buffer = io.StringIO()
    assert write_records(records, buffer, format=fmt) == len(records)  # type: ignore[arg-type]
    buffer.seek(0)
    return list(read_records(buffer, format=fmt))  # type: ignore[arg-type]


class TestRoundTrips:
    @given(st.lists(reward_records(), max_size=5), st.sampled_from(FORMATS))
    def test_written_records_read_back_equal(self, records: list[DailyReward], fmt: str) -> None:
        """Writing records then reading them back gives equal records, in either format."""
        back = _round_trip(records, fmt)
        assert [_in_utc(r) for r in back] == [_in_utc(r) for r in records]

    @given(st.data(), tokens(), policies(), st.sampled_from(FORMATS))
    def test_calculator_output_round_trips(
        self, data: st.DataObject, token: Token, policy: object, fmt: str
    ) -> None:
        """The calculator's own records survive a round trip through a file unchanged."""
        timeline = data.draw(timelines(token, days=5))
        calc = RewardCalculator(token, AprSchedule.constant("0.0712"), policy)  # type: ignore[arg-type]
        records = calc.daily_rewards(timeline, FIRST_DAY, FIRST_DAY + timedelta(days=5))
        back = _round_trip(records, fmt)
        assert [_in_utc(r) for r in back] == [_in_utc(r) for r in records]

    @given(reward_records())
    def test_amounts_are_written_in_fixed_point(self, record: DailyReward) -> None:
        """Every amount is written with all its digits in fixed-point, never as 1E-18."""
        buffer = io.StringIO()
        write_records([record], buffer, format="csv")
        cells = buffer.getvalue().splitlines()[1].split(",")
        assert not any("E" in c for c in cells)

    def test_file_suffix_picks_the_format(self, tmp_path: Path) -> None:
        """A .jsonl path is written as JSON Lines and a .csv path as CSV."""
        records = seed_rewards()
        write_records(records, tmp_path / "r.jsonl")
        write_records(records, tmp_path / "r.csv")
        assert (tmp_path / "r.jsonl").read_text(encoding="utf-8").startswith('{"day": ')
        assert (tmp_path / "r.csv").read_text(encoding="utf-8").startswith(",".join(COLUMNS))
        assert list(read_records(tmp_path / "r.jsonl")) == records
        assert list(read_records(tmp_path / "r.csv")) == records


class TestReaders:
    def test_events_from_csv_and_jsonl_agree(self, tmp_path: Path) -> None:
        """The same events read from CSV and from JSON Lines are equal."""
        (tmp_path / "e.csv").write_text(
            "at,delta,kind\n2019-07-15T14:23:05+08:00,50000,deposit\n"
            "2019-07-16T01:00:00Z,-0.000000000000000001,withdrawal\n",
            encoding="utf-8",
        )
        (tmp_path / "e.jsonl").write_text(
            '{"at": "2019-07-15T14:23:05+08:00", "delta": "50000", "kind": "deposit"}\n'
            '{"at": "2019-07-16T01:00:00Z", "delta": "-1E-18", "kind": "withdrawal"}\n',
            encoding="utf-8",
        )
        from_csv = list(read_events(tmp_path / "e.csv"))
        assert from_csv == list(read_events(tmp_path / "e.jsonl"))
        assert from_csv[1].delta == Decimal("-1E-18")
        assert from_csv[0].at == datetime(2019, 7, 15, 6, 23, 5, tzinfo=UTC)

    def test_kind_defaults_to_transfer(self) -> None:
        """An event without a kind is a transfer."""
        rows = io.StringIO("at,delta\n2024-01-01T00:00:00Z,5\n")
        assert [e.kind for e in read_events(rows, format="csv")] == ["transfer"]

    def test_json_numbers_are_read_exactly(self) -> None:
        """A JSON number is read as the exact Decimal written, never through a float."""
        rows = io.StringIO('{"effective_date": "2024-01-01", "apr": 0.1}\n')
        assert [r.apr for r in read_rates(rows, format="jsonl")] == [Decimal("0.1")]

    def test_schedule_with_flat_and_tiered_days(self) -> None:
        """Rows sharing a date with up_to make that day's tiers; a lone row is a flat rate."""
        rows = io.StringIO(
            "effective_date,apr,up_to\n"
            "2024-01-01,0.05,\n"
            "2024-02-01,0.10,2000\n"
            "2024-02-01,0.08,5000\n"
            "2024-02-01,0.05,\n"
        )
        schedule = read_schedule(rows, format="csv")
        assert schedule.rate_on(date(2024, 1, 31)) == Decimal("0.05")
        assert schedule.rate_on(date(2024, 2, 1)) == TieredApr(
            [(2000, "0.10"), (5000, "0.08"), (None, "0.05")]
        )

    def test_tier_table(self) -> None:
        """A tier table reads as the TieredApr of its bands, HTX's published example."""
        rows = io.StringIO("up_to,apr\n2000,0.10\n5000,0.08\n,0.05\n")
        tiers = read_tiers(rows, format="csv")
        # 2,000 × 10 % + 3,000 × 8 % + 4,000 × 5 % = 640
        assert tiers.annual_reward(Decimal(9000)) == Decimal(640)

    def test_payouts_filtered_by_token_and_account(self) -> None:
        """Rows naming another token or account are left out; rows naming none are kept."""
        rows = io.StringIO(
            "date,amount,token,account\n"
            "2024-01-01,1,IOTX,a\n2024-01-01,2,ELA,a\n2024-01-02,3,IOTX,b\n2024-01-03,4,,\n"
        )
        got = list(read_payouts(rows, token="IOTX", account="a", format="csv"))
        assert got == [
            ReportedPayout(date(2024, 1, 1), Decimal(1)),
            ReportedPayout(date(2024, 1, 3), Decimal(4)),
        ]

    def test_quoted_cells_and_spaces(self) -> None:
        """Cells are stripped, and a quoted cell may hold a comma."""
        rows = io.StringIO('at , delta , kind\n 2024-01-01T00:00:00Z , 5 , "buy, limit"\n')
        assert [e.kind for e in read_events(rows, format="csv")] == ["buy, limit"]

    def test_bom_is_ignored(self, tmp_path: Path) -> None:
        """A byte-order mark, as spreadsheets write, does not spoil the first column name."""
        path = tmp_path / "e.csv"
        path.write_text("\ufeffat,delta\n2024-01-01T00:00:00Z,5\n", encoding="utf-8")
        assert len(list(read_events(path))) == 1

    def test_samples_read(self) -> None:
        """The shipped samples read without a problem."""
        assert len(list(read_events(sample_path("iotx_seed_events.csv")))) == 5
        assert len(list(read_payouts(sample_path("iotx_seed_payouts.csv"), token="IOTX"))) == 6


class _CountingLines(io.StringIO):
    """A stream that counts the lines taken from it."""

    taken = 0

    def __next__(self) -> str:  # type: ignore[override]  # typeshed types IOBase in bytes
        self.taken += 1
        return super().__next__()


class TestStreaming:
    @pytest.mark.parametrize("fmt", FORMATS)
    def test_reading_takes_lines_as_rows_are_asked_for(self, fmt: str) -> None:
        """The first event comes after reading a couple of lines, not the whole file."""
        if fmt == "csv":
            text = "at,delta\n" + "2024-01-01T00:00:00Z,1\n" * 10_000
        else:
            text = '{"at": "2024-01-01T00:00:00Z", "delta": "1"}\n' * 10_000
        stream = _CountingLines(text)
        events: Iterator[object] = read_events(stream, format=fmt)  # type: ignore[arg-type]
        next(events)
        assert stream.taken <= 3


class TestFrames:
    def test_to_dicts_keeps_values(self) -> None:
        """to_dicts gives each record's fields by name, values unchanged."""
        record = seed_rewards()[0]
        assert to_dicts([record]) == [attrs.asdict(record)]

    def test_to_pandas_keeps_decimals_exact(self) -> None:
        """Amount columns hold the Decimal values themselves, in object dtype."""
        records = seed_rewards()
        frame = to_pandas(records)
        assert list(frame.columns) == list(COLUMNS)
        assert frame["paid"].dtype == object
        assert list(frame["paid"]) == [r.paid for r in records]
        assert list(frame["day"]) == [r.day for r in records]
        assert sum(frame["paid"]) == sum(r.paid for r in records)
        utc8 = timezone(timedelta(hours=8))
        assert frame["payout_at"].iloc[0].to_pydatetime() == datetime(2019, 7, 16, tzinfo=utc8)


class TestLayering:
    def test_the_core_imports_no_files_terminal_or_pandas(self) -> None:
        """Importing softstaking loads neither softstaking.io, the command, tqdm nor pandas."""
        import subprocess  # noqa: PLC0415
        import sys  # noqa: PLC0415

        code = (
            "import sys, softstaking; "
            "print(sorted(m for m in sys.modules if m.startswith("
            "('softstaking.io', 'softstaking.cli', 'softstaking.samples', 'tqdm', 'pandas'))))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
        )
        assert done.stdout.strip() == "[]"

    def test_empty_frame_has_the_columns(self) -> None:
        """No records make an empty DataFrame with the record columns."""
        frame = to_pandas([])
        assert frame.shape == (0, len(COLUMNS))
        assert list(frame.columns) == list(COLUMNS)
