"""A small TOML writer for tests: the library reads TOML (tomllib) but never writes it.

``dumps`` renders a document of tables, strings, integers, booleans and arrays: nested
tables become ``[a.b]`` sections, and tables inside arrays inline tables.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

__all__ = ["dumps"]

_BARE = re.compile(r"[A-Za-z0-9_-]+")


def key(name: str) -> str:
    """A key, bare when TOML allows, else a quoted string."""
    return name if _BARE.fullmatch(name) else json.dumps(name)


def value(item: object) -> str:
    """One value, inline."""
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int):
        return str(item)
    if isinstance(item, str):
        return json.dumps(item)  # a JSON string is a TOML basic string
    if isinstance(item, Mapping):
        return "{" + ", ".join(f"{key(k)} = {value(v)}" for k, v in item.items()) + "}"
    if isinstance(item, Sequence):
        return "[" + ", ".join(value(v) for v in item) + "]"
    raise TypeError(f"cannot write {type(item).__name__} {item!r} as TOML")


def _section(path: list[str], table: Mapping[str, object], out: list[str]) -> None:
    scalars = [(k, v) for k, v in table.items() if not isinstance(v, Mapping)]
    tables = [(k, v) for k, v in table.items() if isinstance(v, Mapping)]
    if path:
        out.append(f"\n[{'.'.join(key(p) for p in path)}]")
    out.extend(f"{key(k)} = {value(v)}" for k, v in scalars)
    for k, v in tables:
        assert isinstance(v, Mapping)
        _section([*path, k], v, out)


def dumps(document: Mapping[str, object]) -> str:
    """The document as TOML text."""
    out: list[str] = []
    _section([], document, out)
    return "\n".join(out) + "\n"
