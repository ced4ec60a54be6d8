"""The scanner: samples a table, runs every registered recognizer over whole columns, follows
JSON and encodings (bounded), adds the table-level geolocation pass, weighs context, masks
examples and decides per column. No Python loop over rows: recognizers work on columns and
validate distinct candidates only."""

from __future__ import annotations

from dataclasses import dataclass
from time import perf_counter

import polars as pl

from privacymesh.detect.context import ContextSignals
from privacymesh.detect.options import ColumnContext, ScanOptions
from privacymesh.detect.quasi import find_quasi_identifiers
from privacymesh.detect.recognizer import (
    FLOAT,
    INTEGER,
    ROW,
    TEMPORAL,
    TEXT,
    VALUE,
    ColumnValues,
    Evidence,
    PatternRecognizer,
    Recognizer,
)
from privacymesh.detect.recognizers.geolocation import PAIR_HINT, pair_columns
from privacymesh.detect.registry import RecognizerRegistry, default_registry
from privacymesh.detect.results import CategoryHit, ColumnScan, TableScan
from privacymesh.detect.taxonomy import related
from privacymesh.detect.unpack import unpack
from privacymesh.masking import mask_values

NEIGHBOURS = 2  # columns each side whose names count as neighbouring context


def sample_frame(df: pl.DataFrame, options: ScanOptions) -> pl.DataFrame:
    """A seeded random sample of `sample_rows` rows (the whole frame when smaller or None)."""
    if options.sample_rows is None or df.height <= options.sample_rows:
        return df
    return df.sample(options.sample_rows, seed=options.seed)


def column_text(series: pl.Series, options: ScanOptions) -> pl.DataFrame | None:
    """(row, value) of the non-null cells as text, truncated; None for columns that cannot
    hold personal data as values (booleans, all-null)."""
    dtype = series.dtype
    if dtype in (pl.Boolean, pl.Null) or series.null_count() == series.len():
        return None
    try:
        if isinstance(dtype, pl.Struct):
            text = series.struct.json_encode()
        elif isinstance(dtype, pl.List | pl.Array):
            text = series.cast(pl.List(pl.String)).list.join(" ")
        elif dtype == pl.Binary:
            return None
        else:
            text = series.cast(pl.String)
    except (pl.exceptions.PolarsError, TypeError):
        return None
    frame = pl.DataFrame({VALUE: text}, schema={VALUE: pl.String}).with_row_index(ROW)
    return frame.filter(pl.col(VALUE).is_not_null()).with_columns(
        pl.col(VALUE).str.slice(0, options.max_value_chars)
    )


def column_kind(dtype: pl.DataType) -> str:
    if dtype.is_integer():
        return INTEGER
    if dtype.is_float() or dtype.is_decimal():
        return FLOAT
    if dtype.is_temporal():
        return TEMPORAL
    return TEXT


def collect_evidence(
    values: ColumnValues, registry: RecognizerRegistry, depth: int = 0
) -> list[Evidence]:
    """Evidence from every recognizer, then from every unpacking, recursively to the bound."""
    found: list[Evidence] = []
    for recognizer in _gated(values, [r for r in registry if r.applies(values)]):
        for ev in recognizer.detect(values):
            ev.source = values.name
            ev.context_delta, ev.context_raised = values.signals.adjustment(
                ev.category, ev.words, ev.negative
            )
            found.append(ev)
    if depth < values.options.max_decode_depth:
        for method, inner in unpack(values):
            for ev in collect_evidence(inner, registry, depth + 1):
                ev.methods.add(method)
                found.append(ev)
    return found


def _gated(values: ColumnValues, recognizers: list[Recognizer]) -> list[Recognizer]:
    """Drop pattern recognizers none of whose gates fire, evaluated in one `select`."""
    patterns = [r for r in recognizers if isinstance(r, PatternRecognizer)]
    if not patterns:
        return recognizers
    value = pl.col(VALUE)
    fired = values.frame.select(
        [r.gate(value).any().alias(f"g{i}") for i, r in enumerate(patterns)]
    ).row(0)
    skip = {id(r) for r, ok in zip(patterns, fired, strict=True) if not ok}
    return [r for r in recognizers if id(r) not in skip]


def _confidence(ev: Evidence) -> float:
    return max(0.01, min(0.99, ev.strength + ev.context_delta))


def decide(evidence: list[Evidence], n_rows: int, options: ScanOptions) -> list[CategoryHit]:
    """Per category: the best evidence's confidence, the union of confident rows, masked
    examples; then ancestors dropped where a descendant was found."""
    by_category: dict[str, list[Evidence]] = {}
    for ev in evidence:
        by_category.setdefault(ev.category, []).append(ev)
    hits: list[CategoryHit] = []
    for category, evs in by_category.items():
        confident = [e for e in evs if _confidence(e) >= options.min_confidence]
        if not confident:
            continue
        rows = pl.concat([e.rows.cast(pl.UInt32) for e in confident]).n_unique()
        estimated = max([rows, *(e.estimated_hits for e in confident)])
        hit_rate = min(1.0, estimated / max(n_rows, 1))
        if hit_rate < options.min_hit_rate:
            continue
        confident.sort(key=_confidence, reverse=True)
        methods = set().union(*(e.methods for e in confident))
        if any(e.context_raised for e in confident):
            methods.add("context")
        raw_examples: list[str] = []
        for e in confident:
            for x in e.examples:
                if x not in raw_examples:
                    raw_examples.append(x)
        hits.append(
            CategoryHit(
                category=category,
                confidence=round(_confidence(confident[0]), 4),
                methods=tuple(sorted(methods, key=_METHOD_ORDER.get)),
                hit_rate=hit_rate,
                examples=_masked_examples(raw_examples, category, options.max_examples),
                hits=round(estimated),
                recognizers=tuple(dict.fromkeys(e.recognizer for e in confident)),
            )
        )
    return _drop_ancestors(hits)


def _masked_examples(raw: list[str], category: str, k: int) -> tuple[str, ...]:
    """Up to `k` distinct masked examples (raw values never leave this function)."""
    masked = mask_values(raw[: k * 4], category)
    return tuple(dict.fromkeys(masked))[:k]


_METHOD_ORDER = {
    m: i
    for i, m in enumerate(
        (
            "pattern", "validator", "dictionary", "distribution", "cardinality", "known_hash",
            "context", "json", "base64", "hex", "url",
        )
    )
}  # fmt: skip


def _drop_ancestors(hits: list[CategoryHit]) -> list[CategoryHit]:
    keep = []
    for h in hits:
        shadowed = any(
            o.category != h.category
            and related(o.category, h.category)
            and o.category.startswith(h.category + ".")
            and o.confidence >= h.confidence - 0.05
            for o in hits
        )
        if not shadowed:
            keep.append(h)
    return sorted(keep, key=lambda h: (-h.confidence, h.category))


def scan_column(
    series: pl.Series,
    signals: ContextSignals,
    options: ScanOptions,
    registry: RecognizerRegistry,
    *,
    hints: frozenset[str] = frozenset(),
    known_hashes: pl.Series | None = None,
) -> ColumnScan:
    """Scan one (sampled) column."""
    non_null = series.len() - series.null_count()
    frame = column_text(series, options)
    if frame is None or frame.height == 0:
        return ColumnScan(series.name, (), str(series.dtype), non_null)
    values = ColumnValues(
        name=series.name,
        frame=frame,
        n_rows=frame.height,
        signals=signals,
        options=options,
        raw=series,
        hints=hints,
        known_hashes=known_hashes,
        kind=column_kind(series.dtype),
    )
    evidence = collect_evidence(values, registry)
    return ColumnScan(
        series.name, tuple(decide(evidence, frame.height, options)), str(series.dtype), non_null
    )


@dataclass(frozen=True)
class KnownHashes:
    """Known identifier hashes (the identity map's), normalised once: trimmed, lower case,
    distinct. Hand these to every scan of a run instead of the raw column."""

    values: pl.Series

    @classmethod
    def of(cls, known: pl.Series | set[str]) -> KnownHashes:
        series = known if isinstance(known, pl.Series) else pl.Series(sorted(known))
        return cls(
            series.cast(pl.String).drop_nulls().str.strip_chars().str.to_lowercase().unique()
        )


def _known_hashes(known: KnownHashes | pl.Series | set[str] | None) -> pl.Series | None:
    if known is None:
        return None
    return (known if isinstance(known, KnownHashes) else KnownHashes.of(known)).values


def scan_frame(
    df: pl.DataFrame,
    table: str,
    *,
    options: ScanOptions | None = None,
    context: dict[str, ColumnContext] | None = None,
    known_hashes: KnownHashes | pl.Series | set[str] | None = None,
    registry: RecognizerRegistry | None = None,
) -> TableScan:
    """Scan a table: a verdict per column (categories, confidence, methods, hit rate, masked
    examples) and the quasi-identifier combinations of the sampled rows."""
    options = options or ScanOptions()
    registry = registry if registry is not None else default_registry()
    context = context or {}
    start = perf_counter()
    sample = sample_frame(df, options)
    known = _known_hashes(known_hashes)
    paired = pair_columns(sample)
    names = sample.columns
    columns = []
    for i, name in enumerate(names):
        neighbours = names[max(0, i - NEIGHBOURS) : i] + names[i + 1 : i + 1 + NEIGHBOURS]
        signals = ContextSignals.build(name, context.get(name), neighbours)
        hints = frozenset({PAIR_HINT}) if name in paired else frozenset()
        columns.append(
            scan_column(sample[name], signals, options, registry, hints=hints, known_hashes=known)
        )
    quasi = find_quasi_identifiers(sample, columns, options)
    return TableScan(
        table=table,
        rows_scanned=sample.height,
        rows_total=df.height,
        columns=tuple(columns),
        quasi_identifiers=tuple(quasi),
        sampled=sample.height < df.height,
        seed=options.seed if sample.height < df.height else None,
        seconds=perf_counter() - start,
    )
