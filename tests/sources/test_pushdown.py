"""Mesh predicates translated for Delta and Iceberg deletes, and rows matched by DuckDB."""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa
import pytest
from lake_data import orders_table
from pyiceberg import expressions as ice

from privacymesh.catalog import retention_due_sql
from privacymesh.sources.pushdown import (
    Untranslatable,
    count_matching,
    matching_rows,
    to_delta,
    to_iceberg,
)

RETENTION = retention_due_sql("ordered_at", 150, "TIMESTAMP '2026-06-01 00:00:00'")


def test_retention_predicate_is_folded_to_a_literal() -> None:
    assert to_delta(RETENTION) == "\"ordered_at\" < '2026-01-02 00:00:00'"
    assert to_iceberg(RETENTION) == ice.LessThan("ordered_at", "2026-01-02T00:00:00")


def test_key_lists_null_tests_and_flipped_comparisons() -> None:
    sql = "\"customer_id\" IN ('c1', 'c''2') AND NOT (\"email\" IS NULL) OR 5 <= \"amount\""
    assert to_delta(sql) == (
        "((\"customer_id\" IN ('c1', 'c''2') AND \"email\" IS NOT NULL) OR \"amount\" >= 5)"
    )
    assert to_iceberg(sql) == ice.Or(
        ice.And(ice.In("customer_id", {"c1", "c'2"}), ice.NotNull("email")),
        ice.GreaterThanOrEqual("amount", 5),
    )


@pytest.mark.parametrize(
    "predicate",
    [
        "regexp_matches(\"email\", 'ann')",  # a function of a column
        '"amount" > "order_id"',  # two columns
        '"customer_id" = NULL',  # never true
        '"customer_id" IN (SELECT 1)',
    ],
)
def test_what_a_lake_delete_cannot_take_exactly_is_refused(predicate: str) -> None:
    with pytest.raises(Untranslatable):
        to_delta(predicate)
    with pytest.raises(Untranslatable):
        to_iceberg(predicate)


def test_rows_matched_by_duckdb_keep_their_order() -> None:
    table = orders_table()
    hit = matching_rows(table, RETENTION)
    assert hit.to_pylist() == [True, True, False, False, False]
    assert count_matching(table, "\"customer_id\" = 'c1'") == 2
    # NULL is not a match: an empty date is never due
    with_null = pa.table({"ordered_at": pa.array([None, datetime(2020, 1, 1)], pa.timestamp("us"))})
    assert matching_rows(with_null, RETENTION).to_pylist() == [False, True]
