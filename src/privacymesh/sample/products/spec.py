"""Declarative description of a data product: what its contract says about it.

The contract writer turns a `ProductSpec` plus the generated frame (for physical types) into an
ODCS v3.1.0 document; the findings module reads the same specs to know what is declared.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    description: str
    classification: str = "internal"  # public | internal | confidential | restricted
    pii: str | None = None  # fideslang data-category key; None = not declared personal
    masking: str | None = None  # hash | partial | redact | generalize | none
    primary_key: bool = False
    required: bool = False
    sources: tuple[str, ...] = ()  # transformSourceObjects: <domain>.<product>[.<column>]


@dataclass(frozen=True)
class Retention:
    value: int
    unit: str  # d | y
    element: str  # the date column that ages a row
    driver: str = "regulatory"

    @property
    def days(self) -> int:
        return self.value * 365 if self.unit == "y" else self.value


@dataclass(frozen=True)
class Role:
    role: str
    access: str  # read | write
    clearance: str  # highest classification the role may see unmasked
    description: str = ""


@dataclass(frozen=True)
class ProductSpec:
    domain: str
    name: str
    product_kind: str  # source | events | derived | cache | view (the contract's productKind)
    mode: str  # batch | streaming
    purpose: str
    usage: str
    limitations: str
    grain: str  # description of one row
    columns: tuple[Column, ...]
    roles: tuple[Role, ...]
    purposes: tuple[str, ...] = ()
    data_subjects: tuple[str, ...] = ()
    legal_basis: str | None = None
    subject_key: str | None = None
    subject_key_form: str | None = None
    retention: Retention | None = None
    owner: str = ""
    steward: str = ""

    @property
    def id(self) -> str:
        return f"{self.domain}.{self.name}"

    @property
    def personal_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.pii)

    @property
    def is_clean(self) -> bool:
        return not self.personal_columns and self.subject_key is None

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.id} has no column {name}")


def standard_roles(
    domain: str, *, analyst: str = "internal", third: Role | None = None
) -> tuple[Role, ...]:
    """An analyst role (read, limited clearance), an engineer role (write, restricted) and an
    optional third role."""
    roles = [
        Role(f"{domain}_analyst", "read", analyst, f"Analysts of the {domain} domain."),
        Role(
            f"{domain}_engineer", "write", "restricted", f"Data engineers of the {domain} domain."
        ),
    ]
    if third is not None:
        roles.append(third)
    return tuple(roles)
