"""The sweep's answers against the definitions, on busy timelines and in any order of questions.

Mutation testing (tools/mutation.py) found no test reaching the sweep's long searches (more
events than one gallop), its questions about instants before the current day, or credits at
one instant. The expected values here come from the definitions of ``BalanceView``: the
balance at ``t`` is the opening plus every change at or before ``t`` (events and credits),
the lowest balance of ``[s, e)`` is the least of the balance at ``s`` and after each change
inside, the integral is the sum of balance × duration of each piece, and the average is
the integral over the length with one half-even rounding at the library's precision.
"""

from __future__ import annotations

import decimal
from datetime import timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from softstaking import BalanceEvent, BalanceTimeline, InvalidInputError, NaiveDatetimeError
from softstaking.core.amounts import PRECISION
from softstaking.core.instants import to_us
from softstaking.core.sweep import BalanceView

from .strategies import BUSY_START, busy_steps

BASE = to_us(BUSY_START)
SPAN = 120
HALF_EVEN = decimal.Context(prec=PRECISION, rounding=decimal.ROUND_HALF_EVEN)


class Reference:
    """The balance from its definition: the opening plus each change at or before ``t``."""

    def __init__(self, opening: int, steps: list[tuple[int, int]]) -> None:
        self.opening, self.steps = opening, steps
        self.credits: list[tuple[int, int]] = []

    def at(self, t: int) -> int:
        changes = [*self.steps, *self.credits]
        return self.opening + sum(delta for at, delta in changes if at <= t)

    def changes_inside(self, s: int, e: int) -> list[int]:
        return sorted({at for at, _ in [*self.steps, *self.credits] if s < at < e})

    def lowest(self, s: int, e: int) -> int:
        return min(self.at(t) for t in [s, *self.changes_inside(s, e)])

    def integral(self, s: int, e: int) -> int:
        cuts = [s, *self.changes_inside(s, e), e]
        return sum(self.at(a) * (b - a) for a, b in pairwise(cuts))


def build(opening: int, steps: list[tuple[int, int]]) -> BalanceView:
    events = [BalanceEvent(BUSY_START + timedelta(microseconds=at), delta) for at, delta in steps]
    return BalanceView(BalanceTimeline.from_events(events, opening=opening))


offsets = st.integers(-5, SPAN + 5)


@given(busy_steps(span_us=SPAN), st.data())
def test_every_question_in_any_order_gets_the_definitions_answer(
    timeline: tuple[int, list[tuple[int, int]]], data: st.DataObject
) -> None:
    """Days entered in order, credits in order, and questions about any instant."""
    opening, steps = timeline
    view, ref = build(opening, steps), Reference(opening, steps)
    day, credited_at = -10, -10
    for _ in range(data.draw(st.integers(1, 25))):
        action = data.draw(st.sampled_from(["enter", "credit", "at", "min", "average", "cuts"]))
        if action == "enter":
            day = data.draw(st.integers(day, SPAN + 5))
            view.enter_day(BASE + day)
        elif action == "credit":
            credited_at = data.draw(st.integers(credited_at, SPAN + 5))
            amount = data.draw(st.integers(0, 10**6))
            view.credit(BASE + credited_at, Decimal(amount))
            ref.credits.append((credited_at, amount))
        elif action == "at":
            t = data.draw(offsets)
            assert view.at_us(BASE + t) == ref.at(t)
            assert view.balance_at(BUSY_START + timedelta(microseconds=t)) == ref.at(t)
        else:
            s = data.draw(st.integers(-5, SPAN + 4))
            e = data.draw(st.integers(s + 1, SPAN + 5))
            if action == "min":
                assert view.min_us(BASE + s, BASE + e) == ref.lowest(s, e)
                start, end = (BUSY_START + timedelta(microseconds=x) for x in (s, e))
                assert view.min_balance(start, end) == ref.lowest(s, e)
            elif action == "average":
                expected = HALF_EVEN.divide(Decimal(ref.integral(s, e)), Decimal(e - s))
                assert view.average_us(BASE + s, BASE + e) == expected
                start, end = (BUSY_START + timedelta(microseconds=x) for x in (s, e))
                assert view.average_balance(start, end) == expected
            else:
                inside = (
                    st.lists(st.integers(s + 1, e - 1), unique=True) if e - s > 1 else st.just([])
                )
                inner = data.draw(inside)
                cuts = [s, *sorted(inner), e]
                pieces = [ref.integral(a, b) for a, b in pairwise(cuts)]
                assert view.integrals_us([BASE + c for c in cuts]) == pieces


def test_credits_at_one_instant_add_up() -> None:
    """Two credits at the same instant count both, from that instant on."""
    view = build(10, [])
    view.credit(BASE + 5, Decimal(3))
    view.credit(BASE + 5, Decimal(4))
    assert [view.at_us(BASE + t) for t in (4, 5, 6)] == [10, 17, 17]
    assert view.integrals_us([BASE, BASE + 5, BASE + 10]) == [50, 85]


def test_a_credit_before_the_last_one_is_refused() -> None:
    """Credits come in time order."""
    view = build(10, [])
    view.credit(BASE + 5, Decimal(3))
    with pytest.raises(InvalidInputError, match=r"^credits must come in time order$"):
        view.credit(BASE + 4, Decimal(1))


def test_a_span_that_does_not_end_after_its_start_is_refused_by_name() -> None:
    """``[start, end)`` needs end after start; the message gives both instants."""
    view = build(10, [])
    expected = (
        r"^end \(2024-01-01T00:00:00\+00:00\) must be after start "
        r"\(2024-01-01T00:00:00\+00:00\)$"
    )
    with pytest.raises(InvalidInputError, match=expected):
        view.min_balance(BUSY_START, BUSY_START)
    with pytest.raises(InvalidInputError, match=expected):
        view.average_balance(BUSY_START, BUSY_START)


def test_a_naive_instant_is_named_as_the_argument_it_was_given_as() -> None:
    """The error names ``t``, ``start`` or ``end``, whichever was naive."""
    view, naive = build(10, []), BUSY_START.replace(tzinfo=None)
    later = BUSY_START + timedelta(days=1)
    with pytest.raises(NaiveDatetimeError, match=r"^t must be timezone-aware"):
        view.balance_at(naive)
    for ask in (view.min_balance, view.average_balance):
        with pytest.raises(NaiveDatetimeError, match=r"^start must be timezone-aware"):
            ask(naive, later)
        with pytest.raises(NaiveDatetimeError, match=r"^end must be timezone-aware"):
            ask(BUSY_START, naive.replace(day=2))


def test_a_withdrawal_and_a_credit_at_one_instant_are_one_change() -> None:
    """_steps mutant 98: changes at one instant apply together, never one without the other.

    1000 held; at +10 µs 500 is withdrawn and a payment of 500 credited: the balance is
    1000 before and after, so the lowest balance of the span is 1000, not 500.
    """
    view = build(1000, [(10, -500)])
    view.credit(BASE + 10, Decimal(500))
    assert view.min_us(BASE, BASE + 20) == 1000
    assert view.integrals_us([BASE, BASE + 10, BASE + 20]) == [10_000, 10_000]
