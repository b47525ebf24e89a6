"""Timeline behaviour that mutation testing (tools/mutation.py) found no test stating.

Each test here failed against the mutant of ``softstaking.core.timeline`` it names.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from softstaking import BalanceEvent, BalanceTimeline, InvalidInputError, InvalidTypeError

T0 = datetime(2024, 1, 1, tzinfo=UTC)


class TestErrorsNameTheirInput:
    @pytest.mark.parametrize("delta", ["lots", None])
    def test_a_bad_delta_is_named_as_the_events_delta(self, delta: object) -> None:
        """_to_delta mutants 2, 7, 8, 9: the field is named as written, BalanceEvent.delta."""
        with pytest.raises((InvalidInputError, InvalidTypeError)) as caught:
            BalanceEvent(T0, delta)  # type: ignore[arg-type]
        assert str(caught.value).startswith("BalanceEvent.delta must be ")

    @pytest.mark.parametrize("opening", ["lots", "-1"])
    def test_a_bad_opening_is_named_opening(self, opening: str) -> None:
        """from_events mutants 4, 7, 8: the argument is named as written, opening."""
        with pytest.raises(InvalidInputError) as caught:
            BalanceTimeline.from_events([], opening=opening)
        assert str(caught.value).startswith("opening must ")

    def test_a_kind_that_is_not_a_str_is_named_with_its_type(self) -> None:
        """_check_kind mutants 2, 3, 4: the message names the field and the type given."""
        with pytest.raises(InvalidTypeError, match=r"^BalanceEvent\.kind must be a str, not int$"):
            BalanceEvent(T0, 1, kind=7)  # type: ignore[arg-type]

    def test_an_item_that_is_not_an_event_is_named_by_position_and_type(self) -> None:
        """from_events mutant 15: the message names the item's index and its type."""
        expected = r"^events\[1\] must be a BalanceEvent, not int$"
        with pytest.raises(InvalidTypeError, match=expected):
            BalanceTimeline.from_events([BalanceEvent(T0, 1), 5])  # type: ignore[list-item]
