"""The contract model at the centre of the catalog: a data product as privacymesh sees it, parsed
from an ODCS v3 contract (standard fields plus privacymesh's `customProperties`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from privacymesh.catalog.issues import ContractIssue
from privacymesh.subjects import IDENTITY_FORMS

CLASSIFICATIONS = ("public", "internal", "confidential", "restricted")
PRODUCT_KINDS = ("source", "events", "derived", "cache", "view")
PROCESSING_MODES = ("batch", "streaming")
MASKING_RULES = ("hash", "partial", "redact", "generalize", "none")
SUBJECT_KEY_FORMS = (*IDENTITY_FORMS, "name")  # an employee is named by name
RETENTION_UNITS = {
    "d": 1,
    "day": 1,
    "days": 1,
    "w": 7,
    "week": 7,
    "weeks": 7,
    "m": 30,
    "month": 30,
    "months": 30,
    "y": 365,
    "yr": 365,
    "year": 365,
    "years": 365,
}


def clearance_rank(level: str | None) -> int:
    """Order of classification levels: public 0 ... restricted 3; unknown counts as restricted."""
    return CLASSIFICATIONS.index(level) if level in CLASSIFICATIONS else len(CLASSIFICATIONS) - 1


@dataclass(frozen=True)
class Field:
    """One property (column) of a product."""

    name: str
    logical_type: str | None = None
    physical_type: str | None = None
    classification: str | None = None
    pii_category: str | None = None
    masking_rule: str | None = None
    # the owner's reason a column the detector may flag holds no personal data
    # (customProperties notPersonal): the scan honours it, the checks record it as accepted
    not_personal: str | None = None
    required: bool = False
    primary_key: bool = False
    description: str | None = None
    tags: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    @property
    def personal(self) -> bool:
        """A field is personal when its contract gives it a PII category."""
        return self.pii_category is not None


@dataclass(frozen=True)
class Retention:
    """How long rows may be kept, and which date column ages them."""

    value: float
    unit: str
    element: str
    days: int
    driver: str | None = None
    legal_basis: str | None = None


@dataclass(frozen=True)
class Role:
    """An access role: its name, read/write access and the highest classification it sees clear."""

    name: str
    access: str = "read"
    clearance: str = "internal"
    description: str | None = None


@dataclass(frozen=True)
class Server:
    """Where the product's data lives. `name` is the ODCS `server` field (the workspace's
    `[sources.NAME]` it refers to); `options` every key the contract wrote for it, for the
    connector of its type."""

    type: str
    format: str | None = None
    path: Path | None = None
    database: Path | None = None
    schema: str | None = None
    name: str | None = None
    options: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class QualityRule:
    """One ODCS `quality` rule of an object (`column` None) or of a property.

    `odcs_type` is the ODCS type: library (a `metric` such as nullValues), sql (a `query`), custom
    (an `engine` with its `implementation`) or text. `operator`/`threshold` is the rule's one
    `mustBe...` comparison."""

    odcs_type: str
    column: str | None = None
    metric: str | None = None
    operator: str | None = None
    threshold: Any = None
    arguments: dict[str, Any] = field(default_factory=dict)
    query: str | None = None
    engine: str | None = None
    implementation: Any = None
    unit: str | None = None
    dimension: str | None = None
    severity: str | None = None
    name: str | None = None
    description: str | None = None
    path: str = ""  # where the rule sits in the contract, e.g. schema[0].properties[2].quality[0]


@dataclass(frozen=True)
class DataProduct:
    """A registered table of a data product, read from its contract: `id` is its address
    `domain.name` (the product, or `product__object` when the contract has several objects),
    `contract_id` the contract's own id (often a UUID)."""

    id: str
    domain: str
    name: str
    file: Path
    table: str
    fields: tuple[Field, ...]
    server: Server | None = None
    contract_id: str | None = None
    product: str | None = None  # `domain.product` of the contract, shared by its tables
    product_kind: str = "source"  # the contract's `productKind`
    processing_mode: str = "batch"
    subject_key: str | None = None
    subject_key_form: str | None = None
    purposes: tuple[str, ...] = ()
    data_subjects: tuple[str, ...] = ()
    legal_basis: str | None = None
    purpose: str | None = None
    usage: str | None = None
    owners: tuple[str, ...] = ()
    team: str | None = None
    roles: tuple[Role, ...] = ()
    retention: Retention | None = None
    status: str | None = None
    version: str | None = None
    tags: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    quality: tuple[QualityRule, ...] = ()
    # privacymesh rule issues of the contract that concern this table, judged by the gate
    issues: tuple[ContractIssue, ...] = field(default=(), repr=False, compare=False)

    @property
    def view(self) -> str:
        """The quoted name of the product's view in the engine: `"domain"."name"`."""
        return f"{quote_ident(self.domain)}.{quote_ident(self.name)}"

    @property
    def personal_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.personal)

    @property
    def has_personal_data(self) -> bool:
        return any(f.personal for f in self.fields)

    @property
    def upstream(self) -> tuple[str, ...]:
        """Product ids this product is derived from (from `transformSourceObjects`)."""
        ids = {upstream_product_id(src) for f in self.fields for src in f.sources}
        ids.discard(None)
        return tuple(sorted(i for i in ids if i is not None))

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


def upstream_product_id(source: str) -> str | None:
    """`domain.product.column` or `domain.product` -> `domain.product`."""
    parts = source.split(".")
    return ".".join(parts[:2]) if len(parts) >= 2 else None


def quote_ident(name: str) -> str:
    """Quote an SQL identifier so no name, however hostile, can break out of it."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """Quote an SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def timestamp_literal(value: datetime) -> str:
    """An SQL TIMESTAMP literal of a naive UTC time, to the second."""
    return f"TIMESTAMP '{value.strftime('%Y-%m-%d %H:%M:%S')}'"


def retention_due_sql(element: str, days: int, as_of: str) -> str:
    """The retention rule, the one definition every check and the retention engine use: true
    for a row whose retention element (a column name) is older than `days` at `as_of` (an SQL
    time expression). A row whose element is empty is never due."""
    return f"{quote_ident(element)} < {as_of} - INTERVAL {int(days)} DAY"
