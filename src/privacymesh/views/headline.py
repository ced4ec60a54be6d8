"""The leadership first screen, computed the same way for the dashboard and the leadership
report from frames each already reads: compliance cost and FTE of the last complete quarter
against the one before (the mesh-wide rows of `cost.compliance_spend` and
`cost.compliance_fte`), exposure (open findings now against the start of the period) and the
worst three domains by posture score, each with its band (`privacymesh.verdict.band`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl

from privacymesh.verdict import AMBER_FROM, GREEN_FROM, Band, Severity

SPEND = ("cost.compliance_spend", "quarter_total_eur", "previous_quarter_total_eur")
FTE = ("cost.compliance_fte", "compliance_fte", "previous_compliance_fte")
MESH = "(mesh)"  # how the views label the mesh-wide row (the packs leave its domain empty)


@dataclass(frozen=True)
class Compared:
    """A figure of the last complete quarter and of the quarter before (None when unknown)."""

    quarter: str | None
    now: float | None
    before: float | None

    @property
    def change(self) -> float | None:
        """Relative change, e.g. 0.12 for +12%; None without both figures."""
        if self.now is None or not self.before:
            return None
        return self.now / self.before - 1


@dataclass(frozen=True)
class Exposure:
    """Open findings at the end of the period (and critical or high ones), and at its start."""

    open_now: int
    high_now: int
    open_at_start: int

    @property
    def direction(self) -> str:
        if self.open_now < self.open_at_start:
            return "improving"
        return "worsening" if self.open_now > self.open_at_start else "unchanged"


def _mesh_figure(measurements: pl.DataFrame, check: str, metric: str) -> float | None:
    rows = measurements.filter(
        (pl.col("check_id") == check)
        & (pl.col("domain").is_null() | (pl.col("domain") == MESH))
        & (pl.col("metric") == metric)
    )
    value = rows["value"].drop_nulls()
    return float(value[-1]) if value.len() else None


def _quarter(measurements: pl.DataFrame, check: str) -> str | None:
    rows = measurements.filter(
        (pl.col("check_id") == check)
        & (pl.col("domain").is_null() | (pl.col("domain") == MESH))
        & (pl.col("metric") == "quarter")
    )
    text = rows["text"].drop_nulls()
    return str(text[-1]) if text.len() else None


def compliance_cost(measurements: pl.DataFrame) -> tuple[Compared, Compared]:
    """(spend in EUR, FTE) of the mesh, from the latest measured values of the cost checks
    (long form: check_id, domain, metric, value, text)."""
    out = []
    for check, now, before in (SPEND, FTE):
        out.append(
            Compared(
                _quarter(measurements, check),
                _mesh_figure(measurements, check, now),
                _mesh_figure(measurements, check, before),
            )
        )
    return out[0], out[1]


def exposure(findings: pl.DataFrame, start: datetime | None) -> Exposure:
    """From a finding table with `first_seen_at`, `closed_at` (null while open), `severity`:
    open at the end, critical or high among them, open at `start`."""
    if findings.height == 0:
        return Exposure(0, 0, 0)
    open_now = findings.filter(pl.col("closed_at").is_null())
    high = open_now.filter(
        pl.col("severity").str.to_lowercase().is_in([Severity.CRITICAL, Severity.HIGH])
    ).height
    at_start = 0
    if start is not None:
        at_start = findings.filter(
            (pl.col("first_seen_at") < start)
            & (pl.col("closed_at").is_null() | (pl.col("closed_at") >= start))
        ).height
    return Exposure(open_now.height, high, at_start)


def worst_domains(by_domain: pl.DataFrame, n: int = 3) -> pl.DataFrame:
    """The `n` domains with the lowest posture score (`domain`, `score`), then by name, with
    their band; the mesh-wide row and domains without a score are left out."""
    scored = by_domain.filter(pl.col("score").is_not_null() & (pl.col("domain") != MESH))
    return (
        scored.sort(["score", "domain"])
        .head(n)
        .select("domain", "score")
        .with_columns(band_of(pl.col("score")))
    )


def band_of(score: pl.Expr) -> pl.Expr:
    """`privacymesh.verdict.band` as a Polars expression, named `band`."""
    return (
        pl.when(score >= GREEN_FROM)
        .then(pl.lit(Band.GREEN.value))
        .when(score >= AMBER_FROM)
        .then(pl.lit(Band.AMBER.value))
        .when(score.is_not_null() & score.is_not_nan())
        .then(pl.lit(Band.RED.value))
        .otherwise(pl.lit(None, pl.String))
        .alias("band")
    )


def money(value: float | None, currency: str = "EUR") -> str:
    """`EUR 54,810`; a dash when unknown."""
    return "–" if value is None else f"{currency} {value:,.0f}"


def change(value: float | None) -> str:
    """`+12.3%`, `-4.0%`; a dash when unknown."""
    return "–" if value is None else f"{value * 100:+.1f}%"
