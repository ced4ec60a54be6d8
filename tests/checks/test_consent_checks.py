"""consent.* checks on the hand-built mesh: lags, SLAs, lineage obligations, processing after a
withdrawal. Expected values are worked out from the rows in checks_mesh.py."""

from __future__ import annotations

import pytest
from checks_support import Outcome


def test_propagation_lag_percentiles_and_late_applications(mesh: Outcome) -> None:
    # shop applied e02 after 2 h, e08 after 1 h, e03 after 30 h (late); e05 is still open
    shop = mesh.get("consent.propagation_lag", "shop")
    assert shop.status == "fail"
    assert (shop.population, shop.exceptions) == (3, 1)
    assert shop.values["revocations_due"] == 4
    assert shop.values["p50_lag_hours"] == 2.0
    assert shop.values["p95_lag_hours"] == pytest.approx(2 + 0.9 * 28)  # linear: [1, 2, 30]
    assert shop.values["max_lag_hours"] == 30.0
    assert shop.values["within_sla_share"] == pytest.approx(2 / 3, abs=1e-4)
    assert shop.values["first_late_revocation"] == "2026-03-03T12:00:00"
    assert (shop.values["never_applied"], shop.values["oldest_open_age_hours"]) == (1, 4.0)


def test_ccpa_opt_out_of_sale_has_fifteen_business_days(mesh: Outcome) -> None:
    # crm: e04 (Friday 03-06) applied 03-27 18:00, inside 15 business days (end of 03-27);
    # e06 (Saturday 03-07, counted from Friday) applied 03-28 01:00: late by one hour
    crm = mesh.get("consent.propagation_lag", "crm")
    assert (crm.population, crm.exceptions) == (5, 1)
    assert crm.values["first_late_revocation"] == "2026-03-07T10:00:00"
    assert crm.values["max_lag_hours"] == 513.0
    assert crm.values["p50_lag_hours"] == 10.0  # [1, 2, 10, 495, 513]
    assert crm.values["p95_lag_hours"] == pytest.approx(495 + 0.8 * 18)


def test_downstream_consumer_must_apply_and_aggregates_need_not(mesh: Outcome) -> None:
    # ads.audience declares no purposes and reads shop.profiles: it inherits marketing
    ads = mesh.get("consent.propagation_lag", "ads")
    assert ads.values["downstream_obligations"] == ads.values["revocations_due"] == 4
    assert (ads.status, ads.population, ads.values["p50_lag_hours"]) == ("pass", 1, 5.0)
    # bi.report is downstream too, but holds no personal data: no obligation, no row
    assert {r.domain for r in mesh.rows("consent.propagation_lag")} == {"ads", "crm", "shop"}


def test_never_applied_counts_only_overdue_obligations(mesh: Outcome) -> None:
    ads = mesh.get("consent.never_applied", "ads")
    assert ads.status == "fail"
    assert (ads.population, ads.exceptions) == (4, 2)
    assert ads.values["overdue_event_ids"] == ["e08", "e03"]  # oldest first
    assert ads.values["open_within_sla"] == 1  # e05, withdrawn 4 hours before as_of
    assert ads.values["oldest_open_age_hours"] == 50 * 24.0  # e08: 2026-02-10 .. 2026-04-01
    for domain in ("shop", "crm"):
        result = mesh.get("consent.never_applied", domain)
        assert (result.status, result.exceptions, result.values["open_within_sla"]) == (
            "pass",
            0,
            1,
        )


def test_processing_after_withdrawal_per_domain(mesh: Outcome) -> None:
    shop = mesh.get("consent.processing_after_revocation", "shop")
    # u1 1 h after e02; u6 120 h after e08 (u6's processing after granting again is fine)
    assert (shop.population, shop.exceptions) == (4, 2)
    assert (shop.values["subjects"], shop.values["revocations"]) == (2, 2)
    assert shop.values["after_domain_applied"] == 1  # u6: shop applied e08 at 01:00
    assert shop.values["max_hours_after"] == 120.0
    assert [c["hours_after"] for c in shop.values["worst_cases"]] == [120.0, 1.0]
    assert [c["subject"] for c in shop.values["worst_cases"]] == ["***6", "***1"]
    ads = mesh.get("consent.processing_after_revocation", "ads")
    assert (ads.exceptions, ads.values["max_hours_after"], ads.values["products"]) == (
        1,
        72.0,
        ["ads.audience"],
    )
    crm = mesh.get("consent.processing_after_revocation", "crm")
    # u2 ten minutes after e03; u9 has no consent events at all (not a withdrawal)
    assert (crm.population, crm.exceptions) == (2, 1)
    assert crm.values["max_hours_after"] == pytest.approx(10 / 60, abs=1e-4)


def test_grace_and_sla_come_from_the_workspace(mesh_with) -> None:  # type: ignore[no-untyped-def]
    out = mesh_with(
        '[checks."consent.processing_after_revocation"]\ngrace_minutes = 15\n'
        '[checks."consent.propagation_lag"]\nsla_hours = 36\nsla_rules = []\n',
        ["consent.processing_after_revocation", "consent.propagation_lag"],
    )
    # a 15-minute grace clears crm's 10-minute case, not shop's 1-hour one
    assert out.get("consent.processing_after_revocation", "crm").exceptions == 0
    assert out.get("consent.processing_after_revocation", "shop").exceptions == 2
    # 36 hours for everything: shop's 30-hour lag is in time, crm's sale opt-outs (495 h,
    # 513 h) are late without their business-day rule
    assert out.get("consent.propagation_lag", "shop").exceptions == 0
    crm = out.get("consent.propagation_lag", "crm")
    assert (crm.exceptions, crm.values["default_sla_hours"]) == (2, 36)


def test_downstream_all_obliges_every_personal_consumer(mesh_with) -> None:  # type: ignore[no-untyped-def]
    # bi.segments (personal, downstream of shop.profiles, purpose analytics of its own) is not
    # obliged by default; with `downstream: all` it must apply marketing withdrawals too
    out = mesh_with(
        '[checks."consent.propagation_lag"]\ndownstream = "all"\n'
        '[checks."consent.never_applied"]\ndownstream = "all"\n',
        ["consent.propagation_lag", "consent.never_applied"],
    )
    bi = out.get("consent.propagation_lag", "bi")
    assert bi.values["downstream_obligations"] == bi.values["revocations_due"] == 4
    assert bi.population == 0
    assert out.get("consent.never_applied", "bi").exceptions == 3  # e02, e03, e08 overdue
