"""cost.* checks on the hand-built mesh (costs and headcount exported as CSV files)."""

from __future__ import annotations

from checks_support import Outcome


def test_compliance_spend_by_category_and_quarter(mesh: Outcome) -> None:
    shop = mesh.get("cost.compliance_spend", "shop")
    v = shop.values
    assert (v["month"], v["quarter"]) == ("2026-03", "2026-Q1")
    assert (v["month_tooling_eur"], v["month_headcount_eur"], v["month_infrastructure_eur"]) == (
        100.0,
        200.0,
        300.0,
    )
    assert v["month_total_eur"] == 600.0  # the non-compliance headcount is left out
    assert (v["quarter_total_eur"], v["previous_quarter_total_eur"]) == (1800.0, 600.0)
    assert (v["quarter_change"], v["targets_missed"], shop.status) == (2.0, 1, "fail")
    crm = mesh.get("cost.compliance_spend", "crm").values
    assert (crm["month_audit_eur"], crm["month_other_eur"], crm["quarter_total_eur"]) == (
        120.0,
        30.0,
        300.0,
    )
    total = mesh.get("cost.compliance_spend", None).values
    assert (total["quarter_total_eur"], total["previous_quarter_total_eur"]) == (2100.0, 750.0)


def test_target_is_a_workspace_setting(mesh_with) -> None:  # type: ignore[no-untyped-def]
    out = mesh_with(
        '[checks."cost.compliance_spend"]\nmax_quarter_growth = 2.5\n', ["cost.compliance_spend"]
    )
    assert {r.domain: r.status for r in out.rows("cost.compliance_spend")} == {
        None: "pass",
        "shop": "pass",
        "crm": "pass",
    }


def test_privacy_share_of_infrastructure(mesh: Outcome) -> None:
    v = mesh.get("cost.privacy_infrastructure_share", "shop").values
    # 900 non-privacy + 300 privacy a month in Q1; 900 + 100 in Q4
    assert (v["month_share"], v["quarter_share"], v["previous_quarter_share"]) == (0.25, 0.25, 0.1)
    assert (v["share_change"], v["infrastructure_quarter_change"]) == (0.15, 0.2)
    assert (v["privacy_part_of_change"], v["targets_missed"]) == (1.0, 1)
    assert {r.domain for r in mesh.rows("cost.privacy_infrastructure_share")} == {None, "shop"}


def test_compliance_fte_and_time_share(mesh: Outcome) -> None:
    shop = mesh.get("cost.compliance_fte", "shop").values
    assert (shop["compliance_fte"], shop["engineers_fte"], shop["compliance_time_share"]) == (
        4.0,
        10.0,
        0.4,
    )
    assert (shop["previous_quarter_share"], shop["compliance_time_share_12m"]) == (0.2, 0.3)
    assert shop["targets_missed"] == 1
    total = mesh.get("cost.compliance_fte", None).values
    assert (total["compliance_fte"], total["engineers_fte"]) == (5.0, 30.0)  # per month
    # the previous quarter: shop 2 + crm 1 per month
    assert (total["previous_compliance_fte"], shop["previous_compliance_fte"]) == (3.0, 2.0)


def test_cost_per_dsar(mesh: Outcome) -> None:
    total = mesh.get("cost.per_dsar", None)
    # 2,100 EUR of compliance cost in Q1 over r1, r2 and r7 completed in it
    assert (total.population, total.values["cost_per_dsar_eur"], total.values["counted"]) == (
        3,
        700.0,
        "requests",
    )
    assert total.values["quarter_change"] is None and total.status == "pass"  # no Q4 requests
    shop = mesh.get("cost.per_dsar", "shop")
    assert (shop.population, shop.values["cost_per_dsar_eur"]) == (2, 900.0)
