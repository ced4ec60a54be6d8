"""The concerns a pack has one section each for, and which checks belong to which: by check id
prefix, the longest matching prefix winning, so a new `consent.*` check lands in its section
without a code change. Checks matching no prefix go to "Other checks"."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Concern:
    """A section of the pack: its key, title, the check id prefixes it collects, what it is
    about and where the duty comes from."""

    key: str
    title: str
    prefixes: tuple[str, ...]
    about: str
    basis: str


CONCERNS: tuple[Concern, ...] = (
    Concern(
        "pii",
        "PII exposure",
        ("pii.",),
        "Personal data where the contract does not declare it, in event logs, unmasked in "
        "consumer-facing products, or in combinations that single people out.",
        "GDPR Art. 5(1)(c), 25, 30(1)(c), 32; CCPA 1798.100, 1798.150",
    ),
    Concern(
        "retention",
        "Retention",
        ("retention.",),
        "Every product holding personal data declares a retention period, and keeps no row "
        "past it.",
        "GDPR Art. 5(1)(e), 30(1)(f); CCPA 1798.100(a)(3); LGPD Art. 15-16",
    ),
    Concern(
        "consent",
        "Consent propagation",
        ("consent.",),
        "Withdrawals and opt-outs reach every domain that processes for the purpose, in time, "
        "and no processing happens outside a consent interval.",
        "GDPR Art. 7(3); CCPA Regulations 7025-7026",
    ),
    Concern(
        "dsar",
        "Data subject requests (register with deadlines)",
        ("dsar.", "dsr."),
        "Requests answered within their regulation's deadline; open requests and those due soon.",
        "GDPR Art. 12(3), 15-20; CCPA 1798.130(a)(2); LGPD Art. 19",
    ),
    Concern(
        "erasure",
        "Erasure verification",
        ("dsar.erasure", "erasure."),
        "Subjects whose erasure completed are gone from every product, caches and exports "
        "included.",
        "GDPR Art. 17; CCPA 1798.105",
    ),
    Concern(
        "gate",
        "Deployment gate and contract conformance",
        ("contract.", "gate."),
        "No product serves data unless its contract declares what privacy needs, and its data "
        "matches its contract.",
        "GDPR Art. 25, 30(1), 32",
    ),
    Concern(
        "operations",
        "Rotation coverage and support SLA",
        ("rotation.", "support.", "sla."),
        "Privacy engineers embed with every domain each quarter; questions to the privacy team "
        "are answered in time.",
        "GDPR Art. 24, 37-39 (accountability, the DPO's tasks)",
    ),
    Concern(
        "cost",
        "Cost and headcount of compliance",
        ("cost.", "headcount."),
        "What privacy compliance costs per domain, in money and in engineering time.",
        "management information (no statutory duty)",
    ),
)

OTHER = Concern(
    "other",
    "Other checks",
    (),
    "Checks of the catalog that belong to none of the concerns above.",
    "see each check's regulations",
)


def concern_of(check_id: str, concerns: Iterable[Concern] = CONCERNS) -> Concern:
    """The concern whose longest prefix matches the check id, or OTHER."""
    best: tuple[int, Concern] | None = None
    for concern in concerns:
        for prefix in concern.prefixes:
            if check_id.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), concern)
    return best[1] if best else OTHER
