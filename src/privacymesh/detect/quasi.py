"""Quasi-identifiers: combinations of columns that are harmless alone and re-identifying together
(ZIP code, birth date and sex made 87% of the US population unique; Sweeney 2000). Every
combination of 2 to `quasi_max_columns` candidate columns is measured over the whole sample:
k is the smallest equivalence class, the unique fraction the share of rows alone in theirs, the
exposed fraction the share of rows in classes smaller than `quasi_k_threshold`.

A combination is flagged when k is below the threshold AND enough rows are exposed: one rare
value (a due date nobody else has) makes k = 1 but exposes a single row, which is not a
re-identifying set. Single columns are not quasi-identifiers: a column identifying on its own is
a direct identifier, reported by the recognizers.

Columnar: each column is coded once as dense integers, a combination's key is built by mixed
radix re-ranked at every step (so it never overflows), and the class sizes of every combination
of one size come from a single Polars `select`."""

from __future__ import annotations

from itertools import combinations

import polars as pl

from privacymesh.detect.context import tokens
from privacymesh.detect.options import ScanOptions
from privacymesh.detect.results import ColumnScan, QuasiIdentifier

# detected categories that are quasi-identifiers (direct identifiers are reported as such)
QUASI_CATEGORIES = (
    "user.contact.address.postal_code",
    "user.contact.address.city",
    "user.contact.address.state",
    "user.contact.address.country",
    "user.demographic.date_of_birth",
    "user.demographic.gender",
    "user.demographic.age_range",
    "user.demographic.race_ethnicity",
    "user.demographic.marital_status",
    "user.location.imprecise",
    "user.job_title",
)
# a country name alone is left to the recognizers: a handful of values in most tables
# fmt: off
QUASI_NAME_WORDS = frozenset((
    "zip", "zipcode", "postal", "postcode", "plz", "cep", "pincode", "birth", "dob", "born",
    "birthday", "birthdate", "dateofbirth", "age", "gender", "sex", "city", "town", "suburb",
    "county", "state", "province", "region", "district", "municipality", "job",
    "jobtitle", "title", "occupation", "profession", "employer", "nationality", "ethnicity",
    "race", "marital", "maritalstatus", "religion", "language",
))
# fmt: on


def quasi_candidates(frame: pl.DataFrame, scans: list[ColumnScan], limit: int) -> list[str]:
    """Candidate columns in priority order: detected quasi-identifier categories first, then
    names that say so, then plain date columns that no recognizer claimed."""
    by_category, by_name, by_type = [], [], []
    for scan in scans:
        name = scan.column
        if name not in frame.columns:
            continue
        if any(c.category.startswith(QUASI_CATEGORIES) for c in scan.categories):
            by_category.append(name)
        elif tokens(name) & QUASI_NAME_WORDS:
            # the name outweighs a recognizer that read a city as a surname
            by_name.append(name)
        elif scan.personal:
            continue  # a direct identifier (email, id, name) is not a quasi-identifier
        elif frame[name].dtype == pl.Date:
            by_type.append(name)
    usable = [
        c
        for c in by_category + by_name + by_type
        if frame[c].dtype not in (pl.Null,) and not isinstance(frame[c].dtype, pl.List | pl.Struct)
    ]
    return usable[:limit]


def _codes(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Each column as dense UInt64 codes, nulls a class of their own (code 0)."""
    return frame.select(
        pl.col(c).rank("dense").fill_null(0).cast(pl.UInt64).alias(c) for c in columns
    )


_WIDE = 1 << 62


def _key(columns: tuple[str, ...], radix: dict[str, int], rows: int) -> pl.Expr:
    """One code per distinct combination of `columns`' codes: their mixed-radix number, re-ranked
    densely only where the number could leave 64 bits (re-ranking is a sort, mixed radix is
    arithmetic)."""
    key, span = pl.col(columns[0]), radix[columns[0]]
    for c in columns[1:]:
        if span * radix[c] >= _WIDE:
            key, span = key.rank("dense").cast(pl.UInt64), rows + 1
        key, span = key * radix[c] + pl.col(c), span * radix[c]
    return key


def _measure(
    codes: pl.DataFrame, combos: list[tuple[str, ...]], k: int
) -> list[tuple[int, int, int]]:
    """(k_min, unique rows, rows in classes below k) of each combination, one `select`."""
    if not combos:
        return []
    radix = dict(zip(codes.columns, (int(m or 0) + 1 for m in codes.max().row(0)), strict=True))
    exprs = []
    for i, combo in enumerate(combos):
        sizes = _key(combo, radix, codes.height).unique_counts()
        exprs += [
            sizes.min().alias(f"k{i}"),
            (sizes == 1).sum().alias(f"u{i}"),
            sizes.filter(sizes < k).sum().alias(f"e{i}"),
        ]
    row = codes.select(exprs).row(0)
    return [
        (int(row[3 * i]), int(row[3 * i + 1]), int(row[3 * i + 2] or 0)) for i in range(len(combos))
    ]


def class_sizes(frame: pl.DataFrame, columns: tuple[str, ...]) -> tuple[int, float]:
    """(k_min, unique fraction) of the equivalence classes over `columns`."""
    k, unique, _ = _measure(_codes(frame, list(columns)), [columns], 1)[0]
    return k, unique / max(frame.height, 1)


def evaluate_combinations(
    frame: pl.DataFrame, candidates: list[str], options: ScanOptions
) -> list[QuasiIdentifier]:
    """Every combination of 2 to `quasi_max_columns` candidates with its k, unique and exposed
    fractions, smallest combinations first. Supersets of a flagged combination are skipped:
    they add no re-identifying power a reader needs to see."""
    codes = _codes(frame, candidates)
    rows = max(frame.height, 1)
    out: list[QuasiIdentifier] = []
    flagged: list[set[str]] = []
    for size in range(2, min(options.quasi_max_columns, len(candidates)) + 1):
        combos = [
            c for c in combinations(candidates, size) if not any(f <= set(c) for f in flagged)
        ]
        for combo, (k, unique, exposed) in zip(
            combos, _measure(codes, combos, options.quasi_k_threshold), strict=True
        ):
            hit = k < options.quasi_k_threshold and exposed / rows >= options.quasi_min_exposed
            out.append(QuasiIdentifier(combo, unique / rows, k, hit, exposed / rows))
            if hit:
                flagged.append(set(combo))
    return out


def _gain_order(
    frame: pl.DataFrame, candidates: list[str], flagged: list[QuasiIdentifier]
) -> list[QuasiIdentifier]:
    """Flagged combinations, those whose columns re-identify together far more than any of
    them alone first (the definition of a quasi-identifier), then by unique fraction."""
    codes = _codes(frame, candidates)
    alone = dict(
        zip(
            candidates,
            (u / max(frame.height, 1) for _, u, _ in _measure_singles(codes)),
            strict=True,
        )
    )

    def key(q: QuasiIdentifier) -> tuple[float, float, int, tuple[str, ...]]:
        gain = q.unique_fraction - max(alone[c] for c in q.columns)
        return (-round(gain, 6), -q.unique_fraction, len(q.columns), q.columns)

    return sorted(flagged, key=key)


def _measure_singles(codes: pl.DataFrame) -> list[tuple[int, int, int]]:
    return _measure(codes, [(c,) for c in codes.columns], 1)


def find_quasi_identifiers(
    frame: pl.DataFrame, scans: list[ColumnScan], options: ScanOptions
) -> list[QuasiIdentifier]:
    """Minimal flagged combinations (no flagged subset), most re-identifying first; when none is
    flagged, the most re-identifying combination of the largest size, as evidence of k."""
    if frame.height == 0:
        return []
    candidates = quasi_candidates(frame, scans, options.quasi_max_candidates)
    if len(candidates) < 2:
        return []
    evaluated = evaluate_combinations(frame, candidates, options)
    flagged = [q for q in evaluated if q.flagged]
    if flagged:
        return _gain_order(frame, candidates, flagged)[: options.quasi_max_results]
    return [max(evaluated, key=lambda q: (len(q.columns), q.unique_fraction))]
