"""Measures over the PII detector's scan of a product: undeclared personal data, identifiers in
event logs, re-identifying column combinations, restricted fields served unmasked. The scan of
a product runs once per check run and is shared by all four."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from privacymesh.catalog import DataProduct
from privacymesh.checks.measures import MeasureContext, check_params, measure
from privacymesh.checks.measures.jobs import Pending, WorkGroup
from privacymesh.checks.measures.scan_cache import cache_dir, load_scan, scan_key, store_scan
from privacymesh.checks.results import Finding, Measurement
from privacymesh.checks.spec import CheckSpec
from privacymesh.detect import ScanOptions, TableScan
from privacymesh.detect.product import (
    KNOWN_HASHES,
    known_email_hashes,
    product_rows,
    scan_sample_job,
)
from privacymesh.detect.recognizers.hashes import PSEUDONYMOUS
from privacymesh.detect.taxonomy import same_family

LOG_IDENTIFIERS = ("user.device", "user.contact.email", "user.unique_id")
# the workers import the detector's half alone (`privacymesh.detect.product`), not the checks
DETECTOR = WorkGroup("detector", warm="privacymesh.detect.product:warm_up")


def scan_options(ctx: MeasureContext, params: dict[str, Any]) -> ScanOptions:
    """The options of a product's scan in this run."""
    rows, seed = int(params.get("sample_rows", 10_000)), int(params.get("seed", 42))
    return ScanOptions(
        sample_rows=rows,
        seed=seed,
        reference_date=ctx.as_of.date(),
        markets=ctx.workspace.markets if ctx.workspace else (),
    )


def cached_key(ctx: MeasureContext, product: DataProduct, options: ScanOptions) -> str | None:
    """The scan cache's key for this product's scan (None: not cached, because the workspace
    turned the cache off, has no folder for it, or the data's version is unknown)."""
    keys: dict[tuple[str, int | None, int], str | None] = ctx.cache.setdefault("scan_keys", {})
    at = (product.id, options.sample_rows, options.seed)
    if at not in keys:
        enabled = ctx.workspace is not None and ctx.workspace.section("run").get("scan_cache", True)
        keys[at] = scan_key(ctx.engine, product, options) if enabled else None
    return keys[at]


def kept_scan(ctx: MeasureContext, product: DataProduct, options: ScanOptions) -> TableScan | None:
    """The product's scan kept by an earlier run of the same data and options, read once per
    run."""
    key = cached_key(ctx, product, options)
    if key is None or ctx.workspace is None:
        return None
    kept: dict[str, TableScan | None] = ctx.cache.setdefault("kept_scans", {})
    if key not in kept:
        kept[key] = load_scan(cache_dir(ctx.workspace), key)
    return kept[key]


def scan_is_cached(ctx: MeasureContext, spec: CheckSpec, product: DataProduct) -> bool:
    """Whether the product's scan is kept from an earlier run (no worker needed for it)."""
    try:
        return kept_scan(ctx, product, scan_options(ctx, check_params(ctx, spec))) is not None
    except Exception:  # the scan job meets it again and reports it
        return False


class _Kept:
    """A scan's job whose result is stored in the scan cache once it is known."""

    def __init__(self, job: Pending, folder: Path, key: str) -> None:
        self.job, self.folder, self.key = job, folder, key
        self.stored = False

    def result(self) -> TableScan:
        scan: TableScan = self.job.result()
        if not self.stored:
            self.stored = True
            store_scan(self.folder, self.key, scan)
        return scan


class _Ready:
    def __init__(self, scan: TableScan) -> None:
        self.scan = scan

    def result(self) -> TableScan:
        return self.scan


def scan_job(ctx: MeasureContext, product: DataProduct, params: dict[str, Any]) -> Pending:
    """The detector's scan of a reproducible sample of the product: submitted once per run
    (to a worker when the run has them), shared by every PII measure; taken from the scan
    cache when an earlier run scanned the same data with the same options."""
    jobs: dict[tuple[str, int, int], Pending] = ctx.cache.setdefault("scan_jobs", {})
    options = scan_options(ctx, params)
    rows, seed = int(options.sample_rows or 0), options.seed
    key = (product.id, rows, seed)
    if key not in jobs:
        prepare_scans(ctx)
        stored = cached_key(ctx, product, options)
        folder = cache_dir(ctx.workspace) if ctx.workspace is not None else None
        kept = kept_scan(ctx, product, options)
        if kept is not None:
            jobs[key] = _Ready(kept)
            return jobs[key]
        hashes = None if KNOWN_HASHES in ctx.workers.shared else ctx.cache["known_hashes"]
        total = product_rows(product, ctx.engine)
        frame, sparse = ctx.sample_for_scan(product, options, total)
        job = ctx.workers.submit(
            scan_sample_job,
            product,
            frame,
            total,
            options,
            hashes,
            sparse,
            group=DETECTOR.name,
            stealable=True,
        )
        jobs[key] = _Kept(job, folder, stored) if stored and folder else job
    return jobs[key]


def prepare_scans(ctx: MeasureContext) -> None:
    """Read the identity map's email hashes once and share them with the workers (when they
    have not started yet; else every job carries them)."""
    if "known_hashes" not in ctx.cache:
        ctx.cache["known_hashes"] = known_email_hashes(ctx.engine)
        if not ctx.workers.started:
            ctx.workers.share(KNOWN_HASHES, ctx.cache["known_hashes"], group=DETECTOR.name)


def product_scan(ctx: MeasureContext, product: DataProduct, params: dict[str, Any]) -> TableScan:
    """The detector's scan of a reproducible sample of the product, once per run."""
    return scan_job(ctx, product, params).result()


def prefetch_scan(ctx: MeasureContext, spec: CheckSpec, product: DataProduct) -> Pending:
    return scan_job(ctx, product, check_params(ctx, spec))


def _hit_detail(hits: list[Any]) -> dict[str, Any]:
    return {
        "categories": [h.category for h in hits],
        "confidence": max(round(h.confidence, 2) for h in hits),
        "hit_rate": max(round(h.hit_rate, 4) for h in hits),
        "methods": sorted({m for h in hits for m in h.methods}),
        "masked_examples": [e for h in hits for e in h.examples][:3],
        "reasons": {h.category: [r.to_dict() for r in h.reasons] for h in hits},
    }


def _measurement(
    product: DataProduct, scan: TableScan, findings: list[Finding], what: str, **values: Any
) -> Measurement:
    return Measurement(
        values={
            "exceptions": len(findings),
            "columns_scanned": len(scan.columns),
            "rows_scanned": scan.rows_scanned,
            **values,
        },
        population=len(scan.columns),
        findings=findings,
        query=f"PII detector ({what}) on a reproducible sample of {scan.rows_scanned} rows of "
        f"{product.view}",
    )


@measure(
    "pii_undeclared",
    prefetch=prefetch_scan,
    group=DETECTOR,
    prepare=prepare_scans,
    done=scan_is_cached,
)
def pii_undeclared(
    ctx: MeasureContext,
    spec: CheckSpec,
    product: DataProduct | None,
) -> list[Measurement]:
    """Columns where the detector finds personal data the contract does not declare."""
    assert product is not None
    scan = product_scan(ctx, product, check_params(ctx, spec))
    findings = []
    for col in scan.columns:
        declared = product.field(col.column)
        if col.personal and (declared is None or not declared.personal):
            findings.append(
                Finding("undeclared_personal_data", col.column, _hit_detail(list(col.categories)))
            )
    accepted = accepted_exceptions(scan)
    return [
        _measurement(
            product,
            scan,
            findings,
            "all recognizers",
            accepted_exceptions=len(accepted),
            accepted=accepted,
        )
    ]


def accepted_exceptions(scan: TableScan) -> list[dict[str, Any]]:
    """Columns the detector flags and the contract declares not personal, with the owner's
    reason: not exceptions, but recorded so an examiner sees every override and its reason."""
    return [
        {
            "column": col.column,
            "reason": col.not_personal,
            "categories": [h.category for h in col.accepted],
            "hit_rate": max(round(h.hit_rate, 4) for h in col.accepted),
        }
        for col in scan.columns
        if col.not_personal and col.accepted
    ]


@measure(
    "pii_in_logs",
    prefetch=prefetch_scan,
    group=DETECTOR,
    prepare=prepare_scans,
    done=scan_is_cached,
)
def pii_in_logs(
    ctx: MeasureContext,
    spec: CheckSpec,
    product: DataProduct | None,
) -> list[Measurement]:
    """Online identifiers (IP, device, cookie and advertising ids, emails, user ids) in an
    event log's columns that the contract does not declare as such."""
    assert product is not None
    scan = product_scan(ctx, product, check_params(ctx, spec))
    findings = []
    for col in scan.columns:
        declared = product.field(col.column)
        declared_cat = declared.pii_category if declared else None
        # a declared `user.device` covers the `user.device.device_id` the detector chose
        hits = [
            h
            for h in col.categories
            if h.category.startswith(LOG_IDENTIFIERS) and not same_family(declared_cat, h.category)
        ]
        if hits:
            findings.append(Finding("identifier_in_log", col.column, _hit_detail(hits)))
    return [_measurement(product, scan, findings, "online identifiers")]


@measure(
    "pii_quasi_identifiers",
    prefetch=prefetch_scan,
    group=DETECTOR,
    prepare=prepare_scans,
    done=scan_is_cached,
)
def pii_quasi_identifiers(
    ctx: MeasureContext,
    spec: CheckSpec,
    product: DataProduct | None,
) -> list[Measurement]:
    """Column combinations whose smallest equivalence class is below k."""
    assert product is not None
    params = check_params(ctx, spec)
    k = int(params.get("k", 5))
    scan = product_scan(ctx, product, params)
    # flagged by the scan (k below its threshold with enough rows exposed) and below this k
    flagged = [q for q in scan.quasi_identifiers if q.flagged and q.k_min < k]
    findings = [
        Finding(
            "quasi_identifier",
            ",".join(q.columns),
            {
                "columns": list(q.columns),
                "k_min": q.k_min,
                "unique_fraction": round(q.unique_fraction, 4),
                "rows": scan.rows_scanned,
            },
        )
        for q in flagged
    ]
    worst = min((q.k_min for q in scan.quasi_identifiers), default=None)
    m = _measurement(
        product, scan, findings, "quasi-identifier combinations", k_threshold=k, k_min=worst
    )
    m.population = len(scan.quasi_identifiers)
    return [m]


@measure(
    "pii_restricted_unmasked",
    prefetch=prefetch_scan,
    group=DETECTOR,
    prepare=prepare_scans,
    done=scan_is_cached,
)
def pii_restricted_unmasked(
    ctx: MeasureContext,
    spec: CheckSpec,
    product: DataProduct | None,
) -> list[Measurement]:
    """Restricted fields whose values the detector still recognises as raw personal data."""
    assert product is not None
    scan = product_scan(ctx, product, check_params(ctx, spec))
    restricted = [f for f in product.fields if f.classification == "restricted"]
    findings = []
    for f in restricted:
        try:
            col = scan.column(f.name)
        except KeyError:
            continue
        # a hash is what the `hash` rule serves, and a value stored with its characters masked
        # is masked: only raw categories beside them are unmasked
        hits = [
            h
            for h in col.categories
            if not (f.masking_rule == "hash" and h.category.startswith(PSEUDONYMOUS))
            and not h.masked_copy
        ]
        if hits:
            detail = _hit_detail(hits)
            detail["masking_rule"] = f.masking_rule or "none"
            findings.append(Finding("restricted_unmasked", f.name, detail))
    m = _measurement(product, scan, findings, "restricted fields")
    m.population = len(restricted)
    m.values["restricted_fields"] = len(restricted)
    return [m]
