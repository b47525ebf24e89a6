"""Every reader, fed any bytes: a result or a ``SoftStakingError``, never another exception.

The inputs are arbitrary bytes, the shipped samples (and records the library writes) with
bytes flipped, inserted, cut or truncated, the same files in other encodings, deep
nesting, and amounts with huge and tiny exponents; each is read from a path (so the
reader decodes it) and, where it is text, from an open stream.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from softstaking import BalanceTimeline, SoftStakingError
from softstaking.io import (
    read_events,
    read_payouts,
    read_rates,
    read_records,
    read_schedule,
    read_tiers,
    write_records,
)
from softstaking.samples import sample_path, seed_rewards

READERS: dict[str, Callable[..., Any]] = {
    "events": read_events,
    "rates": read_rates,
    "schedule": read_schedule,
    "tiers": read_tiers,
    "payouts": read_payouts,
    "records": read_records,
}


def _jsonl(csv_text: str) -> str:
    """The rows of a CSV file as JSON Lines, every value a string."""
    rows = csv.DictReader(io.StringIO(csv_text))
    return "".join(json.dumps(row) + "\n" for row in rows)


def _records(fmt: str) -> str:
    out = io.StringIO()
    write_records(seed_rewards(), out, format=fmt)  # type: ignore[arg-type]
    return out.getvalue()


_TIERS = "up_to,apr\n1000,0.08\n10000,0.05\n,0.01\n"
_CSV = {
    "events": sample_path("iotx_seed_events.csv").read_text(encoding="utf-8"),
    "rates": sample_path("iotx_seed_rates.csv").read_text(encoding="utf-8"),
    "payouts": sample_path("iotx_seed_payouts.csv").read_text(encoding="utf-8"),
    "tiers": _TIERS,
}
SEEDS: dict[tuple[str, str], str] = {}
for _kind, _text in _CSV.items():
    SEEDS[_kind, "csv"] = _text
    SEEDS[_kind, "jsonl"] = _jsonl(_text)
SEEDS["schedule", "csv"] = SEEDS["rates", "csv"]
SEEDS["schedule", "jsonl"] = SEEDS["rates", "jsonl"]
SEEDS["records", "csv"] = _records("csv")
SEEDS["records", "jsonl"] = _records("jsonl")
KEYS = sorted(SEEDS)

EXPONENTS = [
    "1E+999999",
    "1E+999999999999999999",
    "0E-500",
    "0E+999999999",
    "1E-999999",
    "-1E-1000000000000000000",
    "9" * 5000,
    "0." + "0" * 5000 + "1",
    "1e50",
    "1E-50",
    "1E-1001",
]
AMOUNT_COLUMNS = ("delta", "apr", "amount", "up_to", "balance", "gross", "paid", "carry")


def _consume(reader: Callable[..., Any], source: Any, fmt: str) -> None:
    """Read all of ``source``; only a result or a SoftStakingError may come out.

    Events read are also made a timeline: an amount the reader lets through must be one
    the library can add (``0E-500`` once passed the reader and failed here).
    """
    try:
        result = reader(source, format=fmt)
        if hasattr(result, "__next__"):
            rows = list(result)
            if reader is read_events:
                BalanceTimeline.from_events(rows)
    except SoftStakingError:
        pass


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _read_bytes(folder: Path, kind: str, fmt: str, data: bytes) -> None:
    path = folder / f"input.{fmt}"
    path.write_bytes(data)
    _consume(READERS[kind], path, fmt)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    _consume(READERS[kind], io.StringIO(text, newline=""), fmt)


FUZZ = settings(
    max_examples=max(150, settings().max_examples),  # more under the thorough profile
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with a few bytes flipped, inserted or cut, then perhaps truncated."""
    buffer = bytearray(data)
    for _ in range(draw(st.integers(1, 6))):
        if not buffer:
            break
        at = draw(st.integers(0, len(buffer) - 1))
        how = draw(st.sampled_from(["flip", "insert", "cut", "byte"]))
        if how == "flip":
            buffer[at] ^= 1 << draw(st.integers(0, 7))
        elif how == "insert":
            buffer[at:at] = draw(st.binary(min_size=1, max_size=4))
        elif how == "cut":
            del buffer[at : at + draw(st.integers(1, 8))]
        else:
            buffer[at] = draw(st.sampled_from(b',"\n\r{}[]:\\-+.eE0 \x00\xff'))
    if draw(st.booleans()):
        del buffer[draw(st.integers(0, len(buffer))) :]
    return bytes(buffer)


keys = st.sampled_from(KEYS)


@FUZZ
@given(key=keys, data=st.binary(max_size=300))
def test_arbitrary_bytes(folder: Path, key: tuple[str, str], data: bytes) -> None:
    """Any bytes at all: a result or a SoftStakingError."""
    _read_bytes(folder, *key, data)


@FUZZ
@given(key=keys, data=st.data())
def test_mutated_samples(folder: Path, key: tuple[str, str], data: st.DataObject) -> None:
    """A shipped sample (or written records) with bytes flipped, inserted, cut, truncated."""
    seed = SEEDS[key].encode("utf-8")
    _read_bytes(folder, *key, data.draw(mutated(seed)))


@FUZZ
@given(
    key=keys,
    encoding=st.sampled_from(
        ["latin-1", "cp1252", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"]
    ),
    extra=st.text(max_size=5),
)
def test_other_encodings(folder: Path, key: tuple[str, str], encoding: str, extra: str) -> None:
    """A sample re-encoded (with a few more characters in it) is read or refused."""
    text = SEEDS[key].replace("\n", f"{extra}\n", 1) if extra else SEEDS[key]
    _read_bytes(folder, *key, text.encode(encoding, errors="replace"))


@settings(FUZZ, max_examples=40)
@given(
    key=keys,
    depth=st.sampled_from([1, 50, 1_000, 100_000]),
    opener=st.sampled_from(["[", '{"a":', '{"delta":[', '"']),
)
def test_deep_nesting(folder: Path, key: tuple[str, str], depth: int, opener: str) -> None:
    """Lines nested deeply (closed or not) are bad rows."""
    closer = {"[": "]", '{"a":': "}", '{"delta":[': "]}", '"': '"'}[opener]
    line = opener * depth + "1" + closer * depth
    _read_bytes(folder, key[0], key[1], (SEEDS[key] + line + "\n").encode("utf-8"))


@FUZZ
@given(key=keys, data=st.data())
def test_huge_and_tiny_exponents(folder: Path, key: tuple[str, str], data: st.DataObject) -> None:
    """An amount with an extreme exponent, in any amount column, is read or refused."""
    kind, fmt = key
    amount = data.draw(
        st.sampled_from(EXPONENTS) | st.from_regex(r"-?[0-9]{0,3}E[+-]?[0-9]{1,20}", fullmatch=True)
    )
    lines = SEEDS[key].splitlines(keepends=True)
    row = (
        data.draw(st.integers(1, len(lines) - 1))
        if fmt == "csv"
        else data.draw(st.integers(0, len(lines) - 1))
    )
    if fmt == "jsonl":
        value = json.loads(lines[row])
        column = data.draw(st.sampled_from(sorted(set(value) & set(AMOUNT_COLUMNS)) or ["x"]))
        as_number = data.draw(st.booleans())
        text = (
            json.dumps({**value, column: amount})
            if not as_number
            else json.dumps(value)[:-1] + f', "{column}": {amount}}}'
        )
        lines[row] = text + "\n"
    else:
        header = lines[0].strip().split(",")
        cells = next(csv.reader([lines[row]]))
        index = data.draw(st.integers(0, len(header) - 1))
        if index < len(cells):
            cells[index] = amount
        lines[row] = ",".join(cells) + "\n"
    _read_bytes(folder, kind, fmt, "".join(lines).encode("utf-8"))


@pytest.mark.parametrize("key", KEYS, ids=["-".join(k) for k in KEYS])
def test_the_seeds_are_valid(key: tuple[str, str]) -> None:
    """Each seed itself reads without a problem, so the mutations start from a good file."""
    kind, fmt = key
    result = READERS[kind](io.StringIO(SEEDS[key]), format=fmt)
    if hasattr(result, "__next__"):
        assert list(result)
