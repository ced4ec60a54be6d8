"""Hostile input never crashes the scanner nor makes it slow: arbitrary strings and bytes, huge
values, deep or malformed JSON, invalid base64. Decoding depth and value size are bounded."""

from __future__ import annotations

import base64
import json
import time

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from privacymesh.detect import ScanOptions, scan_frame

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
OPTIONS = ScanOptions(sample_rows=2000)

json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=30,
)


def scan_texts(values: list[str | None], budget: float = 10.0) -> None:
    df = pl.DataFrame({"payload": values}, schema={"payload": pl.String})
    start = time.perf_counter()
    result = scan_frame(df, "fuzz", options=OPTIONS)
    assert time.perf_counter() - start < budget
    json.dumps(result.to_dict())


@FAST
@given(st.lists(st.text(), min_size=1, max_size=30))
def test_arbitrary_strings(values: list[str]) -> None:
    scan_texts(values)


@FAST
@given(st.lists(st.binary(max_size=200), min_size=1, max_size=20))
def test_arbitrary_bytes_as_text_and_as_base64(blobs: list[bytes]) -> None:
    scan_texts([b.decode("latin-1") for b in blobs])
    scan_texts([base64.b64encode(b).decode() for b in blobs])


@FAST
@given(st.lists(json_values, min_size=1, max_size=20))
def test_arbitrary_json(docs: list) -> None:
    scan_texts([json.dumps(d) for d in docs])


@FAST
@given(st.lists(st.text(alphabet='{}[]":,\\0123456789abe ', max_size=300), min_size=1, max_size=20))
def test_malformed_json(docs: list[str]) -> None:
    scan_texts(docs)


@FAST
@given(
    st.lists(
        st.text(alphabet="ABCDEFabcdef0123456789+/=_-%", min_size=1, max_size=200),
        min_size=1,
        max_size=20,
    )
)
def test_invalid_base64_hex_and_url_escapes(tokens: list[str]) -> None:
    scan_texts(tokens)


def test_deeply_nested_json_is_bounded() -> None:
    deep = "[" * 5000 + json.dumps({"mail": "deep@example.com"}) + "]" * 5000
    unclosed = '{"a":' * 20000
    scan_texts([deep, unclosed] * 50)


def test_huge_values_are_truncated_and_fast() -> None:
    late = "x " * 600_000 + "late@example.com"
    early = "early@example.com " + "y" * 1_200_000
    df = pl.DataFrame({"blob": [late, early] * 100})
    start = time.perf_counter()
    result = scan_frame(df, "big", options=OPTIONS)
    assert time.perf_counter() - start < 20
    hit = result.column("blob").categories[0]
    assert hit.category == "user.contact.email"
    assert abs(hit.hit_rate - 0.5) < 1e-9  # the address past the truncation point is not read


def test_nested_encodings_are_bounded() -> None:
    value = json.dumps({"mail": "inner@example.com"})
    for _ in range(8):  # eight layers of base64 within JSON
        value = json.dumps({"d": base64.b64encode(value.encode()).decode()})
    scan_texts([value] * 200, budget=5.0)


def test_many_candidates_are_validated_on_a_sample() -> None:
    numbers = [f"+44 20 7946 {i:04d}" for i in range(10_000)]
    start = time.perf_counter()
    result = scan_frame(pl.DataFrame({"phone": numbers}), "t", options=ScanOptions())
    assert time.perf_counter() - start < 10
    assert "user.contact.phone_number" in result.column("phone").category_keys()
