"""A read-only mapping that pickles: what values hold where a dict would be mutable.

``types.MappingProxyType`` is read-only but cannot be pickled, and a program must pickle
to run on a cluster's workers. ``FrozenMap`` wraps a private dict, offers only the
reading half of ``dict``, and pickles as that dict.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Generic, TypeVar

__all__ = ["FrozenMap"]

K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(Mapping[K, V], Generic[K, V]):
    """A read-only mapping, equal to any mapping with the same items, that pickles.

    Examples:
        >>> import pickle
        >>> m = FrozenMap({"a": 1})
        >>> m["a"], m == {"a": 1}, pickle.loads(pickle.dumps(m)) == m
        (1, True, True)
        >>> m["b"] = 2
        Traceback (most recent call last):
        ...
        TypeError: 'FrozenMap' object does not support item assignment
    """

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[K, V] | None = None) -> None:
        self._items: dict[K, V] = dict(items or {})

    def __getitem__(self, key: K) -> V:
        return self._items[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenMap):
            return self._items == other._items
        if isinstance(other, Mapping):
            return self._items == dict(other.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # like dict and mappingproxy

    def __repr__(self) -> str:
        return f"FrozenMap({self._items!r})"

    def __reduce__(self) -> tuple[type[FrozenMap[K, V]], tuple[dict[K, V]]]:
        return (type(self), (self._items,))
