"""PII exposure: which categories of personal data each domain holds (declared in contracts,
and found undeclared by the detector), undeclared fields, re-identification risks, and the
findings of one product's columns with their masked examples."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from privacymesh.ledger import Ledger
from privacymesh.views.scope import Scope
from privacymesh.views.sql import LIVES, SEVERITY_RANK

if TYPE_CHECKING:  # not imported for real: the catalog's schema validator is slow to import
    from privacymesh.catalog import Catalog

PII_PREFIX = "pii."
UNDECLARED_CHECK = "pii.undeclared"
QUASI_CHECK = "pii.quasi_identifiers"
CATEGORY_DEPTH = 3
"""Categories are grouped to three levels of the fideslang key (`user.contact.email`)."""

_DETAIL_COLUMNS = """
    array_to_string(from_json(latest_detail -> '$.categories', '["VARCHAR"]'), ', ')
        AS categories,
    TRY_CAST(latest_detail ->> '$.hit_rate' AS DOUBLE) AS hit_rate,
    TRY_CAST(latest_detail ->> '$.confidence' AS DOUBLE) AS confidence,
    array_to_string(from_json(latest_detail -> '$.masked_examples', '["VARCHAR"]'), '  |  ')
        AS masked_examples"""


def _category_level(expr: pl.Expr, depth: int = CATEGORY_DEPTH) -> pl.Expr:
    """A fideslang key cut to `depth` levels: `user.contact.address.city` keeps three."""
    return expr.str.split(".").list.head(depth).list.join(".")


_FIELD_SCHEMA = {
    "domain": pl.String,
    "product_id": pl.String,
    "column_name": pl.String,
    "category": pl.String,
    "classification": pl.String,
}


def declared_fields(catalog: Catalog | None, domains: tuple[str, ...] = ()) -> pl.DataFrame:
    """Every field a contract declares personal: domain, product, column, category."""
    rows = [
        (p.domain, p.id, f.name, f.pii_category, f.classification)
        for p in (catalog.products.values() if catalog is not None else ())
        if not domains or p.domain in domains
        for f in p.fields
        if f.pii_category
    ]
    return pl.DataFrame(rows, schema=_FIELD_SCHEMA, orient="row")


def undeclared_fields(ledger: Ledger, scope: Scope) -> pl.DataFrame:
    """Open findings of personal data in fields the contract does not declare personal:
    where, which categories, how often, how sure, masked examples, since when."""
    query = f"""
        WITH {scope.state_tables()}, {LIVES}
        SELECT coalesce(domain, '(mesh)') AS domain, product_id, column_name, {_DETAIL_COLUMNS},
               severity, first_seen_at, last_seen_at, runs_seen
        FROM lives
        WHERE state = 'open' AND check_id = $check
        ORDER BY domain, product_id, column_name
    """
    return ledger.sql(query, scope.params(query, check=UNDECLARED_CHECK))


def category_exposure(ledger: Ledger, catalog: Catalog | None, scope: Scope) -> pl.DataFrame:
    """Columns holding each category of personal data per domain: `declared` in contracts,
    `undeclared` found by the detector (open findings), and their `total`."""
    declared = declared_fields(catalog, scope.domains).select(
        "domain",
        _category_level(pl.col("category")),
        (pl.col("product_id") + "." + pl.col("column_name")).alias("column"),
    )
    found = undeclared_fields(ledger, scope)
    undeclared = (
        found.select(
            "domain",
            pl.col("categories").str.split(", ").alias("category"),
            (pl.col("product_id") + "." + pl.col("column_name")).alias("column"),
        )
        .explode("category")
        .drop_nulls("category")
        .with_columns(_category_level(pl.col("category")))
    )
    counts = [
        frame.unique().group_by("domain", "category").agg(pl.len().alias(name))
        for frame, name in ((declared, "declared"), (undeclared, "undeclared"))
    ]
    merged = counts[0].join(counts[1], on=["domain", "category"], how="full", coalesce=True)
    return (
        merged.with_columns(
            pl.col("declared").fill_null(0).cast(pl.Int64),
            pl.col("undeclared").fill_null(0).cast(pl.Int64),
        )
        .with_columns((pl.col("declared") + pl.col("undeclared")).alias("total"))
        .sort("domain", "category")
    )


def quasi_identifier_risks(ledger: Ledger, scope: Scope) -> pl.DataFrame:
    """Open re-identification risks: column combinations whose smallest group (k) is below
    the check's floor, with the share of rows they single out."""
    query = f"""
        WITH {scope.state_tables()}, {LIVES}
        SELECT coalesce(domain, '(mesh)') AS domain, product_id,
               array_to_string(from_json(latest_detail -> '$.columns', '["VARCHAR"]'), ' + ')
                   AS columns,
               TRY_CAST(latest_detail ->> '$.k_min' AS BIGINT) AS k_min,
               TRY_CAST(latest_detail ->> '$.unique_fraction' AS DOUBLE) AS unique_fraction,
               TRY_CAST(latest_detail ->> '$.rows' AS BIGINT) AS rows_sampled,
               severity, first_seen_at, runs_seen
        FROM lives
        WHERE state = 'open' AND check_id = $check
        ORDER BY unique_fraction DESC NULLS LAST, product_id
    """
    return ledger.sql(query, scope.params(query, check=QUASI_CHECK))


def pii_products(ledger: Ledger, scope: Scope) -> list[str]:
    """Products with open PII findings, for drilling down."""
    query = f"""
        WITH {scope.state_tables()}, {LIVES}
        SELECT DISTINCT product_id FROM lives
        WHERE state = 'open' AND starts_with(check_id, $prefix) AND product_id IS NOT NULL
        ORDER BY 1
    """
    frame = ledger.sql(query, scope.params(query, prefix=PII_PREFIX))
    return frame["product_id"].to_list() if frame.height else []


def product_findings(ledger: Ledger, scope: Scope, product: str) -> pl.DataFrame:
    """Every open PII finding of one product, column by column, with masked examples."""
    query = f"""
        WITH {scope.state_tables()}, {LIVES}
        SELECT column_name, check_id, kind, severity, {_DETAIL_COLUMNS},
               first_seen_at, last_seen_at, runs_seen, CAST(latest_detail AS VARCHAR) AS detail
        FROM lives
        WHERE state = 'open' AND starts_with(check_id, $prefix) AND product_id = $product
        ORDER BY column_name NULLS LAST, {SEVERITY_RANK.format(col="severity")}, check_id
    """
    return ledger.sql(query, scope.params(query, prefix=PII_PREFIX, product=product))


def column_history(ledger: Ledger, scope: Scope, product: str, column: str) -> pl.DataFrame:
    """How often a column's PII findings hit, run by run in the period (`hit_rate` per check)."""
    query = f"""
        WITH {scope.state_tables()}
        SELECT run_at, check_id, kind, TRY_CAST(detail ->> '$.hit_rate' AS DOUBLE) AS hit_rate
        FROM findings
        WHERE starts_with(check_id, $prefix) AND product_id = $product
          AND column_name = $column AND {scope.period_clause()}
        ORDER BY run_at, run_seq, check_id
    """
    return ledger.sql(query, scope.params(query, prefix=PII_PREFIX, product=product, column=column))
