"""The one table of check families: which checks belong together, by check id prefix, the
longest matching prefix winning, so a new `consent.*` check joins its family without a code
change. Checks matching no prefix belong to OTHER. The audit pack has a section per family and
the dashboard a page per family."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class CheckFamily:
    """A family of checks: its key, title, the check id prefixes it collects, what it is about,
    where the duty comes from, and the short label a navigation shows (the dashboard's page
    list). The pack has a section per family."""

    key: str
    title: str
    prefixes: tuple[str, ...]
    about: str
    basis: str
    label: str


FAMILIES: tuple[CheckFamily, ...] = (
    CheckFamily(
        "pii",
        "PII exposure",
        ("pii.",),
        "Personal data where the contract does not declare it, in event logs, unmasked in "
        "consumer-facing products, or in combinations that single people out.",
        "GDPR Art. 5(1)(c), 25, 30(1)(c), 32; CCPA 1798.100, 1798.150",
        "PII exposure",
    ),
    CheckFamily(
        "retention",
        "Retention",
        ("retention.",),
        "Every product holding personal data declares a retention period, and keeps no row "
        "past it.",
        "GDPR Art. 5(1)(e), 30(1)(f); CCPA 1798.100(a)(3); LGPD Art. 15-16",
        "Retention",
    ),
    CheckFamily(
        "consent",
        "Consent propagation",
        ("consent.",),
        "Withdrawals and opt-outs reach every domain that processes for the purpose, in time, "
        "and no processing happens outside a consent interval.",
        "GDPR Art. 7(3); CCPA Regulations 7025-7026",
        "Consent",
    ),
    CheckFamily(
        "dsar",
        "Data subject requests (register with deadlines)",
        ("dsar.", "dsr."),
        "Requests answered within their regulation's deadline; open requests and those due soon.",
        "GDPR Art. 12(3), 15-20; CCPA 1798.130(a)(2); LGPD Art. 19",
        "DSARs",
    ),
    CheckFamily(
        "erasure",
        "Erasure verification",
        ("dsar.erasure", "erasure."),
        "Subjects whose erasure completed are gone from every product, caches and exports "
        "included.",
        "GDPR Art. 17; CCPA 1798.105",
        "Erasure",
    ),
    CheckFamily(
        "gate",
        "Deployment gate and contract conformance",
        ("contract.", "gate."),
        "No product serves data unless its contract declares what privacy needs, and its data "
        "matches its contract.",
        "GDPR Art. 25, 30(1), 32",
        "Deployment gate",
    ),
    CheckFamily(
        "operations",
        "Rotation coverage and support SLA",
        ("rotation.", "support.", "sla."),
        "Privacy engineers embed with every domain each quarter; questions to the privacy team "
        "are answered in time.",
        "GDPR Art. 24, 37-39 (accountability, the DPO's tasks)",
        "Rotation and support",
    ),
    CheckFamily(
        "cost",
        "Cost and headcount of compliance",
        ("cost.", "headcount."),
        "What privacy compliance costs per domain, in money and in engineering time.",
        "management information (no statutory duty)",
        "Cost and headcount",
    ),
)

OTHER = CheckFamily(
    "other",
    "Other checks",
    (),
    "Checks of the catalog that belong to none of the families above.",
    "see each check's regulations",
    "Other checks",
)


def family_of(check_id: str, families: Iterable[CheckFamily] = FAMILIES) -> CheckFamily:
    """The family whose longest prefix matches the check id, or OTHER."""
    best: tuple[int, CheckFamily] | None = None
    for family in families:
        for prefix in family.prefixes:
            if check_id.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), family)
    return best[1] if best else OTHER


def family_named(key: str) -> CheckFamily:
    """The family with this key (`pii`, `consent`, ...); KeyError names the known keys."""
    for family in (*FAMILIES, OTHER):
        if family.key == key:
            return family
    raise KeyError(f"no check family {key!r}: one of {', '.join(f.key for f in FAMILIES)}")
