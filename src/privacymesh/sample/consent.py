"""Consent ledger, its propagation to domains, and the processing log.

Model: a subject grants a purpose once (at sign-up or later), may re-confirm it when the privacy
notice changes, and may withdraw it once (a withdrawal is final inside the sample). Every domain
whose products declare a purpose applies each withdrawal of it: streaming domains within minutes,
batch domains within 2-20 hours. Processing is logged only inside a subject's consent interval.

Seeded:
- `marketing` applies withdrawals made from `MARKETING_SLOW_FROM` on 26-40 hours late;
- `crm` never applies a few marketing withdrawals;
- `growth` processes some subjects for a purpose after its own application of their withdrawal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import polars as pl

from privacymesh.sample.people import Pool
from privacymesh.sample.rng import stream
from privacymesh.sample.timeline import (
    AS_OF_US,
    US_PER_DAY,
    US_PER_HOUR,
    US_PER_SECOND,
    WINDOW_START_US,
    to_us,
    ts,
    uniform_seconds,
)

PURPOSES = ("marketing", "analytics", "personalisation", "sale_sharing", "fraud_prevention")
GRANT_RATE = {
    "marketing": 0.55,
    "analytics": 0.75,
    "personalisation": 0.6,
    "sale_sharing": 0.3,
    "fraud_prevention": 0.85,
}
WITHDRAW_RATE = {
    "marketing": 0.12,
    "analytics": 0.06,
    "personalisation": 0.08,
    "sale_sharing": 0.15,
    "fraud_prevention": 0.02,
}
NOTICES = (
    (datetime(2000, 1, 1), "2019.1"),
    (datetime(2021, 6, 1), "2021.2"),
    (datetime(2023, 3, 1), "2023.1"),
    (datetime(2024, 9, 1), "2024.2"),
    (datetime(2026, 3, 1), "2026.1"),
)
RECONFIRM_FROM = datetime(2026, 3, 1)
MARKETING_SLOW_FROM = datetime(2026, 5, 1)
LATE_DOMAIN = "marketing"
NEVER_APPLIED_DOMAIN = "crm"
NEVER_APPLIED_PURPOSE = "marketing"
NEVER_APPLIED_COUNT = 4
VIOLATING_DOMAIN = "growth"
SLA_HOURS = 24
PROCESSING_PER_SCALE = 420_000
DOMAIN_WEIGHT = {
    "growth": 0.30,
    "analytics": 0.25,
    "marketing": 0.15,
    "fraud": 0.12,
    "payments": 0.10,
    "crm": 0.08,
}
NEVER = np.iinfo(np.int64).max


@dataclass
class ConsentData:
    events: pl.DataFrame
    applications: pl.DataFrame
    processing: pl.DataFrame
    intervals: pl.DataFrame  # _uid, purpose, start_us, end_us (grant .. withdraw/erasure/as_of)
    facts: dict = field(default_factory=dict)


def notice_version(times_us: np.ndarray) -> np.ndarray:
    edges = np.array([to_us(d) for d, _ in NOTICES])
    labels = np.array([v for _, v in NOTICES])
    return labels[np.searchsorted(edges, times_us, side="right") - 1]


def sample_in_intervals(
    rng: np.random.Generator, intervals: pl.DataFrame, n: int, lo_us: int, hi_us: int
) -> tuple[np.ndarray, np.ndarray]:
    """`n` (subject, instant) pairs drawn uniformly over the union of consent intervals clipped
    to [lo, hi): long intervals get proportionally more rows."""
    start = np.maximum(intervals["start_us"].to_numpy(), lo_us)
    end = np.minimum(intervals["end_us"].to_numpy(), hi_us)
    length = (end - start).astype(np.float64)
    ok = length > US_PER_HOUR
    if not ok.any() or n == 0:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    weight = np.where(ok, length, 0.0)
    pick = rng.choice(len(weight), size=n, p=weight / weight.sum())
    at = uniform_seconds(rng, start[pick], end[pick])
    return intervals["_uid"].to_numpy()[pick], at


def build_consent(
    seed: int,
    scale: float,
    pool: Pool,
    domain_purposes: dict[str, tuple[str, ...]],
    purpose_products: dict[tuple[str, str], tuple[str, ...]],
    streaming_domains: set[str],
    erase_cutoff_us: np.ndarray,
) -> ConsentData:
    rng = stream(seed, "platform.consent_events")
    n = pool.size
    created = pool.created_us
    country = pool.people["country"].to_numpy()

    grants, withdraws, reconfirms = [], [], []
    for purpose in PURPOSES:
        rate = GRANT_RATE[purpose] * (1.6 if purpose == "sale_sharing" else 1.0)
        rate_by_subject = np.where(
            (country == "US") | (purpose != "sale_sharing"), min(rate, 0.95), rate * 0.4
        )
        has = rng.random(n) < rate_by_subject
        late = rng.random(n) < 0.2
        first = created + (rng.random(n) * 3 * US_PER_DAY).astype(np.int64)
        later_hi = np.maximum(AS_OF_US - 30 * US_PER_DAY, first + US_PER_DAY)
        later = uniform_seconds(rng, first, later_hi)
        g = np.where(late, later, first)
        g = np.minimum(g, AS_OF_US - 5 * US_PER_DAY) // US_PER_SECOND * US_PER_SECOND
        has &= g < erase_cutoff_us
        uid = np.flatnonzero(has)
        g = g[uid]
        grants.append(pl.DataFrame({"_uid": uid, "purpose": purpose, "_t": g}))

        # withdrawals: inside the 12-month window, at least three days before as_of
        lo = np.maximum(g + US_PER_DAY, WINDOW_START_US + US_PER_DAY)
        hi = AS_OF_US - 3 * US_PER_DAY
        wants = (rng.random(len(uid)) < WITHDRAW_RATE[purpose]) & (lo < hi)
        w = uniform_seconds(rng, lo, np.full(len(uid), hi))
        wants &= w < erase_cutoff_us[uid]
        withdraw_at = np.where(wants, w, NEVER)
        withdraws.append(pl.DataFrame({"_uid": uid[wants], "purpose": purpose, "_t": w[wants]}))

        # re-confirmation under the 2026 notice, before any withdrawal or erasure
        rc = to_us(RECONFIRM_FROM) + (rng.random(len(uid)) * 60 * US_PER_DAY).astype(np.int64)
        rc = rc // US_PER_SECOND * US_PER_SECOND
        again = (rng.random(len(uid)) < 0.3) & (g < to_us(RECONFIRM_FROM)) & (rc < withdraw_at)
        again &= rc < erase_cutoff_us[uid]
        reconfirms.append(pl.DataFrame({"_uid": uid[again], "purpose": purpose, "_t": rc[again]}))

    grant_df = pl.concat(grants)
    withdraw_df = pl.concat(withdraws)
    reconfirm_df = pl.concat(reconfirms)

    events = _events(rng, pool, grant_df, reconfirm_df, withdraw_df)
    intervals = _intervals(grant_df, withdraw_df, erase_cutoff_us)
    applications, app_facts = _applications(seed, events, domain_purposes, streaming_domains)
    processing, proc_facts = _processing(
        seed,
        scale,
        pool,
        intervals,
        applications,
        events,
        domain_purposes,
        purpose_products,
        erase_cutoff_us,
    )
    facts = {**app_facts, **proc_facts}
    return ConsentData(events.drop("_uid"), applications.drop("_uid"), processing, intervals, facts)


def _events(rng, pool: Pool, grants, reconfirms, withdraws) -> pl.DataFrame:
    people = pool.people
    frames = []
    for frame, action, origin in (
        (grants, "grant", "grant"),
        (reconfirms, "grant", "reconfirm"),
        (withdraws, "withdraw", "withdraw"),
    ):
        frames.append(
            frame.with_columns(pl.lit(action).alias("action"), pl.lit(origin).alias("_origin"))
        )
    ev = pl.concat(frames).sort("_t", "_uid", "purpose", "action", maintain_order=True)
    k = ev.height
    uid = ev["_uid"].to_numpy()
    t = ev["_t"].to_numpy()
    origin = ev["_origin"].to_numpy()
    purpose = ev["purpose"].to_numpy()
    country = people["country"].to_numpy()[uid]
    source = np.where(
        origin == "withdraw",
        rng.choice(np.array(["web", "app", "support", "api"]), size=k, p=[0.4, 0.35, 0.15, 0.1]),
        rng.choice(np.array(["web", "app", "api"]), size=k, p=[0.5, 0.4, 0.1]),
    )
    gpc = (
        (origin == "withdraw")
        & (country == "US")
        & np.isin(purpose, ["sale_sharing", "marketing"])
        & (rng.random(k) < 0.5)
    )
    source = np.where(gpc, "gpc", source)
    return ev.with_columns(
        pl.format("ce-{}", pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(7)).alias(
            "event_id"
        ),
        pl.Series("user_id", people["user_id"].to_numpy()[uid]),
        ts(t, "event_time"),
        pl.Series("source", source),
        pl.Series("notice_version", notice_version(t)),
        pl.Series("regulation", people["regulation"].to_numpy()[uid]),
    ).select(
        "event_id",
        "user_id",
        "purpose",
        "action",
        "event_time",
        "source",
        "notice_version",
        "regulation",
        "_uid",
    )


def _intervals(grants, withdraws, erase_cutoff_us) -> pl.DataFrame:
    iv = grants.join(withdraws.rename({"_t": "_w"}), on=["_uid", "purpose"], how="left")
    end = np.minimum(iv["_w"].fill_null(NEVER).to_numpy(), AS_OF_US)
    end = np.minimum(end, erase_cutoff_us[iv["_uid"].to_numpy()])
    return iv.select(
        "_uid", "purpose", pl.col("_t").alias("start_us"), pl.Series("end_us", end)
    ).sort("purpose", "_uid")


def _applications(seed, events, domain_purposes, streaming_domains):
    rng = stream(seed, "platform.consent_applications")
    w = events.filter(pl.col("action") == "withdraw")
    parts = []
    for domain in sorted(domain_purposes):
        purposes = domain_purposes[domain]
        mine = w.filter(pl.col("purpose").is_in(purposes))
        k = mine.height
        if k == 0:
            continue
        t = mine["event_time"].cast(pl.Int64).to_numpy()
        if domain in streaming_domains:
            lag = rng.uniform(60, 15 * 60, k) * US_PER_SECOND
        else:
            lag = rng.uniform(2, 20, k) * US_PER_HOUR
        if domain == LATE_DOMAIN:
            slow = t >= to_us(MARKETING_SLOW_FROM)
            lag = np.where(slow, rng.uniform(26, 40, k) * US_PER_HOUR, lag)
        applied = (t + lag.astype(np.int64)) // US_PER_SECOND * US_PER_SECOND
        parts.append(
            mine.select("event_id", "user_id", "purpose", "_uid", "event_time").with_columns(
                pl.lit(domain).alias("domain"), ts(applied, "applied_at")
            )
        )
    apps = pl.concat(parts)

    # a few marketing withdrawals that crm never applies
    candidates = apps.filter(
        (pl.col("domain") == NEVER_APPLIED_DOMAIN) & (pl.col("purpose") == NEVER_APPLIED_PURPOSE)
    ).sort("event_id")
    count = min(NEVER_APPLIED_COUNT, candidates.height)
    never = candidates[np.sort(rng.choice(candidates.height, size=count, replace=False))]
    never_ids = never["event_id"].to_list()
    apps = apps.filter(
        ~((pl.col("domain") == NEVER_APPLIED_DOMAIN) & pl.col("event_id").is_in(never_ids))
    )

    lag_h = (pl.col("applied_at") - pl.col("event_time")).dt.total_seconds() / 3600
    late = apps.filter((pl.col("domain") == LATE_DOMAIN) & (lag_h > SLA_HOURS))
    others_late = apps.filter((pl.col("domain") != LATE_DOMAIN) & (lag_h > SLA_HOURS)).height
    assert others_late == 0, "only the late domain may exceed the SLA"
    facts = {
        "consent.propagation_lag": {
            "domain": LATE_DOMAIN,
            "sla_hours": SLA_HOURS,
            "late_revocations": late.height,
            "late_since": MARKETING_SLOW_FROM.isoformat(),
            "max_lag_hours": round(float(late.select(lag_h.max()).item() or 0.0), 2),
            "min_late_lag_hours": round(float(late.select(lag_h.min()).item() or 0.0), 2),
            "applications": apps.filter(pl.col("domain") == LATE_DOMAIN).height,
        },
        "consent.never_applied": {
            "domain": NEVER_APPLIED_DOMAIN,
            "purpose": NEVER_APPLIED_PURPOSE,
            "revocations": count,
            "event_ids": never_ids,
        },
    }
    apps = apps.sort("applied_at", "domain", "event_id").select(
        "domain", "event_id", "user_id", "purpose", "applied_at", "_uid"
    )
    return apps, facts


def _processing(
    seed,
    scale,
    pool,
    intervals,
    applications,
    events,
    domain_purposes,
    purpose_products,
    erase_cutoff_us,
):
    rng = stream(seed, "platform.processing_log")
    total = max(2000, round(PROCESSING_PER_SCALE * scale))
    user_ids = pool.people["user_id"].to_numpy()
    parts = []
    for domain in sorted(domain_purposes):
        purposes = domain_purposes[domain]
        per_purpose = round(total * DOMAIN_WEIGHT.get(domain, 0.05) / len(purposes))
        for purpose in purposes:
            iv = intervals.filter(pl.col("purpose") == purpose)
            uid, at = sample_in_intervals(rng, iv, per_purpose, WINDOW_START_US, AS_OF_US)
            products = np.array(purpose_products[(domain, purpose)])
            parts.append(
                pl.DataFrame(
                    {
                        "domain": domain,
                        "product": rng.choice(products, size=len(uid)),
                        "_uid": uid,
                        "purpose": purpose,
                        "_t": at,
                    }
                )
            )

    # seeded: growth keeps processing some subjects after applying their withdrawal
    growth_apps = applications.filter(
        (pl.col("domain") == VIOLATING_DOMAIN)
        & (pl.col("applied_at").cast(pl.Int64) < AS_OF_US - 2 * US_PER_DAY)
    ).sort("event_id")
    erased = erase_cutoff_us < NEVER
    growth_apps = growth_apps.filter(~pl.Series(erased[growth_apps["_uid"].to_numpy()]))
    m = min(growth_apps.height, max(6, round(60 * scale)))
    chosen = growth_apps[np.sort(rng.choice(growth_apps.height, size=m, replace=False))]
    reps = rng.integers(1, 5, size=m)
    idx = np.repeat(np.arange(m), reps)
    applied = chosen["applied_at"].cast(pl.Int64).to_numpy()[idx]
    lo = applied + US_PER_HOUR
    hi = np.minimum(applied + 14 * US_PER_DAY, AS_OF_US - US_PER_HOUR)
    at = uniform_seconds(rng, lo, hi)
    purpose = chosen["purpose"].to_numpy()[idx]
    product = np.array([purpose_products[(VIOLATING_DOMAIN, p)][0] for p in purpose])
    parts.append(
        pl.DataFrame(
            {
                "domain": VIOLATING_DOMAIN,
                "product": product,
                "_uid": chosen["_uid"].to_numpy()[idx],
                "purpose": purpose,
                "_t": at,
            }
        )
    )

    log = pl.concat(parts).sort("_t", "domain", "product", "_uid", "purpose", maintain_order=True)
    log = log.with_columns(
        pl.Series("user_id", user_ids[log["_uid"].to_numpy()]),
        ts(log["_t"].to_numpy(), "processed_at"),
    ).select("domain", "product", "user_id", "purpose", "processed_at")

    # recount independently: rows processed after the domain applied the subject's withdrawal
    after = log.join(
        applications.select("domain", "user_id", "purpose", "applied_at"),
        on=["domain", "user_id", "purpose"],
    ).filter(pl.col("processed_at") > pl.col("applied_at"))
    by_domain = after.group_by("domain").len().sort("domain")
    assert by_domain["domain"].to_list() in ([VIOLATING_DOMAIN], []), by_domain
    after_event = log.join(
        events.filter(pl.col("action") == "withdraw").select("user_id", "purpose", "event_time"),
        on=["user_id", "purpose"],
    ).filter(pl.col("processed_at") >= pl.col("event_time"))
    assert after_event.height == after.height
    facts = {
        "consent.processing_after_revocation": {
            "domain": VIOLATING_DOMAIN,
            "rows": after.height,
            "subjects": after["user_id"].n_unique(),
            "revocations": m,
            "products": sorted(after["product"].unique().to_list()),
            "purposes": sorted(after["purpose"].unique().to_list()),
        }
    }
    return log, facts
