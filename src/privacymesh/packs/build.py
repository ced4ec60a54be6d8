"""Build an audit pack: read the period's evidence, compute the model, write every format, scan
every file for raw personal data, then write the manifest and the zip.

The pack is written into a staging folder beside its destination and moved into place only
when the scan is clean; a refused build leaves nothing behind."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from privacymesh import __version__
from privacymesh.accountability import Accountability, load_accountability
from privacymesh.catalog import Catalog, load_catalog
from privacymesh.ledger import Ledger
from privacymesh.packs import data as data_writer
from privacymesh.packs import oscal
from privacymesh.packs.controls import recorded_controls
from privacymesh.packs.errors import PackError
from privacymesh.packs.evidence import RUNS, read_evidence
from privacymesh.packs.guard import ScanReport, refuse, scan_files
from privacymesh.packs.html import pack_html, write_html
from privacymesh.packs.manifest import (
    PackZip,
    next_version,
    pack_files,
    publish,
    sha256_file,
    write_manifest,
)
from privacymesh.packs.model import PackModel, build_model
from privacymesh.packs.pdf import PdfJob, PdfSupport, pdf_support
from privacymesh.packs.period import Period, resolve_period
from privacymesh.packs.signature import SIGNATURE, publish_key, sign_manifest
from privacymesh.workspace import Workspace

Step = Callable[[str], None]


PDF_MISSING = "PDF-MISSING.txt"
"""Written in place of index.pdf when no PDF could be (or was asked to be) printed."""


@dataclass(frozen=True)
class PackOptions:
    """What to build: a period (`2026-Q3`, or first/last days; default the quarter of the newest
    run), domains (default all), the output folder (default `<evidence>/packs/<name>`), PDF."""

    period: str | None = None
    first: date | str | None = None
    last: date | str | None = None
    domains: tuple[str, ...] = ()
    out: Path | None = None
    pdf: bool = True
    ledger: Path | None = None


@dataclass
class PackResult:
    """A built pack: where, its id, its files, the PDF outcome and the timings per step."""

    root: Path
    pack_id: str
    period: Period
    files: list[Path]
    pdf: PdfSupport
    scan: ScanReport
    seconds: dict[str, float] = field(default_factory=dict)
    model: PackModel | None = None

    @property
    def pdf_written(self) -> bool:
        return (self.root / "index.pdf").is_file()


def newest_as_of(ledger: Ledger) -> datetime | None:
    return ledger.sql(f"SELECT max(as_of) AS m FROM ({RUNS})").item()


def open_model(
    workspace: Workspace,
    options: PackOptions,
    catalog: Catalog | None = None,
) -> PackModel:
    """Read the ledger (read-only) and the catalogs, and compute the pack model."""
    ledger_path = options.ledger or workspace.ledger_path
    catalog = catalog or load_catalog(workspace.catalog)
    domains = sorted(set(options.domains))
    unknown = sorted(set(domains) - set(catalog.domains))
    with Ledger(ledger_path, read_only=True, lock_timeout=10.0) as ledger:
        if unknown:
            known = set(ledger.sql("SELECT DISTINCT domain FROM results")["domain"].to_list())
            missing = [d for d in unknown if d not in known]
            if missing:
                raise PackError(
                    f"unknown domain(s): {', '.join(missing)}",
                    field="--domain",
                    hint="domains are " + ", ".join(catalog.domains),
                )
        period = resolve_period(options.period, options.first, options.last, newest_as_of(ledger))
        evidence = read_evidence(ledger, period, domains or None)
    model = build_model(
        evidence,
        catalog,
        recorded_controls(evidence.checks),
        period,
        domains or None,
        workspace=workspace.name,
    )
    # the parties the newest run recorded (a pack rebuilt later says the same); when its runs
    # named none (an older ledger, or a workspace that named them since), the workspace's
    recorded = model.evidence.recorded
    named = Accountability.from_record(recorded.accountability or {}) if recorded else None
    model.parties = named if named and named.parties() else load_accountability(workspace)
    return model


def _manifest_info(
    model: PackModel, pdf: PdfSupport, scan: ScanReport, signing: dict[str, object] | None
) -> dict[str, object]:
    ev = model.evidence
    return {
        "pack_id": model.pack_id,
        "kind": "privacymesh audit pack",
        "generator": {"name": "privacymesh", "version": __version__},
        "built_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "period": {
            "label": model.period.label,
            "first_day": model.period.first.isoformat(),
            "last_day": model.period.last.isoformat(),
            "runs_selected_by": "reference time (as_of) of each run",
        },
        "domains": model.domain_filter or "all",
        "inputs": {
            "ledger": {
                "chain_head": {"seq": ev.head.seq, "hash": ev.head.hash},
                "period_head": {"seq": ev.period_head.seq, "hash": ev.period_head.hash},
                "records_verified": ev.records_verified,
            },
            "runs": [
                {
                    "run_id": r["run_id"],
                    "as_of": r["as_of"].isoformat(),
                    "seq": r["run_seq"],
                    "hash": r["run_hash"],
                }
                for r in ev.runs.iter_rows(named=True)
            ],
            "results": ev.results.height,
            "findings": ev.findings.height,
            "catalog_fingerprints": sorted(
                set(ev.runs["catalog_fingerprint"].drop_nulls().to_list())
            ),
        },
        "pdf": {"written": pdf.available, "renderer": pdf.renderer, "reason": pdf.reason},
        "personal_data_scan": scan.summary(),
        "signing": signing,
    }


def build_pack(
    workspace: Workspace,
    options: PackOptions | None = None,
    *,
    catalog: Catalog | None = None,
    model: PackModel | None = None,
    step: Step | None = None,
) -> PackResult:
    """Build the pack described by `options` and return where it is. Raises PackError (and its
    PersonalDataInPackError) without leaving a pack behind when it cannot finish."""
    options = options or PackOptions()
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = now - clock
        clock = now
        if step:
            step(name)

    pdf = pdf_support() if options.pdf else PdfSupport(None, "PDF not requested (--no-pdf)")
    job = PdfJob() if pdf.available else None  # Chromium launches while the model is built
    staging: Path | None = None
    archive: PackZip | None = None
    try:
        model = model or open_model(workspace, options, catalog)
        lap("model")
        root = options.out or next_version(workspace.evidence / "packs" / model.name)
        staging = root.with_name(f".{root.name}.building")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        html = pack_html(model, workspace.reports)
        write_html(html, staging / "index.html")
        if job:
            job.render(staging / "index.html", staging / "index.pdf", model.evidence_time, staging)
        else:  # say so in the pack: an examiner must not wonder where the PDF went
            (staging / PDF_MISSING).write_text(
                f"This pack has no index.pdf: {pdf.reason}.\nindex.html is the same document.\n",
                "utf-8",
                newline="\n",
            )
        lap("html")
        data_writer.write_data(model, staging / "data")
        signing = publish_key(workspace, staging)
        lap("data")
        evidence_files = [staging / "index.html", *sorted((staging / "data").rglob("*.csv"))]
        document = oscal.assessment_results(
            model, {p.relative_to(staging).as_posix(): sha256_file(p) for p in evidence_files}
        )
        problems = oscal.validate(document)
        if problems:
            raise PackError(
                f"the OSCAL document does not validate: {problems[0]} ({len(problems)} problem(s))",
                hint="a bug in the pack builder: report it with the ledger export",
            )
        (staging / "oscal").mkdir()
        (staging / "oscal" / "assessment-results.json").write_text(oscal.to_json(document), "utf-8")
        lap("oscal")
        # the pack's own id is not about anyone: its hex digest may be all digits
        own = [model.pack_id, *(p.email for p in model.parties.parties() if p.email)]
        scan = scan_files(staging, pack_files(staging), known=own)
        lap("scan")
        archive = PackZip(staging)
        archive.start(pack_files(staging))  # compressed while the PDF is still printing
        if job:
            pdf_scan = job.result()  # printed and scanned by the child
            job = None
            lap("pdf (wait)")
            refuse(pdf_scan)
            scan.extend(pdf_scan)
        manifest = write_manifest(staging, _manifest_info(model, pdf, scan, signing))
        scan.extend(scan_files(staging, [manifest], known=own))
        if signing is not None:
            sign_manifest(workspace, staging, manifest)
        archive.finish()
        lap("manifest")
    except BaseException:
        if job:
            job.cancel()
        if archive:
            archive.abort()
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    publish(staging, root)
    return PackResult(
        root=root,
        pack_id=model.pack_id,
        period=model.period,
        files=[
            *pack_files(root),
            root / "manifest.json",
            *([root / SIGNATURE] if (root / SIGNATURE).is_file() else []),
            root / "pack.zip",
        ],
        pdf=pdf,
        scan=scan,
        seconds=timings,
        model=model,
    )
