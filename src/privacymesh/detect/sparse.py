"""Sparse personal data: a sample of 10,000 rows decides a column's verdict, so data held by a
few percent of a large product's rows is found or missed depending on which rows the sample
drew. Before the sample is judged, a pass over every row of the product (in the engine, never
in Python) finds the distinct values of a text column that hold a candidate shape (an e-mail
address, a long run of digits, an IPv4 address), counts the rows holding them and draws a few by
seeded hash. The detector then judges rows holding those values, and a validated category found
there that the sample missed is reported with its rate estimated over the whole product: the
verdict no longer depends on the sample's luck, nor on the order of the rows.

What the pass skips, and why it loses nothing:
- columns that cannot hold text (numbers, dates, booleans): only string columns are read;
- columns whose sample already holds at least `sparse_rows` candidate rows. The draw would hand
  the detector `sparse_rows` candidates; when a share `c` of the rows are candidates, the sample
  of `n` rows holds `n * c >= sparse_rows` of them, so it holds at least as many rows of any
  category hiding among the candidates (`n * r`) as the draw would (`sparse_rows * r / c`),
  whichever category the sample judged the column to be. Such a column is not sparse.
The shapes are tested once per distinct value, not once per row: a column of few distinct
values is grouped first (cheap), one of many is tested row by row and only its candidates are
grouped. Both give the same values, counts and draw; the sample's distinct share only picks the
cheaper order."""

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
# above this share of distinct values in the sample, a column is tested row by row before it
# is grouped (grouping nearly unique strings costs more than testing them)
MANY_DISTINCT = 0.5


@dataclass(frozen=True)
class SparseRows:
    """Rows of the whole product holding a candidate: a few per column (one per drawn value),
    and per column how many rows of the product hold one."""

    frame: pl.DataFrame
    matches: dict[str, int]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sparse_columns(
    text: list[str], sample: pl.DataFrame | None, limit: int
) -> tuple[list[str], set[str]]:
    """The text columns the pass must read (those whose sample holds fewer than `limit`
    candidate rows; all of them without a sample), and which of them hold many distinct
    values in the sample."""
    if sample is None or sample.height == 0:
        return text, set()
    present = [c for c in text if c in sample.columns]
    stats = sample.select(
        *(pl.col(c).str.contains(SHAPES).sum().alias(f"m{i}") for i, c in enumerate(present)),
        *(pl.col(c).n_unique().alias(f"u{i}") for i, c in enumerate(present)),
    ).row(0, named=True)
    saturated = {c for i, c in enumerate(present) if (stats[f"m{i}"] or 0) >= limit}
    many = {c for i, c in enumerate(present) if stats[f"u{i}"] > MANY_DISTINCT * sample.height}
    return [c for c in text if c not in saturated], many


def _candidates(view: str, column: str, index: int, many: bool, pattern: str) -> str:
    """(column index, distinct candidate value, rows holding it) of one column."""
    col = _quote(column)
    if many:  # test each row, group only the candidates
        return (
            f"SELECT {index} AS i, {col} AS v, count(*) AS n FROM {view} "
            f"WHERE regexp_matches({col}, {pattern}) GROUP BY {col}"
        )
    return (
        f"SELECT {index} AS i, v, n FROM (SELECT {col} AS v, count(*) AS n FROM {view} "
        f"WHERE {col} IS NOT NULL GROUP BY {col}) WHERE regexp_matches(v, {pattern})"
    )


@dataclass(frozen=True)
class Draw:
    """Per column holding candidates: how many rows of the product hold one, the drawn
    candidate values, and how many rows hold a drawn value."""

    rows: dict[str, int]
    drawn: dict[str, list[str]]
    held: dict[str, int]


def draw_candidates(
    engine: Engine, view: str, columns: list[str], many: set[str], options: ScanOptions
) -> Draw:
    """One statement over every row of `view`: per column, the rows holding a candidate and
    the `sparse_rows` candidate values of lowest seeded hash (the same values whatever the
    rows' order)."""
    if not columns:
        return Draw({}, {}, {})
    seed, limit = int(options.seed), int(options.sparse_rows)
    pattern = _literal(SHAPES)
    union = " UNION ALL ".join(
        _candidates(view, c, i, c in many, pattern) for i, c in enumerate(columns)
    )
    found = engine.polars(
        f"SELECT i, sum(n)::BIGINT AS rows, min_by(v, hash(v, {seed}), {limit}) AS drawn, "
        f"list_sum(min_by(n, hash(v, {seed}), {limit}))::BIGINT AS held "
        f"FROM ({union}) GROUP BY i ORDER BY i"
    )
    names = [columns[i] for i in found["i"]]
    return Draw(
        dict(zip(names, map(int, found["rows"]), strict=True)),
        dict(zip(names, map(list, found["drawn"]), strict=True)),
        dict(zip(names, map(int, found["held"]), strict=True)),
    )


def _sparse(schema: pl.Schema, draw: Draw, firsts: dict[str, pl.DataFrame]) -> SparseRows:
    """The pre-filter's rows: one per drawn value, chosen by content (rows sharing it are told
    apart by their other columns, so a value held by many rows never brings them all out of
    the engine)."""
    if not draw.rows:
        return SparseRows(pl.DataFrame(schema=schema), {})
    flat = [c for c, t in schema.items() if not t.is_nested()]
    frame = pl.concat([firsts[c] for c in draw.rows])
    return SparseRows(frame.sort(flat, nulls_last=True).unique(maintain_order=True), draw.rows)


def _text_columns(engine: Engine, view: str, options: ScanOptions) -> tuple[pl.Schema, list[str]]:
    """The view's schema and its text columns (none on an engine whose SQL the pass does not
    speak, or when the pass is turned off)."""
    if engine.name != "duckdb" or options.sparse_rows <= 0:
        return pl.Schema(), []
    schema = engine.polars(f"SELECT * FROM {view} LIMIT 0").schema
    return schema, [c for c, t in schema.items() if t == pl.String]


def sparse_rows(
    engine: Engine, view: str, options: ScanOptions, sample: pl.DataFrame | None = None
) -> SparseRows | None:
    """The pre-filter pass over every row of `view` (None on an engine whose SQL it does not
    speak, or when the view has no text column: the sample alone decides, as before).
    `sample`, the rows the detector will judge, spares the columns it already covers."""
    schema, text = _text_columns(engine, view, options)
    if not text:
        return None
    read, many = sparse_columns(text, sample, int(options.sparse_rows))
    draw = draw_candidates(engine, view, read, many, options)
    flat = [c for c, t in schema.items() if not t.is_nested()]
    return _sparse(schema, draw, engine.first_rows(view, draw.drawn, flat))


def sample_and_sparse_rows(
    engine: Engine, view: str, options: ScanOptions
) -> tuple[pl.DataFrame, SparseRows | None]:
    """The sample of `options.sample_rows` rows and `sparse_rows(engine, view, options,
    sample)`, the same rows, from one decode of the data where the engine can. Which columns
    the sample leaves to the pass is known only once it is read, so the values of the columns
    that are cheap to group are drawn first, and the pass that reads the sample also keeps the
    rows holding them; a column the sample leaves to the pass that was not drawn first is read
    after it, and one it covers is dropped: the order changes the work, never the rows."""
    rows, seed = int(options.sample_rows or 0), int(options.seed)
    schema, text = _text_columns(engine, view, options)
    few = engine.few_valued_columns(view) if text else None
    if few is None:
        sample = engine.sample(view, rows, seed)
        return sample, sparse_rows(engine, view, options, sample)
    first = [c for c in text if c in few]
    draw = draw_candidates(engine, view, first, set(), options)
    # a column whose drawn values many rows hold would swell the pass: it is read after the
    # pass instead, if the sample leaves it to the pre-filter at all
    ahead = {c: v for c, v in draw.drawn.items() if draw.held[c] <= rows}
    flat = [c for c, t in schema.items() if not t.is_nested()]
    sample, firsts = engine.sample_with_first_rows(view, rows, seed, ahead, flat)
    read, many = sparse_columns(text, sample, int(options.sparse_rows))
    rest = draw_candidates(engine, view, [c for c in read if c not in first], many, options)
    late = {c: v for c, v in draw.drawn.items() if c in read and c not in ahead}
    firsts |= engine.first_rows(view, {**late, **rest.drawn}, flat)
    found = {c: (draw.rows | rest.rows)[c] for c in read if c in draw.rows or c in rest.rows}
    drawn = draw.drawn | rest.drawn
    final = Draw(found, {c: drawn[c] for c in found}, {})
    return sample, _sparse(schema, final, firsts)


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
