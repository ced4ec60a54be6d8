"""Canonical JSON and SHA-256 hash chaining for append-only logs.

Nothing here knows the ledger's tables, so any append-only log (the evidence ledger, the
platform's audit log) can chain its records the same way:

    canonical = canonical_json(content)          # sorted keys, no whitespace, ASCII only
    hash      = sha256(prev_hash + canonical)    # hex; the first record's prev_hash is GENESIS

`RowCanonicalizer` produces the same text as `canonical_json` for flat rows, but column by
column, so a chain of hundreds of thousands of rows is encoded without a dict per row.
`ChainWalker` re-checks a chain fed to it in sequence order, batch by batch.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from json.encoder import encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc

GENESIS = "0" * 64
"""The prev_hash of the first record of every chain."""

NON_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}
"""How non-finite floats are written (as strings: JSON has no NaN)."""

ValueType = Literal["str", "int", "ts", "json"]
"""How a column's value appears in canonical content: a JSON string, a JSON integer, an
ISO-8601 UTC timestamp string, or an embedded JSON value (stored as its canonical text)."""


def iso_utc(value: datetime) -> str:
    """A timestamp as ISO-8601 in UTC with microseconds: `2024-05-01T02:00:00.000000Z`.
    Naive datetimes are taken to be UTC already."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}T"
        f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}.{value.microsecond:06d}Z"
    )


def to_utc_naive(value: datetime) -> datetime:
    """A datetime as naive UTC, the form the ledger stores (TIMESTAMP columns hold UTC)."""
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def normalize(value: Any) -> Any:
    """A value reduced to JSON primitives: datetimes become ISO-8601 UTC strings, dates ISO
    dates, non-finite floats the strings NaN/Infinity/-Infinity, tuples lists, numpy scalars
    Python numbers. Raises TypeError for anything else (sets, bytes, objects, non-str keys)."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else NON_FINITE[repr(value)]
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys must be strings, found {key!r}")
            out[key] = normalize(item)
        return out
    if isinstance(value, list | tuple):
        return [normalize(item) for item in value]
    item = getattr(value, "item", None)  # numpy / pyarrow scalars
    if callable(item):
        return normalize(item())
    raise TypeError(f"cannot put a {type(value).__name__} in canonical JSON: {value!r}")


def canonical_json(value: Any) -> str:
    """The canonical text of a value: sorted keys, no whitespace, ASCII only (other characters
    as \\u escapes), floats in Python's shortest round-trip repr. Same value, same bytes."""
    return json.dumps(
        normalize(value),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
        allow_nan=False,
    )


def record_hash(prev_hash: str, canonical: str) -> str:
    """SHA-256 (hex) of the previous record's hash followed by this record's canonical text."""
    return hashlib.sha256((prev_hash + canonical).encode("ascii")).hexdigest()


def chain_hashes(prev_hash: str, canonicals: Iterable[str]) -> list[str]:
    """The hashes of consecutive records starting after `prev_hash`."""
    out: list[str] = []
    sha = hashlib.sha256
    for canonical in canonicals:
        prev_hash = sha((prev_hash + canonical).encode("ascii")).hexdigest()
        out.append(prev_hash)
    return out


# Strings that canonical JSON writes as they are, between quotes: printable ASCII without " or \.
_PLAIN = r"^[ -!#-\[\]-~]*$"
_ARROW_TYPES: dict[str, pa.DataType] = {
    "str": pa.string(),
    "int": pa.int64(),
    "ts": pa.timestamp("us"),
    "json": pa.string(),
}


def _quoted(values: pa.Array) -> pa.Array:
    """JSON string literals of a string array (nulls stay null). Plain ASCII is quoted in
    Arrow; only values needing escapes go through Python's JSON encoder."""
    quoted = pc.binary_join_element_wise('"', values, '"', "")
    escape = pc.invert(pc.fill_null(pc.match_substring_regex(values, _PLAIN), True))
    if pc.any(escape).as_py():
        escaped = [encode_basestring_ascii(v) for v in values.filter(escape).to_pylist()]
        quoted = pc.replace_with_mask(quoted, escape, pa.array(escaped, pa.string()))
    return quoted


def _encode_column(values: pa.Array, value_type: ValueType) -> pa.Array:
    """The canonical JSON text of every value of one column."""
    # digits; json columns hold canonical JSON text, embedded as is
    if value_type in ("int", "json"):
        text = pc.cast(values, pa.string())
    elif value_type == "ts" and pa.types.is_timestamp(values.type):
        if values.type.tz is not None:
            values = pc.cast(pc.cast(values, pa.timestamp("us", tz="UTC")), pa.timestamp("us"))
        # Arrow writes timestamp[us] as "YYYY-MM-DD HH:MM:SS.ffffff"; canonical is ...T...Z
        text = pc.cast(pc.cast(values, pa.timestamp("us")), pa.string())
        text = pc.replace_substring(text, " ", "T", max_replacements=1)
        text = pc.binary_join_element_wise('"', text, 'Z"', "")
    else:  # str, or ts already formatted as ISO-8601 text
        text = _quoted(pc.cast(values, pa.string()))
    return pc.fill_null(text, "null")


class RowCanonicalizer:
    """Canonical JSON of flat rows, built column by column in Arrow.

    For each row, `encode_arrow(table)` and `encode(columns)` give exactly
    `canonical_json({**constants, **row})`, where `json` columns hold canonical JSON text
    (embedded as values) and `ts` columns timestamps (naive UTC) or ISO-8601 UTC text."""

    def __init__(
        self, value_types: Mapping[str, ValueType], constants: Mapping[str, Any] | None = None
    ):
        constants = dict(constants or {})
        overlap = set(value_types) & set(constants)
        if overlap:
            raise ValueError(f"columns and constants overlap: {sorted(overlap)}")
        self.value_types = dict(value_types)
        self.order = sorted(value_types)
        # literal text before each column's value, and after the last one
        self._literals: list[str] = []
        text = "{"
        for i, key in enumerate(sorted([*value_types, *constants])):
            text += ("," if i else "") + encode_basestring_ascii(key) + ":"
            if key in constants:
                text += canonical_json(constants[key])
            else:
                self._literals.append(text)
                text = ""
        self._literals.append(text + "}")

    def encode_arrow(self, table: pa.Table) -> pa.Array:
        """The canonical JSON text of every row of `table` (which holds at least the columns)."""
        if not self.order:
            return pa.array([self._literals[-1]] * table.num_rows, pa.string())
        parts: list[Any] = []
        for literal, name in zip(self._literals, self.order, strict=False):
            column = table.column(name).combine_chunks()
            parts += [pa.scalar(literal), _encode_column(column, self.value_types[name])]
        parts.append(pa.scalar(self._literals[-1]))
        return pc.binary_join_element_wise(*parts, "")

    def encode(self, columns: Mapping[str, Sequence[Any]]) -> list[str]:
        """`encode_arrow` over Python sequences (a name -> equal-length sequence map)."""
        arrays = {}
        for name in self.order:
            values = columns[name]
            value_type = self.value_types[name]
            if value_type == "ts" and any(isinstance(v, str) for v in values):
                value_type = "str"
            if value_type == "ts":
                values = [None if v is None else to_utc_naive(v) for v in values]
            arrays[name] = pa.array(values, _ARROW_TYPES[value_type])
        return self.encode_arrow(pa.table(arrays)).to_pylist()


class BreakReason(StrEnum):
    """Why a record breaks the chain."""

    CONTENT_CHANGED = "content changed"
    LINK_BROKEN = "link broken"
    REORDERED = "reordered"
    MISSING_SEQ = "missing seq"
    DUPLICATE_SEQ = "duplicate seq"
    HEAD_MISMATCH = "head mismatch"
    ANCHOR_MISMATCH = "anchor mismatch"


@dataclass(frozen=True)
class ChainBreak:
    """The first record at which a chain stops verifying."""

    seq: int
    table: str | None
    record_id: str | None
    reason: BreakReason
    detail: str

    def __str__(self) -> str:
        where = f"{self.table} " if self.table else ""
        ident = f" ({self.record_id})" if self.record_id else ""
        return f"{where}seq {self.seq}{ident}: {self.reason} — {self.detail}"


class ChainWalker:
    """Re-checks a chain fed to it in seq order: consecutive seqs from `start_seq`, each
    record's prev_hash equal to the hash before it, each hash equal to
    sha256(prev_hash + canonical). Stops at the first break."""

    def __init__(self, start_seq: int = 1, start_hash: str = GENESIS):
        self.expected_seq = start_seq
        self.last_hash = start_hash
        self.last_table: str | None = None
        self.checked = 0
        self.broken: ChainBreak | None = None

    def feed(
        self,
        seqs: Sequence[int],
        tables: Sequence[str],
        ids: Sequence[str | None],
        prev_hashes: Sequence[str | None],
        hashes: Sequence[str | None],
        canonicals: Sequence[str],
    ) -> ChainBreak | None:
        """Check the next records (already sorted by seq). Returns the first break, if any."""
        if self.broken is not None:
            return self.broken
        sha = hashlib.sha256
        expected, last = self.expected_seq, self.last_hash
        for i, seq in enumerate(seqs):
            if seq != expected:
                self.broken = self._seq_break(seq, expected, tables[i], ids[i])
                break
            if prev_hashes[i] != last:
                self.broken = ChainBreak(
                    seq,
                    tables[i],
                    ids[i],
                    BreakReason.LINK_BROKEN,
                    f"prev_hash {prev_hashes[i]} is not the hash of seq {seq - 1} ({last})",
                )
                break
            computed = sha((last + canonicals[i]).encode("ascii")).hexdigest()
            if computed != hashes[i]:
                self.broken = ChainBreak(
                    seq,
                    tables[i],
                    ids[i],
                    BreakReason.CONTENT_CHANGED,
                    f"stored hash {hashes[i]} but the content hashes to {computed}",
                )
                break
            last = computed
            expected += 1
            self.checked += 1
            self.last_table = tables[i]
        self.expected_seq, self.last_hash = expected, last
        return self.broken

    def _seq_break(self, seq: int, expected: int, table: str, ident: str | None) -> ChainBreak:
        if seq < expected:
            return ChainBreak(
                seq,
                table,
                ident,
                BreakReason.DUPLICATE_SEQ,
                f"seq {seq} appears again (expected seq {expected} next)",
            )
        gap = f"seq {expected}" if seq == expected + 1 else f"seqs {expected}..{seq - 1}"
        # The missing record is gone; name the table where the gap was found.
        return ChainBreak(
            expected,
            table,
            None,
            BreakReason.MISSING_SEQ,
            f"{gap} missing: the next record is {table} seq {seq} ({ident})",
        )
