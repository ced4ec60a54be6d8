"""What failed: the failing and unrunnable results of a run, most severe first.

Works on any frame of results with the ledger's column names (`check_id`, `product_id`,
`domain`, `status`, `severity`, `exceptions`, `reason`), so `privacymesh run` lists the run it
just made and a reader of the ledger lists any recorded run the same way."""

from __future__ import annotations

import polars as pl

from privacymesh.ledger import Ledger
from privacymesh.verdict import Status
from privacymesh.views.sql import SEVERITY_ORDER

FAILURE_COLUMNS = ("check_id", "product", "status", "severity", "exceptions", "reason")


def failing(results: pl.DataFrame) -> pl.DataFrame:
    """The results with status fail or error, one row each: check, product (the domain for a
    mesh-wide check), status, severity, exceptions and reason; most severe first, then errors
    before failures, then most exceptions."""
    rank = {name: i for i, name in enumerate(SEVERITY_ORDER)}
    bad = results.filter(pl.col("status").is_in([Status.FAIL, Status.ERROR]))
    return (
        bad.with_columns(
            pl.coalesce(pl.col("product_id"), pl.col("domain"), pl.lit("(mesh)")).alias("product"),
            pl.col("severity")
            .str.to_lowercase()
            .replace_strict(rank, default=len(rank), return_dtype=pl.Int32)
            .alias("_rank"),
        )
        .sort(
            ["_rank", "status", "exceptions", "check_id", "product"],
            descending=[False, True, True, False, False],
            nulls_last=True,
        )
        .select(FAILURE_COLUMNS)
    )


def run_failures(ledger: Ledger, run_id: str) -> pl.DataFrame:
    """The failing and unrunnable results of one recorded run."""
    frame = ledger.sql(
        "SELECT check_id, product_id, domain, status, severity, exceptions, reason "
        "FROM results WHERE run_id = $run_id",
        {"run_id": run_id},
    )
    return failing(frame)
