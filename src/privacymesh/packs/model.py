"""The pack model: everything a pack shows, computed once from the ledger (through
`PeriodEvidence`) and the catalogs (contracts and checks). Writers only format it. Every table
is a Polars frame whose ledger-derived rows carry their run id(s) and check id."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl

from privacymesh import __version__
from privacymesh.accountability import Accountability
from privacymesh.catalog import Catalog
from privacymesh.catalog.processing import processing_records
from privacymesh.families import FAMILIES, OTHER, CheckFamily, family_of
from privacymesh.packs import charts
from privacymesh.packs.controls import ControlInfo, unknown_control
from privacymesh.packs.evidence import PeriodEvidence, worst_status
from privacymesh.packs.figures import figures_frame, headline
from privacymesh.packs.period import Period
from privacymesh.packs.ropa import records_frame, ropa_frame
from privacymesh.verdict import MOST_SEVERE_FIRST, Severity, Status
from privacymesh.views.headline import band_of

SEVERITY_ORDER = {s.value: i for i, s in enumerate(MOST_SEVERE_FIRST)}
_HIDDEN_METRICS = {"population", "exceptions", "domain", "product"}


@dataclass(frozen=True)
class CheckBlock:
    """One check inside a family section."""

    control: ControlInfo
    matrix: pl.DataFrame  # its control-matrix rows (one per domain)
    results: pl.DataFrame  # its newest results, with measured values as columns
    metric_columns: list[str]
    findings: pl.DataFrame  # its findings' lifecycle, detail keys as columns
    detail_columns: list[str]
    trend_svg: str
    status: str = Status.PASS.value  # the worst status of its latest results: error, fail or pass
    finding_count: int = 0
    partial_runs: int = 0  # runs over a selection of products or domains, left off the trend


@dataclass(frozen=True)
class Section:
    """One family: its checks with results in the period, and catalog checks that did not run."""

    family: CheckFamily
    blocks: list[CheckBlock]
    not_run: list[ControlInfo]

    @property
    def has_results(self) -> bool:
        return bool(self.blocks)


@dataclass
class PackModel:
    """What a pack (or the leadership report) shows."""

    pack_id: str
    name: str
    title: str
    workspace: str
    period: Period
    domains: list[str]  # the domains in scope (all the catalog's when not filtered)
    domain_filter: list[str]
    controls: dict[str, ControlInfo]
    evidence: PeriodEvidence
    products: pl.DataFrame
    matrix: pl.DataFrame
    latest: pl.DataFrame
    findings: pl.DataFrame
    posture: pl.DataFrame
    trend: pl.DataFrame
    trend_domain: pl.DataFrame
    ropa: pl.DataFrame
    sections: list[Section]
    charts: dict[str, str] = field(default_factory=dict)
    figures: dict[str, tuple[Any, str, str]] = field(default_factory=dict)
    generator: str = f"privacymesh {__version__}"
    parties: Accountability = field(default_factory=Accountability)  # from [accountability]

    @property
    def fig(self) -> dict[str, Any]:
        """The headline figures by name, as the templates print them (`data/figures.csv`)."""
        return {name: value for name, (value, _, _) in self.figures.items()}

    @property
    def runs(self) -> pl.DataFrame:
        return self.evidence.runs

    @property
    def evidence_time(self) -> datetime:
        """When the newest run in the pack finished (UTC): the date its documents carry."""
        newest: datetime = self.evidence.runs["finished_at"].max()  # type: ignore[assignment]
        return newest.replace(tzinfo=UTC)

    def tables(self) -> dict[str, pl.DataFrame]:
        """Every table behind the pack, by file stem, for `data/`."""
        ev = self.evidence
        results, queries = split_queries(ev.results)
        return {
            "runs": ev.runs,
            "results": results,
            "queries": queries,
            "latest_results": self.latest,
            "measurements": ev.measurements,
            "control_matrix": self.matrix,
            "findings": ev.findings,
            "findings_lifecycle": self.findings,
            "posture": self.posture,
            "trend": self.trend,
            "trend_by_domain": self.trend_domain,
            "products_in_scope": self.products,
            "ropa": self.ropa,
            "accountability": self.parties.frame(),
            "figures": figures_frame(self.figures),
            "top_risks": self.evidence.top_risks,
            "sources": self.evidence.sources,
        }


# -- small pieces ------------------------------------------------------------------------


def split_queries(results: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Results with `query_sha256` instead of the query text, and the distinct queries by
    hash: a quarter of runs repeats the same few hundred queries thousands of times."""
    distinct = sorted({q for q in results["query"].to_list() if q is not None})
    digests = {q: hashlib.sha256(q.encode("utf-8")).hexdigest() for q in distinct}
    slim = results.with_columns(
        pl.col("query").replace_strict(digests, default=None, return_dtype=pl.String)
    ).rename({"query": "query_sha256"})
    queries = pl.DataFrame(
        {"query_sha256": [digests[q] for q in distinct], "query": distinct},
        schema={"query_sha256": pl.String, "query": pl.String},
    ).sort("query_sha256")
    return slim, queries


def _fmt_number(value: pl.Expr) -> pl.Expr:
    """Integers without decimals, others to four significant places, as text."""
    return (
        pl.when(value.is_null())
        .then(None)
        .when(value == value.round(0))
        .then(value.cast(pl.Int64).cast(pl.String))
        .otherwise(value.round_sig_figs(4).cast(pl.String))
    )


def _detail_summary(detail: str | None) -> str:
    """A finding's (masked) detail as `key: value; ...` text."""
    if not detail:
        return ""
    try:
        data = json.loads(detail)
    except ValueError:
        return detail
    if not isinstance(data, dict):
        return json.dumps(data, sort_keys=True)
    parts = []
    for key in sorted(data):
        value = data[key]
        if isinstance(value, list | dict):
            value = json.dumps(value, sort_keys=True, ensure_ascii=True)
        parts.append(f"{key}: {value}")
    return "; ".join(parts)


def _detail_columns(findings: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """The findings with each detail key as a text column (union of keys, sorted)."""
    if findings.height == 0:
        return findings, []
    decoded = [json.loads(d) if d else {} for d in findings["latest_detail"].to_list()]
    keys = sorted({k for d in decoded if isinstance(d, dict) for k in d})
    columns = {}
    for key in keys:
        values = []
        for d in decoded:
            v = d.get(key) if isinstance(d, dict) else None
            if isinstance(v, list | dict):
                v = json.dumps(v, sort_keys=True, ensure_ascii=True)
            values.append(None if v is None else str(v))
        columns[f"detail.{key}"] = pl.Series(values, dtype=pl.String)
    return findings.with_columns(**columns), [f"detail.{k}" for k in keys]


def _controls_for(evidence: PeriodEvidence, controls: dict[str, ControlInfo]) -> dict[str, Any]:
    """The recorded check specs plus any check with results but no recorded spec."""
    found = dict(controls)
    seen = evidence.results.select("check_id", "control_id", "severity").unique("check_id")
    for row in seen.sort("check_id").iter_rows(named=True):
        if row["check_id"] not in found:
            found[row["check_id"]] = unknown_control(
                row["check_id"], row["control_id"], row["severity"]
            )
    return found


def _control_frame(controls: dict[str, ControlInfo]) -> pl.DataFrame:
    rows = [
        {
            "check_id": c.check_id,
            "title": c.title,
            "control_id": c.control_id,
            "statement": c.statement,
            "regulations": "; ".join(c.regulations),
            "severity": c.severity,
            "procedure": c.procedure,
            "method": c.method,
            "frequency": c.frequency,
            "threshold": c.threshold,
            "family": family_of(c.check_id).title,
        }
        for c in sorted(controls.values(), key=lambda c: c.check_id)
    ]
    return pl.DataFrame(rows, schema={k: pl.String for k in rows[0]} if rows else None)


# -- tables ------------------------------------------------------------------------------


def control_matrix(
    results: pl.DataFrame, latest: pl.DataFrame, controls: dict[str, ControlInfo]
) -> pl.DataFrame:
    """One row per check and domain: what the newest results in the period found (population,
    exceptions, pass/fail/error per product, status), how often it ran, and which runs."""
    status = pl.col("status")
    now = latest.group_by(["check_id", "domain"]).agg(
        pl.len().alias("results"),
        pl.col("population").sum().alias("population"),
        pl.col("exceptions").sum().alias("exceptions"),
        status.eq(Status.PASS).sum().alias("passed"),
        status.eq(Status.FAIL).sum().alias("failed"),
        status.eq(Status.ERROR).sum().alias("errors"),
        worst_status(status).alias("status"),
        pl.col("as_of").max().alias("last_tested"),
        pl.col("run_id").unique().sort().str.join(" ").alias("run_ids"),
        pl.col("result_id").sort().str.join(" ").alias("result_ids"),
    )
    runs = results.group_by(["check_id", "domain"]).agg(
        pl.col("run_id").n_unique().alias("runs_in_period"),
        status.eq(Status.FAIL).sum().alias("failed_in_period"),
        status.eq(Status.ERROR).sum().alias("errors_in_period"),
    )
    info = _control_frame(controls)
    joined = now.join(runs, on=["check_id", "domain"], how="left", nulls_equal=True).join(
        info, on="check_id", how="left"
    )
    return joined.select(
        "check_id",
        "control_id",
        "statement",
        "regulations",
        "procedure",
        "method",
        "frequency",
        "domain",
        "runs_in_period",
        "results",
        "population",
        "exceptions",
        "passed",
        "failed",
        "errors",
        "status",
        "failed_in_period",
        "errors_in_period",
        "last_tested",
        "run_ids",
        "result_ids",
        "severity",
        "family",
    ).sort(["check_id", "domain"], nulls_last=False)


def findings_table(lifecycle: pl.DataFrame) -> pl.DataFrame:
    """The findings' lifecycle, most severe and oldest first, with their detail as text."""
    if lifecycle.height == 0:
        return lifecycle.with_columns(pl.lit("").alias("detail"))
    summary = [_detail_summary(d) for d in lifecycle["latest_detail"].to_list()]
    return (
        lifecycle.with_columns(
            pl.Series("detail", summary, dtype=pl.String),
            pl.col("severity")
            .replace_strict(SEVERITY_ORDER, default=9, return_dtype=pl.Int8)
            .alias("severity_rank"),
        )
        .sort(
            ["state", "severity_rank", "first_seen_at", "check_id", "product_id", "fingerprint"],
            descending=[True, False, False, False, False, False],
            nulls_last=False,
        )
        .drop("severity_rank")
    )


def posture_frame(
    latest: pl.DataFrame, findings: pl.DataFrame, domains: list[str], scores: pl.DataFrame
) -> pl.DataFrame:
    """Per domain: checks and results of the newest run in the period, exceptions, findings
    still open at the period's end (by severity), and the read model's posture score (`scores`:
    domain, score) with its band."""
    status = pl.col("status")
    base = pl.DataFrame({"domain": domains}, schema={"domain": pl.String})
    now = latest.group_by("domain").agg(
        pl.col("check_id").n_unique().alias("checks"),
        pl.len().alias("results"),
        status.eq(Status.PASS).sum().alias("passed"),
        status.eq(Status.FAIL).sum().alias("failed"),
        status.eq(Status.ERROR).sum().alias("errors"),
        pl.col("exceptions").sum().alias("exceptions"),
        worst_status(status).alias("status"),
        pl.col("run_id").unique().sort().str.join(" ").alias("run_ids"),
    )
    open_ = findings.filter(pl.col("state") == "open") if findings.height else findings
    counts = (
        open_.group_by("domain").agg(
            pl.len().alias("open_findings"),
            pl.col("severity").is_in([Severity.CRITICAL, Severity.HIGH]).sum().alias("open_high"),
        )
        if open_.height
        else pl.DataFrame(
            schema={"domain": pl.String, "open_findings": pl.UInt32, "open_high": pl.UInt32}
        )
    )
    out = (
        base.join(now, on="domain", how="left")
        .join(counts, on="domain", how="left")
        .join(scores, on="domain", how="left")
    )
    return out.with_columns(
        pl.col("open_findings", "open_high").fill_null(0),
        pl.col("status").fill_null("not tested"),
        (pl.col("passed") / pl.col("results")).round(4).alias("pass_rate"),
        band_of(pl.col("score")),
    ).sort("domain")


def trend_frames(results: pl.DataFrame, runs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per run (overall) and per run and domain: results by status, exceptions, pass rate,
    and the run's `coverage`. Only a `full` run is a point of the trend: a partial run (some
    checks, products or domains) says nothing about the rest of the mesh."""
    status = pl.col("status")
    aggs = [
        pl.len().alias("results"),
        status.eq(Status.PASS).sum().alias("passed"),
        status.eq(Status.FAIL).sum().alias("failed"),
        status.eq(Status.ERROR).sum().alias("errors"),
        pl.col("exceptions").sum().alias("exceptions"),
    ]
    rate = (pl.col("passed") / pl.col("results")).round(4).alias("pass_rate")
    coverage = runs.select("run_id", "coverage")
    overall = (
        results.group_by(["run_id", "as_of"])
        .agg(aggs)
        .with_columns(rate)
        .join(coverage, on="run_id", how="left")
        .sort(["as_of", "run_id"])
    )
    by_domain = (
        results.group_by(["run_id", "as_of", "domain"])
        .agg(aggs)
        .with_columns(rate)
        .join(coverage, on="run_id", how="left")
        .sort(["as_of", "run_id", "domain"], nulls_last=False)
    )
    return overall, by_domain


def products_frame(records: pl.DataFrame, latest: pl.DataFrame, domains: list[str]) -> pl.DataFrame:
    """The products in scope: kind, personal data or not, and how many checks tested them."""
    tested = (
        latest.filter(pl.col("product_id").is_not_null())
        .group_by("product_id")
        .agg(
            pl.col("check_id").n_unique().alias("checks_tested"),
            pl.col("run_id").unique().sort().str.join(" ").alias("run_ids"),
        )
    )
    frame = records.filter(pl.col("domain").is_in(domains)).select(
        "product_id", "domain", "kind", "personal_data", pl.col("has_retention").alias("retention")
    )
    return frame.join(tested, on="product_id", how="left").with_columns(
        pl.col("checks_tested").fill_null(0)
    )


def measured_columns(
    latest: pl.DataFrame, measurements: pl.DataFrame
) -> tuple[pl.DataFrame, list[str]]:
    """Newest results with their measured values as text columns (one per metric), numeric
    metrics first."""
    ids = latest.select("result_id")
    rows = measurements.join(ids, on="result_id").filter(
        ~pl.col("metric").is_in(list(_HIDDEN_METRICS))
    )
    if rows.height == 0:
        return latest, []
    rows = rows.with_columns(pl.coalesce(_fmt_number(pl.col("value")), pl.col("text")).alias("v"))
    wide = rows.pivot(on="metric", index="result_id", values="v", aggregate_function="first")
    # counts and amounts first, lists and texts after: a table shows the first few
    numeric = set(rows.filter(pl.col("value").is_not_null())["metric"].to_list())
    names = [c for c in wide.columns if c != "result_id"]
    metrics = sorted(names, key=lambda m: (m not in numeric, m))
    return latest.join(wide.select("result_id", *metrics), on="result_id", how="left"), metrics


def _sections(
    controls: dict[str, ControlInfo],
    matrix: pl.DataFrame,
    latest: pl.DataFrame,
    results: pl.DataFrame,
    measurements: pl.DataFrame,
    findings: pl.DataFrame,
    runs: pl.DataFrame,
) -> list[Section]:
    ran = set(latest["check_id"].to_list())
    sections = []
    for family in (*FAMILIES, OTHER):
        ids = sorted(c for c in controls if family_of(c) == family)
        blocks = []
        for check_id in (i for i in ids if i in ran):
            mine = latest.filter(pl.col("check_id") == check_id)
            with_metrics, metrics = measured_columns(mine, measurements)
            found = findings.filter(pl.col("check_id") == check_id) if findings.height else findings
            found, detail_cols = _detail_columns(found)
            # a sum over products means something only for runs that read every product: the
            # runs over a selection are counted, not drawn
            series = (
                results.filter(pl.col("check_id") == check_id)
                .join(runs.select("run_id", "every_product"), on="run_id", how="left")
                .group_by(["run_id", "as_of", "every_product"])
                .agg(pl.col("exceptions").sum(), pl.col("status").eq(Status.FAIL).sum().alias("f"))
                .sort("as_of", "run_id")
            )
            complete = series.filter(pl.col("every_product").fill_null(True))
            partial = series.height - complete.height
            blocks.append(
                CheckBlock(
                    control=controls[check_id],
                    matrix=matrix.filter(pl.col("check_id") == check_id),
                    results=with_metrics,
                    metric_columns=metrics,
                    findings=found,
                    detail_columns=detail_cols,
                    status=_worst(matrix.filter(pl.col("check_id") == check_id)["status"]),
                    finding_count=found.height,
                    trend_svg=charts.sparkline(
                        complete["exceptions"].fill_null(0).to_list(),
                        title=f"exceptions of {check_id} per run that read every product"
                        + (f" ({partial} partial run(s) not drawn)" if partial else ""),
                    ),
                    partial_runs=partial,
                )
            )
        sections.append(Section(family, blocks, [controls[i] for i in ids if i not in ran]))
    # "Other checks" only when something landed there
    return [s for s in sections if s.family != OTHER or s.blocks or s.not_run]


def _worst(statuses: pl.Series) -> str:
    seen = set(statuses.to_list())
    if Status.ERROR in seen:
        return Status.ERROR.value
    return Status.FAIL.value if Status.FAIL in seen else Status.PASS.value


def pack_identity(
    period: Period, domain_filter: list[str], evidence: PeriodEvidence
) -> tuple[str, str]:
    """(pack id, folder name): stable for the same ledger, period and domains."""
    scope = "+".join(sorted(domain_filter)) if domain_filter else "all"
    digest = hashlib.sha256(
        json.dumps(
            {
                "period": [period.first.isoformat(), period.last.isoformat()],
                "domains": sorted(domain_filter),
                "runs": evidence.runs["run_id"].to_list(),
                "period_head": [evidence.period_head.seq, evidence.period_head.hash],
                # the catalogs the runs read, not today's: a rebuild gives the same id
                "catalog": sorted(set(evidence.runs["catalog_fingerprint"].drop_nulls())),
            },
            sort_keys=True,
        ).encode()
    ).hexdigest()
    name = period.slug if not domain_filter else f"{period.slug}-{scope}"
    return f"pm-{name}-{digest[:10]}", name


def build_model(
    evidence: PeriodEvidence,
    catalog: Catalog,
    controls: dict[str, ControlInfo],
    period: Period,
    domains: list[str] | None = None,
    workspace: str = "",
) -> PackModel:
    """Compute every table and chart of a pack from the period's evidence and the catalogs."""
    domain_filter = sorted(domains or [])
    in_ledger = sorted({d for d in evidence.results["domain"].to_list() if d})
    # the products as the newest run recorded them; a ledger older than that recording falls
    # back to today's catalog
    recorded = evidence.recorded
    records = records_frame(
        recorded.products if recorded and recorded.products else processing_records(catalog)
    )
    scope = domain_filter or sorted(set(records["domain"].to_list()) | set(in_ledger))
    controls = _controls_for(evidence, controls)
    latest = evidence.latest
    matrix = control_matrix(evidence.results, latest, controls)
    findings = findings_table(evidence.lifecycle)
    posture = posture_frame(latest, findings, scope, evidence.scores)
    trend, trend_domain = trend_frames(evidence.results, evidence.runs)
    pack_id, name = pack_identity(period, domain_filter, evidence)
    model = PackModel(
        pack_id=pack_id,
        name=name,
        title=f"Privacy compliance audit pack {period.label}",
        workspace=workspace,
        period=period,
        domains=scope,
        domain_filter=domain_filter,
        controls=controls,
        evidence=evidence,
        products=products_frame(records, latest, scope),
        matrix=matrix,
        latest=latest,
        findings=findings,
        posture=posture,
        trend=trend,
        trend_domain=trend_domain,
        ropa=ropa_frame(records, domain_filter or None),
        sections=_sections(
            controls,
            matrix,
            latest,
            evidence.results,
            evidence.measurements,
            findings,
            evidence.runs,
        ),
    )
    full = pl.col("coverage") == "full"
    model.charts = {
        "posture": charts.posture_bars(posture),
        "trend": charts.trend_line(trend.filter(full)),
        "heatmap": charts.domain_heatmap(trend_domain.filter(full), scope),
    }
    model.figures = headline(model)
    return model
