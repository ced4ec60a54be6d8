"""docs/sample.md describes every product, platform table and column the generator writes, and
every seeded check."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from privacymesh.sample import PLATFORM_TABLES
from privacymesh.sample.products import SPECS

DOC = Path(__file__).resolve().parents[2] / "docs" / "sample.md"


def test_docs_name_every_product_table_column_and_check(sample) -> None:
    text = DOC.read_text(encoding="utf-8")
    for spec in SPECS:
        assert f"`{spec.id}`" in text, spec.id
        for column in spec.columns:
            assert f"`{column.name}`" in text, (spec.id, column.name)
    for table in PLATFORM_TABLES:
        assert f"`{table}`" in text or f"{table}`" in text, table
        for column in pl.read_parquet_schema(sample.root / "platform" / f"{table}.parquet"):
            assert f"`{column}`" in text, (table, column)
    for finding in sample.findings["findings"]:
        assert f"`{finding['check']}`" in text, finding["check"]
