"""What a scan is told: options that bound its cost, and per-column context from a contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

DEFAULT_PHONE_REGIONS = ("US", "GB", "DE", "BR", "IN", "FR", "ES", "IT", "NL", "CA", "AU")


@dataclass(frozen=True)
class ScanOptions:
    """Knobs of one scan. Defaults suit a scheduled scan of a data product.

    sample_rows: rows sampled per table (None scans every row); seed makes the sample reproducible.
    min_hit_rate / min_confidence: a category is reported only above both.
    max_decode_depth: how many nested unpackings (JSON, base64, hex, URL) are followed.
    max_value_chars: longer values are truncated before any pattern runs.
    max_validate: distinct candidates validated per recognizer and column (others estimated).
    quasi_*: combinations of 2 to `quasi_max_columns` of at most `quasi_max_candidates` columns;
    one is flagged when k < `quasi_k_threshold` and at least `quasi_min_exposed` of the rows sit
    in classes that small.
    """

    sample_rows: int | None = 10_000
    seed: int = 0
    min_hit_rate: float = 0.01
    min_confidence: float = 0.5
    max_decode_depth: int = 2
    max_value_chars: int = 4096
    max_validate: int = 500
    max_examples: int = 3
    max_json_keys: int = 48
    phone_regions: tuple[str, ...] = DEFAULT_PHONE_REGIONS
    reference_date: date | None = None
    quasi_max_columns: int = 4
    quasi_max_candidates: int = 10
    quasi_k_threshold: int = 5
    quasi_min_exposed: float = 0.05
    quasi_max_results: int = 20
    # rows per text column drawn from the whole product by the sparse pre-filter (0: off)
    sparse_rows: int = 200

    def today(self) -> date:
        return self.reference_date or date.today()


@dataclass(frozen=True)
class ColumnContext:
    """What a contract says about a column: it raises or lowers confidence, never decides alone."""

    description: str | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)
    category: str | None = None  # declared fideslang key (ODCS customProperties piiCategory)
    classification: str | None = None  # public | internal | confidential | restricted
    not_personal: str | None = None  # the owner's reason the column holds no personal data
