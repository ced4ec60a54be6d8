"""Canonical JSON and chaining: the fast column encoder agrees with the plain definition."""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, datetime, timedelta, timezone

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privacymesh.ledger.chain import (
    GENESIS,
    BreakReason,
    ChainWalker,
    RowCanonicalizer,
    canonical_json,
    chain_hashes,
    iso_utc,
    record_hash,
)

json_scalars = (
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats() | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
timestamps = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1))


def test_canonical_json_is_sorted_compact_ascii() -> None:
    text = canonical_json({"b": 1, "a": [1.5, "é", None, True]})
    assert text == '{"a":[1.5,"\\u00e9",null,true],"b":1}'


def test_canonical_json_timestamps_and_non_finite_floats() -> None:
    when = datetime(2024, 5, 1, 4, 0, tzinfo=timezone(timedelta(hours=2)))
    assert canonical_json({"t": when}) == '{"t":"2024-05-01T02:00:00.000000Z"}'
    assert canonical_json([math.nan, math.inf, -math.inf]) == '["NaN","Infinity","-Infinity"]'


def test_canonical_json_rejects_what_json_cannot_hold() -> None:
    with pytest.raises(TypeError):
        canonical_json({"s": {1, 2}})
    with pytest.raises(TypeError):
        canonical_json({1: "int key"})


@settings(max_examples=200)
@given(json_values)
def test_canonical_json_is_a_fixed_point(value: object) -> None:
    """Parsing canonical text and canonicalizing again gives the same bytes (floats stable)."""
    text = canonical_json(value)
    assert canonical_json(json.loads(text)) == text


@settings(max_examples=200)
@given(
    st.lists(
        st.tuples(
            st.none() | st.text(),
            st.none() | st.integers(-(2**63), 2**63 - 1),
            st.none() | timestamps,
            st.none() | json_values,
        ),
        min_size=1,
        max_size=5,
    )
)
def test_row_canonicalizer_equals_canonical_json_of_the_row(rows: list[tuple]) -> None:
    encoder = RowCanonicalizer(
        {"name": "str", "count": "int", "at": "ts", "detail": "json"}, {"table": "t"}
    )
    columns = {
        "name": [r[0] for r in rows],
        "count": [r[1] for r in rows],
        "at": [r[2] for r in rows],
        "detail": [None if r[3] is None else canonical_json(r[3]) for r in rows],
    }
    expected = [
        canonical_json(
            {
                "table": "t",
                "name": r[0],
                "count": r[1],
                "at": r[2],
                "detail": None if r[3] is None else json.loads(canonical_json(r[3])),
            }
        )
        for r in rows
    ]
    assert encoder.encode(columns) == expected


def test_iso_utc_matches_duckdb_strftime() -> None:
    """Writers format timestamps in Python, verify formats them in DuckDB: they must agree."""
    values = [
        datetime(2024, 1, 2, 3, 4, 5, 6),
        datetime(1999, 12, 31, 23, 59, 59, 999999),
        datetime(2024, 2, 29),
        datetime(2100, 7, 1, 12, 0, 0, 500000),
    ]
    con = duckdb.connect()
    con.execute("CREATE TABLE t (ts TIMESTAMP)").fetchall()
    con.executemany("INSERT INTO t VALUES (?)", [[v] for v in values])
    formatted = con.sql("SELECT strftime(ts, '%Y-%m-%dT%H:%M:%S.%fZ') FROM t").fetchall()
    assert [row[0] for row in formatted] == [iso_utc(v) for v in values]
    assert iso_utc(datetime(2024, 1, 1, 3, tzinfo=timezone(timedelta(hours=3)))) == (
        iso_utc(datetime(2024, 1, 1, tzinfo=UTC))
    )


def test_record_hash_is_sha256_of_prev_hash_then_canonical_text() -> None:
    canonical = canonical_json({"a": 1})
    expected = hashlib.sha256((GENESIS + canonical).encode()).hexdigest()
    assert record_hash(GENESIS, canonical) == expected
    assert chain_hashes(GENESIS, [canonical, canonical]) == [
        expected,
        record_hash(expected, canonical),
    ]


def _chain(n: int) -> tuple[list[int], list[str], list[str], list[str], list[str], list[str]]:
    canonicals = [canonical_json({"i": i}) for i in range(n)]
    hashes = chain_hashes(GENESIS, canonicals)
    prevs = [GENESIS, *hashes[:-1]]
    return (
        list(range(1, n + 1)),
        ["t"] * n,
        [f"id{i}" for i in range(n)],
        prevs,
        hashes,
        canonicals,
    )


def test_walker_accepts_a_chain_fed_in_batches() -> None:
    seqs, tables, ids, prevs, hashes, canonicals = _chain(10)
    walker = ChainWalker()
    assert walker.feed(seqs[:4], tables[:4], ids[:4], prevs[:4], hashes[:4], canonicals[:4]) is None
    assert walker.feed(seqs[4:], tables[4:], ids[4:], prevs[4:], hashes[4:], canonicals[4:]) is None
    assert walker.checked == 10
    assert walker.last_hash == hashes[-1]


@pytest.mark.parametrize(
    ("change", "reason", "seq"),
    [
        (lambda c: c[5].__setitem__(3, canonical_json({"i": 99})), BreakReason.CONTENT_CHANGED, 4),
        (lambda c: c[3].__setitem__(6, "f" * 64), BreakReason.LINK_BROKEN, 7),
        (lambda c: [col.pop(4) for col in c], BreakReason.MISSING_SEQ, 5),
        (lambda c: c[0].__setitem__(5, 5), BreakReason.DUPLICATE_SEQ, 5),
    ],
)
def test_walker_names_the_first_break(change, reason, seq) -> None:  # type: ignore[no-untyped-def]
    columns = _chain(10)
    change(columns)
    broken = ChainWalker().feed(*columns)
    assert broken is not None
    assert (broken.reason, broken.seq) == (reason, seq)


@settings(max_examples=100)
@given(st.lists(st.none() | timestamps, min_size=1, max_size=20))
def test_arrow_timestamps_encode_like_iso_utc(values: list[datetime | None]) -> None:
    encoder = RowCanonicalizer({"at": "ts"})
    expected = [canonical_json({"at": v}) for v in values]
    assert encoder.encode({"at": values}) == expected
    as_text = [None if v is None else iso_utc(v) for v in values]
    assert encoder.encode({"at": as_text}) == expected
