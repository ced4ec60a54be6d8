"""Platform tables that are not data products: the identity map and the privacy programme's own
operational data (engineers, rotation, support questions, costs, headcount).

Seeded: `logistics` has no embed in 2026-Q2; pe-03 holds two overlapping embeds in 2026-Q3;
`lending` answers clearly fewer questions self-service than the other domains."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from privacymesh.sample.dsar import DsarPlan
from privacymesh.sample.people import Pool
from privacymesh.sample.rng import stream
from privacymesh.sample.timeline import (
    AS_OF_US,
    US_PER_DAY,
    US_PER_HOUR,
    US_PER_SECOND,
    month_starts,
)
from privacymesh.subjects import FORGOTTEN_ON_ERASURE, IDENTITY_FORMS

ENGINEERS = (
    ("pe-01", "Amara Okafor", "identity", 1.0),
    ("pe-02", "Jonas Becker", "payments", 1.0),
    ("pe-03", "Priya Raman", "growth", 0.8),
    ("pe-04", "Lucas Ferreira", "analytics", 1.0),
    ("pe-05", "Emily Carter", "crm", 0.5),
    ("pe-06", "Tomás Silva", "finance", 1.0),
)
QUARTERS = (
    ("2025-Q4", date(2025, 10, 1)),
    ("2026-Q1", date(2026, 1, 1)),
    ("2026-Q2", date(2026, 4, 1)),
    ("2026-Q3", date(2026, 7, 1)),
)
UNCOVERED = ("logistics", "2026-Q2")
OVERLOADED = ("pe-03", "2026-Q3")
EMBED_WEEKS = 2
COST_MONTHS = month_starts(date(2025, 11, 1), 12)
SELF_SERVICE_RATE = {"lending": 0.52}
SELF_SERVICE_DEFAULT = 0.75
COMPLIANCE_SHARE = {
    "analytics": 0.30,
    "payments": 0.18,
    "lending": 0.20,
    "hr": 0.12,
    "finance": 0.15,
    "identity": 0.14,
    "fraud": 0.12,
    "marketing": 0.10,
    "growth": 0.08,
    "crm": 0.09,
    "support": 0.07,
    "logistics": 0.06,
}
MONTHLY_FTE_COST_EUR = 9_500.0


def identity_map(pool: Pool, dsar: DsarPlan) -> pl.DataFrame:
    """Every subject's identifiers. Erased subjects keep only the keys needed to prove erasure
    (user_id, customer_ref, email_hash, device_id, country, locale) and get status `erased`."""
    erased = dsar.requests.filter(
        (pl.col("type") == "erasure") & (pl.col("status") == "completed")
    ).select(pl.col("_uid").alias("uid"), pl.col("completed_at").alias("erased_at"))
    frame = pool.people.select(
        "uid",
        *IDENTITY_FORMS,
        "advertising_id",
        "full_name",
        "phone",
        "country",
        "locale",
        "postal_code",
        "date_of_birth",
        "gender",
        "created_at",
    ).join(erased, on="uid", how="left", maintain_order="left")
    gone = pl.col("erased_at").is_not_null()
    return frame.with_columns(
        *[pl.when(gone).then(None).otherwise(pl.col(c)).alias(c) for c in FORGOTTEN_ON_ERASURE],
        pl.when(gone).then(pl.lit("erased")).otherwise(pl.lit("active")).alias("status"),
    ).select(pl.exclude("uid", "erased_at"), "erased_at")


def privacy_engineers() -> pl.DataFrame:
    return pl.DataFrame(
        [list(e) for e in ENGINEERS],
        schema=["engineer_id", "display_name", "home_domain", "fte"],
        orient="row",
    )


def rotation(domains: tuple[str, ...]) -> tuple[pl.DataFrame, dict]:
    """Two-week embeds: every domain once per quarter, each engineer two per quarter in
    different halves of the quarter, rotating domains across quarters."""
    rows = []
    n_eng = len(ENGINEERS)
    for q, (quarter, start) in enumerate(QUARTERS):
        monday = start + timedelta(days=(7 - start.weekday()) % 7)
        for d, domain in enumerate(domains):
            if (domain, quarter) == UNCOVERED:
                continue
            engineer = ENGINEERS[(d + q) % n_eng][0]
            slot = (q + d) % 3 + (3 if d >= n_eng else 0)
            rows.append(
                [engineer, domain, quarter, monday + timedelta(weeks=2 * slot), EMBED_WEEKS]
            )
    frame = pl.DataFrame(
        rows, schema=["engineer_id", "domain", "quarter", "week_start", "weeks"], orient="row"
    )
    # seeded: the overloaded engineer's second embed starts one week into the first
    eng, quarter = OVERLOADED
    mine = (
        frame.with_row_index("_i")
        .filter((pl.col("engineer_id") == eng) & (pl.col("quarter") == quarter))
        .sort("week_start")
    )
    first_start = mine["week_start"][0]
    moved = int(mine["_i"][1])
    frame = (
        frame.with_row_index("_i")
        .with_columns(
            pl.when(pl.col("_i") == moved)
            .then(pl.lit(first_start + timedelta(weeks=1)))
            .otherwise(pl.col("week_start"))
            .alias("week_start")
        )
        .drop("_i")
        .sort("quarter", "week_start", "engineer_id", "domain")
    )
    facts = {
        "rotation.coverage": {"domain": UNCOVERED[0], "quarter": UNCOVERED[1]},
        "rotation.engineer_load": {
            "engineer_id": eng,
            "quarter": quarter,
            "domains": sorted(mine["domain"].to_list()),
            "overlap_weeks": EMBED_WEEKS - 1,
        },
    }
    return frame.with_columns(pl.col("weeks").cast(pl.Int64)), facts


def support_questions(
    seed: int, scale: float, domains: tuple[str, ...]
) -> tuple[pl.DataFrame, dict]:
    rng = stream(seed, "platform.support_questions")
    n = max(300, round(2_400 * scale))
    dom_idx = rng.integers(0, len(domains), n)
    dom = np.array(domains)[dom_idx]
    asked_day = rng.integers(0, 365, n)
    asked = (
        AS_OF_US
        - 365 * US_PER_DAY
        + asked_day * US_PER_DAY
        + (rng.uniform(8, 18, n) * US_PER_HOUR).astype(np.int64)
    )
    asked = np.minimum(asked, AS_OF_US - 2 * US_PER_HOUR) // US_PER_SECOND * US_PER_SECOND
    rate = np.array([SELF_SERVICE_RATE.get(d, SELF_SERVICE_DEFAULT) for d in domains])
    # exactly round(rate * questions) self-service answers per domain, at random positions
    self_service = np.zeros(n, dtype=bool)
    for d in range(len(domains)):
        rows = np.flatnonzero(dom_idx == d)
        self_service[rng.permutation(rows)[: round(rate[d] * len(rows))]] = True
    human_wait = rng.lognormal(np.log(1.3), 1.0, n) * US_PER_HOUR
    bot_wait = rng.uniform(20, 1800, n) * US_PER_SECOND
    wait = np.where(self_service, bot_wait, human_wait).astype(np.int64)
    answered = (asked + wait) // US_PER_SECOND * US_PER_SECOND
    unanswered = (~self_service & (rng.random(n) < 0.03)) | (answered >= AS_OF_US)
    channel = np.where(
        self_service,
        rng.choice(np.array(["docs_chat", "slack"]), size=n, p=[0.7, 0.3]),
        rng.choice(np.array(["slack", "email", "office_hours"]), size=n, p=[0.6, 0.25, 0.15]),
    )
    order = np.lexsort((dom, asked))
    frame = pl.DataFrame(
        {
            "domain": dom[order],
            "_asked": asked[order],
            "_answered": np.where(unanswered, -1, answered)[order],
            "self_service": self_service[order],
            "channel": channel[order],
        }
    )
    frame = frame.select(
        pl.format("q-{}", pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(5)).alias(
            "question_id"
        ),
        "domain",
        pl.col("_asked").cast(pl.Datetime("us")).alias("asked_at"),
        pl.when(pl.col("_answered") >= 0)
        .then(pl.col("_answered").cast(pl.Datetime("us")))
        .otherwise(None)
        .alias("answered_at"),
        "self_service",
        "channel",
    )
    within = frame.select(
        ((pl.col("answered_at") - pl.col("asked_at")) <= pl.duration(hours=4))
        .fill_null(False)
        .mean()
    ).item()
    share = frame.group_by("domain").agg(pl.col("self_service").mean().round(4)).sort("domain")
    facts = {
        "questions": frame.height,
        "self_service_share": round(float(frame["self_service"].mean()), 4),
        "answered_within_4h_share": round(float(within), 4),
        "unanswered": int(frame["answered_at"].null_count()),
        "self_service_by_domain": dict(zip(share["domain"], share["self_service"], strict=True)),
        "low_self_service_domain": "lending",
    }
    return frame, facts


def costs_and_headcount(
    seed: int, domains: tuple[str, ...]
) -> tuple[pl.DataFrame, pl.DataFrame, dict]:
    rng = stream(seed, "platform.costs")
    base_infra = dict(zip(domains, rng.uniform(20_000, 120_000, len(domains)), strict=True))
    engineers0 = dict(zip(domains, rng.integers(6, 31, len(domains)), strict=True))
    cost_rows, head_rows = [], []
    for i, month in enumerate(COST_MONTHS):
        t = i / (len(COST_MONTHS) - 1)
        for domain in domains:
            engineers = round(engineers0[domain] * (1 + 0.08 * t) + rng.normal(0, 0.3), 1)
            share = COMPLIANCE_SHARE[domain] * (1 + rng.normal(0, 0.04))
            compliance_fte = round(engineers * share, 2)
            head_rows.append(
                [month, domain, engineers, compliance_fte, round(compliance_fte / engineers, 3)]
            )
            infra_total = base_infra[domain] * (1 + 0.25 * t)
            privacy_infra = base_infra[domain] * (0.05 + 0.125 * t)
            entries = [
                ("infrastructure", False, infra_total - privacy_infra),
                ("infrastructure", True, privacy_infra),
                ("headcount", True, compliance_fte * MONTHLY_FTE_COST_EUR),
                ("headcount", False, (engineers - compliance_fte) * MONTHLY_FTE_COST_EUR),
                ("tooling", True, rng.uniform(1_500, 4_000)),
                ("tooling", False, rng.uniform(3_000, 8_000)),
                (
                    "training",
                    True,
                    rng.uniform(2_000, 5_000)
                    if month.month in (1, 4, 7, 10)
                    else rng.uniform(100, 400),
                ),
            ]
            if month.month in (3, 9) and domain in ("identity", "payments", "lending", "finance"):
                entries.append(("audit", True, rng.uniform(8_000, 20_000)))
            for category, compliance, amount in entries:
                cost_rows.append([month, domain, category, compliance, round(float(amount), 2)])
    costs = pl.DataFrame(
        cost_rows, schema=["month", "domain", "category", "compliance", "amount_eur"], orient="row"
    )
    headcount = pl.DataFrame(
        head_rows,
        schema=["month", "domain", "engineers_fte", "compliance_fte", "compliance_time_share"],
        orient="row",
    )
    infra = (
        costs.filter(pl.col("category") == "infrastructure")
        .group_by("month")
        .agg(
            pl.col("amount_eur").sum().alias("total"),
            pl.col("amount_eur").filter(pl.col("compliance")).sum().alias("privacy"),
        )
        .sort("month")
    )
    first, last = infra.row(0, named=True), infra.row(-1, named=True)
    facts = {
        "infrastructure_growth": round(last["total"] / first["total"] - 1, 4),
        "privacy_share_of_growth": round(
            (last["privacy"] - first["privacy"]) / (last["total"] - first["total"]), 4
        ),
        "privacy_share_of_infra_first_month": round(first["privacy"] / first["total"], 4),
        "privacy_share_of_infra_last_month": round(last["privacy"] / last["total"], 4),
        "analytics_compliance_time_share": round(
            float(
                headcount.filter(pl.col("domain") == "analytics")["compliance_time_share"].mean()
            ),
            3,
        ),
    }
    return costs, headcount, facts
