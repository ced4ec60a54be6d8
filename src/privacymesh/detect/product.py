"""Scanning registered data products: read a reproducible sample through the engine, give the
detector the contract's context and the identity map's known hashes. The scan of a drawn sample
(`scan_sample_job`) runs in the run's worker processes, which import this module and the
detector, not the checks and engine around them."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import polars as pl

from privacymesh.detect.options import ColumnContext, ScanOptions
from privacymesh.detect.results import TableScan
from privacymesh.detect.scanner import KnownHashes, scan_frame
from privacymesh.detect.sparse import (
    SparseRows,
    merge_sparse,
    sample_and_sparse_rows,
    sparse_rows,
)

if TYPE_CHECKING:
    from privacymesh.catalog import DataProduct
    from privacymesh.engine import Engine

KNOWN_HASHES = "known_email_hashes"
"""The name the identity map's hashes are shared under with the workers."""


def contract_context(product: DataProduct) -> dict[str, ColumnContext]:
    """What the contract says about each column: description, tags, declared category."""
    return {
        f.name: ColumnContext(
            description=f.description,
            tags=f.tags,
            category=f.pii_category,
            classification=f.classification,
            not_personal=f.not_personal,
            subject_key=product.subject_key,
            data_subjects=product.data_subjects,
        )
        for f in product.fields
    }


def known_email_hashes(engine: Engine) -> KnownHashes | None:
    """The identity map's email hashes, normalised once for every scan (None when the
    platform has no identity map)."""
    try:  # no DISTINCT: `KnownHashes.of` makes them distinct once normalised
        hashes = engine.polars("SELECT email_hash FROM platform.identity_map")
    except Exception:  # no identity map: hashes are still flagged as pseudonymous identifiers
        return None
    return KnownHashes.of(hashes["email_hash"])


def scan_product(
    product: DataProduct,
    engine: Engine,
    options: ScanOptions | None = None,
    known_hashes: KnownHashes | pl.Series | None = None,
) -> TableScan:
    """Scan a product: a reproducible sample of `options.sample_rows` rows (every row when
    None), read through the engine so only the sample leaves it."""
    options = options or ScanOptions()
    total = product_rows(product, engine)
    frame, sparse = product_sample(product, engine, options, total)
    return scan_sample(product, frame, total, options, known_hashes, sparse)


def product_sample(
    product: DataProduct, engine: Engine, options: ScanOptions, total: int
) -> tuple[pl.DataFrame, SparseRows | None]:
    """The rows the detector judges: the product's reproducible sample (every row when
    `options.sample_rows` is None) and the sparse pre-filter's rows when the sample does not
    hold every row, read together where the engine can."""
    if options.sample_rows is None:
        return engine.polars(f"SELECT * FROM {product.view}"), None
    if total <= options.sample_rows:
        return engine.sample(product.view, options.sample_rows, options.seed), None
    return sample_and_sparse_rows(engine, product.view, options)


def product_sparse_rows(
    product: DataProduct,
    engine: Engine,
    options: ScanOptions,
    total: int,
    sample: pl.DataFrame | None = None,
) -> SparseRows | None:
    """The sparse pre-filter's rows, when the sample does not hold every row (`sample`, the
    drawn rows, spares the columns it already covers)."""
    if options.sample_rows is None or total <= options.sample_rows:
        return None
    return sparse_rows(engine, product.view, options, sample)


def product_rows(product: DataProduct, engine: Engine) -> int:
    return int(engine.scalar(f"SELECT count(*) FROM {product.view}") or 0)  # type: ignore[arg-type]


def scan_sample(
    product: DataProduct,
    frame: pl.DataFrame,
    total: int,
    options: ScanOptions,
    known_hashes: KnownHashes | pl.Series | None = None,
    sparse: SparseRows | None = None,
) -> TableScan:
    """Scan an already drawn sample of a product holding `total` rows, and the sparse
    pre-filter's rows when given (no engine needed: this half runs in worker processes)."""
    context = contract_context(product)
    scan = scan_frame(
        frame,
        product.id,
        options=replace(options, sample_rows=None),
        context=context,
        known_hashes=known_hashes,
    )
    sampled = options.sample_rows is not None and total > options.sample_rows
    scan = replace(scan, rows_total=total, sampled=sampled)
    return merge_sparse(scan, sparse, options, context) if sparse is not None else scan


def scan_sample_job(
    shared: dict[str, Any],
    product: DataProduct,
    frame: pl.DataFrame,
    total: int,
    options: ScanOptions,
    hashes: KnownHashes | None,
    sparse: SparseRows | None = None,
) -> TableScan:
    """`scan_sample` as a worker's job: the known hashes come with the job or, shared once
    per worker, under `KNOWN_HASHES`."""
    known = hashes if hashes is not None else shared.get(KNOWN_HASHES)
    return scan_sample(product, frame, total, options, known, sparse)


def warm_up() -> None:
    """Load the recognizers and their word lists (a worker does this while samples are read)."""
    scan_frame(
        pl.DataFrame({"name": ["Ana Lima", "John Smith"], "note": ["hi", "user ann@x.io"]}),
        "warm-up",
    )
