"""Orchestration: build the pool, the DSAR and consent plans, every domain's products and the
platform tables, then write Parquet, contracts, `expected_findings.yaml` and `sample.yaml`."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl

from privacymesh.sample import consent as consent_mod
from privacymesh.sample import dsar as dsar_mod
from privacymesh.sample import platform as platform_mod
from privacymesh.sample import quality as quality_mod
from privacymesh.sample.context import Context
from privacymesh.sample.contracts import data_path, write_contract
from privacymesh.sample.findings import build_findings
from privacymesh.sample.people import build_pool
from privacymesh.sample.products import DOMAIN_NAMES, DOMAINS, SPEC_BY_ID, SPECS
from privacymesh.sample.timeline import AS_OF
from privacymesh.sample.writer import dump_yaml, public, sha256_file, write_parquet

Progress = Callable[[str, int, int], None]
GENERATOR = "privacymesh.sample"
GENERATOR_VERSION = 1
PLATFORM_TABLES = (
    "identity_map",
    "consent_events",
    "consent_applications",
    "processing_log",
    "dsar_requests",
    "dsar_tasks",
    "privacy_engineers",
    "rotation",
    "support_questions",
    "costs",
    "headcount",
)


@dataclass(frozen=True)
class SampleManifest:
    """What `generate` wrote. `files` are paths relative to `out`, sorted."""

    out: Path
    scale: float
    seed: int
    as_of: datetime
    row_counts: dict[str, int]
    files: list[Path] = field(default_factory=list)

    @property
    def total_rows(self) -> int:
        return sum(self.row_counts.values())


def _domain_purposes() -> tuple[dict[str, tuple[str, ...]], dict[tuple[str, str], tuple[str, ...]]]:
    """Consent purposes each domain processes, and which of its products declare each."""
    by_domain: dict[str, list[str]] = {}
    products: dict[tuple[str, str], list[str]] = {}
    for spec in SPECS:
        for purpose in spec.purposes:
            if purpose in consent_mod.PURPOSES:
                by_domain.setdefault(spec.domain, [])
                if purpose not in by_domain[spec.domain]:
                    by_domain[spec.domain].append(purpose)
                products.setdefault((spec.domain, purpose), []).append(spec.id)
    return ({d: tuple(p) for d, p in by_domain.items()}, {k: tuple(v) for k, v in products.items()})


def generate(
    out: Path,
    scale: float = 1.0,
    seed: int = 42,
    progress: Progress | None = None,
) -> SampleManifest:
    """Generate the sample mesh under `out`. Same seed and scale give byte-identical files."""
    out = Path(out)
    if not (isinstance(scale, int | float) and math.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    seed, scale = int(seed), float(scale)

    steps = ["subjects", "dsar requests", "consent"]
    steps += [f"domain {d}" for d in DOMAIN_NAMES]
    steps += ["dsar tasks", "platform tables", "contracts", "expected findings"]
    total = len(steps)
    done = 0

    def advance() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(steps[done - 1], done, total)

    if progress is not None:
        progress(steps[0], 0, total)

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    row_counts: dict[str, int] = {}

    pool = build_pool(seed, scale)
    advance()
    dsar = dsar_mod.plan_requests(seed, scale, pool)
    advance()
    domain_purposes, purpose_products = _domain_purposes()
    streaming = {s.domain for s in SPECS if s.mode == "streaming"}
    consent = consent_mod.build_consent(
        seed, scale, pool, domain_purposes, purpose_products, streaming, dsar.erase_cutoff_us
    )
    advance()

    ctx = Context(seed=seed, scale=scale, pool=pool, dsar=dsar, consent=consent)
    ctx.facts.update(consent.facts)
    schemas: dict[str, pl.Schema] = {}
    for module in DOMAINS:
        frames = module.build(ctx)
        for product_id in [s.id for s in module.SPECS]:
            frame = frames[product_id]
            ctx.frames[product_id] = frame
            path = data_path(out, SPEC_BY_ID[product_id])
            row_counts[product_id] = write_parquet(frame, path)
            schemas[product_id] = public(frame).schema
            written.append(path)
        advance()

    ctx.facts["contract.quality"] = quality_mod.seeded_facts(ctx.frames["logistics.shipments"])
    tasks = dsar_mod.build_tasks(seed, dsar, ctx.membership)
    advance()

    erased_done = dsar.requests.filter(pl.col("type") == "erasure")
    ctx.facts["dsar.erasures"] = {
        "requests": dsar.requests.height,
        "erasure_requests": erased_done.height,
        "completed": int((erased_done["status"] == "completed").sum()),
        "tasks": tasks.height,
    }
    rotation, rotation_facts = platform_mod.rotation(DOMAIN_NAMES)
    ctx.facts.update(rotation_facts)
    questions, ctx.facts["support"] = platform_mod.support_questions(seed, scale, DOMAIN_NAMES)
    costs, headcount, ctx.facts["costs"] = platform_mod.costs_and_headcount(seed, DOMAIN_NAMES)
    platform_frames = {
        "identity_map": platform_mod.identity_map(pool, dsar),
        "consent_events": consent.events,
        "consent_applications": consent.applications,
        "processing_log": consent.processing,
        "dsar_requests": dsar.requests,
        "dsar_tasks": tasks,
        "privacy_engineers": platform_mod.privacy_engineers(),
        "rotation": rotation,
        "support_questions": questions,
        "costs": costs,
        "headcount": headcount,
    }
    for name in PLATFORM_TABLES:
        path = out / "platform" / f"{name}.parquet"
        row_counts[f"platform.{name}"] = write_parquet(platform_frames[name], path)
        written.append(path)
    advance()

    for spec in SPECS:
        written.append(write_contract(out, spec, schemas[spec.id], seed, scale))
    advance()

    findings = build_findings(ctx.facts, row_counts, seed, scale, dsar.facts)
    findings_path = out / "expected_findings.yaml"
    dump_yaml(
        findings,
        findings_path,
        header="Every problem seeded into this sample, with exact locations and counts.\n"
        "Generated by `privacymesh sample`; see docs/sample.md.",
    )
    written.append(findings_path)

    _remove_stale(out, set(written))
    files = sorted(p.relative_to(out) for p in written)
    manifest_doc = {
        "generator": GENERATOR,
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "scale": scale,
        "as_of": AS_OF.isoformat(),
        "subjects": pool.size,
        "total_rows": sum(row_counts.values()),
        "row_counts": row_counts,
        "files": {p.as_posix(): sha256_file(out / p) for p in files},
    }
    dump_yaml(
        manifest_doc,
        out / "sample.yaml",
        header="Manifest of the generated sample mesh (seed, scale, row counts, SHA-256).",
    )
    files.append(Path("sample.yaml"))
    advance()
    return SampleManifest(
        out=out, scale=scale, seed=seed, as_of=AS_OF, row_counts=row_counts, files=sorted(files)
    )


def _remove_stale(out: Path, keep: set[Path]) -> None:
    """Delete sample files of an earlier run that this run did not write (only our own file
    patterns inside our own folders), then empty folders."""
    patterns = (("contracts", "*.odcs.yaml"), ("products", "*.parquet"), ("platform", "*.parquet"))
    for folder, pattern in patterns:
        base = out / folder
        if not base.is_dir():
            continue
        for path in sorted(base.rglob(pattern)):
            if path not in keep:
                path.unlink()
        for sub in sorted((p for p in base.rglob("*") if p.is_dir()), reverse=True):
            if not any(sub.iterdir()):
                sub.rmdir()
