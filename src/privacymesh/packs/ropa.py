"""The record of processing activities (GDPR Art. 30(1)) and the pack's product list, from the
product records the period's runs stored (`privacymesh.catalog.processing`): one row per product
holding personal data. Owners are named by team, never by a person's address."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from privacymesh.catalog.processing import RECORD_FIELDS

_BOOLEAN = {"personal_data", "has_retention"}
RECORD_SCHEMA = {
    k: pl.Int64 if k == "personal_fields" else pl.Boolean if k in _BOOLEAN else pl.String
    for k in RECORD_FIELDS
}
ROPA_COLUMNS = tuple(k for k in RECORD_FIELDS if k not in _BOOLEAN)


def records_frame(records: Sequence[dict[str, Any]]) -> pl.DataFrame:
    """Product records as a frame with one fixed schema (missing keys are null)."""
    rows = [{k: r.get(k) for k in RECORD_FIELDS} for r in records]
    return pl.DataFrame(rows, schema=RECORD_SCHEMA).sort("product_id")


def ropa_frame(records: pl.DataFrame, domains: list[str] | None = None) -> pl.DataFrame:
    """One row per product with personal data (in the domains, when given), sorted by id."""
    rows = records.filter(pl.col("personal_data"))
    if domains:
        rows = rows.filter(pl.col("domain").is_in(domains))
    return rows.select(ROPA_COLUMNS).sort("product_id")
