"""privacymesh's own contract rules, beyond the ODCS schema. Each has an id and a severity.

Rules marked `blocks` stop a contract registering, because without them privacymesh cannot
address the data safely. Every other rule lets the contract register and is judged by the
deployment gate (`privacymesh gate`, the `contract.gate` check): a missing privacy fact blocks
production, not registration."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RuleLevel(StrEnum):
    """How much an unmet contract rule weighs: an error fails the gate, a warning is reported.
    Records hold the plain value (Polars reads an enum member as an Enum column)."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Rule:
    id: str
    requirement: str
    severity: str = RuleLevel.ERROR.value
    blocks: bool = False  # True: the contract does not register


RULES = {
    r.id: r
    for r in (
        Rule("PM-CAT-001", "an owner is declared (a team member with role owner)"),
        Rule("PM-CAT-002", "every property has a classification"),
        Rule("PM-CAT-003", "personal properties carry a fideslang piiCategory"),
        Rule("PM-CAT-004", "personal properties are classified above public"),
        Rule("PM-CAT-005", "restricted properties have a masking rule and the product has roles"),
        Rule("PM-CAT-006", "a product with personal data declares retention"),
        Rule("PM-CAT-007", "classification is public, internal, confidential or restricted"),
        Rule("PM-CAT-008", "piiCategory is a fideslang data-category key"),
        Rule("PM-CAT-009", "privacymesh customProperties take known values"),
        Rule("PM-CAT-010", "the subject key names a property"),
        Rule("PM-CAT-011", "retention has a positive value, a known unit and a date property"),
        Rule("PM-CAT-012", "every transformSourceObjects entry names a registered product"),
        Rule(
            "PM-CAT-013",
            "a server privacymesh can read (local files, DuckDB, a connector's type)",
            RuleLevel.WARNING.value,
        ),
        Rule("PM-CAT-014", "the contract id is unique in the catalog", RuleLevel.WARNING.value),
        Rule("PM-CAT-015", "the contract is valid under the ODCS release it declares"),
        Rule(
            "PM-CAT-016", "a drafted contract is reviewed: no draft mark, classifications reviewed"
        ),
        Rule("PM-CAT-020", "server paths stay inside the workspace or a named source", blocks=True),
        Rule("PM-CAT-021", "property names are plain identifiers, unique per object", blocks=True),
        Rule("PM-CAT-022", "one contract registers each table address", blocks=True),
    )
}
# the rules the deployment gate judges
GATE_RULES = {rid: r.requirement for rid, r in RULES.items() if not r.blocks}
