"""Seeded retention, DSAR, consent, rotation and operations facts, recomputed from the Parquet
files with DuckDB and compared with expected_findings.yaml."""

from __future__ import annotations

import polars as pl
import pytest

from privacymesh.sample.products import SPECS

AS_OF = "TIMESTAMP '2026-11-01 00:00:00'"
RESOLVE = {
    "user_id": "user_id",
    "customer_ref": "customer_ref",
    "email_hash": "email_hash",
    "device_id": "device_id",
}


def _custom(items) -> dict:
    return {i["property"]: i["value"] for i in items or []}


def test_shipments_hold_exactly_the_expected_expired_rows(sample, db) -> None:
    f = sample.finding("retention.expired_rows")
    doc = sample.contract("logistics.shipments")
    sla = next(s for s in doc["slaProperties"] if s["property"] == "retention")
    assert (sla["value"], sla["unit"], sla["element"]) == (365, "d", "shipments.shipped_at")
    expired = db.one(
        f"select count(*) from {sample.product('logistics.shipments')} "
        f"where shipped_at < {AS_OF} - interval 365 days"
    )
    assert expired == f["expired_rows"] > 0
    # the count does not depend on < versus <= or on comparing dates instead of timestamps
    assert expired == db.one(
        f"select count(*) from {sample.product('logistics.shipments')} "
        f"where shipped_at::date <= date '2025-11-01'"
    )


def test_every_other_retention_window_holds_all_rows(sample, db) -> None:
    for spec in SPECS:
        doc = sample.contract(spec.id)
        for sla in doc.get("slaProperties", []):
            if sla["property"] != "retention" or spec.id == "logistics.shipments":
                continue
            column = sla["element"].split(".")[1]
            unit = {"d": "days", "y": "years"}[sla["unit"]]
            old = db.one(
                f"select count(*) from {sample.product(spec.id)} where {column} < "
                f"{AS_OF} - interval {sla['value']} {unit}"
            )
            assert old == 0, spec.id


def test_employees_have_personal_data_and_no_retention(sample) -> None:
    f = sample.finding("retention.missing_policy")
    doc = sample.contract("hr.employees")
    assert not [s for s in doc.get("slaProperties", []) if s["property"] == "retention"]
    personal = [
        p["name"]
        for p in doc["schema"][0]["properties"]
        if "piiCategory" in _custom(p.get("customProperties"))
    ]
    assert personal == f["personal_columns"] and "national_id" in personal


def _held_erased(sample, db) -> dict[str, set[str]]:
    """Erased subjects (completed erasure requests) still found per product, by subject key."""
    erased = (
        f"select user_id from {sample.platform('dsar_requests')} "
        "where type = 'erasure' and status = 'completed'"
    )
    held = {}
    for spec in SPECS:
        if spec.subject_key is None or spec.subject_key_form not in RESOLVE:
            continue
        rows = db.all(f"""
            select distinct m.user_id from {sample.product(spec.id)} p
            join {sample.platform("identity_map")} m
              on p.{spec.subject_key} = m.{RESOLVE[spec.subject_key_form]}
            where m.user_id in ({erased})""")
        held[spec.id] = {r[0] for r in rows}
    return held


def test_erased_subjects_remain_only_in_the_audience_cache(sample, db) -> None:
    f = sample.finding("dsar.erasure_residue")
    held = _held_erased(sample, db)
    assert {k for k, v in held.items() if v} == {"marketing.audience_export"}
    assert held["marketing.audience_export"] == set(f["user_ids"])
    assert len(f["user_ids"]) == f["subjects"] > 0
    assert f["erasures_completed"] == db.one(
        f"select count(*) from {sample.platform('dsar_requests')} "
        "where type = 'erasure' and status = 'completed'"
    )
    # identity map keeps erased subjects as pseudonymous tombstones only
    assert (
        db.one(
            f"select count(*) from {sample.platform('identity_map')} "
            "where status = 'erased' and (email is not null or full_name is not null)"
        )
        == 0
    )
    # the cache's erasure tasks claim to be done
    tasks = db.all(f"""select distinct t.status from {sample.platform("dsar_tasks")} t
        join {sample.platform("dsar_requests")} r using (request_id)
        where t.domain = 'marketing' and t.product = 'audience_export'
          and r.user_id in ({", ".join(f"'{u}'" for u in f["user_ids"])})
          and r.type = 'erasure'""")
    assert tasks == [("completed",)]


def test_dsar_tasks_cover_each_product_holding_the_subject(sample, db) -> None:
    tasks = sample.platform("dsar_tasks")
    requests = sample.platform("dsar_requests")
    assert (
        db.one(
            f"select count(*) from (select request_id, domain, product, count(*) n "
            f"from {tasks} group by all) where n > 1"
        )
        == 0
    )
    # a request for a subject still present in identity.users has a task there
    missing = db.one(f"""select count(*) from {requests} r
        join {sample.product("identity.users")} u using (user_id)
        where not exists (select 1 from {tasks} t where t.request_id = r.request_id
                          and t.domain = 'identity' and t.product = 'users')""")
    assert missing == 0
    # tasks of completed requests are completed, never after the request itself
    assert (
        db.one(f"""select count(*) from {tasks} t join {requests} r using (request_id)
        where r.status = 'completed' and (t.status <> 'completed'
              or t.completed_at > r.completed_at or t.completed_at < r.received_at)""")
        == 0
    )
    assert (
        db.one(f"select count(*) from {tasks} where (status = 'open') <> (completed_at is null)")
        == 0
    )


def test_dsar_deadlines(sample, db) -> None:
    f = sample.finding("dsar.deadline")
    due = """case regulation
        when 'GDPR' then received_at + case when extended then interval 3 month
                                            else interval 1 month end
        when 'CCPA' then received_at + case when extended then interval 90 day
                                            else interval 45 day end
        when 'LGPD' then received_at + interval 15 day
        else received_at + interval 90 day end"""
    base = f"select *, {due} as due_at from {sample.platform('dsar_requests')}"
    overdue = [
        r[0]
        for r in db.all(
            f"select request_id from ({base}) where status = 'open' and due_at < {AS_OF} order by 1"
        )
    ]
    late = [
        r[0]
        for r in db.all(
            f"select request_id, regulation from ({base}) where "
            "status = 'completed' and completed_at > due_at order by 1"
        )
    ]
    soon = [
        r[0]
        for r in db.all(
            f"select request_id from ({base}) where status = 'open' and "
            f"due_at >= {AS_OF} and due_at <= {AS_OF} + interval 7 day "
            "order by 1"
        )
    ]
    assert overdue == f["overdue"] and len(overdue) >= 1
    assert late == f["late"] and len(late) >= 1
    assert soon == f["due_within_7_days"] and len(soon) >= 1
    regs = dict(db.all(f"select request_id, regulation from {sample.platform('dsar_requests')}"))
    assert {regs[i] for i in overdue} == {"GDPR"} and {regs[i] for i in late} == {"CCPA"}
    # also under a 30-day reading of "one month" nothing else is overdue
    assert db.one(
        f"select count(*) from {sample.platform('dsar_requests')} where status = "
        f"'open' and regulation = 'GDPR' and not extended and received_at + "
        f"interval 30 day < {AS_OF}"
    ) == len(overdue)


def test_every_withdrawal_follows_a_grant(sample, db) -> None:
    events = sample.platform("consent_events")
    assert (
        db.one(f"""select count(*) from {events} w where action = 'withdraw' and not exists (
        select 1 from {events} g where g.action = 'grant' and g.user_id = w.user_id
          and g.purpose = w.purpose and g.event_time < w.event_time)""")
        == 0
    )
    assert db.one(f"select count(distinct regulation) from {events}") == 4
    assert db.one(f"select count(*) from {events} where source = 'gpc'") > 0
    assert (
        db.one(f"""select count(*) from {events} e
        join {sample.platform("identity_map")} m using (user_id)
        where e.regulation <> case m.country when 'US' then 'CCPA' when 'BR' then 'LGPD'
                                             when 'IN' then 'DPDP' else 'GDPR' end""")
        == 0
    )


def _lag_hours(sample) -> str:
    return f"""select a.domain, a.event_id, epoch(a.applied_at - e.event_time) / 3600 as lag_h
        from {sample.platform("consent_applications")} a
        join {sample.platform("consent_events")} e using (event_id)"""


def test_marketing_applies_withdrawals_late(sample, db) -> None:
    f = sample.finding("consent.propagation_lag")
    lag = _lag_hours(sample)
    late = db.one(f"select count(*) from ({lag}) where domain = 'marketing' and lag_h > 24")
    assert late == f["late_revocations"] > 0
    assert db.one(f"select min(lag_h) from ({lag}) where domain = 'marketing' and lag_h > 24") >= 26
    assert db.one(f"select max(lag_h) from ({lag}) where domain <> 'marketing'") <= 20
    assert db.one(f"select max(lag_h) from ({lag}) where domain in ('fraud', 'growth')") < 0.5
    assert db.one(f"select min(lag_h) from ({lag})") > 0


def test_crm_never_applies_a_few_withdrawals(sample, db) -> None:
    f = sample.finding("consent.never_applied")
    # which domains must apply a purpose: those whose contracts declare it
    owners: dict[str, set[str]] = {}
    for spec in SPECS:
        for purpose in _custom(sample.contract(spec.id)["customProperties"])["purposes"]:
            owners.setdefault(purpose, set()).add(spec.domain)
    withdrawals = db.all(
        f"select event_id, purpose from {sample.platform('consent_events')} "
        "where action = 'withdraw'"
    )
    applied = set(db.all(f"select event_id, domain from {sample.platform('consent_applications')}"))
    missing = sorted(
        (e, d) for e, p in withdrawals for d in owners.get(p, ()) if (e, d) not in applied
    )
    assert missing == [(e, "crm") for e in f["event_ids"]]
    assert len(missing) == f["revocations"] > 0


def test_growth_processes_subjects_after_their_withdrawal(sample, db) -> None:
    f = sample.finding("consent.processing_after_revocation")
    rows = db.all(f"""select p.domain, count(*), count(distinct p.user_id)
        from {sample.platform("processing_log")} p
        join {sample.platform("consent_applications")} a
          on a.domain = p.domain and a.user_id = p.user_id and a.purpose = p.purpose
        where p.processed_at > a.applied_at group by 1""")
    assert rows == [("growth", f["rows"], f["subjects"])]
    assert f["rows"] > 0
    # and no domain processes anything after the withdrawal event itself, except those rows
    after_event = db.one(f"""select count(*) from {sample.platform("processing_log")} p
        join {sample.platform("consent_events")} e
          on e.user_id = p.user_id and e.purpose = p.purpose and e.action = 'withdraw'
        where p.processed_at >= e.event_time""")
    assert after_event == f["rows"]
    # processing only ever happens under a grant
    assert (
        db.one(f"""select count(*) from {sample.platform("processing_log")} p where not exists
        (select 1 from {sample.platform("consent_events")} g where g.action = 'grant'
         and g.user_id = p.user_id and g.purpose = p.purpose
         and g.event_time <= p.processed_at)""")
        == 0
    )


def test_rotation_gap_and_overload(sample, db) -> None:
    cov = sample.finding("rotation.coverage")
    load = sample.finding("rotation.engineer_load")
    rot = sample.platform("rotation")
    pairs = set(db.all(f"select domain, quarter from {rot}"))
    domains = {s.domain for s in SPECS}
    quarters = {"2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"}
    assert {(d, q) for d in domains for q in quarters} - pairs == {(cov["domain"], cov["quarter"])}
    assert (cov["domain"], cov["quarter"]) == ("logistics", "2026-Q2")
    overlaps = db.all(f"""select a.engineer_id, a.quarter, a.domain, b.domain from {rot} a
        join {rot} b on a.engineer_id = b.engineer_id and a.quarter = b.quarter
         and a.domain < b.domain
         and a.week_start < b.week_start + to_weeks(b.weeks)
         and b.week_start < a.week_start + to_weeks(a.weeks)""")
    assert overlaps == [(load["engineer_id"], load["quarter"], *load["domains"])]
    assert db.one(f"select count(*) from {rot} where dayofweek(week_start) <> 1") == 0
    assert (
        db.one(f"select count(distinct engineer_id) from {sample.platform('privacy_engineers')}")
        == 6
    )


def test_support_questions_answer_mostly_fast_and_self_service(sample, db) -> None:
    q = sample.platform("support_questions")
    share = db.one(f"select avg(self_service::int) from {q}")
    fast = db.one(
        f"select avg((answered_at is not null and answered_at - asked_at <= "
        f"interval 4 hour)::int) from {q}"
    )
    by_domain = dict(db.all(f"select domain, avg(self_service::int) from {q} group by 1"))
    assert 0.65 <= share <= 0.75
    assert fast >= 0.85
    assert (
        by_domain["lending"] < 0.62
        and min(v for d, v in by_domain.items() if d != "lending") > by_domain["lending"]
    )
    assert db.one(f"select count(*) from {q} where answered_at is null") > 0


def test_costs_and_headcount(sample, db) -> None:
    costs = pl.read_parquet(sample.root / "platform" / "costs.parquet")
    assert costs["month"].n_unique() == 12 and str(costs["month"].max()) == "2026-10-01"
    assert set(costs["category"]) == {"tooling", "headcount", "training", "audit", "infrastructure"}
    infra = (
        costs.filter(pl.col("category") == "infrastructure")
        .group_by("month")
        .agg(
            pl.col("amount_eur").sum().alias("total"),
            pl.col("amount_eur").filter(pl.col("compliance")).sum().alias("privacy"),
        )
        .sort("month")
    )
    growth = infra["total"][-1] / infra["total"][0] - 1
    privacy_part = (infra["privacy"][-1] - infra["privacy"][0]) / (
        infra["total"][-1] - infra["total"][0]
    )
    assert growth == pytest.approx(0.25, abs=0.01)
    assert privacy_part == pytest.approx(0.5, abs=0.02)
    share = db.one(
        f"select avg(compliance_time_share) from {sample.platform('headcount')} "
        "where domain = 'analytics'"
    )
    assert share == pytest.approx(0.3, abs=0.03)
