"""The deployment gate: what a contract must declare before its product may serve data."""

from __future__ import annotations

from dataclasses import dataclass

from privacymesh.catalog.model import CLASSIFICATIONS, DataProduct, clearance_rank

PERSONAL_TAGS = {"pii", "personal", "personal-data"}


@dataclass(frozen=True)
class GateReason:
    """One unmet requirement: a rule id, the field it concerns, and what is missing."""

    rule: str
    field: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.rule} {self.field or '<contract>'}: {self.message}"


@dataclass(frozen=True)
class GateResult:
    product: str
    reasons: tuple[GateReason, ...]
    rules_checked: int

    @property
    def passed(self) -> bool:
        return not self.reasons


GATE_RULES = {
    "G1": "an owner is declared (team member with role owner)",
    "G2": "every field has a classification",
    "G3": "personal fields carry a fideslang category",
    "G4": "personal fields are classified above public",
    "G5": "restricted fields have a masking rule and the product has access roles",
    "G6": "a product with personal data declares retention",
}


def evaluate_gate(product: DataProduct) -> GateResult:
    """Every gate rule over one parsed contract."""
    reasons: list[GateReason] = []
    if not product.owners:
        reasons.append(GateReason("G1", "team", "no owner declared"))
    for f in product.fields:
        if f.classification not in CLASSIFICATIONS:
            reasons.append(GateReason("G2", f.name, "no classification"))
        looks_personal = bool(PERSONAL_TAGS & {t.lower() for t in f.tags}) or (
            f.name == product.subject_key
        )
        if looks_personal and not f.personal:
            reasons.append(GateReason("G3", f.name, "personal field without a piiCategory"))
        if f.personal and clearance_rank(f.classification) < clearance_rank("internal"):
            reasons.append(
                GateReason(
                    "G4", f.name, f"personal field classified {f.classification or 'nothing'}"
                )
            )
        if f.classification == "restricted":
            if f.masking_rule in (None, "none"):
                reasons.append(GateReason("G5", f.name, "restricted field without a masking rule"))
            if not product.roles:
                reasons.append(GateReason("G5", f.name, "restricted field but no access roles"))
    if product.has_personal_data and product.retention is None:
        reasons.append(GateReason("G6", "slaProperties", "personal data without retention"))
    return GateResult(product.id, tuple(reasons), len(GATE_RULES))
