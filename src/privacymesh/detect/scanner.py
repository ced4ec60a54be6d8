"""The scanner: samples a table, runs every registered recognizer over whole columns, follows
JSON and encodings (bounded), adds the table-level geolocation pass, weighs context, masks
examples and decides per column. No Python loop over rows: recognizers work on columns and
validate distinct candidates only."""

from __future__ import annotations

from dataclasses import dataclass, replace
from time import perf_counter

import polars as pl

from privacymesh.detect.calibration import calibrated
from privacymesh.detect.context import ContextSignals, set_aside
from privacymesh.detect.options import ColumnContext, ScanOptions
from privacymesh.detect.quasi import find_quasi_identifiers
from privacymesh.detect.recognizer import (
    BOOLEAN,
    FLOAT,
    INTEGER,
    ROW,
    STRIPPED,
    TEMPORAL,
    TEXT,
    VALUE,
    ColumnValues,
    Evidence,
    PatternRecognizer,
    collect,
)
from privacymesh.detect.recognizers.geolocation import PAIR_HINT, pair_columns
from privacymesh.detect.regex_needs import needed_chars, needs_digit
from privacymesh.detect.registry import RecognizerRegistry, default_registry
from privacymesh.detect.results import CategoryHit, ColumnScan, Reason, TableScan
from privacymesh.detect.taxonomy import related
from privacymesh.detect.text_search import matches as text_matches
from privacymesh.detect.unpack import unpack
from privacymesh.masking import mask_values

NEIGHBORS = 2  # columns each side whose names count as neighbouring context


def sample_frame(df: pl.DataFrame, options: ScanOptions) -> pl.DataFrame:
    """The rows to scan, in an order fixed by their content: every row when the frame is no
    larger than `sample_rows` (or it is None), else the `sample_rows` rows with the smallest
    seeded row hash (a uniform sample). Rows are sorted by that hash, so no verdict (which
    candidates are validated, which values decide a region) depends on the order rows came in."""
    if df.height == 0 or df.width == 0:
        return df
    order = df.hash_rows(seed=options.seed).arg_sort()
    if options.sample_rows is not None and df.height > options.sample_rows:
        order = order.head(options.sample_rows)
    return df[order]


def column_text(series: pl.Series, options: ScanOptions) -> pl.DataFrame | None:
    """(row, value) of the non-null cells as text, truncated; None for columns that cannot
    hold personal data (binary, all-null). Booleans come out as `true`/`false`: a flag says
    nothing by its values, but its name may state a fact about the person (`smoker`)."""
    dtype = series.dtype
    if dtype == pl.Null or series.null_count() == series.len():
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
    return collect(
        frame.lazy()
        .filter(pl.col(VALUE).is_not_null())
        .with_columns(pl.col(VALUE).str.slice(0, options.max_value_chars))
    )


INT64_SAFE = 2**53  # floats above this are no longer exact whole numbers


def whole_numbers(series: pl.Series) -> pl.Series:
    """A float column whose values are all whole numbers, as integers: identifiers stored as
    floats (a card number read from a spreadsheet) print as `4111111111111111.0` or in
    exponent form, which no id pattern reads."""
    if not series.dtype.is_float():
        return series
    values = series.drop_nulls()
    if values.len() == 0 or values.is_nan().any():
        return series
    if not ((values == values.floor()).all() and values.abs().max() < INT64_SAFE):
        return series
    return series.cast(pl.Int64)


def column_kind(dtype: pl.DataType) -> str:
    if dtype == pl.Boolean:
        return BOOLEAN
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
    return collect_evidence_many([values], registry, depth)[0]


def collect_evidence_many(
    columns: list[ColumnValues], registry: RecognizerRegistry, depth: int = 0
) -> list[list[Evidence]]:
    """`collect_evidence` of each of `columns`, in the same order, computed recognizer by
    recognizer across the columns: Polars keeps only a few dozen compiled regexes (per
    thread), so running one recognizer over every column compiles its regexes once, where
    running every recognizer over one column after the other compiled them all again for
    each column."""
    found: list[list[Evidence]] = [[] for _ in columns]
    fired = _text_gates(columns, registry)
    gated = [_gate_rows(values, registry, fired[i]) for i, values in enumerate(columns)]
    for recognizer in registry:
        for i, values in enumerate(columns):
            if not recognizer.applies(values):
                continue
            if isinstance(recognizer, PatternRecognizer) and id(recognizer) not in gated[i]:
                continue
            if recognizer.ruled_out(values):
                continue
            for ev in recognizer.detect(values):
                ev.source = values.name
                ev.context_delta, ev.context_raised = values.signals.adjustment(
                    ev.category, ev.words, ev.negative
                )
                raised, lowered = values.signals.explain(ev.category, ev.words, ev.negative)
                # a recognizer may name what raised it beyond the column (a declared market)
                ev.raised_by, ev.lowered_by = (*ev.raised_by, *raised), lowered
                found[i].append(ev)
    nested: list[tuple[int, str, ColumnValues]] = [
        (i, method, inner)
        for i, values in enumerate(columns)
        if depth < values.options.max_decode_depth
        for method, inner in unpack(values)
    ]
    if nested:
        inner_found = collect_evidence_many([inner for _, _, inner in nested], registry, depth + 1)
        for (i, method, _), evidence in zip(nested, inner_found, strict=True):
            for ev in evidence:
                ev.methods.add(method)
                found[i].append(ev)
    return found


def _text_gates(columns: list[ColumnValues], registry: RecognizerRegistry) -> list[dict[int, bool]]:
    """Per column, whether each applicable pattern recognizer's gate can hold for one of its
    values. A recognizer whose gate needs more digits than any value holds cannot; else its
    `text_gates` must all match the column's distinct values joined into one text by newlines:
    one regex search per gate and column instead of one per value. A recognizer that fails
    here holds no candidate in the column; one without text gates that was not ruled out is
    missing from the dict. The first gate of every recognizer is searched for first, a second
    only where the first matched; RE2 answers where it gives Polars' answer, and the columns
    that need the same remaining gates share one `select`."""
    result: list[dict[int, bool]] = [{} for _ in columns]
    pending = []
    for r in registry:
        if not isinstance(r, PatternRecognizer):
            continue
        gates = r.text_gates()
        for i, values in enumerate(columns):
            if not r.applies(values):
                continue
            if r.gate_digits() > values.max_digits():
                result[i][id(r)] = False
            elif gates:
                pending.append((i, r, gates))
    found: dict[tuple[int, str], bool] = {}
    level = 0
    while pending:
        needs: dict[int, dict[str, None]] = {}
        for i, _, gates in pending:
            gate = gates[level]
            if (i, gate) in found:
                continue
            if columns[i].max_digits() == 0 and needs_digit(gate):
                found[(i, gate)] = False  # no digit in the column: no match of this gate
            elif not _holds_needed(columns[i], gate):
                found[(i, gate)] = False  # a character every match holds is in no value
            elif (hit := _re2_answer(columns[i], gate)) is not None:
                found[(i, gate)] = hit
            else:
                needs.setdefault(i, {})[gate] = None
        wanted: dict[str, list[int]] = {}
        for i, patterns in needs.items():
            for p in patterns:
                wanted.setdefault(p, []).append(i)
        if wanted:
            texts = {i: columns[i].joined().to_series() for i in needs}
            for p, hits in _search_each(texts, wanted).items():
                found.update(((i, p), hit) for i, hit in zip(wanted[p], hits, strict=True))
        left = []
        for i, r, gates in pending:
            if not found[(i, gates[level])]:
                result[i][id(r)] = False
            elif level + 1 < len(gates):
                left.append((i, r, gates))
            else:
                result[i][id(r)] = True
        pending, level = left, level + 1
    return result


def _re2_answer(values: ColumnValues, gate: str) -> bool | None:
    """The gate searched by RE2 in the column's joined text where RE2 answers as Polars would
    (see `text_search`), else None. RE2 objects are compiled once per process, where Polars
    compiles the gates again for every table; searching is no slower."""
    return text_matches(gate, values.joined_text(), values.chars())


def _holds_needed(values: ColumnValues, gate: str) -> bool:
    """Whether the column holds a character of each set that every match of `gate` needs."""
    needs = needed_chars(gate)
    if not needs:
        return True
    chars = values.chars()
    return all(not need.isdisjoint(chars) for need in needs)


def _search_each(
    texts: dict[int, pl.Series], wanted: dict[str, list[int]]
) -> dict[str, list[bool]]:
    """For each pattern, whether it matches each of the texts it is wanted in, in that order
    (True for all when Polars cannot compile it: the per-value gate then decides). One `select`
    builds each regex once for every column: building one costs more than running it over
    a column's text, and the texts are chained, not copied."""

    def search(p: str) -> pl.Expr:
        chained = pl.concat([texts[i] for i in wanted[p]], rechunk=False)
        return pl.lit(chained).str.contains(p).implode()

    try:
        row = pl.select(search(p).alias(f"t{k}") for k, p in enumerate(wanted)).row(0)
    except pl.exceptions.PolarsError:
        if len(wanted) == 1:
            return {p: [True] * len(at) for p, at in wanted.items()}
        return {p: _search_each(texts, {p: at})[p] for p, at in wanted.items()}
    return {p: list(hits) for p, hits in zip(wanted, row, strict=True)}


def _gate_rows(
    values: ColumnValues, registry: RecognizerRegistry, fired: dict[int, bool]
) -> set[int]:
    """Ids of the pattern recognizers whose gate holds for some value of the column, all
    gates evaluated in one `select` (one pass, run in parallel by Polars) over the recognizers
    the text gates did not rule out. The rows where a gate holds are kept for the
    recognizer's `candidates` (when the gate is the class's own, which `candidates` implies)."""
    chosen = [
        r
        for r in registry
        if isinstance(r, PatternRecognizer) and r.applies(values) and fired.get(id(r), True)
    ]
    if not chosen:
        return set()
    value = pl.col(VALUE)
    own = {id(r): type(r).gate is PatternRecognizer.gate for r in chosen}
    frame = values.frame
    if any(r.anchored for r in chosen):
        frame = frame.hstack([values.stripped()[VALUE].alias(STRIPPED)])  # no query plan
    stripped = pl.col(STRIPPED) if STRIPPED in frame.columns else value.str.strip_chars()
    tests = [
        (r.gate_on(value, stripped) if own[id(r)] else r.gate(value)).alias(f"g{k}")
        for k, r in enumerate(chosen)
    ]
    masks = frame.select(tests)
    passed = set()
    for k, r in enumerate(chosen):
        mask = masks.get_column(f"g{k}")
        if not mask.any():
            continue
        passed.add(id(r))
        if own[id(r)]:
            values.memo[("gate", id(r))] = (frame if r.anchored else values.frame, mask)
    return passed


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
        score = round(_confidence(confident[0]), 4)  # decided on; reported calibrated
        hits.append(
            CategoryHit(
                category=category,
                confidence=calibrated(score),
                score=score,
                methods=tuple(sorted(methods, key=_METHOD_ORDER.get)),
                hit_rate=hit_rate,
                examples=_masked_examples(raw_examples, category, options.max_examples),
                hits=round(estimated),
                recognizers=tuple(dict.fromkeys(e.recognizer for e in confident)),
                details=tuple(sorted({e.detail for e in confident if e.detail})),
                reasons=tuple(_reason(e, n_rows) for e in confident),
            )
        )
    return _drop_ancestors(hits)


def _reason(ev: Evidence, n_rows: int) -> Reason:
    share = max(ev.rows.len(), ev.estimated_hits) / max(n_rows, 1)
    return Reason(
        recognizer=ev.recognizer,
        share=round(min(share, 1.0), 4),
        value_strength=round(ev.strength, 4),
        validated="validator" in ev.methods or "known_hash" in ev.methods,
        context=round(ev.context_delta, 4),
        raised_by=ev.raised_by,
        lowered_by=ev.lowered_by,
        found_in=tuple(sorted(ev.methods & _DECODINGS)),
    )


_DECODINGS = frozenset({"json", "base64", "hex", "url"})


def _masked_examples(raw: list[str], category: str, k: int) -> tuple[str, ...]:
    """Up to `k` distinct masked examples (raw values never leave this function)."""
    masked = mask_values(raw[: k * 4], category)
    return tuple(dict.fromkeys(masked))[:k]


_METHOD_ORDER = {
    m: i
    for i, m in enumerate(
        (
            "pattern", "validator", "dictionary", "distribution", "cardinality", "known_hash",
            "context", "json", "base64", "hex", "url", "prefilter",
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
            and o.score >= h.score - 0.05
            for o in hits
        )
        if not shadowed:
            keep.append(h)
    return sorted(keep, key=lambda h: (-h.score, h.category))


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
    values = column_values(series, signals, options, hints=hints, known_hashes=known_hashes)
    evidence = collect_evidence(values, registry) if values is not None else []
    return _column_scan(series, values, evidence, options)


def column_values(
    series: pl.Series,
    signals: ContextSignals,
    options: ScanOptions,
    *,
    hints: frozenset[str] = frozenset(),
    known_hashes: pl.Series | None = None,
    table: pl.DataFrame | None = None,
) -> ColumnValues | None:
    """What recognizers see of a column; None when it holds nothing to scan."""
    series = whole_numbers(series)
    frame = column_text(series, options)
    if frame is None or frame.height == 0:
        return None
    return ColumnValues(
        name=series.name,
        frame=frame,
        n_rows=frame.height,
        signals=signals,
        options=options,
        raw=series,
        hints=hints,
        known_hashes=known_hashes,
        kind=column_kind(series.dtype),
        table=table,
    )


def _column_scan(
    series: pl.Series, values: ColumnValues | None, evidence: list[Evidence], options: ScanOptions
) -> ColumnScan:
    non_null = series.len() - series.null_count()
    if values is None:
        return ColumnScan(series.name, (), str(series.dtype), non_null)
    hits = tuple(decide(evidence, values.n_rows, options))
    aside = set_aside(evidence, frozenset(h.category for h in hits), options.min_confidence)
    return ColumnScan(series.name, hits, str(series.dtype), non_null, set_aside=aside)


def _honor_contract(scan: ColumnScan, ctx: ColumnContext | None) -> ColumnScan:
    """A column the contract declares not personal is not personal; what the detector saw stays
    beside the reason, for the checks to record as an accepted exception."""
    if ctx is None or not ctx.not_personal:
        return scan
    return replace(scan, categories=(), accepted=scan.categories, not_personal=ctx.not_personal)


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
    prepared: list[tuple[pl.Series, ColumnValues | None]] = []
    for i, name in enumerate(names):
        neighbors = names[max(0, i - NEIGHBORS) : i] + names[i + 1 : i + 1 + NEIGHBORS]
        signals = ContextSignals.build(
            name, context.get(name), neighbors, table=names, table_name=table, contract=context
        )
        hints = frozenset({PAIR_HINT}) if name in paired else frozenset()
        series = sample[name]
        prepared.append(
            (
                series,
                column_values(
                    series, signals, options, hints=hints, known_hashes=known, table=sample
                ),
            )
        )
    evidence = iter(collect_evidence_many([v for _, v in prepared if v is not None], registry))
    columns = [
        _honor_contract(
            _column_scan(series, values, next(evidence) if values is not None else [], options),
            context.get(series.name),
        )
        for series, values in prepared
    ]
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
