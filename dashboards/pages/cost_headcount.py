"""Cost and headcount: compliance cost by domain and category, privacy share of infrastructure
cost, FTE and time share, cost per DSAR."""

from layout import FamilyPage, Feature, current_source, family_page

COST = FamilyPage(
    "cost",
    intro=(
        "What privacy compliance costs each domain, in money and people: the `cost.*` checks' "
        "measurements per domain (read from the cost and headcount tables of the platform). "
        "The trend below follows any of them month by month."
    ),
    features=(
        Feature(
            "Compliance cost by domain and category (last quarter)",
            r"^cost\.compliance_spend$",
            r"^quarter_(audit|headcount|infrastructure|other|tooling|training)_eur$",
            stacked=True,
            note="EUR of privacy-compliance cost in the last complete quarter, by category. "
            "Follow `month_total_eur` below for the month-by-month trend.",
        ),
        Feature(
            "Privacy share of infrastructure cost",
            r"^cost\.privacy_infrastructure_share$",
            r"^(month_share|quarter_share|previous_quarter_share)$",
            reference=r"^target_max_share$",
            note="Share of the data-infrastructure cost that is privacy; the dashed line is the "
            "target ceiling.",
        ),
        Feature("Compliance FTE", r"^cost\.compliance_fte$", r"^(compliance_fte|engineers_fte)$"),
        Feature(
            "Time share spent on compliance",
            r"^cost\.compliance_fte$",
            r"^(compliance_time_share|previous_quarter_share|compliance_time_share_12m)$",
            reference=r"^target_max_share$",
        ),
        Feature(
            "Cost per DSAR",
            r"^cost\.per_dsar$",
            r"^(cost_per_dsar_eur|previous_cost_per_dsar_eur)$",
            note="Compliance cost of the quarter divided by the requests it answered.",
        ),
    ),
    focus="month_total_eur",
)

family_page(current_source(), COST)
