"""Consent: how fast withdrawals reach every domain against the SLA, open revocations, and
processing after a withdrawal."""

from layout import FamilyPage, Feature, current_source, family_page

CONSENT = FamilyPage(
    "consent",
    intro=(
        "When a subject withdraws consent, every domain using the data for that purpose must "
        "stop within the SLA (24 hours by default; 15 business days for a CCPA opt-out of sale). "
        "Values are the `consent.*` checks' measurements per domain, as of the end of the period."
    ),
    features=(
        Feature(
            "Propagation lag per domain against the SLA",
            r"^consent\.propagation_lag$",
            r"^(p50|p95|max)_lag_hours$",
            reference=r"sla_hours$",
            reference_label="SLA (hours)",
            note="Hours from a withdrawal to the domain applying it: median, 95th percentile "
            "and worst case. The dashed line is the default SLA.",
        ),
        Feature(
            "Open revocations",
            r"^consent\.never_applied$",
            r"^(exceptions|open_within_sla)$",
            stacked=True,
            note="exceptions: withdrawals never applied and past their deadline; "
            "open_within_sla: not applied yet, still within it.",
        ),
        Feature(
            "Processing after revocation",
            r"^consent\.processing_after_revocation$",
            r"^(exceptions|subjects|revocations|after_domain_applied)$",
            note="exceptions: processing events after the subject withdrew; subjects and "
            "revocations involved; after_domain_applied: after the domain's own application.",
        ),
    ),
    focus="lag",
)

family_page(current_source(), CONSENT)
