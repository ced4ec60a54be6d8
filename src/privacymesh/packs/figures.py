"""The headline figures a pack's text quotes, computed once from the model's tables.

Templates print these and compute nothing: each figure is one row of `data/figures.csv` (name,
value, what it counts and the table it comes from), so every number in the prose traces to a
data file and, through it, to run ids."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import polars as pl

from privacymesh.verdict import Severity, Status

if TYPE_CHECKING:
    from privacymesh.packs.model import PackModel

_HIGH = [Severity.CRITICAL.value, Severity.HIGH.value]


def _distinct(column: pl.Series) -> str:
    return ", ".join(str(v) for v in column.drop_nulls().unique().sort().to_list())


def headline(model: PackModel) -> dict[str, tuple[Any, str, str]]:
    """Every figure by name: (value, what it counts, the data table it comes from)."""
    ev = model.evidence
    runs, matrix, findings, posture = ev.runs, model.matrix, model.findings, model.posture
    open_ = findings.filter(pl.col("state") == "open") if findings.height else findings
    high = open_.filter(pl.col("severity").is_in(_HIGH)).height if open_.height else 0
    first: datetime | None = runs["as_of"].min() if runs.height else None  # type: ignore[assignment]
    last: datetime | None = runs["as_of"].max() if runs.height else None  # type: ignore[assignment]
    full = runs.filter(pl.col("coverage") == "full").height
    return {
        "runs": (runs.height, "runs whose reference time falls in the period", "runs"),
        "full_runs": (full, "of them covering every check on every product", "runs"),
        "partial_runs": (runs.height - full, "of them covering a selection", "runs"),
        "first_run_at": (first, "reference time of the first run", "runs"),
        "last_run_at": (last, "reference time of the last run", "runs"),
        "results": (ev.results.height, "results the period's runs recorded", "results"),
        "findings_recorded": (ev.findings.height, "findings the runs recorded", "findings"),
        "engines": (_distinct(runs["engine"]), "engines the runs used", "runs"),
        "code_versions": (_distinct(runs["code_version"]), "privacymesh versions", "runs"),
        "catalog_fingerprints": (
            _distinct(runs["catalog_fingerprint"].str.slice(0, 19)),
            "catalog fingerprints (first 19 characters)",
            "runs",
        ),
        "matrix_rows": (matrix.height, "control x domain rows", "control_matrix"),
        "matrix_passing": (
            matrix.filter(pl.col("status") == Status.PASS).height,
            "control x domain rows passing",
            "control_matrix",
        ),
        "exceptions": (
            int(matrix["exceptions"].fill_null(0).sum()),
            "exceptions in the latest results",
            "control_matrix",
        ),
        "findings_listed": (
            findings.height,
            "findings seen in the period or open at its start",
            "findings_lifecycle",
        ),
        "open_findings": (open_.height, "findings open at the period's end", "findings_lifecycle"),
        "open_critical_high": (high, "of them critical or high", "findings_lifecycle"),
        "accepted_findings": (
            findings.filter(pl.col("state") == "accepted").height if findings.height else 0,
            "findings accepted with a recorded reason",
            "findings_lifecycle",
        ),
        "posture_score": (
            ev.score,
            "posture score 0-100 (severity-weighted share of passing latest results)",
            "posture",
        ),
        "domains_failing": (
            posture.filter(pl.col("status") != Status.PASS).height,
            "domains with a failing or unrunnable control",
            "posture",
        ),
        "personal_data_products": (model.ropa.height, "products with personal data", "ropa"),
    }


def figures_frame(figures: dict[str, tuple[Any, str, str]]) -> pl.DataFrame:
    """The figures as a table for `data/figures.csv` (values as text)."""
    rows = [
        {
            "name": name,
            "value": value.isoformat() if isinstance(value, datetime) else str(value),
            "meaning": meaning,
            "source_table": source,
        }
        for name, (value, meaning, source) in figures.items()
    ]
    columns = ("name", "value", "meaning", "source_table")
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String))
