"""Schedule behaviour that mutation testing (tools/mutation.py) found no test stating.

Each test here failed against the mutants of ``softstaking.core.schedules`` it names. The
messages are the library's contract for bad input: each names what is wrong, as given.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from softstaking import AprSchedule, InvalidInputError, InvalidTypeError, MissingRateError

JAN1, FEB1 = date(2024, 1, 1), date(2024, 2, 1)


def two() -> AprSchedule:
    """Two entries, given out of order (built in each test, so that a mutant fails there)."""
    return AprSchedule({FEB1: "0.04", JAN1: "0.05"})


class TestEntries:
    def test_a_schedule_takes_a_mapping(self) -> None:
        """rate_entries mutants 2, 3 and _to_entries' kind and key_name mutants."""
        expected = r"^AprSchedule takes a mapping of \{effective_date: rate\}$"
        with pytest.raises(InvalidTypeError, match=expected):
            AprSchedule([(JAN1, "0.05")])  # type: ignore[arg-type]

    def test_a_schedule_needs_an_entry(self) -> None:
        """rate_entries mutants 12, 13, 14: an empty mapping is refused, by name."""
        with pytest.raises(InvalidInputError, match=r"^AprSchedule needs at least one entry$"):
            AprSchedule({})

    def test_a_bad_rate_is_named_by_its_effective_date(self) -> None:
        """rate_entries mutants 9, 11: the rate is named by the day it takes effect."""
        with pytest.raises(InvalidInputError, match=r"^rate effective 2024-02-01 must not be "):
            AprSchedule({JAN1: "0.05", FEB1: "-0.01"})

    @pytest.mark.parametrize("key", ["2024-01-01", datetime(2024, 1, 1)])
    def test_a_key_that_is_not_a_day_is_named_as_a_key(self, key: object) -> None:
        """_check_day_key mutants 2, 4-7: the key is named AprSchedule key."""
        with pytest.raises(InvalidTypeError, match=r"^AprSchedule key must be a datetime\.date"):
            AprSchedule({key: "0.05"})  # type: ignore[dict-item]

    def test_entries_are_sorted_by_day_whatever_the_given_order(self) -> None:
        """The entries read back in day order, each with its own rate."""
        assert two().entries == ((JAN1, Decimal("0.05")), (FEB1, Decimal("0.04")))


class TestLayered:
    def test_layered_needs_a_schedule(self) -> None:
        """Layering no schedule is refused, by name (layered mutants 1-6)."""
        expected = r"^AprSchedule\.layered needs at least one schedule$"
        with pytest.raises(InvalidInputError, match=expected):
            AprSchedule.layered()

    def test_a_layer_that_is_not_a_schedule_is_named_by_position_and_type(self) -> None:
        """A wrong layer is named by index and type (layered mutants 9, 10, 11)."""
        expected = r"^AprSchedule\.layered takes AprSchedules; layer 1 is a int \(add an "
        with pytest.raises(InvalidTypeError, match=expected):
            AprSchedule.layered(two(), 5)  # type: ignore[arg-type]


class TestRateOn:
    def test_a_day_before_the_first_entry_names_both_days(self) -> None:
        """rate_on mutants 19-22: the message names the day and the schedule's first day."""
        expected = r"^no rate for 2023-12-31: the schedule starts on 2024-01-01$"
        with pytest.raises(MissingRateError, match=expected):
            two().rate_on(date(2023, 12, 31))

    def test_a_day_that_is_not_a_date_is_named_day(self) -> None:
        """rate_on mutants 3, 5, 6, 7."""
        with pytest.raises(InvalidTypeError, match=r"^day must be a datetime\.date"):
            two().rate_on("2024-01-01")  # type: ignore[arg-type]

    def test_an_empty_range_before_the_schedule_has_no_rates_and_no_error(self) -> None:
        """[start, start) has no day, so none lacks a rate (rates mutant 1)."""
        day = date(2023, 12, 1)
        assert two().rates(day, day) == []
