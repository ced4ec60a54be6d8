"""`privacymesh scan`: find personal data in registered products or in files."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from privacymesh.cli.output import console, fail, handle_errors, progress_bar, workspace_from
from privacymesh.errors import SourceError

if TYPE_CHECKING:
    from privacymesh.catalog import DataProduct
    from privacymesh.detect import ScanOptions, TableScan
    from privacymesh.engine import Engine

FILE_SUFFIXES = (".parquet", ".csv")


@handle_errors
def scan_command(
    ctx: typer.Context,
    targets: list[str] | None = typer.Argument(
        None, help="Product ids or Parquet/CSV paths (default: every registered product)."
    ),
    sample: int = typer.Option(10_000, "--sample", min=1, help="Rows sampled per table."),
    full: bool = typer.Option(False, "--full", help="Scan every row instead of a sample."),
    seed: int = typer.Option(0, "--seed", help="Seed of the reproducible sample."),
    as_json: bool = typer.Option(False, "--json", help="Print the results as JSON."),
    out: Path | None = typer.Option(None, "--out", help="Also write the JSON to this file."),
) -> None:
    """Scan products or files for personal data: every column's categories, confidence, how
    it was found and masked examples, plus re-identifying column combinations."""
    # the detector, the engine and their libraries load only when a scan runs, so that
    # `privacymesh scan --help` answers at once
    from privacymesh.catalog import load_catalog
    from privacymesh.detect import ScanOptions, scan_scans_to_json
    from privacymesh.detect.product import known_email_hashes, scan_product
    from privacymesh.engine import DuckDBEngine, open_engine

    options = ScanOptions(sample_rows=None if full else sample, seed=seed)
    targets = targets or []
    files = [Path(t) for t in targets if Path(t).suffix.lower() in FILE_SUFFIXES]
    ids = [t for t in targets if Path(t).suffix.lower() not in FILE_SUFFIXES]
    missing = [str(f) for f in files if not f.exists()]
    if missing:
        raise fail(f"file not found: {', '.join(missing)}")
    folders = [t for t in targets if Path(t).is_dir()]
    if folders:
        raise fail(f"{folders[0]} is a folder: scan takes Parquet or CSV files, or product ids")
    engine: Engine
    products: list[DataProduct] = []
    if ids or not files:
        ws = workspace_from(ctx)
        options = replace(options, markets=ws.markets)
        catalog = load_catalog(ws.catalog)
        products = catalog.select(ids or None)
        engine = open_engine(ws, catalog)
    else:
        engine = DuckDBEngine()
    scans: list[TableScan] = []
    with engine, progress_bar() as bar:
        task = bar.add_task("scanning", total=len(products) + len(files))
        hashes = known_email_hashes(engine)
        for product in products:
            bar.update(task, description=product.id)
            if product.id in engine.registration.failed:
                raise fail(f"{product.id}: {engine.registration.failed[product.id]}")
            scans.append(scan_product(product, engine, options, hashes))
            bar.advance(task)
        for path in files:
            bar.update(task, description=path.name)
            scans.append(_scan_file(engine, path, options, hashes))
            bar.advance(task)
    document = scan_scans_to_json(scans)
    if out:
        out.write_text(json.dumps(document, indent=2) + "\n")
    if as_json:
        typer.echo(json.dumps(document, indent=2))
    else:
        for scan in scans:
            console.print(_scan_table(scan))
        if out:
            console.print(f"JSON written to {out}")


def _scan_file(engine: Engine, path: Path, options: ScanOptions, hashes) -> TableScan:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    import duckdb
    import polars as pl

    from privacymesh.detect import scan_frame
    from privacymesh.engine.duckdb_engine import file_reader

    if not path.is_file() or path.stat().st_size == 0:
        raise SourceError("not a readable data file (empty or not a file)", file=path)
    source = file_reader(path.resolve(), None)
    sql = f"SELECT * FROM {source}"
    if options.sample_rows is not None:
        sql += f" USING SAMPLE reservoir({options.sample_rows} ROWS) REPEATABLE ({options.seed})"
    try:
        total = int(engine.scalar(f"SELECT count(*) FROM {source}") or 0)  # type: ignore[arg-type]
        frame = engine.polars(sql)
    except (duckdb.Error, pl.exceptions.PolarsError) as exc:
        # the reader's message may quote the file's content: only its kind is shown
        raise SourceError(
            f"cannot read it as {path.suffix.lstrip('.').upper() or 'data'} ({type(exc).__name__})",
            file=path,
        ) from None
    scan = scan_frame(
        frame,
        path.stem,
        options=replace(options, sample_rows=None),
        known_hashes=hashes,
    )
    return replace(
        scan,
        rows_total=total,
        sampled=options.sample_rows is not None and total > options.sample_rows,
    )


def _scan_table(scan: TableScan) -> Table:
    personal = len(scan.personal_columns)
    table = Table(
        title=f"{scan.table}: {personal} of {len(scan.columns)} columns personal "
        f"({scan.rows_scanned:,} of {scan.rows_total:,} rows scanned)"
    )
    for col in ("column", "categories", "confidence", "hit rate", "found by", "examples (masked)"):
        table.add_column(col, overflow="fold")
    for c in scan.columns:
        if c.not_personal:
            seen = ", ".join(h.category for h in c.accepted) or "-"
            table.add_row(c.column, f"[dim]not personal (contract): {c.not_personal}[/]", "", "",
                          f"detector saw: {seen}", "")  # fmt: skip
            continue
        if not c.personal:
            table.add_row(c.column, "[dim]-[/]", "", "", "", "")
            continue
        for i, hit in enumerate(c.categories):
            table.add_row(
                c.column if i == 0 else "",
                hit.category,
                f"{hit.confidence:.2f}",
                f"{hit.hit_rate:.1%}",
                ", ".join(hit.methods),
                ", ".join(hit.examples),
            )
    for q in scan.quasi_identifiers:
        if q.flagged:
            table.add_row(
                " + ".join(q.columns),
                "[yellow]quasi-identifier[/]",
                "",
                f"{q.unique_fraction:.1%} unique",
                f"k = {q.k_min}",
                "",
            )
    return table
