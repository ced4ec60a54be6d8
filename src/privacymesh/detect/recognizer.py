"""What a recognizer is. A recognizer looks at the values of one column (or of one nested key)
as a whole and returns evidence: which rows hold its category, and how strong the value evidence
is before context. `PatternRecognizer` covers the common case: a vectorised candidate regex, then
a validator run once per distinct candidate."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import polars as pl

from privacymesh.detect.context import ContextSignals
from privacymesh.detect.options import ScanOptions
from privacymesh.detect.regex_needs import min_digits

ROW = "row"
VALUE = "value"
STRIPPED = "stripped"  # the value without surrounding whitespace

# what kind of column the values came from; recognizers declare the kinds they apply to
TEXT = "text"
INTEGER = "integer"
FLOAT = "float"
TEMPORAL = "temporal"
# true/false as text: only a recognizer that reads a flag by its name declares it
BOOLEAN = "boolean"
TEXT_ONLY = frozenset({TEXT})
PROBE_EVERY = 8
PROBE_MIN_ROWS = 400
PROBE_SEED = 21
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
    # the sampled table the column belongs to (same row ids), for a recognizer that reads a
    # neighbouring column of the same row (a phone number's country)
    table: pl.DataFrame | None = field(default=None, repr=False, compare=False)
    # what recognizers derive from the same values (stripped text, gate results), computed
    # once per column; `dataclasses.replace` starts a new one
    memo: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def values(self) -> pl.Series:
        return self.frame[VALUE]

    @property
    def rows(self) -> pl.Series:
        return self.frame[ROW]

    def stripped(self) -> pl.DataFrame:
        """(row, value) with each value's surrounding whitespace stripped."""
        if STRIPPED not in self.memo:
            self.memo[STRIPPED] = self.frame.select(ROW, pl.col(VALUE).str.strip_chars())
        return self.memo[STRIPPED]

    def folded(self) -> pl.DataFrame:
        """(row, value) stripped and lower-cased."""
        if "folded" not in self.memo:
            self.memo["folded"] = self.stripped().select(ROW, pl.col(VALUE).str.to_lowercase())
        return self.memo["folded"]

    def probe(self) -> pl.DataFrame:
        """(row, value) stripped: about one row in `PROBE_EVERY` of a long column, chosen by a
        hash of the value (so the same whatever the row order), or every row of a short one. A
        recognizer whose values are rare here can skip the whole column cheaply."""
        if "probe" not in self.memo:
            frame = self.stripped()
            if frame.height > PROBE_MIN_ROWS:
                frame = frame.filter(pl.col(VALUE).hash(PROBE_SEED) % PROBE_EVERY == 0)
            self.memo["probe"] = frame
        return self.memo["probe"]

    def joined(self) -> pl.DataFrame:
        """One row: the distinct values joined by newlines, for `text_gate` searches."""
        if "joined" not in self.memo:
            both = self.frame.select(
                pl.col(VALUE).unique().str.join("\n"), pl.col(VALUE).n_unique().alias("n")
            )
            self.memo["joined"] = pl.DataFrame({VALUE: both.get_column(VALUE)})
            self.memo["distinct"] = both.item(0, "n")
        return self.memo["joined"]

    def joined_text(self) -> str:
        """`joined` as one Python string."""
        if "joined_text" not in self.memo:
            self.memo["joined_text"] = self.joined().item() or ""
        return self.memo["joined_text"]

    def chars(self) -> frozenset[str]:
        """Every character the values hold (from the joined distinct values)."""
        if "chars" not in self.memo:
            self.memo["chars"] = chars_of(self.joined_text())
        return self.memo["chars"]

    def max_digits(self) -> int:
        """The most decimal digits any one value holds: a gate needing more cannot pass."""
        if "max_digits" not in self.memo:
            text = self.joined_text()
            if text.isascii() and text.count("\n") + 1 == self.memo["distinct"]:
                # one line per distinct value (none holds a newline): count ASCII digits per line
                digits = text.encode().translate(None, _NOT_DIGIT_OR_NEWLINE)
                most = max(map(len, digits.split(b"\n")))
            else:
                most = self.frame.select(pl.col(VALUE).str.count_matches(r"\d").max()).item()
            self.memo["max_digits"] = int(most or 0)
        return self.memo["max_digits"]

    def all_hold_digit(self) -> bool:
        """Whether every value holds an ASCII digit (read from the joined distinct values): no
        value is then made of letters alone, so a recognizer of words finds none."""
        if "all_hold_digit" not in self.memo:
            # a line without a digit is a value without one, or part of a value holding a
            # newline: either way it is not known that every value holds one
            found = _DIGIT_FREE_LINE.search(self.joined_text())
            self.memo["all_hold_digit"] = found is None
        return self.memo["all_hold_digit"]

    def gated(self, recognizer: Recognizer) -> pl.DataFrame | None:
        """The rows whose values passed `recognizer`'s gate, as the scanner found them (with a
        `stripped` column), or None when the scanner did not gate it."""
        found = self.memo.get(("gate", id(recognizer)))
        if found is None:
            return None
        frame, mask = found
        return filter_rows(frame, mask)


def filter_rows(frame: pl.DataFrame, mask: pl.Series) -> pl.DataFrame:
    """`frame.filter(mask)` for a Boolean mask of the frame's height, column by column: a
    Series filter runs no query plan, whose fixed cost exceeds the filtering of a few thousand
    rows (a null in the mask drops the row, as in `DataFrame.filter`)."""
    return pl.DataFrame([column.filter(mask) for column in frame.iter_columns()])


def collect(query: pl.LazyFrame) -> pl.DataFrame:
    """`query` run as Polars runs an eager method's (no plan optimisation): on a column of a few
    thousand values, optimising a plan costs more than it saves, and one lazy query in place
    of several eager steps saves a plan's fixed cost per step."""
    return query.collect(**_EAGER)


def _eager_options() -> dict[str, Any]:
    try:
        from polars.lazyframe.opt_flags import QueryOptFlags

        return {"optimizations": QueryOptFlags._eager()}
    except (ImportError, AttributeError):  # a Polars without these flags: its defaults
        return {}


_EAGER = _eager_options()
_NOT_DIGIT_OR_NEWLINE = bytes(b for b in range(256) if not (0x30 <= b <= 0x39 or b == 0x0A))
_DIGIT_FREE_LINE = re.compile(r"^[^0-9]*$", re.MULTILINE)
_ASCII_CHARS = tuple(map(chr, range(128)))


def chars_of(text: str) -> frozenset[str]:
    """The characters `text` holds. For ASCII text, asking whether each of the 128 ASCII
    characters occurs (a fast substring search each, which stops at the first occurrence) is
    several times faster than reading every character of a long text into a set."""
    if text.isascii():
        return frozenset(ch for ch in _ASCII_CHARS if ch in text)
    return frozenset(text)


def digit_free(terms: Iterable[str]) -> bool:
    """Whether no term holds an ASCII digit: a vocabulary that a column of values which all
    hold one cannot match."""
    return not any(ch in "0123456789" for term in terms for ch in term)


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
    raised_by: tuple[str, ...] = ()  # context that raised the confidence (`name: phone`)
    lowered_by: tuple[str, ...] = ()  # context that lowered it
    estimated_hits: float = 0.0  # hits including rows whose candidates were not validated
    detail: str = ""  # privacymesh's finer distinction inside the fideslang key


class Recognizer(ABC):
    """Base of every recognizer: its name, the categories it can emit and its context words."""

    name: str = "recognizer"
    categories: tuple[str, ...] = ()
    # a finer distinction than the fideslang key (e.g. a tax id under
    # `user.government_id.national_identification_number`): reported beside the key, never in it
    detail: str = ""
    context: frozenset[str] = frozenset()
    negative_context: frozenset[str] = frozenset()
    # run on values that came out of JSON or decodings too
    on_derived: bool = True
    kinds: frozenset[str] = TEXT_ONLY

    def applies(self, values: ColumnValues) -> bool:
        return values.kind in self.kinds and (self.on_derived or not values.derived)

    def ruled_out(self, values: ColumnValues) -> bool:
        """Whether the column's facts, computed once per column and shared by every recognizer
        (the characters present, the most digits in a value, whether every value holds a
        digit), already show that `detect` finds nothing here; the scanner then skips it. True
        only where `detect` would return no evidence: a speed-up, never a verdict."""
        return False

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
            detail=self.detail,
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
    sample beyond that). The scanner hands rows over in an order fixed by their content
    (`sample_frame`), so the sample does not depend on the order rows came in."""
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
    detail: str = ""
    pattern: str = ""
    base: float = 0.8
    prefilter: str | None = None
    anchored: bool = False
    normalize: Callable[[pl.Expr], pl.Expr] | None = None
    validator: Callable[[str], bool] | None = None
    vector_validator: Callable[[pl.Series], pl.Series] | None = None
    chance: float = 0.0
    full_coverage: float = 0.0
    context: frozenset[str] = frozenset()
    negative_context: frozenset[str] = frozenset()
    methods: tuple[str, ...] = ("pattern",)
    on_derived: bool = True
    # a regex that every value holding a candidate matches too (implied by `pattern`): a cheap
    # second gate where the prefilter alone lets most values through
    requires: str | None = None
    # `pattern` as its top-level alternatives, each with regexes that a value matches whenever
    # the alternative matches in it: each value is searched with only the alternatives it can
    # hold (a large alternation can be far slower to extract than its parts)
    branches: tuple[tuple[str, tuple[str, ...]], ...] = ()
    reject: str | None = None  # candidates matching this regex are dropped before validation
    skip_values: str | None = None  # whole values matching this regex hold no candidate
    kinds: frozenset[str] = TEXT_ONLY
    max_validate: int | None = None  # overrides ScanOptions.max_validate (slow validators)

    def __post_init__(self) -> None:
        self.categories = (self.category,)
        if self.branches:
            if "|".join(b for b, _ in self.branches) != self.pattern:
                raise ValueError(f"{self.name}: the branches do not join to the pattern")
            if self.requires is None:
                firsts = dict.fromkeys(f"(?:{needs[0]})" for _, needs in self.branches)
                self.requires = "|".join(firsts)

    # -- candidate extraction ----------------------------------------------------------------
    def gate(self, value: pl.Expr) -> pl.Expr:
        """Cheap per-value test: could this value hold a candidate? The scanner evaluates the
        gates of all pattern recognizers over each column and skips those with none."""
        return self.gate_on(value, value.str.strip_chars())

    def gate_on(self, value: pl.Expr, stripped: pl.Expr) -> pl.Expr:
        """`gate`, given the value and the value stripped (computed once per column)."""
        if self.anchored:
            test = stripped.str.contains(f"^(?:{self.pattern})$")
        else:
            test = value.str.contains(self.prefilter or self.pattern)
        if self.requires:
            test = test & value.str.contains(self.requires)
        return test

    def text_gates(self) -> tuple[str, ...] | None:
        """Regexes that a column's distinct values joined by newlines match whenever `gate`
        holds for one of them (so a column that fails one cannot hold a candidate); None when
        `gate` is not this class's own."""
        if type(self).gate is not PatternRecognizer.gate:
            return None
        return _text_gates(self.pattern, self.prefilter, self.anchored, self.requires)

    def gate_digits(self) -> int:
        """How many decimal digits every value passing `gate` holds at least (0 when `gate` is
        not this class's own): the scanner skips the gate in a column whose values hold fewer."""
        if type(self).gate is not PatternRecognizer.gate:
            return 0
        return _gate_digits(self.pattern, self.prefilter, self.anchored, self.requires)

    def candidates(self, values: ColumnValues) -> pl.DataFrame:
        """(row, cand) pairs: every candidate match, normalised."""
        # each step is a lazy one, collected once: an eager step costs a query plan of its own,
        # which on a column of a few thousand values costs more than the work
        v = pl.col(VALUE)
        gated = values.gated(self)
        if gated is None:
            source = values.frame.lazy().with_columns(v.str.strip_chars().alias(STRIPPED))
            source = source.filter(self.gate_on(v, pl.col(STRIPPED)))
        else:
            source = gated.lazy()
        if self.skip_values:
            source = source.filter(~v.str.contains(self.skip_values))
        if self.anchored:
            frame = source.select(ROW, pl.col(STRIPPED).alias("cand"))
        elif self.branches:
            frame = extract_branches(collect(source), self.branches).lazy()
        else:
            # the gate is implied by the pattern: values it dropped hold no match
            frame = (
                source.select(ROW, v.str.extract_all(self.pattern).alias("cand"))
                .explode("cand")
                .drop_nulls("cand")
            )
        if self.reject:
            frame = frame.filter(~pl.col("cand").str.contains(self.reject))
        if self.normalize is not None:
            frame = frame.with_columns(self.normalize(pl.col("cand")).alias("cand"))
        return collect(frame)

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
        per_row = collect(
            cands.lazy()
            .join(checked.lazy(), on="cand", how="inner")
            .group_by(ROW)
            .agg(pl.col("ok").any())
        )
        if per_row.height == 0:
            return []
        checked_rows = per_row.height
        valid_rows = per_row[ROW].filter(per_row["ok"])
        if valid_rows.len() == 0:
            return []
        all_cand_rows = cands[ROW].n_unique()
        # rows whose candidates were not validated are estimated from the checked ones
        est_valid = valid_rows.len() * all_cand_rows / max(checked_rows, 1)
        hit_rate = min(1.0, est_valid / values.n_rows)
        valid_ratio = float(ok.sum()) / max(distinct.len(), 1)
        chance = self.chance_for(distinct, values.options)
        strength = self.strength(valid_ratio, chance, hit_rate)
        examples = distinct.filter(ok).head(values.options.max_examples * 4)
        methods = set(self.methods)
        if self.validator is not None or self.vector_validator is not None:
            methods.add("validator")
        ev = self.evidence(self.category, valid_rows, strength, methods, examples.to_list())
        ev.estimated_hits = est_valid
        return [ev]


def extract_branches(
    source: pl.DataFrame, branches: tuple[tuple[str, tuple[str, ...]], ...]
) -> pl.DataFrame:
    """(row, cand): `str.extract_all` of the alternation of `branches` in each value, searched
    with only the branches whose conditions the value meets. Dropping alternatives that match
    nowhere in a value leaves its leftmost-first matches as they were."""
    v = pl.col(VALUE)
    needs = list(dict.fromkeys(need for _, conditions in branches for need in conditions))
    bit = {need: 1 << i for i, need in enumerate(needs)}
    keyed = source.select(
        ROW,
        VALUE,
        pl.sum_horizontal(
            pl.when(v.str.contains(need)).then(pl.lit(b, pl.Int64)).otherwise(0)
            for need, b in bit.items()
        ).alias("key"),
    ).with_row_index("pos")
    parts = []
    for key in sorted(keyed["key"].unique().to_list()):
        chosen = [b for b, conditions in branches if all(key & bit[n] for n in conditions)]
        if not chosen:
            continue
        parts.append(
            keyed.filter(pl.col("key") == key).select(
                "pos", ROW, v.str.extract_all("|".join(chosen)).alias("cand")
            )
        )
    if not parts:
        return source.select(ROW, pl.lit(None, pl.String).alias("cand")).clear()
    return pl.concat(parts).sort("pos").select(ROW, "cand").explode("cand").drop_nulls("cand")


@lru_cache(maxsize=1024)
def _gate_digits(pattern: str, prefilter: str | None, anchored: bool, requires: str | None) -> int:
    # a value passing the gate holds a match of each regex the gate tests
    tested = pattern if anchored else prefilter or pattern
    return max(min_digits(tested), min_digits(requires) if requires else 0)


@lru_cache(maxsize=1024)
def _text_gates(
    pattern: str, prefilter: str | None, anchored: bool, requires: str | None
) -> tuple[str, ...] | None:
    if anchored:
        # strip_chars() removes White_Space, which is what `\s` matches
        core = relax(pattern)
        gates = None if core is None else [rf"^\s*(?:{core})\s*$"]
    else:
        core = relax(prefilter or pattern)
        gates = None if core is None else [core]
    if gates is not None and requires:
        extra = relax(requires)
        gates = None if extra is None else [*gates, extra]
    return None if gates is None else tuple(f"(?m){g}" for g in gates)


def text_gate(pattern: str) -> str | None:
    """A regex that matches the newline-joined values whenever `pattern` matches one of them
    (see `relax`); None when there is none so simple."""
    core = relax(pattern)
    return None if core is None else f"(?m){core}"


_ASSERTIONS = frozenset("bBAz<>")
_SAFE_FLAGS = frozenset("iu-")


def relax(pattern: str) -> str | None:
    r"""The pattern without its word-boundary and text-boundary assertions (`\b`, `\B`, `\A`,
    `\z`, `\<`, `\>`), for matching, in multi-line mode, against many values joined by
    newlines: any match of the pattern in one value is then a match in the joined text (each
    value's start and end are line starts and ends; every other assertion was dropped, and
    dropping an assertion only allows more matches). None when the pattern sets flags other
    than `i` and `u`, whose effect on the joined text is not so simple."""
    out: list[str] = []
    i, n, depth = 0, len(pattern), 0
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            nxt = pattern[i + 1 : i + 2]
            if depth == 0 and nxt and nxt in _ASSERTIONS:
                i += 2
                if nxt in "bB" and pattern[i : i + 1] == "{":  # \b{start} and kin
                    close = pattern.find("}", i)
                    if close < 0:
                        return None
                    i = close + 1
                continue
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == "[":
            out.append(ch)
            i += 1
            # a `]` (after an optional `^`) right after the opening bracket is literal
            if pattern[i : i + 1] == "^":
                out.append("^")
                i += 1
            if pattern[i : i + 1] == "]":
                out.append("]")
                i += 1
            depth += 1
            continue
        if ch == "]" and depth > 0:
            depth -= 1
        elif ch == "(" and depth == 0 and pattern[i + 1 : i + 2] == "?":
            end = i + 2
            while end < n and pattern[end] not in ":)":
                end += 1
            flags = pattern[i + 2 : end]
            if not flags.startswith(("P<", "<")) and not set(flags) <= _SAFE_FLAGS:
                return None
        out.append(ch)
        i += 1
    return "".join(out)


def _coverage(hit_rate: float, rec: PatternRecognizer) -> float:
    if rec.full_coverage <= 0 or hit_rate >= rec.full_coverage:
        return 1.0
    return 0.5 + 0.5 * hit_rate / rec.full_coverage


def _safe(fn: Callable[[str], bool], value: str) -> bool:
    try:
        return bool(fn(value))
    except Exception:  # a validator must never crash a scan; a value it chokes on is no hit
        return False
