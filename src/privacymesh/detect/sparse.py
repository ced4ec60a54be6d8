"""Sparse personal data: a sample of 10,000 rows decides a column's verdict, so data held by a
few percent of a large product's rows is found or missed depending on which rows the sample
drew. Before the sample is judged, one cheap pass over every row of the product (in the engine,
never in Python) counts the rows whose text holds a candidate shape (an e-mail address, a long
run of digits, an IPv4 address) and draws a few of them per column by hash. The detector then
judges those rows, and a validated category found there that the sample missed is reported with
its rate estimated over the whole product: the verdict no longer depends on the sample's luck."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import polars as pl

from privacymesh.detect.options import ColumnContext, ScanOptions
from privacymesh.detect.results import TableScan
from privacymesh.detect.taxonomy import related

if TYPE_CHECKING:
    from privacymesh.engine import Engine

# cheap shapes RE2 and Polars both run: e-mail, phone or id digits, IPv4
SHAPES = (
    r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z0-9.-]+"
    r"|\+?\d[\d (). -]{6,}\d"
    r"|\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b"
)
PREFILTER = "prefilter"


@dataclass(frozen=True)
class SparseRows:
    """Rows of the whole product holding a candidate: a few per column, and per column how
    many rows of the product hold one."""

    frame: pl.DataFrame
    matches: dict[str, int]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sparse_rows(engine: Engine, view: str, options: ScanOptions) -> SparseRows | None:
    """The pre-filter pass over every row of `view` (None on an engine whose SQL it does not
    speak, or when the view has no text column: the sample alone decides, as before)."""
    if engine.name != "duckdb" or options.sparse_rows <= 0:
        return None
    schema = engine.polars(f"SELECT * FROM {view} LIMIT 0").schema
    text = [c for c, t in schema.items() if t == pl.String]
    if not text:
        return None
    pattern = "'" + SHAPES.replace("'", "''") + "'"
    seed, limit = int(options.seed), int(options.sparse_rows)
    # one pass over every row: per column, how many rows hold a candidate and the seeded hashes
    # of the `limit` candidates that hash lowest (the same rows whatever their order)
    flags = ", ".join(
        f"regexp_matches({_quote(c)}, {pattern}) AS m{i}, hash({_quote(c)}, {seed}) AS h{i}"
        for i, c in enumerate(text)
    )
    aggregates = ", ".join(
        f"count_if(m{i}) AS c{i}, min_by(h{i}, h{i}, {limit}) FILTER (WHERE m{i}) AS k{i}"
        for i in range(len(text))
    )
    first = engine.polars(f"SELECT {aggregates} FROM (SELECT {flags} FROM {view})").row(
        0, named=True
    )
    counts = {c: int(first[f"c{i}"] or 0) for i, c in enumerate(text)}
    hit = [i for i, c in enumerate(text) if counts[c]]
    if not hit:
        return SparseRows(pl.DataFrame(schema=schema), {})
    # then the rows holding those hashes (a hash shared by a non-candidate value is refused by
    # the shape test, which runs only on the few rows whose hash is drawn)
    wanted = {i: sorted(set(first[f"k{i}"])) for i in hit}
    where = " OR ".join(
        f"(hash({_quote(text[i])}, {seed}) IN ({', '.join(map(str, wanted[i]))})"
        f" AND regexp_matches({_quote(text[i])}, {pattern}))"
        for i in hit
    )
    hashes = ", ".join(f"hash({_quote(text[i])}, {seed}) AS __sparse_h{i}" for i in hit)
    drawn = engine.polars(f"SELECT *, {hashes} FROM {view} WHERE {where}")
    columns = list(schema)
    # rows of one value share its hash: the other columns break the tie, whatever the order
    ties = [c for c, t in schema.items() if not t.is_nested()]
    parts = [
        drawn.filter(pl.col(f"__sparse_h{i}").is_in(wanted[i]))
        .sort(f"__sparse_h{i}", *ties, nulls_last=True)
        .head(limit)
        .select(columns)
        for i in hit
    ]
    frame = pl.concat(parts).unique(maintain_order=True)
    return SparseRows(frame, {text[i]: counts[text[i]] for i in hit})


def merge_sparse(
    scan: TableScan,
    sparse: SparseRows,
    options: ScanOptions,
    context: dict[str, ColumnContext] | None = None,
) -> TableScan:
    """`scan` (of the sample) with the categories found only in the pre-filtered rows added,
    each at its rate estimated over the whole product (reported when that reaches
    `min_hit_rate`, as a scan of every row would)."""
    from privacymesh.detect.scanner import scan_frame

    if sparse.frame.height == 0 or scan.rows_total == 0:
        return scan
    rare = scan_frame(
        sparse.frame,
        scan.table,
        options=replace(options, sample_rows=None, min_hit_rate=0.0),
        context=context,
    )
    candidates = sparse.frame.select(
        pl.col(c).str.contains(SHAPES).sum().alias(c) for c in sparse.matches
    ).row(0, named=True)
    columns = []
    for col in scan.columns:
        found = rare.column(col.column) if col.column in sparse.matches else None
        extra = []
        for hit in found.categories if found is not None and not col.not_personal else ():
            if any(related(hit.category, h.category) for h in col.categories):
                continue
            # the drawn rows are all candidates, which flatters weak evidence: only values a
            # validator passed (checksum, parser, known hash) count here
            if not any(r.validated for r in hit.reasons):
                continue
            share = min(1.0, hit.hits / max(candidates[col.column], 1))
            rows = sparse.matches[col.column] * share
            rate = rows / scan.rows_total
            if rate >= options.min_hit_rate:
                methods = (*hit.methods, PREFILTER)
                extra.append(replace(hit, hit_rate=rate, hits=round(rows), methods=methods))
        columns.append(replace(col, categories=col.categories + tuple(extra)) if extra else col)
    return replace(
        scan,
        columns=tuple(columns),
        extra={
            **scan.extra,
            PREFILTER: {"columns": len(sparse.matches), "rows": sparse.frame.height},
        },
    )
