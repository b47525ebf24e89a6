"""The errors the library raises for bad input.

Every error is a ``SoftStakingError``, so one ``except`` clause catches them all.
Each is also a built-in ``ValueError`` (a value is wrong) or ``TypeError``
(a value has the wrong type), so code written against the standard library keeps working.
"""

from __future__ import annotations

__all__ = [
    "InvalidBandError",
    "InvalidInputError",
    "InvalidTypeError",
    "MissingRateError",
    "NaiveDatetimeError",
    "NegativeBalanceError",
    "SoftStakingError",
]


def _rebuild(kind: type[BaseException], args: tuple[object, ...]) -> BaseException:
    """An error of ``kind`` with ``args``, without calling its ``__init__`` (for pickle)."""
    error = kind.__new__(kind, *args)
    error.args = args
    return error


class SoftStakingError(Exception):
    """Base class of every error the library raises on bad input.

    Every one pickles, with its attributes and notes, so that an error raised on a
    cluster's worker reaches the caller as the same error.
    """

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), self.args), self.__dict__ or None)


class InvalidInputError(SoftStakingError, ValueError):
    """A value has the right type but is not allowed: NaN, a negative rate, a bad range."""


class InvalidTypeError(SoftStakingError, TypeError):
    """A value has the wrong type, such as a ``float`` where an exact amount is needed."""


class NaiveDatetimeError(InvalidInputError):
    """A datetime has no timezone, so the instant it names is unknown."""


class MissingRateError(InvalidInputError):
    """A day falls before the first entry of an APR schedule."""


class InvalidBandError(InvalidInputError):
    """A tier table's bands are out of order, or open anywhere but last.

    Attributes:
        band: The position of the band at fault, counting from 0; None when the table
            is empty.
    """

    def __init__(self, message: str, *, band: int | None) -> None:
        super().__init__(message)
        self.band = band


class NegativeBalanceError(InvalidInputError):
    """Applying an event would take the balance below zero.

    Attributes:
        event: The event that would overdraw the balance (a ``BalanceEvent``; typed
            ``object`` here because this module sits below the timeline, which imports it).
        index: Its position in the events as given.
        balance: The balance it would leave.
    """

    def __init__(self, message: str, *, event: object, index: int, balance: object) -> None:
        super().__init__(message)
        self.event = event
        self.index = index
        self.balance = balance
