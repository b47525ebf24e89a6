"""Malformed files: every bad row is reported with its file, line, column and reason."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest

from softstaking import InvalidTypeError, SoftStakingError
from softstaking.io import (
    BadRowsError,
    Problem,
    read_events,
    read_payouts,
    read_records,
    read_schedule,
    read_tiers,
)
from softstaking.io.errors import Problems

Reader = Callable[..., Iterable[object] | object]


def _problems(reader: Reader, text: str, fmt: str, **kwargs: object) -> list[Problem]:
    """The problems reading ``text`` raises, in order."""

    def run() -> None:
        result = reader(io.StringIO(text), format=fmt, **kwargs)
        if isinstance(result, Iterator):
            list(result)

    with pytest.raises(BadRowsError) as caught:
        run()
    return list(caught.value.problems)


def _where(problems: list[Problem]) -> list[tuple[int, str]]:
    return [(p.line, p.column) for p in problems]


GOOD_EVENT = "2024-01-01T00:00:00Z,5,deposit\n"


class TestBadEventRows:
    @pytest.mark.parametrize(
        ("row", "column", "reason"),
        [
            ("2024-01-01T00:00:00,5,deposit", "at", "no UTC offset"),
            ("2024-13-01T00:00:00Z,5,deposit", "at", "not an ISO 8601 timestamp"),
            ("yesterday,5,deposit", "at", "not an ISO 8601 timestamp"),
            (",5,deposit", "at", "is empty"),
            ("2024-01-01T00:00:00Z,five,deposit", "delta", "must be a decimal number"),
            ("2024-01-01T00:00:00Z,NaN,deposit", "delta", "finite"),
            ('2024-01-01T00:00:00Z,"12,5",deposit', "delta", "cannot read '12,5'"),
            ("2024-01-01T00:00:00Z,,deposit", "delta", "is empty"),
        ],
    )
    def test_csv_field_problem_names_line_column_reason(
        self, row: str, column: str, reason: str
    ) -> None:
        """A bad cell is reported at its line and column, with why it is bad."""
        text = "at,delta,kind\n" + GOOD_EVENT + row + "\n" + GOOD_EVENT
        [problem] = _problems(read_events, text, "csv")
        assert (problem.line, problem.column) == (3, column)
        assert reason in problem.reason
        assert str(problem).startswith(f"<stream>:3: column '{column}': ")

    @pytest.mark.parametrize(
        ("line", "column", "reason"),
        [
            ('{"at": "2024-01-01T00:00:00", "delta": "5"}', "at", "no UTC offset"),
            ('{"at": 1704067200, "delta": "5"}', "at", "written as a string, not int"),
            ('{"at": "2024-01-01T00:00:00Z", "delta": true}', "delta", "not bool"),
            ('{"at": "2024-01-01T00:00:00Z", "delta": null}', "delta", "not null"),
            ('{"at": "2024-01-01T00:00:00Z", "delta": NaN}', "", "not valid JSON"),
            ('{"at": "2024-01-01T00:00:00Z", "delta": "5"', "", "not valid JSON"),
            ('["2024-01-01T00:00:00Z", "5"]', "", "must be a JSON object, not list"),
            ('{"at": "2024-01-01T00:00:00Z"}', "delta", "missing column"),
            ('{"at": "2024-01-01T00:00:00Z", "delta": "5", "detla": "5"}', "detla", "unknown"),
            ('{"at": "2024-01-01T00:00:00Z", "delta": "5", "kind": 3}', "kind", "not int"),
        ],
    )
    def test_jsonl_problem_names_line_column_reason(
        self, line: str, column: str, reason: str
    ) -> None:
        """A bad JSON line is reported at its line, naming the key, with why it is bad."""
        good = '{"at": "2024-01-01T00:00:00Z", "delta": "5"}\n'
        [problem] = _problems(read_events, good + "\n" + line + "\n" + good, "jsonl")
        assert (problem.line, problem.column) == (3, column)
        assert reason in problem.reason

    def test_wrong_number_of_cells(self) -> None:
        """A row with more or fewer cells than the header is a problem, not a guess."""
        text = "at,delta,kind\n2024-01-01T00:00:00Z,5\n2024-01-01T00:00:00Z,5,a,b\n"
        problems = _problems(read_events, text, "csv")
        assert _where(problems) == [(2, ""), (3, "")]
        assert "has 2 cells; the header has 3" in problems[0].reason

    def test_header_problems_are_raised_at_once(self) -> None:
        """Missing, unknown and repeated columns are all named, at line 1."""
        problems = _problems(read_events, "at,amount,kind,kind\n" + GOOD_EVENT, "csv")
        assert _where(problems) == [(1, "delta"), (1, "amount"), (1, "kind")]
        assert "missing column; expected at, delta, [kind]" in problems[0].reason

    def test_empty_file(self) -> None:
        """A file without even a header has no rows, in CSV as in JSON Lines."""
        assert list(read_events(io.StringIO(""), format="csv")) == []
        assert list(read_events(io.StringIO(""), format="jsonl")) == []

    def test_line_numbers_count_quoted_line_breaks(self) -> None:
        """After a quoted cell spanning two lines, problems name the row's real line."""
        text = 'at,delta,kind\n2024-01-01T00:00:00Z,5,"two\nlines"\n2024-01-01T00:00:00,5,x\n'
        assert _where(_problems(read_events, text, "csv")) == [(4, "at")]

    def test_every_bad_field_of_a_row_is_reported(self) -> None:
        """A row with two bad cells gives two problems."""
        text = "at,delta\n2024-01-01,x\n"
        assert _where(_problems(read_events, text, "csv")) == [(2, "at"), (2, "delta")]


class TestLimits:
    def test_problems_beyond_the_limit_are_counted(self) -> None:
        """With 30 bad rows and max_errors=5 the error lists 5 and says 25 more."""
        text = "at,delta\n" + "2024-01-01T00:00:00,5\n" * 30
        with pytest.raises(BadRowsError) as caught:
            list(read_events(io.StringIO(text), format="csv", max_errors=5))
        assert len(caught.value.problems) == 5
        assert caught.value.more == 25
        message = str(caught.value)
        assert message.startswith("30 problems in <stream>:")
        assert message.endswith("... and 25 more")

    def test_the_error_is_a_value_error_and_a_softstaking_error(self) -> None:
        """BadRowsError is caught by `except ValueError` and by `except SoftStakingError`."""
        assert issubclass(BadRowsError, ValueError)
        assert issubclass(BadRowsError, SoftStakingError)

    def test_good_rows_then_the_error(self) -> None:
        """Good rows are yielded as read; the error still comes before the reader ends."""
        text = "at,delta\n" + GOOD_EVENT.replace(",deposit", "") + "2024-01-01T00:00:00,5\n"
        events = read_events(io.StringIO(text), format="csv")
        assert next(events).delta == 5
        with pytest.raises(BadRowsError):
            next(events)

    @pytest.mark.parametrize("bad", [0, -1])
    def test_max_errors_must_be_positive(self, bad: int) -> None:
        """A limit below one is refused."""
        with pytest.raises(SoftStakingError, match="at least 1"):
            Problems("x", bad)

    def test_max_errors_must_be_an_int(self) -> None:
        """A limit that is not an int is refused with a TypeError."""
        with pytest.raises(InvalidTypeError):
            Problems("x", "5")  # type: ignore[arg-type]

    def test_path_is_named(self, tmp_path: Path) -> None:
        """Problems in a file name the file's path."""
        path = tmp_path / "events.csv"
        path.write_text("at,delta\n2024-01-01T00:00:00,5\n", encoding="utf-8")
        with pytest.raises(BadRowsError, match=rf"{path}:2: column 'at'"):
            list(read_events(path))

    def test_unknown_suffix(self, tmp_path: Path) -> None:
        """A file whose suffix names no format needs an explicit format."""
        with pytest.raises(SoftStakingError, match="cannot tell the format"):
            list(read_events(tmp_path / "events.txt"))


class TestBadRatesAndOthers:
    def test_rate_rows(self) -> None:
        """A bad date, a negative rate and a bad bound are each reported where they are."""
        text = "effective_date,apr,up_to\n2024-1-1,0.05,\n2024-01-02,-0.05,\n2024-01-03,0.05,x\n"
        problems = _problems(read_schedule, text, "csv")
        assert _where(problems) == [(2, "effective_date"), (3, "apr"), (4, "up_to")]
        assert "not a date written YYYY-MM-DD" in problems[0].reason
        assert "must not be negative" in problems[1].reason

    def test_tiers_that_do_not_rise(self) -> None:
        """A day's tiers whose bounds fall are reported at the row whose bound falls."""
        text = (
            "effective_date,apr,up_to\n"
            "2024-01-01,0.1,5000\n2024-01-01,0.08,2000\n2024-01-01,0.05,\n"
        )
        [problem] = _problems(read_schedule, text, "csv")
        assert (problem.line, problem.column) == (3, "up_to")
        assert "above the previous band" in problem.reason

    def test_empty_schedule(self) -> None:
        """A rate file with a header and no rows is a problem: a schedule needs a rate."""
        assert _where(_problems(read_schedule, "effective_date,apr\n", "csv")) == [(1, "")]

    def test_tier_table_without_open_band(self) -> None:
        """A tier table whose last band has a bound is reported at its last row."""
        [problem] = _problems(read_tiers, "up_to,apr\n2000,0.1\n5000,0.08\n", "csv")
        assert (problem.line, problem.column) == (3, "up_to")
        assert "up_to=None" in problem.reason

    def test_payout_rows(self) -> None:
        """A payout with a bad date or a negative amount is reported."""
        text = "date,amount\n2024-01-01,1\n01/02/2024,1\n2024-01-03,-1\n"
        assert _where(_problems(read_payouts, text, "csv")) == [(3, "date"), (4, "amount")]

    def test_record_rows(self) -> None:
        """A record file with a naive payout time is reported at its line and column."""
        text = (
            "day,balance,eligible,apr,gross,paid,carry,payout_at\n"
            "2024-01-01,1,1,0.05,0.1,0.1,0,2024-01-02T00:00:00\n"
        )
        assert _where(_problems(read_records, text, "csv")) == [(2, "payout_at")]
