"""What the ledger says, computed independently of privacymesh.views (plain Polars over the
ledger's own readers), for the tests to compare the dashboard with."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from privacymesh.ledger import Ledger
from privacymesh.workspace import load_workspace

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"


def ledger_of(root: Path) -> Ledger:
    return Ledger(load_workspace(root).ledger_path, read_only=True)


def runs(root: Path) -> pl.DataFrame:
    """Every run with its reference time."""
    with ledger_of(root) as ledger:
        frame = ledger.runs()
    as_of = frame["options"].str.json_path_match("$.as_of").str.to_datetime(time_unit="us")
    return frame.with_columns(pl.coalesce(as_of, pl.col("started_at")).alias("run_at"))


def latest(root: Path, prefix: str = "") -> pl.DataFrame:
    """For each check, product and domain: the results of the newest run that had one."""
    with ledger_of(root) as ledger:
        results = ledger.results()
    timing = runs(root).select("run_id", "run_at", pl.col("seq").alias("run_seq"))
    timed = results.join(timing, on="run_id").filter(
        pl.col("check_id").str.starts_with(prefix) & (pl.col("status") != "skipped")
    )
    key = [pl.col("check_id"), pl.col("product_id").fill_null(""), pl.col("domain").fill_null("")]
    ordered = timed.sort("run_at", "run_seq")
    return ordered.filter(pl.col("run_seq") == pl.col("run_seq").last().over(key))


EARLIER_DAY = date(2026, 10, 1)


def measured(root: Path, check_id: str, domain: str, metric: str) -> float:
    """One latest measured value of a check in a domain."""
    row = latest(root, check_id).filter(pl.col("domain") == domain)
    return float(row["measured"].str.json_path_match(f"$.{metric}").cast(pl.Float64)[0])
