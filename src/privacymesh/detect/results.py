"""Typed scan results. Examples are masked before they get here; `to_dict()` gives the JSON shape
of issue 3 (`{"tables": [{"table", "rows_scanned", "columns": [...], "quasi_identifiers"}]}`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Reason:
    """Why a category was reported: one recognizer's evidence. `share` is the share of the
    column's values it holds, `value_strength` its confidence from the values alone,
    `validated` whether a validator (checksum, parser, known hash) passed them, `context` how
    much the column's context moved the confidence and what raised or lowered it."""

    recognizer: str
    share: float
    value_strength: float
    validated: bool
    context: float = 0.0
    raised_by: tuple[str, ...] = ()
    lowered_by: tuple[str, ...] = ()
    found_in: tuple[str, ...] = ()  # decodings followed to reach the values (json, base64, ...)

    def to_dict(self) -> dict[str, Any]:
        return {
            "recognizer": self.recognizer,
            "share": self.share,
            "value_strength": self.value_strength,
            "validated": self.validated,
            "context": self.context,
            "raised_by": list(self.raised_by),
            "lowered_by": list(self.lowered_by),
            "found_in": list(self.found_in),
        }


MASKED_VALUE = "masked_value"  # the recognizer of masked copies


@dataclass(frozen=True)
class CategoryHit:
    """One data category found in a column, with how it was found and how often.

    `confidence` is a probability: the share of categories reported at this score that were
    right on the labelled development corpus (`privacymesh.detect.calibration`), so 0.9 means
    about nine in ten are right. `score` is the raw evidence score (strongest recognizer's
    strength plus context) the verdict was decided on: `ScanOptions.min_confidence` is a
    threshold on it, and categories are ordered by it. Built by hand without a score, the
    score is the confidence."""

    category: str
    confidence: float
    methods: tuple[str, ...]
    hit_rate: float
    examples: tuple[str, ...] = ()  # masked
    hits: int = 0
    recognizers: tuple[str, ...] = ()
    details: tuple[str, ...] = ()  # privacymesh distinctions inside the key (e.g. a tax id)
    reasons: tuple[Reason, ...] = ()  # the evidence behind the verdict, strongest first
    score: float | None = None

    def __post_init__(self) -> None:
        if self.score is None:
            object.__setattr__(self, "score", self.confidence)

    @property
    def masked_copy(self) -> bool:
        """Found only as a masked copy (`j***@e***.com`): the category's shape with its
        characters masked, which is what masking is meant to leave, not raw data."""
        return set(self.recognizers) == {MASKED_VALUE}

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "confidence": round(self.confidence, 2),
            "score": round(self.score, 2),
            "methods": list(self.methods),
            "hit_rate": round(self.hit_rate, 4),
            "examples": list(self.examples),
            "hits": self.hits,
            "recognizers": list(self.recognizers),
            "details": list(self.details),
            "reasons": [r.to_dict() for r in self.reasons],
        }


@dataclass(frozen=True)
class ColumnScan:
    """A column's verdict: personal when at least one category was reported. A column its
    contract declares not personal keeps what the detector saw in `accepted`, with the reason."""

    column: str
    categories: tuple[CategoryHit, ...] = ()
    dtype: str = ""
    non_null: int = 0
    accepted: tuple[CategoryHit, ...] = ()
    not_personal: str | None = None
    # categories the values showed but the table's kind set aside, with why
    # (`user.contact.address.city: table: hr_locations`)
    set_aside: tuple[str, ...] = ()

    @property
    def personal(self) -> bool:
        return bool(self.categories)

    def category_keys(self) -> frozenset[str]:
        return frozenset(c.category for c in self.categories)

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "personal": self.personal,
            "categories": [c.to_dict() for c in self.categories],
            "dtype": self.dtype,
            "non_null": self.non_null,
            **({"set_aside": list(self.set_aside)} if self.set_aside else {}),
            **(
                {
                    "not_personal": self.not_personal,
                    "accepted": [c.to_dict() for c in self.accepted],
                }
                if self.not_personal
                else {}
            ),
        }


@dataclass(frozen=True)
class QuasiIdentifier:
    """A combination of columns and how re-identifying it is on the scanned rows."""

    columns: tuple[str, ...]
    unique_fraction: float
    k_min: int
    flagged: bool
    exposed_fraction: float = 0.0  # share of rows in classes smaller than the k threshold

    def to_dict(self) -> dict[str, Any]:
        return {
            "columns": list(self.columns),
            "unique_fraction": round(self.unique_fraction, 4),
            "exposed_fraction": round(self.exposed_fraction, 4),
            "k_min": self.k_min,
            "flagged": self.flagged,
        }


@dataclass(frozen=True)
class TableScan:
    """The scan of one table (one data product's object)."""

    table: str
    rows_scanned: int
    rows_total: int
    columns: tuple[ColumnScan, ...] = ()
    quasi_identifiers: tuple[QuasiIdentifier, ...] = ()
    sampled: bool = False
    seed: int | None = None
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def column(self, name: str) -> ColumnScan:
        for c in self.columns:
            if c.column == name:
                return c
        raise KeyError(name)

    @property
    def personal_columns(self) -> tuple[str, ...]:
        return tuple(c.column for c in self.columns if c.personal)

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "rows_scanned": self.rows_scanned,
            "rows_total": self.rows_total,
            "sampled": self.sampled,
            "seed": self.seed,
            "seconds": round(self.seconds, 4),
            "columns": [c.to_dict() for c in self.columns],
            "quasi_identifiers": [q.to_dict() for q in self.quasi_identifiers],
            **self.extra,
        }


def scan_scans_to_json(scans: list[TableScan]) -> dict[str, Any]:
    """The `{"tables": [...]}` document for a list of table scans."""
    return {"tables": [s.to_dict() for s in scans]}
