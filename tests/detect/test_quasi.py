"""Quasi-identifiers on a hand-made frame where k and the unique fraction are known."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

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


def test_every_combination_of_two_or_more_is_measured() -> None:
    from privacymesh.detect.quasi import evaluate_combinations

    options = ScanOptions(quasi_max_columns=3)
    combos = evaluate_combinations(frame(), ["zip", "gender", "birth_year"], options)
    # the three pairs are all flagged, so the triple (a superset) is not measured
    assert [q.columns for q in combos] == [
        ("zip", "gender"),
        ("zip", "birth_year"),
        ("gender", "birth_year"),
    ]
    assert [q.k_min for q in combos] == [2, 1, 1]
    assert [q.exposed_fraction for q in combos] == [1.0, 1.0, 0.5]
    assert all(q.flagged for q in combos)


def test_single_columns_are_never_quasi_identifiers() -> None:
    result = scan(frame())
    assert result.quasi_identifiers
    assert all(len(q.columns) >= 2 for q in result.quasi_identifiers)


def test_one_rare_value_is_not_a_quasi_identifier() -> None:
    # 200 invoices due on four dates, one odd date once: k = 1, but one row in 200 is exposed
    due = [date(2026, 1, d) for d in (1, 8, 15, 22)] * 50
    due[-1] = date(2026, 2, 3)
    df = pl.DataFrame({"due_date": due, "region": ["north", "south"] * 100})
    result = scan(df)
    assert len(result.quasi_identifiers) == 1
    q = result.quasi_identifiers[0]
    assert q.k_min == 1 and q.exposed_fraction == 0.005 and not q.flagged


def test_four_column_combination_found_when_smaller_ones_are_safe() -> None:
    # a 2x2x2x2 design: cells of even parity hold 10 rows, cells of odd parity 1. Fixing any
    # 3 columns leaves one even and one odd cell (11 rows), so only all 4 single people out.
    import itertools

    cells = list(itertools.product([0, 1], repeat=4))
    rows = [c for c in cells for _ in range(10 if sum(c) % 2 == 0 else 1)]
    df = pl.DataFrame(rows, schema=["zip", "gender", "birth_year", "city"], orient="row")
    result = scan(df, options=ScanOptions(quasi_max_columns=4))
    assert [(q.columns, q.k_min, q.flagged) for q in result.quasi_identifiers] == [
        (("zip", "gender", "birth_year", "city"), 1, True)
    ]
    assert result.quasi_identifiers[0].unique_fraction == 8 / 88
    # bounded at 3 columns, the same table is k-anonymous
    three = scan(df, options=ScanOptions(quasi_max_columns=3)).quasi_identifiers
    assert not any(q.flagged for q in three) and three[0].k_min == 11


@pytest.mark.parametrize("wide", [1 << 62, 1 << 8])
def test_class_sizes_match_group_by_on_many_distinct_values(
    wide: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # keys that could leave 64 bits are re-ranked: a narrow bound takes that path everywhere
    from privacymesh.detect import quasi

    monkeypatch.setattr(quasi, "_WIDE", wide)
    n = 50_000
    i = pl.int_range(n, eager=True)
    df = pl.DataFrame({"a": i % 4999, "b": (i * 7) % 4993, "c": (i // 2).cast(pl.String)})
    df = df.with_columns(d=pl.col("c").str.reverse(), e=(i // 3) % 7)
    for cols in (("a", "b"), ("a", "b", "c"), ("c", "d"), ("b", "c", "d", "e"), ("a", "e")):
        sizes = df.group_by(list(cols)).len()["len"]
        assert class_sizes(df, cols) == (int(sizes.min()), int((sizes == 1).sum()) / n), cols


def test_city_read_as_a_name_is_still_a_candidate() -> None:
    from privacymesh.detect.quasi import quasi_candidates
    from privacymesh.detect.results import CategoryHit, ColumnScan

    df = pl.DataFrame({"City": ["London", "Paris"], "Title": ["Mr", "Dr"], "email": ["a", "b"]})
    hit = CategoryHit("user.name", 0.7, ("dictionary",), 1.0)
    scans = [ColumnScan("City", (hit,)), ColumnScan("Title"), ColumnScan("email", (hit,))]
    assert quasi_candidates(df, scans, 10) == ["City", "Title"]
