"""The scanner's cheaper paths give exactly what the paths they replace gave: the characters of
a column's text, rows filtered column by column, text gates answered by RE2, and coordinate
pairs found from the columns that one select finds mostly numeric."""

from __future__ import annotations

from itertools import pairwise

import polars as pl
import pytest

from privacymesh.detect import ScanOptions, text_search
from privacymesh.detect.context import ContextSignals
from privacymesh.detect.recognizer import ROW, VALUE, chars_of, filter_rows
from privacymesh.detect.recognizers.geolocation import as_text, coordinate_profile, pair_columns
from privacymesh.detect.registry import default_registry
from privacymesh.detect.scanner import _text_gates, column_values

EDGE_TEXTS = [
    "",
    "\n",
    "a",
    "jane.doe@example.com\n+44 20 7946 0958\n\t tab \r\n",
    "".join(map(chr, range(128))),  # every ASCII character, controls and DEL included
    "José Müller\n東京都 山田太郎\n٣٤٥٦\u00a0",
    "x" * 5000 + "\x7f",
]


@pytest.mark.parametrize("text", EDGE_TEXTS)
def test_chars_of_is_the_set_of_characters(text: str) -> None:
    assert chars_of(text) == frozenset(text)


@pytest.mark.parametrize(
    "mask",
    [[True, False, None, True, False], [False] * 5, [True] * 5, [None] * 5],
)
def test_filter_rows_is_dataframe_filter(mask: list[bool | None]) -> None:
    frame = pl.DataFrame(
        {
            ROW: pl.Series([0, 1, 2, 3, 4], dtype=pl.UInt32),
            VALUE: ["a b", "", "é\nz", None, "東京"],
            "stripped": ["a b", "", "é\nz", None, "東京"],
        }
    )
    series = pl.Series(mask, dtype=pl.Boolean)
    got = filter_rows(frame, series)
    assert got.equals(frame.filter(series))
    assert got.schema == frame.schema
    assert got.height == sum(1 for m in mask if m)


def _columns(values: dict[str, list[str | None]]) -> list:
    options = ScanOptions()
    out = []
    for name, column in values.items():
        series = pl.Series(name, column, dtype=pl.String)
        out.append(column_values(series, ContextSignals.build(name, None, []), options))
    return out


def test_text_gates_by_re2_are_the_text_gates_by_polars(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("re2")
    values = {
        "contact": ["jane.doe@example.com", " +44 20 7946 0958 ", "", "n/a", None],
        "ids": ["4111 1111 1111 1111", "123-45-6789", "AB123456C", "DE89370400440532013000"],
        "text": ["line one\nline two", "\t tabbed \r", "SW1A 1AA", "90210", "12 Baker Street"],
        "unicode": ["José Müller", "東京都 山田太郎", "٣٤٥٦٧٨٩٠١٢", "nbsp\u00a0here", "a\x0bb"],
        "secrets": ["AKIAIOSFODNN7EXAMPLE", "password=hunter2", "eyJhbGciOiJIUzI1NiJ9.e30.x"],
        "numbers": ["51.507351", "-0.127758", "2026-09-30", "192.168.10.44", "0"],
    }
    registry = default_registry()
    # the same columns both times: a gate may match across two joined values, and the order
    # in which distinct values are joined is Polars' own
    columns = _columns(values)
    with_re2 = _text_gates(columns, registry)
    monkeypatch.setattr(text_search, "re2", None)
    by_polars = _text_gates(columns, registry)
    assert with_re2 == by_polars
    # the gates decided something in every column, and let some recognizers through
    assert all(found for found in with_re2)
    assert any(any(found.values()) for found in with_re2)


def _pairs_profiling_every_column(frame: pl.DataFrame) -> set[str]:
    """`pair_columns` as it read a table before: every float and text column profiled."""
    profiles = {}
    for name in frame.columns:
        s = frame[name]
        if s.dtype.is_float() or s.dtype == pl.String:
            text = as_text(s)
            profiles[name] = coordinate_profile(text) if text.len() else None
    found: set[str] = set()
    for a, b in pairwise(frame.columns):
        pa, pb = profiles.get(a), profiles.get(b)
        if pa is None or pb is None:
            continue
        if pa[3] < 0.9 or pb[3] < 0.9 or pa[1] < 1 or pb[1] < 1:
            continue
        if pa[0] <= 90 and pb[0] <= 180 and min(pa[2], pb[2]) >= 5:
            found |= {a, b}
    return found


def test_coordinate_pairs_are_those_of_profiling_every_column() -> None:
    lat = [51.5074, 48.8566, -33.8688, 40.7128, 35.6895, 55.7558, 1.3521, -22.9068, 19.4326, 9.1]
    lon = [-0.1278, 2.3522, 151.2093, -74.006, 139.6917, 37.6173, 103.8198, -43.1729, -99.1332, 7.2]
    text_lat = [f" {x} " for x in lat]
    # nine numbers in ten: exactly the share a pair needs; eight in ten: just below it
    nine = [*map(str, lon[:9]), "n/a"]
    eight = [*map(str, lon[:8]), "n/a", "?"]
    frame = pl.DataFrame(
        {
            "lat": lat,
            "lon": lon,
            "text_lat": text_lat,
            "nine": nine,
            "lat_again": text_lat,
            "eight": eight,
            "empty": pl.Series([None] * 10, dtype=pl.String),
            "whole": [float(i) for i in range(10)],
            "nulls_lon": [*lon[:9], None],
            "count": list(range(10)),
        }
    )
    expected = _pairs_profiling_every_column(frame)
    assert pair_columns(frame) == expected
    # eight numbers in ten is too few; nulls are not counted in the share
    assert expected == {"lat", "lon", "text_lat", "nine", "whole", "nulls_lon"}
