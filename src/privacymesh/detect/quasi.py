"""Quasi-identifiers: combinations of columns that are harmless alone and re-identifying together
(ZIP code, birth date and sex made 87% of the US population unique; Sweeney 2000). For each
combination of candidate columns, a Polars `group_by` over the whole sample gives the
equivalence classes: k is the smallest class, the unique fraction the share of rows alone in
theirs. A combination is flagged when k is below `quasi_k_threshold` (k-anonymity's usual 5)."""

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
    "user.demographic.date_of_birth",
    "user.demographic.gender",
    "user.demographic.age_range",
    "user.demographic.race_ethnicity",
    "user.demographic.marital_status",
    "user.location.imprecise",
    "user.job_title",
)
# fmt: off
QUASI_NAME_WORDS = frozenset((
    "zip", "zipcode", "postal", "postcode", "plz", "cep", "pincode", "birth", "dob", "born",
    "birthday", "birthdate", "dateofbirth", "age", "gender", "sex", "city", "town", "county",
    "state", "province", "region", "district", "municipality", "job", "jobtitle", "title",
    "occupation", "profession", "employer", "nationality", "ethnicity", "race", "marital",
    "religion", "language",
))
# fmt: on


def quasi_candidates(frame: pl.DataFrame, scans: list[ColumnScan], limit: int) -> list[str]:
    """Candidate columns in priority order: detected quasi-identifier categories first, then
    names that say so, then plain date columns."""
    by_category, by_name, by_type = [], [], []
    for scan in scans:
        name = scan.column
        if name not in frame.columns:
            continue
        if any(c.category.startswith(QUASI_CATEGORIES) for c in scan.categories):
            by_category.append(name)
        elif scan.personal:
            continue  # a direct identifier (email, id, name) is not a quasi-identifier
        elif tokens(name) & QUASI_NAME_WORDS:
            by_name.append(name)
        elif frame[name].dtype == pl.Date:
            by_type.append(name)
    usable = [
        c
        for c in by_category + by_name + by_type
        if frame[c].dtype not in (pl.Null,) and not isinstance(frame[c].dtype, pl.List | pl.Struct)
    ]
    return usable[:limit]


def class_sizes(frame: pl.DataFrame, columns: tuple[str, ...]) -> tuple[int, float]:
    """(k_min, unique fraction) of the equivalence classes over `columns`."""
    sizes = frame.group_by(list(columns)).len()
    stats = sizes.select(k=pl.col("len").min(), unique=(pl.col("len") == 1).sum()).row(
        0, named=True
    )
    return int(stats["k"]), stats["unique"] / max(frame.height, 1)


def evaluate_combinations(
    frame: pl.DataFrame, candidates: list[str], options: ScanOptions
) -> list[QuasiIdentifier]:
    """Every combination of 1 to `quasi_max_columns` candidates with its k and unique
    fraction (one `group_by` each), flagged when k < `quasi_k_threshold`."""
    out = []
    for size in range(1, min(options.quasi_max_columns, len(candidates)) + 1):
        for combo in combinations(candidates, size):
            k, unique = class_sizes(frame, combo)
            out.append(QuasiIdentifier(combo, unique, k, k < options.quasi_k_threshold))
    return out


def find_quasi_identifiers(
    frame: pl.DataFrame, scans: list[ColumnScan], options: ScanOptions
) -> list[QuasiIdentifier]:
    """Minimal flagged combinations (no flagged subset), most re-identifying first; when none is
    flagged, the most re-identifying combination of the largest size, as evidence of k."""
    if frame.height == 0:
        return []
    candidates = quasi_candidates(frame, scans, options.quasi_max_candidates)
    if not candidates:
        return []
    evaluated = evaluate_combinations(frame, candidates, options)
    flagged: list[QuasiIdentifier] = []
    for qi in evaluated:  # smallest combinations first
        if qi.flagged and not any(set(f.columns) <= set(qi.columns) for f in flagged):
            flagged.append(qi)
    if flagged:
        flagged.sort(key=lambda q: (-q.unique_fraction, len(q.columns), q.columns))
        return flagged[: options.quasi_max_results]
    return [max(evaluated, key=lambda q: (len(q.columns), q.unique_fraction))]
