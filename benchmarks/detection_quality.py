"""Detection quality of `privacymesh.detect` on data nobody here generated: the labelled corpus of
public sources in benchmarks/detection_corpus, scored per source with leave-one-source-out, and
the generated set (benchmarks/detection_eval) as a regression guard only.

    .venv/bin/python benchmarks/detection_quality.py [--no-guard] [--guard-rows 2000] [--tuned-only]

Sources marked `tuned: false` in sources.yaml are reported apart ("untuned sources"): while
tuning, run with `--tuned-only` so their results stay unseen.

Leave-one-source-out: for each source, a combiner is fitted on the columns of the other sources
and scored on the left-out one. Today's detector has no learned part, so the combiner is the
rules' verdict and fitting does nothing; a learned combiner plugs in as another `Combiner`.
The calibration section checks what the reported `confidence` means: every category reported
on a labelled column is right or wrong (see `hit_outcomes`), and the confidences are compared
with the share right (reliability table, expected calibration error, Brier score), for the raw
score the verdict is decided on and for the shipped calibration map
(`benchmarks/fit_calibration.py`), the map refitted without each left-out source.
Writes benchmarks/results/detection_quality.md. Only table and column names and counts are
printed: no value of any table appears in the output.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from detection_corpus.corpus import Corpus, LabelledColumn, QuasiSet, load_corpus  # noqa: E402

from privacymesh.detect import ColumnScan, ScanOptions, TableScan, scan_frame  # noqa: E402

RESULTS = HERE / "results" / "detection_quality.md"
REFERENCE_DATE = date(2026, 11, 1)  # fixed, so plausible-age windows do not move with the clock
# contact channels are families of their own (a fax is a phone number); elsewhere the family is
# the first two levels of the key
FAMILY_ROOTS = {
    "user.contact.address": "user.contact.address",
    "user.contact.email": "user.contact.email",
    "user.contact.phone_number": "user.contact.phone_number",
    "user.contact.fax_number": "user.contact.phone_number",
    "user.contact.url": "user.contact.url",
    "user.contact.organization": "user.contact.organization",
}


def related(a: str, b: str) -> bool:
    """Equal, or one is the other's ancestor (`user.name` ~ `user.name.first`)."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def family(key: str) -> str:
    """The fideslang family a key is compared at: a declared `user.device` field covers a
    detected `user.device.device_id` and its siblings."""
    for root, fam in FAMILY_ROOTS.items():
        if key == root or key.startswith(root + "."):
            return fam
    return ".".join(key.split(".")[:2])


# --- combiners ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    """One labelled column with the detector's verdict on it: what a combiner learns from."""

    label: LabelledColumn
    scan: ColumnScan


class Combiner(Protocol):
    """Turns a column's scan into the categories reported. Fitted on the other sources only."""

    name: str

    def fit(self, train: list[Example]) -> None: ...

    def predict(self, scan: ColumnScan) -> frozenset[str]: ...


class RulesOnly:
    """The detector as shipped: its reported categories, nothing learned."""

    name = "rules (no learned part; fit is a no-op)"

    def fit(self, train: list[Example]) -> None:
        del train

    def predict(self, scan: ColumnScan) -> frozenset[str]:
        return scan.category_keys()


# --- scoring -----------------------------------------------------------------------------------


@dataclass
class Tally:
    """Counts of one slice of the corpus (a source, or all left-out sources pooled)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    by_category: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    by_family: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    by_hard: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)
    wrong_category: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.tp / max(self.tp + self.fn, 1)

    @property
    def precision(self) -> float:
        return self.tp / max(self.tp + self.fp, 1)

    @property
    def false_alarm_rate(self) -> float:
        return self.fp / max(self.fp + self.tn, 1)

    @staticmethod
    def _share(counts: Iterable[list[int]]) -> float:
        counts = list(counts)
        return sum(c[0] for c in counts) / max(sum(c[1] for c in counts), 1)

    @property
    def category_recall(self) -> float:
        return self._share(self.by_category.values())

    @property
    def family_recall(self) -> float:
        return self._share(self.by_family.values())

    def add(self, label: LabelledColumn, found: frozenset[str]) -> None:
        where = f"`{label.table}.{label.column}`"
        hard = label.hard or "plain"
        hard = hard if label.personal else f"{hard} (decoy)"
        self.by_hard[hard][1] += 1
        if not label.personal:
            if found:
                self.fp += 1
                self.false_alarms.append(f"{where} ({hard}): {', '.join(sorted(found))}")
            else:
                self.tn += 1
                self.by_hard[hard][0] += 1
            return
        if found:
            self.tp += 1
            self.by_hard[hard][0] += 1
        else:
            self.fn += 1
            self.misses.append(f"{where} ({hard}): {', '.join(label.categories)}")
        for cat in label.categories:
            hit = any(related(f, cat) for f in found)
            fam = any(family(f) == family(cat) for f in found)
            self.by_category[cat][1] += 1
            self.by_category[cat][0] += int(hit)
            self.by_family[family(cat)][1] += 1
            self.by_family[family(cat)][0] += int(fam)
            if found and not hit:
                self.wrong_category.append(
                    f"{where}: labelled {cat}, got {', '.join(sorted(found))}"
                )

    def merge(self, other: Tally) -> None:
        self.tp, self.fp = self.tp + other.tp, self.fp + other.fp
        self.fn, self.tn = self.fn + other.fn, self.tn + other.tn
        for mine, theirs in (
            (self.by_category, other.by_category),
            (self.by_family, other.by_family),
            (self.by_hard, other.by_hard),
        ):
            for key, (hit, total) in theirs.items():
                mine[key][0] += hit
                mine[key][1] += total
        self.misses += other.misses
        self.false_alarms += other.false_alarms
        self.wrong_category += other.wrong_category


@dataclass(frozen=True)
class QuasiResult:
    quasi: QuasiSet
    k_min: int
    unique_fraction: float
    reported: tuple[tuple[str, ...], ...]  # flagged combinations inside the set

    @property
    def found(self) -> bool:
        return any(len(c) >= 2 for c in self.reported)


def quasi_result(qs: QuasiSet, scan: TableScan, corpus: Corpus) -> QuasiResult:
    frame = corpus.table(qs.table).frame
    sizes = frame.group_by(list(qs.columns)).len()["len"]
    inside = tuple(
        q.columns for q in scan.quasi_identifiers if q.flagged and set(q.columns) <= set(qs.columns)
    )
    return QuasiResult(qs, int(sizes.min()), int((sizes == 1).sum()) / frame.height, inside)


# --- running -----------------------------------------------------------------------------------


def scan_corpus(corpus: Corpus, options: ScanOptions) -> dict[str, TableScan]:
    return {t.name: scan_frame(t.frame, t.name, options=options) for t in corpus.tables}


def row_order_changes(
    corpus: Corpus, scans: dict[str, TableScan], options: ScanOptions
) -> list[str]:
    """Labelled columns whose verdict changes when the table's rows are reversed."""
    changed = []
    for t in corpus.tables:
        again = scan_frame(t.frame.reverse(), t.name, options=options)
        for label in t.labels:
            a = scans[t.name].column(label.column).category_keys()
            b = again.column(label.column).category_keys()
            if a != b:
                changed.append(f"`{t.name}.{label.column}`")
    return changed


def leave_one_source_out(
    corpus: Corpus, scans: dict[str, TableScan], make: type[RulesOnly]
) -> tuple[dict[str, Tally], str]:
    """A tally per source, each scored by a combiner fitted on the other sources only."""
    examples = [Example(label, scans[label.table].column(label.column)) for label in corpus.labels]
    per_source: dict[str, Tally] = {}
    name = ""
    for source in corpus.sources:
        held_out = [e for e in examples if e.label.source == source]
        if not held_out:
            continue
        combiner = make()
        name = combiner.name
        combiner.fit([e for e in examples if e.label.source != source])
        tally = Tally()
        for e in held_out:
            tally.add(e.label, combiner.predict(e.scan))
        per_source[source] = tally
    return per_source, name


# --- calibration -------------------------------------------------------------------------------

CALIBRATION_BINS = 10


@dataclass(frozen=True)
class Outcome:
    """One category reported on a labelled column: its raw score (what the verdict was decided
    on), the confidence reported, and whether it is right."""

    source: str
    score: float
    confidence: float
    correct: bool


def hit_outcomes(corpus: Corpus, scans: dict[str, TableScan]) -> list[Outcome]:
    """Every category reported on a labelled column, in corpus order. Right when the column is
    personal and the category is its label, or an ancestor or descendant of it: the rule of the
    strict category recall. A category on a decoy, or one unrelated to every label of a
    personal column (an e-mail reported on a username column), is wrong."""
    out = []
    for label in corpus.labels:
        for hit in scans[label.table].column(label.column).categories:
            right = label.personal and any(related(hit.category, c) for c in label.categories)
            out.append(Outcome(label.source, float(hit.score), hit.confidence, right))
    return out


@dataclass(frozen=True)
class ReliabilityBin:
    low: float
    high: float
    hits: int
    mean_confidence: float
    share_correct: float


def reliability(
    probabilities: list[float], correct: list[bool], bins: int = CALIBRATION_BINS
) -> list[ReliabilityBin]:
    """The non-empty bins of equal width over [0, 1] (each holds [low, high), the last also 1),
    with the mean confidence and the observed share correct of the hits in each."""
    grouped: dict[int, list[tuple[float, bool]]] = defaultdict(list)
    for p, ok in zip(probabilities, correct, strict=True):
        grouped[min(int(p * bins), bins - 1)].append((p, ok))
    return [
        ReliabilityBin(
            b / bins,
            (b + 1) / bins,
            len(members),
            sum(p for p, _ in members) / len(members),
            sum(ok for _, ok in members) / len(members),
        )
        for b, members in sorted(grouped.items())
    ]


def expected_calibration_error(
    probabilities: list[float], correct: list[bool], bins: int = CALIBRATION_BINS
) -> float:
    """Hit-weighted mean of |mean confidence - share correct| over the bins of `reliability`."""
    total = len(probabilities)
    if total == 0:
        return 0.0
    return sum(
        b.hits / total * abs(b.mean_confidence - b.share_correct)
        for b in reliability(probabilities, correct, bins)
    )


def brier_score(probabilities: list[float], correct: list[bool]) -> float:
    """Mean squared difference between each confidence and its outcome (1 right, 0 wrong)."""
    pairs = list(zip(probabilities, correct, strict=True))
    return sum((p - ok) ** 2 for p, ok in pairs) / max(len(pairs), 1)


def refitted_out_of_source(outcomes: list[Outcome]) -> list[float]:
    """Each outcome's probability from a calibration map fitted on the other sources' outcomes
    only (leave-one-source-out), in the order given."""
    from fit_calibration import fit_map  # imports this module: imported where needed

    probability: dict[int, float] = {}
    for source in sorted({o.source for o in outcomes}):
        fitted = fit_map([o for o in outcomes if o.source != source])
        probability.update(
            {i: fitted(o.score) for i, o in enumerate(outcomes) if o.source == source}
        )
    return [probability[i] for i in range(len(outcomes))]


def _reliability_table(title: str, probabilities: list[float], correct: list[bool]) -> list[str]:
    rows = [
        f"| {b.low:.1f}-{b.high:.1f} | {b.hits} | {b.mean_confidence:.3f} | {b.share_correct:.3f} |"
        for b in reliability(probabilities, correct)
    ]
    return [
        f"{title}:",
        "",
        "| confidence | hits | mean confidence | share right |",
        "| --- | --- | --- | --- |",
        *rows,
        "",
    ]


def _calibration_row(what: str, probabilities: list[float], correct: list[bool]) -> str:
    return (
        f"| {what} | {len(correct)} | {sum(correct) / max(len(correct), 1):.3f} |"
        f" {sum(probabilities) / max(len(probabilities), 1):.3f} |"
        f" {expected_calibration_error(probabilities, correct):.3f} |"
        f" {brier_score(probabilities, correct):.4f} |"
    )


def calibration_section(outcomes: list[Outcome], untuned: set[str]) -> list[str]:
    """The report's calibration section: tuned sources left out, then the untuned ones."""
    tuned = [o for o in outcomes if o.source not in untuned]
    unseen = [o for o in outcomes if o.source in untuned]
    right = [o.correct for o in tuned]
    raw = [o.score for o in tuned]
    refitted = refitted_out_of_source(tuned)
    shipped = [o.confidence for o in tuned]
    lines = [
        "## Calibration of the reported confidence",
        "",
        "Every category reported on a labelled column is one hit. It is right when the column is"
        " personal and the category is the label or its ancestor or descendant (the rule of the"
        " strict category recall); a category on a decoy, or one unrelated to every label of a"
        " personal column, is wrong. The verdict is decided on the raw score (strongest"
        " evidence's strength plus context, threshold `min_confidence`"
        f" {ScanOptions().min_confidence}); the reported"
        " `confidence` is that score through the calibration map shipped in"
        " `src/privacymesh/detect/calibration.json` (`benchmarks/fit_calibration.py`, fitted on"
        " the tuned sources only). Left out: for each tuned source the map is refitted on the"
        " other tuned sources and applied to the one left out; the rows pool those. Expected"
        f" calibration error (ECE) over {CALIBRATION_BINS} bins of equal width; Brier score"
        " = mean (confidence - right)^2. The map is fitted on sources the rules were tuned on,"
        " where reported categories are right more often than on data never seen: the untuned"
        " rows show how far it holds.",
        "",
        "| hits, confidence | hits | share right | mean confidence | ECE | Brier |",
        "| --- | --- | --- | --- | --- | --- |",
        _calibration_row("tuned sources, raw score", raw, right),
        _calibration_row(
            "tuned sources, map refitted without the left-out source", refitted, right
        ),
        _calibration_row("tuned sources, shipped map (fitted on them: in-sample)", shipped, right),
    ]
    if unseen:
        seen_right = [o.correct for o in unseen]
        lines += [
            _calibration_row("untuned sources, raw score", [o.score for o in unseen], seen_right),
            _calibration_row(
                "untuned sources, shipped map", [o.confidence for o in unseen], seen_right
            ),
        ]
    lines += [
        "",
        *_reliability_table("Tuned sources, raw score", raw, right),
        *_reliability_table(
            "Tuned sources, map refitted without the left-out source", refitted, right
        ),
    ]
    if unseen:
        seen_right = [o.correct for o in unseen]
        lines += [
            *_reliability_table(
                "Untuned sources (report only, never fitted on), raw score",
                [o.score for o in unseen],
                seen_right,
            ),
            *_reliability_table(
                "Untuned sources, shipped map", [o.confidence for o in unseen], seen_right
            ),
        ]
    return lines[:-1]


# --- report ------------------------------------------------------------------------------------


def _rows(counts: dict[str, list[int]]) -> list[str]:
    return [
        f"| {key} | {total} | {hit} | {hit / total:.2f} |"
        for key, (hit, total) in sorted(counts.items())
    ]


def _source_row(source: str, t: Tally) -> str:
    recall = f"{t.recall:.2f}" if t.tp + t.fn else "-"
    precision = f"{t.precision:.2f}" if t.tp + t.fp else "-"
    family_recall = f"{t.family_recall:.2f}" if t.by_family else "-"
    return (
        f"| {source} | {t.tp + t.fn} | {t.fp + t.tn} | {recall} | {precision} |"
        f" {t.fp}/{t.fp + t.tn} | {family_recall} |"
    )


def report(
    corpus: Corpus,
    per_source: dict[str, Tally],
    combiner: str,
    quasi: list[QuasiResult],
    order_changes: list[str],
    seconds: float,
    guard: str | None,
    outcomes: list[Outcome] | None = None,
) -> str:
    untuned = {s for s, meta in corpus.sources.items() if meta.get("tuned") is False}
    pooled = Tally()
    held_out = Tally()
    for source, tally in per_source.items():
        (held_out if source in untuned else pooled).merge(tally)
    labels = corpus.labels
    n_personal = sum(c.personal for c in labels)
    derived = [s for s, meta in corpus.sources.items() if meta.get("derived_from")]
    # the tuned pool's sets and the untuned sources' sets are counted apart, as their columns are
    tuned_quasi = [q for q in quasi if q.quasi.source not in untuned]
    untuned_quasi = [q for q in quasi if q.quasi.source in untuned]
    found = sum(q.found for q in tuned_quasi)
    lines = [
        "# Detection quality",
        "",
        f"Corpus: `benchmarks/detection_corpus/`, {len(corpus.sources) - len(derived)} public"
        f" sources and {', '.join(f'`{d}`' for d in derived)} (columns rebuilt from them), "
        f"{len(corpus.tables)} tables, {len(labels)} hand-labelled columns ({n_personal} personal,"
        f" {len(labels) - n_personal} decoys), {len(quasi)} re-identifying column sets."
        " Provenance and licences: `sources.yaml`; labels: `labels.yaml`.",
        f"Scanned with default options (reference date {REFERENCE_DATE}) in {seconds:.1f} s,"
        " column names only (no contract context). Every table has at most 1,000 rows, so the"
        " default sample holds every row.",
        f"Leave-one-source-out with combiner: {combiner}. Each source is scored by a combiner"
        " fitted on the other sources; the pooled row adds up the left-out scores.",
        "",
        "## Left-out sources pooled",
        "",
        "Sources the rules were tuned on (each scored left out, as above); the untuned sources"
        " have their own table below.",
        "",
        "| metric | value | target |",
        "| --- | --- | --- |",
        f"| recall (personal columns flagged) | {pooled.recall:.3f} | >= 0.98 |",
        f"| precision | {pooled.precision:.3f} | >= 0.95 |",
        f"| false-alarm rate on decoys | {pooled.false_alarm_rate:.3f} | |",
        f"| category recall (key or ancestor/descendant) | {pooled.category_recall:.3f} | |",
        f"| category recall (fideslang family) | {pooled.family_recall:.3f} | >= 0.90 each |",
        f"| re-identifying sets found | {found}/{len(tuned_quasi)}"
        f" ({found / max(len(tuned_quasi), 1):.2f}) | >= 0.9 |",
        f"| labelled columns whose verdict changes with row order | {len(order_changes)} | 0 |",
        f"| true positives / false negatives | {pooled.tp} / {pooled.fn} | |",
        f"| false positives / true negatives | {pooled.fp} / {pooled.tn} | |",
        "",
        "## Per left-out source",
        "",
        "| source | personal | decoys | recall | precision | decoys flagged | category recall"
        " (family) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    lines += [_source_row(s, t) for s, t in per_source.items() if s not in untuned]
    if untuned:
        lines += [
            "",
            "## Untuned sources",
            "",
            "Labelled, then scored only at the end: no rule was written or adjusted while looking"
            " at these sources' results (`tuned: false` in `sources.yaml`). What each round of"
            " new sources missed and flagged, by class, is written by hand in"
            " `detection_untuned_rounds.md` (this script does not touch it).",
            "",
            "| sources | personal | decoys | recall | precision | decoys flagged | category"
            " recall (family) |",
            "| --- | --- | --- | --- | --- | --- | --- |",
            f"| untuned sources ({', '.join(sorted(untuned))}) | {held_out.tp + held_out.fn} |"
            f" {held_out.fp + held_out.tn} | {held_out.recall:.2f} | {held_out.precision:.2f} |"
            f" {held_out.fp}/{held_out.fp + held_out.tn} | {held_out.family_recall:.2f} |",
            *[_source_row(s, t) for s, t in per_source.items() if s in untuned],
            "",
            f"Re-identifying sets of the untuned sources found:"
            f" {sum(q.found for q in untuned_quasi)} of {len(untuned_quasi)}.",
            "",
            *([f"- missed: {m}" for m in held_out.misses]),
            *([f"- false alarm: {m}" for m in held_out.false_alarms]),
            *([f"- other category: {m}" for m in held_out.wrong_category]),
        ]
    lines += [
        "",
        "## Recall per category",
        "",
        "Strict: a reported key equal to the label or its ancestor or descendant.",
        "",
        "| category | columns | found | recall |",
        "| --- | --- | --- | --- |",
        *_rows(pooled.by_category),
        "",
        "Family level (a declared `user.device` covers a detected `user.device.device_id`;"
        " the address, e-mail and phone (with fax) are families of their own):",
        "",
        "| family | columns | found | recall |",
        "| --- | --- | --- | --- |",
        *_rows(pooled.by_family),
        "",
        "## Per hard class",
        "",
        "Personal classes: share flagged. Decoy classes: share left unflagged.",
        "",
        "| class | columns | correct | share |",
        "| --- | --- | --- | --- |",
        *_rows(pooled.by_hard),
        "",
        *([*calibration_section(outcomes, untuned), ""] if outcomes else []),
        "## Re-identifying column sets",
        "",
        "Found when the scan reports a flagged combination of two or more of the set's columns."
        " k and unique share are measured on the table.",
        "",
        "| table | columns | k | unique share | flagged combinations inside the set | found |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for q in quasi:
        reported = "; ".join("+".join(c) for c in q.reported) or "none"
        lines.append(
            f"| {q.quasi.table} | {' + '.join(q.quasi.columns)} | {q.k_min} |"
            f" {q.unique_fraction:.2f} | {reported} | {'yes' if q.found else 'no'} |"
        )
    lines += [
        "",
        "## Read these numbers with care",
        "",
        "- The labels are one reader's; the choices a reader may not share are written at the"
        " top of `labels.yaml` (company addresses are decoys, company contacts' phones are"
        " personal). Columns whose answer is a policy, not a fact, are left unlabelled.",
        "- `stdnum` and `phonenumbers` values are valid for the very libraries the detector uses"
        " to validate: those sources measure coverage (which countries, which formats), not"
        " validation, and flatter the detector.",
        "- `derived` columns rearrange values of the other sources (or hash public strings) to"
        " build hard classes the sources lack; they are their own source in the leave-one-out.",
        "- Many tables are small (8 to 100 rows): a single column decides a source's figures.",
        "- Sample databases hold made-up values: most AdventureWorks card numbers fail the Luhn"
        " check and some sample phone numbers fail `phonenumbers`' validation. Labels follow what"
        " a column holds, so such columns can be found only with their context (name, table).",
        "",
        "## Misses (personal columns not flagged)",
        "",
        *([f"- {m}" for m in pooled.misses] or ["- none"]),
        "",
        "## False alarms (decoys flagged)",
        "",
        *([f"- {m}" for m in pooled.false_alarms] or ["- none"]),
        "",
        "## Flagged, but not with the labelled category",
        "",
        *([f"- {m}" for m in pooled.wrong_category] or ["- none"]),
        "",
        "## Verdicts that change with row order",
        "",
        *([f"- {m}" for m in order_changes] or ["- none"]),
    ]
    if guard:
        lines += ["", guard]
    return "\n".join(lines) + "\n"


def regression_guard(rows: int) -> str:
    """The generated set's figures, kept only to catch regressions."""
    from detection_eval.evaluate import score
    from detection_eval.generate import REFERENCE_DATE as GEN_DATE
    from detection_eval.generate import load

    tables = load(rows, 7)
    options = ScanOptions(reference_date=GEN_DATE)
    predicted = {}
    for t in tables:
        scan = scan_frame(
            t.frame, t.name, options=options, known_hashes=set(t.known_hashes) or None
        )
        predicted.update({(t.name, c.column): set(c.category_keys()) for c in scan.columns})
    s = score([c for t in tables for c in t.labels], predicted)
    return "\n".join(
        [
            "## Regression guard: the generated set (not a measure of quality)",
            "",
            f"`benchmarks/detection_eval/generate.py`, {len(tables)} tables, {rows} rows each,"
            " written by the same hands as the detector and tuned on: a fall here is a"
            " regression, a perfect score says nothing about data never seen.",
            "",
            f"recall {s.recall:.3f}, precision {s.precision:.3f}, category recall"
            f" {s.category_recall:.3f} (tp {s.tp}, fn {s.fn}, fp {s.fp}, tn {s.tn}).",
        ]
    )


def tuned_only(corpus: Corpus) -> Corpus:
    """The corpus without the sources marked `tuned: false`."""
    keep = {s for s, meta in corpus.sources.items() if meta.get("tuned") is not False}
    return Corpus(
        {s: m for s, m in corpus.sources.items() if s in keep},
        tuple(t for t in corpus.tables if t.source in keep),
        tuple(q for q in corpus.quasi_sets if q.source in keep),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-guard", action="store_true", help="skip the generated set")
    parser.add_argument("--guard-rows", type=int, default=2000)
    parser.add_argument(
        "--tuned-only",
        action="store_true",
        help="leave out the untuned sources (while tuning, so their results stay unseen)",
    )
    args = parser.parse_args()
    corpus = load_corpus()
    if args.tuned_only:
        corpus = tuned_only(corpus)
    options = ScanOptions(reference_date=REFERENCE_DATE)
    scan_frame(corpus.tables[0].frame.head(20), "warm-up")  # build the name dictionaries once
    start = time.perf_counter()
    scans = scan_corpus(corpus, options)
    seconds = time.perf_counter() - start
    per_source, combiner = leave_one_source_out(corpus, scans, RulesOnly)
    quasi = [quasi_result(q, scans[q.table], corpus) for q in corpus.quasi_sets]
    changes = row_order_changes(corpus, scans, options)
    guard = None if args.no_guard else regression_guard(args.guard_rows)
    outcomes = hit_outcomes(corpus, scans)
    text = report(corpus, per_source, combiner, quasi, changes, seconds, guard, outcomes)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
