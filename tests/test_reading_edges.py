"""Readers at their edges: byte-order marks, empty files, odd amounts and timestamps, tiers."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from softstaking import InvalidInputError, TieredApr
from softstaking.io import (
    BadRowsError,
    read_events,
    read_numbered_events,
    read_rates,
    read_records,
    read_schedule,
    read_tiers,
    write_records,
)
from softstaking.samples import seed_rewards


def _problem(reader: object, text: str, fmt: str = "csv") -> tuple[int, str, str]:
    """The one problem reading ``text`` raises: line, column and reason."""

    def run() -> None:
        result = reader(io.StringIO(text), format=fmt)  # type: ignore[operator]
        if hasattr(result, "__next__"):
            list(result)

    with pytest.raises(BadRowsError) as caught:
        run()
    [problem] = caught.value.problems
    return problem.line, problem.column, problem.reason


class TestOpenBands:
    def test_two_open_bands_are_refused(self) -> None:
        """Only the last band may be open: a first open band followed by another is refused."""
        with pytest.raises(InvalidInputError, match="band 0 is open"):
            TieredApr([(None, "0.05"), (None, "0.06")])

    def test_an_open_band_before_a_bounded_one_is_refused(self) -> None:
        """An open band followed by a bounded band is refused, naming the open band."""
        with pytest.raises(InvalidInputError, match="band 1 is open"):
            TieredApr([(100, "0.1"), (None, "0.05"), (200, "0.01")])


class TestRateFileLines:
    def test_a_day_given_twice(self) -> None:
        """Two flat rates for one day are refused at the second row's effective_date."""
        line, column, reason = _problem(
            read_schedule, "effective_date,apr\n2019-07-15,0.05\n2019-07-15,0.06\n"
        )
        assert (line, column) == (3, "effective_date")
        assert "given twice" in reason

    def test_tier_table_names_the_falling_row(self) -> None:
        """A tier bound below the previous one is reported at its own row."""
        line, column, _ = _problem(read_tiers, "up_to,apr\n2000,0.1\n1000,0.2\n,0.05\n")
        assert (line, column) == (3, "up_to")

    def test_tier_table_with_a_closed_last_band_names_the_last_row(self) -> None:
        """A last band with a bound is reported at the last row, not the file's end."""
        line, _, _ = _problem(read_tiers, "up_to,apr\n1000,0.1\n2000,0.05\n\n\n")
        assert line == 3


class TestStreams:
    def test_bom_on_a_jsonl_stream(self) -> None:
        """A byte-order mark at the start of a JSONL stream is ignored, as on a path."""
        text = '\ufeff{"at": "2019-07-15T00:00:00Z", "delta": "1"}\n'
        [event] = read_events(io.StringIO(text), format="jsonl")
        assert event.delta == 1

    def test_bom_on_a_csv_stream(self) -> None:
        """A byte-order mark at the start of a CSV stream does not rename the first column."""
        [event] = read_events(io.StringIO("\ufeffat,delta\n2019-07-15T00:00:00Z,1\n"), format="csv")
        assert event.delta == 1

    @pytest.mark.parametrize("fmt", ["csv", "jsonl"])
    def test_empty_files_have_no_rows(self, fmt: str) -> None:
        """An empty file has no rows in either format."""
        assert list(read_events(io.StringIO(""), format=fmt)) == []  # type: ignore[arg-type]

    def test_numbered_events_carry_their_lines(self) -> None:
        """read_numbered_events gives each event the line it is on, blank lines counted."""
        text = "at,delta\n2019-07-15T00:00:00Z,1\n\n2019-07-16T00:00:00Z,2\n"
        assert [line for line, _ in read_numbered_events(io.StringIO(text), format="csv")] == [
            2,
            4,
        ]


class TestFields:
    @pytest.mark.parametrize("fmt", ["csv", "jsonl"])
    def test_underscores_are_refused(self, fmt: str) -> None:
        """A "1_000" is not a plain decimal: a row error, not one thousand."""
        text = (
            "at,delta\n2019-07-15T00:00:00Z,1_000\n"
            if fmt == "csv"
            else '{"at": "2019-07-15T00:00:00Z", "delta": "1_000"}\n'
        )
        line, column, reason = _problem(read_events, text, fmt)
        assert (column, "underscores" in reason) == ("delta", True)
        assert line == (2 if fmt == "csv" else 1)

    def test_absurd_exponent_is_refused(self) -> None:
        """1e999 is refused at read time with its line and column."""
        line, column, reason = _problem(read_events, "at,delta\n2019-07-15T00:00:00Z,1e999\n")
        assert (line, column) == (2, "delta")
        assert "out of range" in reason

    def test_nanoseconds_are_refused(self) -> None:
        """A timestamp with 9 fractional digits is refused, not truncated."""
        line, column, reason = _problem(read_events, "at,delta\n2019-07-15T00:00:00.123456789Z,1\n")
        assert (line, column) == (2, "at")
        assert "microsecond" in reason

    def test_sub_minute_offsets_are_read(self) -> None:
        """A +05:30:15 offset, which the writer can produce, is read back."""
        [event] = read_events(
            io.StringIO("at,delta\n2024-01-02T00:00:00+05:30:15,1\n"), format="csv"
        )
        offset = timedelta(hours=5, minutes=30, seconds=15)
        assert event.at == datetime(2024, 1, 2, tzinfo=timezone(offset))
        assert event.at.utcoffset() == offset


class TestRoundTrip:
    @pytest.mark.parametrize("fmt", ["csv", "jsonl"])
    def test_sub_minute_offset_round_trips(self, fmt: str) -> None:
        """A record whose payout_at has a +05:30:15 offset reads back equal."""
        tz = timezone(timedelta(hours=5, minutes=30, seconds=15))
        record = attrs.evolve(seed_rewards()[0], payout_at=datetime(2024, 1, 2, tzinfo=tz))
        out = io.StringIO()
        write_records([record], out, format=fmt)  # type: ignore[arg-type]
        out.seek(0)
        assert list(read_records(out, format=fmt)) == [record]  # type: ignore[arg-type]
        assert date(2024, 1, 2) == record.payout_at.date()
        assert record.payout_at.astimezone(UTC).second == 45
        assert Decimal(0) <= record.paid


class TestEncodings:
    """Bytes that are not UTF-8 are a located problem, never a bare UnicodeDecodeError."""

    def test_latin1_names_line_and_byte_offset(self, tmp_path: Path) -> None:
        """A Latin-1 é on line 3 is refused at line 3 with its byte offset."""
        events = tmp_path / "e.csv"
        head = b"at,delta,kind\n2019-07-15T00:00:00Z,5,deposit\n"
        events.write_bytes(head + b"2019-07-16T00:00:00Z,5,d\xe9p\xf4t\n")
        with pytest.raises(BadRowsError) as caught:
            list(read_events(events))
        [problem] = caught.value.problems
        assert (problem.path, problem.line, problem.column) == (str(events), 3, "")
        offset = len(head) + len("2019-07-16T00:00:00Z,5,d")
        assert f"cannot decode byte 0xe9 at byte offset {offset}" in problem.reason

    @pytest.mark.parametrize("fmt", ["csv", "jsonl"])
    def test_utf16_is_named(self, tmp_path: Path, fmt: str) -> None:
        """A UTF-16 file (with its byte-order mark) is refused at line 1, saying UTF-16."""
        text = "at,delta\n" if fmt == "csv" else '{"at": "2019-07-15T00:00:00Z", "delta": "5"}\n'
        path = tmp_path / f"e.{fmt}"
        path.write_bytes(text.encode("utf-16"))
        with pytest.raises(BadRowsError) as caught:
            list(read_events(path))
        [problem] = caught.value.problems
        assert problem.line == 1
        assert "UTF-16" in problem.reason

    def test_a_line_after_a_lone_carriage_return(self, tmp_path: Path) -> None:
        """Lines end at CR as well as LF, as a text file reads them: the count agrees."""
        path = tmp_path / "e.jsonl"
        path.write_bytes(b'\r\n{"at": "2019-07-15T00:00:00Z", "delta": "5"}\r{"\xff": 1}\n')
        with pytest.raises(BadRowsError) as caught:
            list(read_events(path))
        [problem] = caught.value.problems
        assert problem.line == 3
        assert "byte 0xff" in problem.reason

    def test_a_callers_stream_is_located_by_line(self) -> None:
        """A stream opened by the caller as UTF-8 still gives a located problem."""
        raw = io.BytesIO(b"at,delta\n2019-07-15T00:00:00Z,5\n2019-07-16T00:00:00Z,\xff\n")
        stream = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        with pytest.raises(BadRowsError) as caught:
            list(read_events(stream, format="csv"))
        assert "not UTF-8" in str(caught.value)

    def test_utf8_with_a_byte_order_mark_is_read(self, tmp_path: Path) -> None:
        """The byte-order mark of a UTF-8 file is still dropped."""
        path = tmp_path / "e.csv"
        path.write_bytes(b"\xef\xbb\xbfat,delta\n2019-07-15T00:00:00Z,5\n")
        assert [e.delta for e in read_events(path)] == [Decimal(5)]


class TestJsonLinesShapes:
    def test_deep_nesting_is_a_bad_row(self) -> None:
        """A line nested 100,000 deep is a bad row, not a RecursionError."""
        text = "[" * 100_000 + "]" * 100_000 + "\n"
        line, column, reason = _problem(read_events, text, "jsonl")
        assert (line, column) == (1, "")
        assert "nested too deeply" in reason

    def test_deep_nesting_inside_an_object(self) -> None:
        """Deep nesting inside a value is refused the same way, and reading goes on."""
        good = '{"at": "2019-07-15T00:00:00Z", "delta": "5"}\n'
        deep = '{"delta": ' + '{"a": ' * 100_000 + "1" + "}" * 100_001 + "\n"
        line, _, reason = _problem(read_events, good + deep, "jsonl")
        assert line == 2
        assert "nested too deeply" in reason

    def test_a_repeated_key_is_refused_by_name(self) -> None:
        """{"delta": "100", "delta": "1000"} is refused, naming delta, not read as 1000."""
        text = '{"at": "2019-07-15T00:00:00Z", "delta": "100", "delta": "1000"}\n'
        line, column, reason = _problem(read_events, text, "jsonl")
        assert (line, column) == (1, "delta")
        assert "given twice" in reason


EVENT_AT = "2019-07-15T00:00:00Z"


class TestAmountsTheLibraryCannotHold:
    @pytest.mark.parametrize("delta", ["0E-500", "1E-51", "1E+999999", "0E+60", "-1E-999999"])
    def test_deltas_out_of_the_exact_range_are_refused_where_read(self, delta: str) -> None:
        """A delta the timeline could not add exactly is refused at its line, not later."""
        line, column, reason = _problem(
            read_events, f"at,delta\n{EVENT_AT},5\n{EVENT_AT},{delta}\n"
        )
        assert (line, column) == (3, "delta")
        assert "out of range" in reason

    def test_the_exact_range_is_kept(self) -> None:
        """1E-50 and 9E+49 are read, and the timeline adds them exactly."""
        text = f"at,delta\n{EVENT_AT},9E+49\n{EVENT_AT},1E-50\n"
        events = list(read_events(io.StringIO(text), format="csv"))
        assert [e.delta for e in events] == [Decimal("9E+49"), Decimal("1E-50")]

    def test_payments_are_held_to_the_exact_range(self) -> None:
        """A payout amount of 0E-500 is refused at its line."""
        from softstaking.io import read_payouts  # noqa: PLC0415

        line, column, _ = _problem(read_payouts, "date,amount\n2019-07-15,0E-500\n")
        assert (line, column) == (2, "amount")

    def test_rates_keep_their_fine_digits(self) -> None:
        """A rate with 100 significant digits (as records write them) is still read."""
        apr = "0." + "3" * 100
        [row] = read_rates(io.StringIO(f"effective_date,apr\n2019-07-15,{apr}\n"), format="csv")
        assert row.apr == Decimal(apr)


class TestStrictText:
    @pytest.mark.parametrize(
        "day", ["2019-W01-1", "2019-W011", "20190715", "2019-001x", "２０１９-07-15"]
    )
    def test_a_day_is_written_yyyy_mm_dd_only(self, day: str) -> None:
        """An ISO week date is not a YYYY-MM-DD day: refused, never read as another day."""
        line, column, reason = _problem(read_schedule, f"effective_date,apr\n{day},0.05\n")
        assert (line, column) == (2, "effective_date")
        assert "YYYY-MM-DD" in reason

    def test_a_lone_surrogate_is_not_text(self) -> None:
        r"""A JSON \ud800 escape in a kind is refused where it is read, not when printed."""
        text = f'{{"at": "{EVENT_AT}", "delta": "5", "kind": "dep\\ud800"}}\n'
        line, column, reason = _problem(read_events, text, "jsonl")
        assert (line, column) == (1, "kind")
        assert "lone surrogate, U+D800" in reason

    def test_a_surrogate_pair_is_text(self) -> None:
        """An escaped surrogate pair is one character, and is read."""
        text = f'{{"at": "{EVENT_AT}", "delta": "5", "kind": "\\ud83d\\ude00"}}\n'
        [event] = read_events(io.StringIO(text), format="jsonl")
        assert event.kind == "\U0001f600"

    @pytest.mark.parametrize("number", ["0E1000000000000000000", "1e-9999999999999999999"])
    def test_a_json_number_beyond_decimal_is_a_bad_row(self, number: str) -> None:
        """A JSON number Decimal cannot hold at all is a bad row, not decimal.InvalidOperation."""
        text = f'{{"up_to": null, "apr": {number}}}\n'
        line, column, reason = _problem(read_tiers, text, "jsonl")
        assert (line, column) == (1, "")
        assert f"the number {number} is out of range" in reason
