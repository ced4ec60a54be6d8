"""What a recognizer is. A recognizer looks at the values of one column (or of one nested key)
as a whole and returns evidence: which rows hold its category, and how strong the value evidence
is before context. `PatternRecognizer` covers the common case: a vectorised candidate regex, then
a validator run once per distinct candidate."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from privacymesh.detect.context import ContextSignals
from privacymesh.detect.options import ScanOptions

ROW = "row"
VALUE = "value"

# what kind of column the values came from; recognizers declare the kinds they apply to
TEXT = "text"
INTEGER = "integer"
FLOAT = "float"
TEMPORAL = "temporal"
TEXT_ONLY = frozenset({TEXT})
DIGITS = frozenset({TEXT, INTEGER})


@dataclass(frozen=True)
class ColumnValues:
    """The values a recognizer sees: a frame of (row, value) with value a non-null String,
    truncated; one row per cell, or several per cell for nested/derived values."""

    name: str
    frame: pl.DataFrame
    n_rows: int  # non-null cells of the source column: the denominator of hit rates
    signals: ContextSignals
    options: ScanOptions
    raw: pl.Series | None = None  # the typed source column, for column-level recognizers
    hints: frozenset[str] = field(default_factory=frozenset)
    known_hashes: pl.Series | None = None
    derived: bool = False  # values came out of JSON or a decoding
    kind: str = TEXT

    @property
    def values(self) -> pl.Series:
        return self.frame[VALUE]

    @property
    def rows(self) -> pl.Series:
        return self.frame[ROW]


@dataclass
class Evidence:
    """Value evidence of one category in one column. `examples` are raw and never leave the
    scanner unmasked."""

    recognizer: str
    category: str
    rows: pl.Series  # distinct row ids with a valid hit
    strength: float  # confidence from the values alone, 0..1
    methods: set[str]
    examples: list[str]
    words: frozenset[str] = frozenset()
    negative: frozenset[str] = frozenset()
    source: str = ""  # name of the ColumnValues it came from (column or column.key)
    context_delta: float = 0.0
    context_raised: bool = False
    estimated_hits: float = 0.0  # hits including rows whose candidates were not validated


class Recognizer(ABC):
    """Base of every recognizer: its name, the categories it can emit and its context words."""

    name: str = "recognizer"
    categories: tuple[str, ...] = ()
    context: frozenset[str] = frozenset()
    negative_context: frozenset[str] = frozenset()
    # run on values that came out of JSON or decodings too
    on_derived: bool = True
    kinds: frozenset[str] = TEXT_ONLY

    def applies(self, values: ColumnValues) -> bool:
        return values.kind in self.kinds and (self.on_derived or not values.derived)

    @abstractmethod
    def detect(self, values: ColumnValues) -> list[Evidence]:
        """Evidence found in these values (empty when none)."""

    def evidence(
        self,
        category: str,
        rows: pl.Series,
        strength: float,
        methods: set[str],
        examples: list[str],
    ) -> Evidence:
        return Evidence(
            recognizer=self.name,
            category=category,
            rows=rows,
            strength=max(0.0, min(strength, 0.99)),
            methods=methods,
            examples=examples,
            words=self.context,
            negative=self.negative_context,
        )


def words(*items: str) -> frozenset[str]:
    return frozenset(items)


def lift(valid_ratio: float, chance: float) -> float:
    """How far the share of candidates passing validation is above what chance gives
    (e.g. 1 in 10 random numbers pass Luhn): 1.0 when all pass, 0 at chance level."""
    if chance <= 0:
        return 1.0
    if chance >= 1:
        return 0.0
    return max(0.0, min(1.0, (valid_ratio - chance) / (1.0 - chance)))


def sample_distinct(
    candidates: pl.Series, options: ScanOptions, cap: int | None = None
) -> pl.Series:
    """Distinct candidates in order of appearance, at most `max_validate` of them (a seeded
    sample beyond that)."""
    distinct = candidates.unique(maintain_order=True)
    limit = min(options.max_validate, cap) if cap else options.max_validate
    if distinct.len() > limit:
        distinct = distinct.sample(limit, seed=options.seed)
    return distinct


@dataclass
class PatternRecognizer(Recognizer):
    """A regex finds candidates in whole columns (`str.contains` then `str.extract_all`); a
    validator confirms each *distinct* candidate.

    anchored: the candidate must be the whole value (weak formats such as 5-digit postal codes).
    normalise: a Polars expression applied to candidates before validation (e.g. strip spaces).
    validator: Python predicate per distinct candidate; vector_validator: a Series -> bool Series.
    chance: probability a random candidate passes the validator (Luhn: 0.1); scales strength.
    full_coverage: hit rate at which value evidence counts fully (weak recognizers need the
    column to be dominated by their values; strong ones count even when sparse).
    """

    name: str = "pattern"
    category: str = ""
    pattern: str = ""
    base: float = 0.8
    prefilter: str | None = None
    anchored: bool = False
    normalise: Callable[[pl.Expr], pl.Expr] | None = None
    validator: Callable[[str], bool] | None = None
    vector_validator: Callable[[pl.Series], pl.Series] | None = None
    chance: float = 0.0
    full_coverage: float = 0.0
    context: frozenset[str] = frozenset()
    negative_context: frozenset[str] = frozenset()
    methods: tuple[str, ...] = ("pattern",)
    on_derived: bool = True
    reject: str | None = None  # candidates matching this regex are dropped before validation
    skip_values: str | None = None  # whole values matching this regex hold no candidate
    kinds: frozenset[str] = TEXT_ONLY
    max_validate: int | None = None  # overrides ScanOptions.max_validate (slow validators)

    def __post_init__(self) -> None:
        self.categories = (self.category,)

    # -- candidate extraction ----------------------------------------------------------------
    def gate(self, value: pl.Expr) -> pl.Expr:
        """Cheap per-value test: could this value hold a candidate? The scanner evaluates the
        gates of all pattern recognizers in one parallel `select` and skips those with none."""
        if self.anchored:
            return value.str.strip_chars().str.contains(f"^(?:{self.pattern})$")
        return value.str.contains(self.prefilter or self.pattern)

    def candidates(self, values: ColumnValues) -> pl.DataFrame:
        """(row, cand) pairs: every candidate match, normalised."""
        v = pl.col(VALUE)
        source = values.frame
        if self.skip_values:
            source = source.filter(~v.str.contains(self.skip_values))
        if self.anchored:
            stripped = v.str.strip_chars()
            frame = source.select(ROW, stripped.alias("cand")).filter(
                pl.col("cand").str.contains(f"^(?:{self.pattern})$")
            )
        else:
            pre = self.prefilter or self.pattern
            frame = (
                source.filter(v.str.contains(pre))
                .select(ROW, v.str.extract_all(self.pattern).alias("cand"))
                .explode("cand")
                .drop_nulls("cand")
            )
        if self.reject:
            frame = frame.filter(~pl.col("cand").str.contains(self.reject))
        if self.normalise is not None:
            frame = frame.with_columns(self.normalise(pl.col("cand")).alias("cand"))
        return frame

    def strength(self, valid_ratio: float, chance: float, hit_rate: float) -> float:
        """Value evidence: the base score, scaled by how far validation beats chance and by how
        much of the column the hits cover."""
        return self.base * lift(valid_ratio, chance) * _coverage(hit_rate, self)

    def chance_for(self, distinct: pl.Series, options: ScanOptions) -> float:
        """Probability that a random candidate like these passes validation."""
        return self.chance

    def validate(self, distinct: pl.Series, options: ScanOptions) -> pl.Series:
        if self.vector_validator is not None:
            return self.vector_validator(distinct)
        if self.validator is None:
            return pl.Series([True] * distinct.len(), dtype=pl.Boolean)
        fn = self.validator
        return pl.Series([_safe(fn, v) for v in distinct.to_list()], dtype=pl.Boolean)

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows == 0:
            return []
        cands = self.candidates(values)
        if cands.height == 0:
            return []
        distinct = sample_distinct(cands["cand"], values.options, self.max_validate)
        ok = self.validate(distinct, values.options)
        checked = pl.DataFrame({"cand": distinct, "ok": ok})
        joined = cands.join(checked, on="cand", how="inner")
        if joined.height == 0:
            return []
        per_row = joined.group_by(ROW).agg(pl.col("ok").any())
        checked_rows = per_row.height
        valid_rows = per_row.filter(pl.col("ok"))[ROW]
        if valid_rows.len() == 0:
            return []
        all_cand_rows = cands[ROW].n_unique()
        # rows whose candidates were not validated are estimated from the checked ones
        est_valid = valid_rows.len() * all_cand_rows / max(checked_rows, 1)
        hit_rate = min(1.0, est_valid / values.n_rows)
        valid_ratio = float(ok.sum()) / max(distinct.len(), 1)
        chance = self.chance_for(distinct, values.options)
        strength = self.strength(valid_ratio, chance, hit_rate)
        examples = checked.filter(pl.col("ok"))["cand"].head(values.options.max_examples * 4)
        methods = set(self.methods)
        if self.validator is not None or self.vector_validator is not None:
            methods.add("validator")
        ev = self.evidence(self.category, valid_rows, strength, methods, examples.to_list())
        ev.estimated_hits = est_valid
        return [ev]


def _coverage(hit_rate: float, rec: PatternRecognizer) -> float:
    if rec.full_coverage <= 0 or hit_rate >= rec.full_coverage:
        return 1.0
    return 0.5 + 0.5 * hit_rate / rec.full_coverage


def _safe(fn: Callable[[str], bool], value: str) -> bool:
    try:
        return bool(fn(value))
    except Exception:  # a validator must never crash a scan; a value it chokes on is no hit
        return False
