"""The DuckDB -> Spark translation, as text: what each rewrite produces. (That the translations
mean the same on Spark is test_spark_differential.py.)"""

from __future__ import annotations

import os

import pytest

if not os.environ.get("CI"):
    pytest.importorskip("sqlglot", reason="the spark extra is not installed")

from privacymesh.engine.dialect import TranspileError, spark_view_name, to_spark

VIEWS = {
    ("payments", "transactions"): spark_view_name("payments", "transactions"),
    ("meta", "products"): spark_view_name("meta", "products"),
    ("platform", "consent_events"): spark_view_name("platform", "consent_events"),
}


def test_mesh_names_become_single_part_temp_views() -> None:
    sql = to_spark(
        'SELECT "payments"."transactions".amount, p.domain '
        'FROM "payments"."transactions" JOIN meta.products p ON TRUE '
        "JOIN platform.consent_events c ON TRUE JOIN other.unknown u ON TRUE",
        VIEWS,
    )
    assert sql == (
        "SELECT `transactions`.amount, p.domain FROM `payments__transactions` AS `transactions` "
        "JOIN `meta__products` AS p ON TRUE JOIN `platform__consent_events` AS c ON TRUE "
        "JOIN other.unknown AS u ON TRUE"
    )


def test_reservoir_sample_becomes_seeded_top_n() -> None:
    sql = to_spark(
        'SELECT * FROM "payments"."transactions" USING SAMPLE reservoir(500 ROWS) REPEATABLE (7)',
        VIEWS,
    )
    assert sql == (
        "SELECT * FROM (SELECT * FROM `payments__transactions` ORDER BY RAND(7) LIMIT 500) "
        "AS `transactions`"
    )
    assert "RAND(3) < 0.1" in to_spark("SELECT count(*) FROM t USING SAMPLE 10% (bernoulli, 3)")
    with pytest.raises(TranspileError, match="over a join"):
        to_spark("SELECT * FROM a JOIN b USING (id) USING SAMPLE reservoir(5 ROWS)")


def test_asof_join_has_no_translation() -> None:
    with pytest.raises(TranspileError, match="ASOF") as err:
        to_spark("SELECT * FROM a ASOF JOIN b ON a.id = b.id AND a.t >= b.t")
    assert "spark_sql" in str(err.value)


def test_time_rewrites() -> None:
    sql = to_spark("SELECT date_diff('day', a, b), epoch(b - a), epoch(b), isodow(b), dayofweek(b)")
    assert "TIMESTAMPDIFF(DAY, DATE_TRUNC('DAY', a), DATE_TRUNC('DAY', b))" in sql
    assert "(UNIX_MICROS(CAST(b AS TIMESTAMP_LTZ)) - UNIX_MICROS(CAST(a AS TIMESTAMP_LTZ)))" in sql
    assert "(WEEKDAY(b) + 1)" in sql and "(DAYOFWEEK(b) - 1)" in sql


def test_division_is_double_and_null_safe() -> None:
    assert to_spark("SELECT a / b FROM t") == "SELECT TRY_DIVIDE(CAST(a AS DOUBLE), b) FROM t"
    assert to_spark("SELECT a // b FROM t") == "SELECT a DIV b FROM t"


def test_ordered_lists_and_slices() -> None:
    sql = to_spark("SELECT list(v ORDER BY k DESC) FILTER (WHERE ok)[1:3] FROM t")
    assert sql.startswith("SELECT SLICE(CASE WHEN SIZE(COLLECT_LIST(STRUCT(k AS k0, v AS v))")
    assert "STRUCT(k AS k0, v AS v)) FILTER(WHERE ok)" in sql
    assert "WHEN l.k0 < r.k0 THEN 1 WHEN l.k0 > r.k0 THEN -1" in sql  # descending
    assert sql.endswith(", 1, 3 - 1 + 1) FROM t")
    distinct = to_spark("SELECT string_agg(DISTINCT c, '; ' ORDER BY c) FROM t")
    assert "ARRAY_JOIN(" in distinct and "COLLECT_SET(STRUCT(c AS k0, c AS v))" in distinct


def test_month_and_day_intervals_are_added_one_at_a_time() -> None:
    sql = to_spark(
        "SELECT t + CASE r WHEN 'a' THEN INTERVAL '1 month' + CASE WHEN x THEN INTERVAL '2 months'"
        " ELSE INTERVAL '0 days' END WHEN 'b' THEN INTERVAL '45 days' END FROM s"
    )
    assert "THEN t + INTERVAL '1' MONTH + INTERVAL '2' MONTHS" in sql
    assert "ELSE t + INTERVAL '1' MONTH + INTERVAL '0' DAYS" in sql
    assert "WHEN 'b' THEN t + INTERVAL '45' DAYS" in sql


def test_range_and_nested_unnest() -> None:
    sql = to_spark("SELECT x FROM range(1, 10, 3) AS t(x)")
    assert sql == (
        "SELECT x FROM (SELECT EXPLODE(IF(1 <= 10, FILTER(SEQUENCE(1, 10, 3), _x -> _x < 10), "
        "ARRAY())) AS x) AS t"
    )
    nested = to_spark("SELECT d + 7 * CAST(unnest(range(n)) AS INTEGER) AS w FROM e")
    assert "d + 7 * CAST(_unnest0 AS INT) AS w FROM e LATERAL VIEW EXPLODE(" in nested


def test_unparseable_or_several_statements() -> None:
    with pytest.raises(TranspileError, match="one statement"):
        to_spark("SELECT 1; SELECT 2")
    with pytest.raises(TranspileError, match="cannot parse"):
        to_spark("SELECT FROM WHERE (")
