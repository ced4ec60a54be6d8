"""The generated sample mesh: every seeded consent, DSAR and rotation problem is found where
expected_findings.yaml puts it, nothing else fails, and the values equal an independent Polars
computation over the same platform tables."""

from __future__ import annotations

import polars as pl
import pytest
from checks_support import AREAS, SampleRun

from privacymesh.catalog import load_catalog

CONSENT_PURPOSES = ("marketing", "analytics", "personalisation", "sale_sharing", "fraud_prevention")


def read(run: SampleRun, table: str) -> pl.DataFrame:
    return pl.read_parquet(run.platform(table))


def test_no_errors_and_only_seeded_failures(sample_run: SampleRun) -> None:
    out = sample_run.outcome
    assert not [r for r in out.run.results if r.status == "error"]
    assert {r.check_id.split(".")[0] for r in out.run.results} == set(AREAS)
    f = sample_run.finding
    expected = {
        "consent.propagation_lag": {f("consent.propagation_lag")["domain"]},
        "consent.never_applied": {f("consent.never_applied")["domain"]},
        "consent.processing_after_revocation": {f("consent.processing_after_revocation")["domain"]},
        "dsar.deadline": {None},
        "dsar.erasure_residue": {f("dsar.erasure_residue")["product"]},
        "rotation.coverage": {f("rotation.coverage")["domain"]},
        "rotation.engineer_load": set(f("rotation.engineer_load")["domains"]),
        "rotation.self_service": {
            sample_run.findings["metrics"]["support"]["low_self_service_domain"]
        },
    }
    for check in {r.check_id for r in out.run.results} - {"dsar.task_deadline"}:
        assert out.failing(check) == expected.get(check, set()), check


def _obligations(run: SampleRun) -> pl.DataFrame:
    """(purpose, domain) pairs from the contracts: every product of the sample declares its
    purposes, so no downstream consumer inherits any."""
    catalog = load_catalog(run.root / "contracts")
    assert all(p.purposes for p in catalog.products.values())
    pairs = {(purpose, p.domain) for p in catalog.products.values() for purpose in p.purposes}
    return pl.DataFrame(sorted(pairs), schema=["purpose", "domain"], orient="row")


def test_propagation_lag_matches_an_independent_computation(sample_run: SampleRun) -> None:
    withdrawals = read(sample_run, "consent_events").filter(pl.col("action") == "withdraw")
    due = withdrawals.join(_obligations(sample_run), on="purpose")
    assert due.filter(pl.col("purpose") == "sale_sharing").is_empty()  # no product sells data
    lags = due.join(
        read(sample_run, "consent_applications").select("domain", "event_id", "applied_at"),
        on=["domain", "event_id"],
    ).with_columns(
        ((pl.col("applied_at") - pl.col("event_time")).dt.total_microseconds() / 3.6e9).alias("h")
    )
    stats = lags.group_by("domain").agg(
        pl.len().alias("n"),
        pl.col("h").quantile(0.5, "linear").alias("p50"),
        pl.col("h").quantile(0.95, "linear").alias("p95"),
        pl.col("h").max().alias("max"),
        (pl.col("h") > 24).sum().alias("late"),
    )
    for row in stats.iter_rows(named=True):
        result = sample_run.outcome.get("consent.propagation_lag", row["domain"])
        assert (result.population, result.exceptions) == (row["n"], row["late"])
        for key in ("p50", "p95", "max"):
            assert result.values[f"{key}_lag_hours"] == pytest.approx(row[key], abs=1e-4)
    seeded = sample_run.finding("consent.propagation_lag")
    marketing = sample_run.outcome.get("consent.propagation_lag", seeded["domain"])
    assert marketing.exceptions == seeded["late_revocations"]
    assert marketing.population == seeded["applications"]
    assert round(marketing.values["max_lag_hours"], 2) == seeded["max_lag_hours"]
    assert marketing.values["first_late_revocation"] >= seeded["late_since"]


def test_never_applied_names_the_seeded_withdrawals(sample_run: SampleRun) -> None:
    seeded = sample_run.finding("consent.never_applied")
    result = sample_run.outcome.get("consent.never_applied", seeded["domain"])
    assert result.exceptions == seeded["revocations"]
    assert sorted(result.values["overdue_event_ids"]) == seeded["event_ids"]


def test_processing_after_revocation_matches_an_asof_join_in_polars(sample_run: SampleRun) -> None:
    log = read(sample_run, "processing_log").sort("processed_at")
    events = read(sample_run, "consent_events").sort("event_time")
    matched = log.join_asof(
        events.select("user_id", "purpose", "event_id", "action", "event_time"),
        left_on="processed_at",
        right_on="event_time",
        by=["user_id", "purpose"],
        strategy="backward",
        allow_exact_matches=False,
        check_sortedness=False,
    ).filter(pl.col("action") == "withdraw")
    per_domain = matched.group_by("domain").agg(
        pl.len().alias("rows"),
        pl.col("user_id").n_unique().alias("subjects"),
        pl.col("event_id").n_unique().alias("revocations"),
    )
    seeded = sample_run.finding("consent.processing_after_revocation")
    assert per_domain["domain"].to_list() == [seeded["domain"]]
    row = per_domain.row(0, named=True)
    assert (row["rows"], row["subjects"], row["revocations"]) == (
        seeded["rows"],
        seeded["subjects"],
        seeded["revocations"],
    )
    result = sample_run.outcome.get("consent.processing_after_revocation", seeded["domain"])
    assert (result.exceptions, result.values["subjects"], result.values["revocations"]) == (
        row["rows"],
        row["subjects"],
        row["revocations"],
    )
    assert result.values["products"] == seeded["products"]
    assert result.values["purposes"] == seeded["purposes"]
    assert all(c["subject"].startswith("***") for c in result.values["worst_cases"])


def _deadlines(run: SampleRun) -> pl.DataFrame:
    requests = read(run, "dsar_requests").filter(pl.col("received_at") <= run.as_of)
    period = {
        ("GDPR", False): "1mo",
        ("GDPR", True): "3mo",
        ("CCPA", False): "45d",
        ("CCPA", True): "90d",
        ("LGPD", False): "15d",
        ("DPDP", False): "90d",
    }
    parts = [
        requests.filter((pl.col("regulation") == reg) & (pl.col("extended") == ext)).with_columns(
            pl.col("received_at").dt.offset_by(offset).alias("deadline")
        )
        for (reg, ext), offset in period.items()
    ]
    frame = pl.concat(parts)
    assert frame.height == requests.height
    return frame


def test_dsar_deadline_matches_expected_findings(sample_run: SampleRun) -> None:
    d = _deadlines(sample_run)
    done = pl.col("completed_at").is_not_null()
    late = d.filter(done & (pl.col("completed_at") > pl.col("deadline")))["request_id"]
    overdue = d.filter(~done & (pl.col("deadline") < sample_run.as_of))["request_id"]
    seeded = sample_run.finding("dsar.deadline")
    assert sorted(late) == seeded["late"] and sorted(overdue) == seeded["overdue"]
    result = sample_run.outcome.get("dsar.deadline")
    assert result.values["late_ids"] == seeded["late"]
    assert result.values["overdue_ids"] == seeded["overdue"]
    assert result.values["due_soon_ids"] == seeded["due_within_7_days"]
    assert (result.population, result.exceptions) == (d.height, len(late) + len(overdue))


def test_dsar_tasks_behind_per_domain(sample_run: SampleRun) -> None:
    tasks = read(sample_run, "dsar_tasks").join(
        _deadlines(sample_run).select("request_id", "deadline"), on="request_id"
    )
    behind = tasks.filter(
        (pl.col("completed_at") > pl.col("deadline"))
        | (pl.col("completed_at").is_null() & (pl.col("deadline") < sample_run.as_of))
    )
    expected = dict(behind.group_by("domain").len().iter_rows())
    out = sample_run.outcome
    assert {
        r.domain: r.exceptions for r in out.rows("dsar.task_deadline") if r.exceptions
    } == expected
    seeded = sample_run.finding("dsar.deadline")
    assert set(behind["request_id"]) == set(seeded["late"] + seeded["overdue"])


def test_erasure_residue_in_the_seeded_cache_only(sample_run: SampleRun) -> None:
    seeded = sample_run.finding("dsar.erasure_residue")
    result = sample_run.outcome.get("dsar.erasure_residue", product=seeded["product"])
    assert (result.population, result.exceptions) == (
        seeded["erasures_completed"],
        seeded["subjects"],
    )
    assert result.values["residue_rows"] == seeded["rows"]
    assert result.values["task_marked_completed"] == seeded["subjects"]
    masked = {"***" + u[-3:] for u in seeded["user_ids"]}
    assert set(result.values["masked_subjects"]) <= masked
    assert not any(u in str(result.values) for u in seeded["user_ids"])


def test_rotation_coverage_and_engineer_load(sample_run: SampleRun) -> None:
    rotation = read(sample_run, "rotation")
    weeks = rotation.group_by("domain", "quarter").agg(pl.col("weeks").sum())
    coverage = sample_run.finding("rotation.coverage")
    assert weeks.filter(
        (pl.col("domain") == coverage["domain"]) & (pl.col("quarter") == coverage["quarter"])
    ).is_empty()
    result = sample_run.outcome.get("rotation.coverage", coverage["domain"])
    assert result.values["quarters_without_embed"] == [coverage["quarter"]]
    load = sample_run.finding("rotation.engineer_load")
    for domain in load["domains"]:
        result = sample_run.outcome.get("rotation.engineer_load", domain)
        assert result.values["over_allocated_engineers"] == [load["engineer_id"]]
        assert result.values["over_allocated_quarters"] == [load["quarter"]]
        assert result.values["over_allocated_weeks"] == load["overlap_weeks"]


def test_support_and_self_service_metrics(sample_run: SampleRun) -> None:
    metrics = sample_run.findings["metrics"]["support"]
    out = sample_run.outcome
    assert out.get("rotation.support_sla", None).values["within_sla_share"] == pytest.approx(
        metrics["answered_within_4h_share"], abs=1e-4
    )
    assert out.get("rotation.self_service", None).values["self_service_share"] == pytest.approx(
        metrics["self_service_share"], abs=1e-4
    )
    for domain, share in metrics["self_service_by_domain"].items():
        result = out.get("rotation.self_service", domain)
        assert result.values["self_service_share"] == pytest.approx(share, abs=1e-4)


def test_cost_metrics(sample_run: SampleRun) -> None:
    metrics = sample_run.findings["metrics"]["costs"]
    out = sample_run.outcome
    infra = out.get("cost.privacy_infrastructure_share", None).values
    assert infra["month_share"] == pytest.approx(
        metrics["privacy_share_of_infra_last_month"], abs=1e-3
    )
    assert infra["privacy_part_of_change"] == pytest.approx(
        metrics["privacy_share_of_growth"], abs=0.02
    )
    analytics = out.get("cost.compliance_fte", "analytics").values
    assert analytics["compliance_time_share_12m"] == pytest.approx(
        metrics["analytics_compliance_time_share"], abs=1e-3
    )
    headcount = read(sample_run, "headcount").filter(pl.col("domain") == "analytics")
    q3 = headcount.filter(pl.col("month").dt.quarter() == 3, pl.col("month").dt.year() == 2026)
    assert analytics["compliance_time_share"] == pytest.approx(
        q3["compliance_fte"].sum() / q3["engineers_fte"].sum(), abs=1e-4
    )
    costs = read(sample_run, "costs").filter(pl.col("compliance"))
    in_q3 = costs.filter(pl.col("month").dt.quarter() == 3, pl.col("month").dt.year() == 2026)
    spend = out.get("cost.compliance_spend", None).values
    assert spend["quarter_total_eur"] == pytest.approx(in_q3["amount_eur"].sum(), abs=0.01)
    requests = read(sample_run, "dsar_requests").filter(
        pl.col("completed_at").dt.quarter() == 3, pl.col("completed_at").dt.year() == 2026
    )
    per_dsar = out.get("cost.per_dsar", None)
    assert per_dsar.population == requests.height
    assert per_dsar.values["cost_per_dsar_eur"] == pytest.approx(
        in_q3["amount_eur"].sum() / requests.height, abs=0.01
    )
