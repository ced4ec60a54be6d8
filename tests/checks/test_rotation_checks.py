"""rotation.* checks on the hand-built mesh: embed coverage, engineer load, support SLA and
self-service share."""

from __future__ import annotations

import pytest
from checks_support import Outcome


def test_coverage_per_domain_and_quarter(mesh_with) -> None:  # type: ignore[no-untyped-def]
    out = mesh_with('[checks."rotation.coverage"]\nquarters = 2\n', ["rotation.coverage"])
    shop = out.get("rotation.coverage", "shop")  # 2 weeks in 2025-Q4, 1 in 2026-Q1
    assert (shop.status, shop.population, shop.exceptions) == ("fail", 2, 1)
    assert shop.values["weeks_by_quarter"] == "2025-Q4: 2, 2026-Q1: 1"
    assert (shop.values["quarters_below_target"], shop.values["quarters_without_embed"]) == (
        ["2026-Q1"],
        [],
    )
    bi = out.get("rotation.coverage", "bi")  # a domain without any embed
    assert (bi.exceptions, bi.values["quarters_without_embed"]) == (2, ["2025-Q4", "2026-Q1"])
    assert out.get("rotation.coverage", "crm").status == "pass"
    assert out.get("rotation.coverage", "ads").status == "pass"


def test_default_looks_back_four_complete_quarters(mesh: Outcome) -> None:
    crm = mesh.get("rotation.coverage", "crm")
    assert crm.values["weeks_by_quarter"] == "2025-Q2: 2, 2025-Q3: 0, 2025-Q4: 2, 2026-Q1: 2"
    assert (crm.exceptions, crm.values["target_weeks"]) == (1, 2)


def test_engineer_load_overlap_and_unregistered_engineers(mesh: Outcome) -> None:
    # pe-2 is embedded with crm (weeks of 2 and 9 Feb) and ads (9 and 16 Feb): 9 Feb overlaps
    crm = mesh.get("rotation.engineer_load", "crm")
    assert (crm.population, crm.exceptions, crm.values["over_allocated_weeks"]) == (6, 1, 1)
    assert crm.values["over_allocated_engineers"] == ["pe-2"]
    assert crm.values["over_allocated_quarters"] == ["2026-Q1"]
    # ads also had pe-9, who is not on the privacy-engineer register, for two weeks
    ads = mesh.get("rotation.engineer_load", "ads")
    assert (ads.exceptions, ads.values["unregistered_weeks"]) == (3, 2)
    assert ads.values["unregistered_engineers"] == ["pe-9"]
    assert mesh.get("rotation.engineer_load", "shop").status == "pass"
    assert mesh.get("rotation.engineer_load", "bi").population == 0


def test_support_sla_share_and_answer_times(mesh: Outcome) -> None:
    shop = mesh.get("rotation.support_sla", "shop")  # 0.5 h, 2 h, 6 h and one unanswered
    assert (shop.status, shop.population) == ("fail", 4)
    assert (shop.values["within_sla_share"], shop.values["unanswered"]) == (0.5, 1)
    assert shop.values["p95_answer_hours"] == pytest.approx(2 + 0.9 * 4)
    # crm: the question asked 2 hours before as_of is not due yet, the 2025 one is outside
    crm = mesh.get("rotation.support_sla", "crm")
    assert (crm.status, crm.population, crm.values["within_sla_share"]) == ("pass", 2, 1.0)
    mesh_wide = mesh.get("rotation.support_sla", None)
    assert (mesh_wide.population, mesh_wide.values["within_sla_share"]) == (6, 0.6667)
    assert mesh_wide.values["p95_answer_hours"] == pytest.approx(3 + 0.8 * 3)


def test_self_service_share_against_target(mesh: Outcome, mesh_with) -> None:  # type: ignore[no-untyped-def]
    shop = mesh.get("rotation.self_service", "shop")
    assert (shop.values["self_service_share"], shop.values["targets_missed"]) == (0.5, 1)
    assert mesh.get("rotation.self_service", None).values["self_service_share"] == 0.4286
    out = mesh_with(
        '[checks."rotation.self_service"]\ntarget_share = 0.5\n', ["rotation.self_service"]
    )
    assert out.get("rotation.self_service", "shop").status == "pass"
    assert out.get("rotation.self_service", "crm").status == "fail"  # 1 of 3
