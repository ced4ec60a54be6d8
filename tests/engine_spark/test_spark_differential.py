"""The same DuckDB-dialect query on DuckDB and on Spark gives the same answer: every rewrite of
the dialect module, on values chosen where the two engines differ (day boundaries, weekdays,
NULLs in ordered lists, decimals, a range's excluded end, month and day intervals)."""

from __future__ import annotations

import math
from datetime import date, datetime

import polars as pl
import pytest

CASES = pl.DataFrame(
    {
        "id": [1, 2, 3, 4, 5],
        "grp": ["a", "a", "b", "b", "b"],
        "k": [3, None, 1, 2, 2],
        "v": ["x", "y", None, "z", "w"],
        "n": [0, 1, 2, 3, 4],
        "ok": [True, True, False, True, True],
        "t0": [
            datetime(2025, 1, 1, 23, 0),
            datetime(2025, 1, 31, 12, 0),
            datetime(2025, 3, 1, 0, 0),
            datetime(2024, 12, 31, 23, 59, 59),
            datetime(2025, 6, 15, 8, 30),
        ],
        "t1": [
            datetime(2025, 1, 2, 1, 0),
            datetime(2025, 2, 1, 11, 0),
            datetime(2025, 3, 1, 0, 0, 1),
            datetime(2025, 1, 1, 0, 0, 0),
            datetime(2025, 6, 15, 8, 42, 22),
        ],
        "d": [
            date(2025, 11, 3),
            date(2025, 11, 8),
            date(2025, 11, 9),
            date(2025, 11, 7),
            date(2025, 11, 5),
        ],
    }
)

QUERIES = {
    "day boundaries": "SELECT id, date_diff('day', t0, t1) AS days,"
    " date_diff('month', t0, t1) AS months, date_diff('hour', t0, t1) AS hours,"
    " date_diff('second', t0, t1) AS secs FROM t.cases ORDER BY id",
    "weekdays": "SELECT id, isodow(d) AS iso, dayofweek(d) AS dow, d - 2 AS earlier,"
    " CAST(d + 3 AS TIMESTAMP) AS later FROM t.cases ORDER BY id",
    "epoch": "SELECT id, epoch(t1 - t0) / 3600.0 AS hours, epoch(t0) AS since"
    " FROM t.cases ORDER BY id",
    "division": "SELECT id, n / 4 AS quarter, 7 / 2 AS half, round(n / 3.0, 2) AS r,"
    " count(*) OVER () / 3 AS share FROM t.cases ORDER BY id",
    "ordered lists": "SELECT grp, list(v ORDER BY k DESC, id) AS by_k,"
    " list(DISTINCT v ORDER BY v) AS vs,"
    " list(id ORDER BY id) FILTER (WHERE NOT ok) AS not_ok, string_agg(v, '|' ORDER BY id) AS s,"
    " list(id ORDER BY id)[2:3] AS middle FROM t.cases GROUP BY grp ORDER BY grp",
    "quantiles": "SELECT quantile_cont(n, 0.5) AS p50, quantile_cont(n, 0.95) AS p95,"
    " median(k) AS m FROM t.cases",
    "range": "SELECT q FROM range(TIMESTAMP '2025-01-01 00:00:00', TIMESTAMP '2025-07-01 00:00:00',"
    " INTERVAL 3 MONTH) AS r(q) ORDER BY q",
    "nested unnest": "SELECT id, d + 7 * CAST(unnest(range(n)) AS INTEGER) AS week FROM t.cases"
    " ORDER BY id, week",
    "intervals": "SELECT id, t0 + CASE WHEN ok THEN INTERVAL '1 month' + CASE WHEN n > 2 THEN"
    " INTERVAL '2 months' ELSE INTERVAL '0 days' END ELSE INTERVAL '45 days' END AS due"
    " FROM t.cases ORDER BY id",
    "greatest of one": "SELECT greatest(k) AS g, coalesce(k, NULL) AS c FROM t.cases ORDER BY id",
    "sample of all rows": "SELECT count(*) AS n, sum(id) AS s FROM t.cases"
    " USING SAMPLE reservoir(100 ROWS) REPEATABLE (1)",
    "grouping sets": "SELECT grp, count(*) AS n FROM t.cases GROUP BY GROUPING SETS ((grp), ())"
    " ORDER BY grp NULLS FIRST",
}


@pytest.fixture(scope="module")
def both(engines):  # type: ignore[no-untyped-def]
    for engine in engines:
        engine.register_frame("t", "cases", CASES)
    return engines


def same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12) or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_same_answer_on_both_engines(both, name: str) -> None:  # type: ignore[no-untyped-def]
    spark, duck = both
    expected = duck.polars(QUERIES[name]).to_dicts()
    got = spark.polars(QUERIES[name]).to_dicts()
    assert same(expected, got), f"{name}\nduckdb {expected}\nspark  {got}"


def test_known_values(both) -> None:  # type: ignore[no-untyped-def]
    """Anchors, so the engines cannot agree on a wrong answer."""
    spark, _ = both
    days = spark.polars(QUERIES["day boundaries"])
    assert days["days"].to_list() == [1, 1, 0, 1, 0]  # 23:00 -> 01:00 crosses a day boundary
    assert days["months"].to_list() == [0, 1, 0, 1, 0]
    week = spark.polars(QUERIES["weekdays"])
    assert week["iso"].to_list() == [1, 6, 7, 5, 3]  # 2025-11-03 is a Monday
    assert week["dow"].to_list() == [1, 6, 0, 5, 3]
    lists = spark.polars(QUERIES["ordered lists"]).to_dicts()
    assert lists[0]["by_k"] == ["x", "y"]  # NULL keys last, DESC
    assert lists[1]["by_k"] == ["z", "w", None] and lists[1]["vs"] == ["w", "z", None]
    assert lists[0]["not_ok"] is None and lists[1]["not_ok"] == [3]  # empty list -> NULL
    assert spark.polars(QUERIES["range"])["q"].to_list() == [
        datetime(2025, 1, 1),
        datetime(2025, 4, 1),
    ]
    assert spark.polars(QUERIES["division"])["half"].to_list() == [3.5] * 5


def test_decimal_results_come_back_as_doubles(both) -> None:  # type: ignore[no-untyped-def]
    spark, duck = both
    query = "SELECT sum(1.5) AS s, list({'x': round(n * 1.25, 1)} ORDER BY id) AS l FROM t.cases"
    got = spark.polars(query)
    assert got.schema["s"] == pl.Float64
    assert got.to_dicts() == [
        {"s": 7.5, "l": [{"x": 0.0}, {"x": 1.3}, {"x": 2.5}, {"x": 3.8}, {"x": 5.0}]}
    ]
    assert duck.polars(query)["s"].to_list() == [7.5]
