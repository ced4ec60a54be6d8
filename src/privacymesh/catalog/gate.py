"""The deployment gate: what a contract must declare before its product may serve data.

The gate judges privacymesh's rules (`rules.RULES`, ids PM-CAT-xxx): the privacy facts computed
here from the parsed product (owner, classification, categories, masking, retention) and the
rule issues the parser and the catalog found in its contract. A rule of severity `error` that
does not hold blocks production; a `warning` is reported only."""

from __future__ import annotations

from dataclasses import dataclass

from privacymesh.catalog.model import DataProduct, clearance_rank
from privacymesh.catalog.rules import GATE_RULES, RULES, RuleLevel

PERSONAL_TAGS = {"pii", "personal", "personal-data"}

__all__ = ["GATE_RULES", "GateReason", "GateResult", "evaluate_gate"]


@dataclass(frozen=True)
class GateReason:
    """One unmet requirement: a rule id, the field it concerns, and what is missing."""

    rule: str
    field: str | None
    message: str
    severity: str = RuleLevel.ERROR.value
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.rule} {self.field or '<contract>'}: {self.message}"


@dataclass(frozen=True)
class GateResult:
    product: str
    reasons: tuple[GateReason, ...]
    rules_checked: int

    @property
    def blocking(self) -> tuple[GateReason, ...]:
        return tuple(r for r in self.reasons if r.severity == RuleLevel.ERROR)

    @property
    def passed(self) -> bool:
        return not self.blocking


def _reason(rule: str, field: str | None, message: str) -> GateReason:
    return GateReason(rule, field, message, RULES[rule].severity)


def evaluate_gate(product: DataProduct) -> GateResult:
    """Every gate rule over one registered table of a contract."""
    reasons: list[GateReason] = []
    if not product.owners:
        reasons.append(_reason("PM-CAT-001", "team", "no owner declared"))
    for f in product.fields:
        if f.classification is None:
            reasons.append(_reason("PM-CAT-002", f.name, "no classification"))
        looks_personal = bool(PERSONAL_TAGS & {t.lower() for t in f.tags}) or (
            f.name == product.subject_key
        )
        if looks_personal and not f.personal:
            reasons.append(_reason("PM-CAT-003", f.name, "personal field without a piiCategory"))
        if f.personal and clearance_rank(f.classification) < clearance_rank("internal"):
            reasons.append(
                _reason(
                    "PM-CAT-004",
                    f.name,
                    f"personal field classified {f.classification or 'nothing'}",
                )
            )
        if f.classification == "restricted":
            if f.masking_rule in (None, "none"):
                reasons.append(
                    _reason("PM-CAT-005", f.name, "restricted field without a masking rule")
                )
            if not product.roles:
                reasons.append(
                    _reason("PM-CAT-005", f.name, "restricted field but no access roles")
                )
    if product.has_personal_data and product.retention is None:
        reasons.append(_reason("PM-CAT-006", "slaProperties", "personal data without retention"))
    for issue in product.issues:
        if issue.rule in GATE_RULES:
            detail = issue.message + (f" ({issue.found})" if issue.found else "")
            reasons.append(GateReason(issue.rule, issue.field, detail, issue.severity, issue.line))
    return GateResult(product.id, tuple(reasons), len(GATE_RULES))
