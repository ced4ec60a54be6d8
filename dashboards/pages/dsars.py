"""DSARs: requests open, due soon and late, per domain; erasure residue."""

from layout import FamilyPage, Feature, current_source, family_page

DSARS = FamilyPage(
    "dsar",
    intro=(
        "Requests answered within the deadline of the requester's regulation (GDPR one month, "
        "CCPA 45 days, LGPD 15 days, ...), each domain's part of them, and subjects of completed "
        "erasures still present in a product. Values are the `dsar.*` checks' measurements."
    ),
    features=(
        Feature(
            "Requests by state (mesh)",
            r"^dsar\.deadline$",
            r"^(open|due_soon|overdue|late|no_deadline)$",
            note="open: not answered yet; due_soon: deadline within 7 days; overdue: open past "
            "the deadline; late: answered after it.",
        ),
        Feature(
            "Domain tasks by state",
            r"^dsar\.task_deadline$",
            r"^(due_soon|overdue|late)$",
            stacked=True,
        ),
        Feature(
            "Erasure residue",
            r"^dsar\.erasure_residue$",
            r"^(exceptions|residue_rows)$",
            note="exceptions: subjects of completed erasures still in the product; "
            "residue_rows: their rows.",
        ),
    ),
    focus="overdue|late",
)

family_page(current_source(), DSARS)
