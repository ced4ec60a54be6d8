"""The leadership summary: two pages per period with posture per domain, the trend, the top open
risks, and the cost and headcount of compliance. Same model, templates and guard as the pack,
written to `<evidence>/reports/leadership-<name>/` (HTML, PDF when available, manifest)."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from privacymesh import __version__
from privacymesh.families import family_of
from privacymesh.packs.build import PDF_MISSING, PackOptions, open_model
from privacymesh.packs.guard import ScanReport, scan_files
from privacymesh.packs.manifest import next_version, pack_files, publish, write_manifest
from privacymesh.packs.model import PackModel
from privacymesh.packs.pdf import PdfSupport, pdf_support, write_pdf
from privacymesh.packs.render import render
from privacymesh.verdict import BAND_DEFINITION
from privacymesh.views.headline import (
    Compared,
    Exposure,
    compliance_cost,
    exposure,
    worst_domains,
)
from privacymesh.workspace import Workspace

TEMPLATE = "leadership/leadership.html.j2"
STYLES = ["common/base.css", "leadership/leadership.css"]
COST_METRIC = re.compile(r"(eur|fte|share)$")
COST_SKIP = re.compile(r"^(previous|target|month|in_)")
MAX_COST_COLUMNS = 6


@dataclass
class LeadershipResult:
    root: Path
    files: list[Path]
    pdf: PdfSupport
    scan: ScanReport


def top_risks(model: PackModel) -> pl.DataFrame:
    """The read model's top risks (`views.posture.top_risks`), as the dashboard lists them: the
    worst failing or unrunnable checks at the period's end, by severity, then exceptions."""
    return model.evidence.top_risks


def cost_table(model: PackModel) -> tuple[pl.DataFrame, list[str]]:
    """Per domain, the money and time figures (metrics ending in eur, fte or share) of the
    newest results of the cost checks (`cost.*`, `headcount.*`), as `check: metric` columns."""
    ids = [c for c in model.controls if family_of(c).key == "cost"]
    latest = model.latest.filter(pl.col("check_id").is_in(ids)).select(
        "result_id", "check_id", "domain", "run_id"
    )
    m = model.evidence.measurements.join(latest.select("result_id"), on="result_id").filter(
        pl.col("metric").str.contains(COST_METRIC.pattern)
        & ~pl.col("metric").str.contains(COST_SKIP.pattern)
        & pl.col("value").is_not_null()
    )
    if m.height == 0:
        return pl.DataFrame(), []
    m = m.with_columns(
        (pl.col("check_id").str.replace(r"^[a-z]+\.", "") + ": " + pl.col("metric")).alias("col")
    )
    keep = (
        (
            m.group_by("col")
            .agg(pl.col("value").count().alias("n"))
            .sort(["n", "col"], descending=[True, False])
        )["col"]
        .head(MAX_COST_COLUMNS)
        .sort()
        .to_list()
    )
    wide = m.filter(pl.col("col").is_in(keep)).pivot(
        on="col", index="domain", values="value", aggregate_function="sum"
    )
    runs = latest.group_by("domain").agg(
        pl.col("run_id").unique().sort().str.join(" ").alias("run_ids")
    )
    return wide.join(runs, on="domain", how="left").sort("domain", nulls_last=False), keep


def metric_label(column: str) -> str:
    """A cost column (`compliance_spend: quarter_audit_eur`) in plain words
    (`quarter audit (EUR)`)."""
    metric = column.split(": ", 1)[-1]
    unit = " (EUR)" if metric.endswith("_eur") else " (FTE)" if metric.endswith("_fte") else ""
    words = re.sub(r"_(eur|fte)$", "", metric).replace("_", " ")
    return words + unit


@dataclass(frozen=True)
class FirstScreen:
    """What leadership reads first: cost and FTE against the previous quarter, exposure and
    whether it improves, the worst three domains, and the band definition."""

    spend: Compared
    fte: Compared
    exposure: Exposure
    worst: pl.DataFrame
    bands: str = BAND_DEFINITION


def first_screen(model: PackModel) -> FirstScreen:
    """The first screen of the leadership summary, computed as the dashboard computes it
    (`privacymesh.views.headline`) from the pack model's frames."""
    ids = model.latest.filter(pl.col("check_id").str.starts_with("cost.")).select("result_id")
    measurements = model.evidence.measurements.join(ids, on="result_id")
    spend, fte = compliance_cost(measurements)
    f = model.findings
    lives = (
        f.select("first_seen_at", pl.col("remediated_at").alias("closed_at"), "severity")
        if f.height
        else pl.DataFrame()
    )
    return FirstScreen(
        spend=spend,
        fte=fte,
        exposure=exposure(lives, model.period.start),
        worst=worst_domains(model.posture),
    )


def leadership_html(model: PackModel, reports: Path) -> str:
    risks = top_risks(model)
    costs, cost_columns = cost_table(model)
    titles = {c: model.controls[c].title for c in model.controls}
    return render(
        reports,
        TEMPLATE,
        STYLES,
        model=model,
        risks=risks,
        risk_count=risks.height,
        costs=costs,
        cost_columns=cost_columns,
        labels={c: metric_label(c) for c in cost_columns},
        titles=titles,
        first=first_screen(model),
    )


def build_leadership(
    workspace: Workspace, options: PackOptions | None = None, model: PackModel | None = None
) -> LeadershipResult:
    """Write the leadership summary; refuses (and removes it) when the guard finds raw
    personal data."""
    options = options or PackOptions()
    model = model or open_model(workspace, options)
    root = options.out or next_version(workspace.evidence / "reports" / f"leadership-{model.name}")
    staging = root.with_name(f".{root.name}.building")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        html = leadership_html(model, workspace.reports)
        (staging / "leadership.html").write_text(html, "utf-8", newline="\n")
        pdf = pdf_support() if options.pdf else PdfSupport(None, "PDF not requested (--no-pdf)")
        if pdf.available:
            write_pdf(staging / "leadership.html", staging / "leadership.pdf", model.evidence_time)
        else:  # say so beside the HTML, as the pack does
            (staging / PDF_MISSING).write_text(
                f"This summary has no leadership.pdf: {pdf.reason}.\n"
                "leadership.html is the same document.\n",
                "utf-8",
                newline="\n",
            )
        scan = scan_files(staging, pack_files(staging))
        info = {
            "report_id": f"leadership-{model.pack_id}",
            "kind": "privacymesh leadership summary",
            "generator": {"name": "privacymesh", "version": __version__},
            "built_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "period": {"label": model.period.label, "first_day": model.period.first.isoformat(),
                       "last_day": model.period.last.isoformat()},
            "domains": model.domain_filter or "all",
            "inputs": {"ledger": {"chain_head": {"seq": model.evidence.head.seq,
                                                 "hash": model.evidence.head.hash}},
                       "runs": model.runs["run_id"].to_list()},
            "pdf": {"written": pdf.available, "renderer": pdf.renderer, "reason": pdf.reason},
            "personal_data_scan": scan.summary(),
        }  # fmt: skip
        manifest = write_manifest(staging, info)
        scan.extend(scan_files(staging, [manifest]))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    publish(staging, root)
    return LeadershipResult(root, sorted(p for p in root.rglob("*") if p.is_file()), pdf, scan)
