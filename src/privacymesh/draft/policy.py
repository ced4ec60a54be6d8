"""The classification policy of drafted contracts: a fideslang data category -> a proposed
sensitivity level and masking rule. The most specific matching row wins (longest key prefix),
so `user.contact.address.country` can be internal while other address parts are confidential.
README "Drafting a contract" prints this table; change them together."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PolicyRow:
    """One row: the categories under `category`, their level, masking rule and why."""

    category: str
    classification: str
    masking: str | None
    why: str


CLASSIFICATION_POLICY: tuple[PolicyRow, ...] = (
    PolicyRow("user", "confidential", None, "personal data not listed below"),
    PolicyRow("user.government_id", "restricted", "redact", "identity documents, fraud risk"),
    PolicyRow("user.financial", "confidential", "generalize", "amounts and financial standing"),
    PolicyRow("user.financial.bank_account", "restricted", "partial", "account numbers"),
    PolicyRow("user.financial.credit_card", "restricted", "partial", "card numbers (PCI DSS)"),
    PolicyRow("user.health_and_medical", "restricted", "redact", "special category (GDPR 9)"),
    PolicyRow("user.biometric", "restricted", "redact", "special category (GDPR 9)"),
    PolicyRow("user.criminal_history", "restricted", "redact", "GDPR 10 data"),
    PolicyRow("user.authorization", "restricted", "redact", "credentials open accounts"),
    PolicyRow("user.content", "restricted", "redact", "free text may hold anything"),
    PolicyRow("user.demographic", "confidential", "generalize", "profiling attributes"),
    PolicyRow(
        "user.demographic.date_of_birth", "restricted", "generalize", "identifies with a name"
    ),
    PolicyRow("user.demographic.race_ethnicity", "restricted", "redact", "special category"),
    PolicyRow("user.demographic.religious_belief", "restricted", "redact", "special category"),
    PolicyRow("user.demographic.political_opinion", "restricted", "redact", "special category"),
    PolicyRow("user.demographic.sexual_orientation", "restricted", "redact", "special category"),
    PolicyRow("user.contact", "confidential", "partial", "reaches the person"),
    PolicyRow("user.contact.email", "restricted", "partial", "direct contact, account recovery"),
    PolicyRow("user.contact.phone_number", "restricted", "partial", "direct contact"),
    PolicyRow("user.contact.address", "confidential", "generalize", "coarse location"),
    PolicyRow("user.contact.address.street", "restricted", "redact", "a home address"),
    PolicyRow("user.contact.address.country", "internal", None, "shared by millions"),
    PolicyRow("user.location", "confidential", "generalize", "movements"),
    PolicyRow("user.location.precise", "restricted", "generalize", "a home or workplace"),
    PolicyRow("user.location.imprecise", "internal", None, "a city or region"),
    PolicyRow("user.device", "confidential", "hash", "tracks a device across services"),
    PolicyRow("user.name", "confidential", "partial", "direct identifier"),
    PolicyRow("user.unique_id", "confidential", None, "joins a person's records"),
    PolicyRow("user.account", "confidential", None, "names an account"),
)
"""Personal categories only: a column the detector finds nothing in is proposed `internal`
(never public: publishing is a decision, not a default)."""

NOT_PERSONAL = PolicyRow("", "internal", None, "no personal data found in the sample")


def propose(category: str | None) -> PolicyRow:
    """The policy row for a detected category (the most specific one that covers it)."""
    if category is None:
        return NOT_PERSONAL
    best: PolicyRow | None = None
    for row in CLASSIFICATION_POLICY:
        covers = category == row.category or category.startswith(row.category + ".")
        if covers and (best is None or len(row.category) > len(best.category)):
            best = row
    if best is None:  # system.* and other operational keys
        return NOT_PERSONAL
    return best


def policy_table_markdown() -> str:
    """The policy as the README prints it."""
    lines = [
        "| category (and below) | classification | masking | why |",
        "| --- | --- | --- | --- |",
    ]
    for row in sorted(CLASSIFICATION_POLICY, key=lambda r: r.category):
        lines.append(
            f"| `{row.category}` | {row.classification} | {row.masking or '-'} | {row.why} |"
        )
    lines.append(f"| (nothing found) | {NOT_PERSONAL.classification} | - | {NOT_PERSONAL.why} |")
    return "\n".join(lines)
