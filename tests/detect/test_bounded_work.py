"""The detector's bounded work: at most `max_validate` distinct values are validated per
recognizer and column."""

from __future__ import annotations

import polars as pl

from privacymesh.detect import ScanOptions
from privacymesh.detect.recognizer import sample_distinct


def test_at_most_max_validate_distinct_values_are_validated() -> None:
    values = pl.Series([f"v{i:04d}" for i in range(1000)] * 2)
    chosen = sample_distinct(values, ScanOptions(max_validate=64))
    assert chosen.len() == 64
    assert chosen.n_unique() == 64
    assert chosen.equals(sample_distinct(values, ScanOptions(max_validate=64)))


def test_a_short_column_is_validated_whole() -> None:
    values = pl.Series(["b", "a", "b", "c"])
    assert sample_distinct(values, ScanOptions(max_validate=8)).to_list() == ["b", "a", "c"]
