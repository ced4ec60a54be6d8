"""Quasi-identifiers on a hand-made frame where k and the unique fraction are known."""

from __future__ import annotations

from datetime import date

import polars as pl

from detect.frames import scan
from privacymesh.detect import ScanOptions
from privacymesh.detect.quasi import class_sizes


def frame() -> pl.DataFrame:
    # 10 rows; zip alone: classes of 5 and 5 (k=5); zip+gender: (3,2,2,3) -> k=2, none unique;
    # zip+gender+birth_year: the last row is alone.
    return pl.DataFrame(
        {
            "zip": ["94107"] * 5 + ["10001"] * 5,
            "gender": ["F", "F", "F", "M", "M", "F", "F", "M", "M", "M"],
            "birth_year": [1980, 1980, 1980, 1990, 1990, 1980, 1980, 1990, 1990, 1975],
            "amount": [1.5] * 10,
        }
    )


def test_class_sizes_of_combinations() -> None:
    df = frame()
    assert class_sizes(df, ("zip",)) == (5, 0.0)
    assert class_sizes(df, ("zip", "gender")) == (2, 0.0)
    assert class_sizes(df, ("zip", "gender", "birth_year")) == (1, 0.1)


def test_scan_reports_minimal_flagged_combinations() -> None:
    options = ScanOptions(reference_date=date(2026, 11, 1), quasi_max_columns=3)
    result = scan(frame(), options=options)
    combos = {q.columns: q for q in result.quasi_identifiers}
    assert all(q.flagged and q.k_min < 5 for q in result.quasi_identifiers)
    assert ("zip", "gender") in combos  # k = 2: the smallest set that breaks k >= 5
    assert combos[("zip", "gender")].k_min == 2
    # supersets of a flagged combination are not repeated
    assert ("zip", "gender", "birth_year") not in combos
    assert all("amount" not in q.columns for q in result.quasi_identifiers)


def test_k_anonymous_table_reports_its_k() -> None:
    df = pl.DataFrame({"zip": ["94107", "10001"] * 10, "gender": ["F"] * 20})
    result = scan(df)
    assert len(result.quasi_identifiers) == 1
    q = result.quasi_identifiers[0]
    assert not q.flagged and q.k_min == 10 and q.unique_fraction == 0.0


def test_quasi_identifier_dict_shape() -> None:
    q = scan(frame()).quasi_identifiers[0].to_dict()
    assert set(q) >= {"columns", "unique_fraction", "k_min"}


def test_every_combination_can_be_listed() -> None:
    from privacymesh.detect.quasi import evaluate_combinations

    options = ScanOptions(quasi_max_columns=3)
    combos = evaluate_combinations(frame(), ["zip", "gender", "birth_year"], options)
    assert len(combos) == 7  # 3 singles, 3 pairs, 1 triple
    assert sum(q.flagged for q in combos) == 5  # `zip` and `gender` alone keep k >= 5
