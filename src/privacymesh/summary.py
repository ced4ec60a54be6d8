"""A one-screen summary of a mesh: per domain, products, rows and personal fields."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from privacymesh.catalog import Catalog, quote_literal
from privacymesh.engine import Engine


@dataclass(frozen=True)
class MeshSummary:
    """Counts per product, with the products that could not be registered."""

    products: pl.DataFrame
    failed: dict[str, str]
    invalid_contracts: int


def row_counts(engine: Engine, product_ids: list[str], catalog: Catalog) -> dict[str, int]:
    """Row count of each registered product, in one query."""
    if not product_ids:
        return {}
    sql = " UNION ALL ".join(
        f"SELECT {quote_literal(pid)} AS product, count(*) AS n FROM {catalog.products[pid].view}"
        for pid in product_ids
    )
    df = engine.polars(sql)
    return dict(zip(df["product"].to_list(), df["n"].to_list(), strict=True))


def summarize(catalog: Catalog, engine: Engine) -> MeshSummary:
    """Rows, fields and personal fields for every product the engine could register."""
    counts = row_counts(engine, engine.registration.products, catalog)
    rows = [
        {
            "domain": p.domain,
            "product": p.id,
            "product_kind": p.product_kind,
            "rows": counts.get(p.id),
            "fields": len(p.fields),
            "personal_fields": len(p.personal_fields),
            "retention_days": p.retention.days if p.retention else None,
        }
        for p in sorted(catalog.products.values(), key=lambda p: p.id)
    ]
    return MeshSummary(pl.DataFrame(rows), dict(engine.registration.failed), len(catalog.invalid))
