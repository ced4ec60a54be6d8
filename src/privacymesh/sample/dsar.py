"""Data-subject requests: the request register and, once products exist, one task per product
holding the subject.

Seeded: two GDPR requests open past their one-month deadline, one CCPA request completed late,
a few open requests due within seven days; completed erasures remove the subject from every
product except the `marketing.audience_export` cache (soft-delete residue, chosen here).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import polars as pl

from privacymesh.sample.people import Pool
from privacymesh.sample.rng import stream
from privacymesh.sample.timeline import (
    AS_OF,
    AS_OF_US,
    US_PER_DAY,
    US_PER_HOUR,
    add_months,
    to_us,
    ts,
    uniform_seconds,
)

REQUESTS_PER_SCALE = 400
# days inside which a request is on time under every reading of the statutory deadline
# (GDPR "one month" is at least 28 days), plain and extended
SAFE_DAYS = {"GDPR": (28, 88), "CCPA": (44, 89), "LGPD": (14, 14), "DPDP": (89, 89)}
EXTENDABLE = ("GDPR", "CCPA")


def due_at(received: datetime, regulation: str, extended: bool) -> datetime:
    """The statutory response deadline (defaults from docs regulations.md)."""
    if regulation == "GDPR":
        months = 3 if extended else 1
        return datetime.combine(add_months(received.date(), months), received.time())
    if regulation == "CCPA":
        return received + timedelta(days=90 if extended else 45)
    if regulation == "LGPD":
        return received + timedelta(days=15)
    return received + timedelta(days=90)  # DPDP (verify against the Rules)


@dataclass(frozen=True)
class Forced:
    label: str
    regulation: str
    request_type: str  # access, erasure, rectification, ...
    received: datetime
    completed: datetime | None


FORCED = (
    Forced("overdue", "GDPR", "access", datetime(2026, 8, 12, 10, 15), None),
    Forced("overdue", "GDPR", "rectification", datetime(2026, 9, 3, 14, 40), None),
    Forced("late", "CCPA", "access", datetime(2026, 5, 4, 9, 0), datetime(2026, 6, 25, 16, 30)),
    Forced("due_soon", "GDPR", "access", datetime(2026, 10, 5, 11, 0), None),
    Forced("due_soon", "CCPA", "erasure", datetime(2026, 9, 21, 8, 30), None),
)


@dataclass
class DsarPlan:
    requests: pl.DataFrame  # with hidden `_uid`
    erased_uids: np.ndarray  # subjects of completed erasures
    erase_cutoff_us: np.ndarray  # per pool subject: when processing must stop (int64 max if never)
    residue_uids: np.ndarray  # erased subjects left behind in marketing.audience_export
    facts: dict = field(default_factory=dict)


def plan_requests(seed: int, scale: float, pool: Pool) -> DsarPlan:
    rng = stream(seed, "platform.dsar_requests")
    n = max(40, round(REQUESTS_PER_SCALE * scale))
    people = pool.people
    regulation_of = people["regulation"].to_numpy()
    created = pool.created_us

    taken = np.zeros(pool.size, dtype=bool)
    uids, request_types, regs, received, extended, completed, labels = [], [], [], [], [], [], []
    for f in FORCED:
        eligible = np.flatnonzero(
            (regulation_of == f.regulation)
            & ~taken
            & (created < to_us(f.received) - 30 * US_PER_DAY)
        )
        uid = int(rng.choice(eligible))
        taken[uid] = True
        uids.append(uid)
        request_types.append(f.request_type)
        regs.append(f.regulation)
        received.append(to_us(f.received))
        extended.append(False)
        completed.append(to_us(f.completed) if f.completed else -1)
        labels.append(f.label)

    m = n - len(FORCED)
    eligible = np.flatnonzero(~taken & (created < AS_OF_US - 10 * US_PER_DAY))
    r_uids = rng.choice(eligible, size=m, replace=False)
    r_reg = regulation_of[r_uids]
    lo = np.maximum(created[r_uids] + 2 * US_PER_DAY, AS_OF_US - 360 * US_PER_DAY)
    r_received = uniform_seconds(rng, lo, AS_OF_US - US_PER_DAY)
    r_type = rng.choice(
        np.array(["access", "erasure", "rectification"]), size=m, p=[0.45, 0.40, 0.15]
    )
    r_ext = np.isin(r_reg, EXTENDABLE) & (rng.random(m) < 0.10)
    safe = np.array([SAFE_DAYS[r][1 if e else 0] for r, e in zip(r_reg, r_ext, strict=True)])
    lag = (rng.uniform(0.15, 0.9, m) * safe * US_PER_DAY).astype(np.int64)
    r_completed = (r_received + lag) // 1_000_000 * 1_000_000
    r_completed = np.where(r_completed >= AS_OF_US - US_PER_HOUR, -1, r_completed)
    # an open request inside its window must not be overdue: lag < safe window guarantees it

    uids = np.concatenate([np.array(uids), r_uids]).astype(np.int64)
    frame = pl.DataFrame(
        {
            "_uid": uids,
            "type": np.concatenate([np.array(request_types), r_type]),
            "regulation": np.concatenate([np.array(regs), r_reg]),
            "_received": np.concatenate([np.array(received), r_received]),
            "extended": np.concatenate([np.array(extended, dtype=bool), r_ext]),
            "_completed": np.concatenate([np.array(completed), r_completed]),
            "_label": np.concatenate([np.array(labels), np.full(m, "")]),
        }
    ).sort("_received", "_uid")
    frame = frame.with_columns(
        pl.format("dsar-{}", pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(5)).alias(
            "request_id"
        ),
        pl.Series("user_id", people["user_id"].to_numpy()[frame["_uid"].to_numpy()]),
        ts(frame["_received"].to_numpy(), "received_at"),
        pl.when(pl.col("_completed") >= 0)
        .then(pl.lit("completed"))
        .otherwise(pl.lit("open"))
        .alias("status"),
    ).with_columns(
        pl.when(pl.col("_completed") >= 0)
        .then(pl.col("_completed").cast(pl.Datetime("us")))
        .otherwise(None)
        .alias("completed_at")
    )
    requests = frame.select(
        "request_id",
        "user_id",
        "type",
        "regulation",
        "received_at",
        "extended",
        "status",
        "completed_at",
        "_uid",
        "_label",
    )

    # erasures that completed remove the subject; processing stops when the request arrives
    erased = requests.filter((pl.col("type") == "erasure") & (pl.col("status") == "completed"))
    erased_uids = erased["_uid"].to_numpy()
    cutoff = np.full(pool.size, np.iinfo(np.int64).max, dtype=np.int64)
    cutoff[erased_uids] = erased["received_at"].cast(pl.Int64).to_numpy()
    n_residue = min(len(erased_uids), max(3, round(0.25 * len(erased_uids))))
    residue = (
        erased.sort("completed_at", "request_id", descending=[True, False])
        .head(n_residue)["_uid"]
        .to_numpy()
    )
    plan = DsarPlan(requests, np.sort(erased_uids), cutoff, np.sort(residue))
    plan.facts = deadline_facts(requests)
    return plan


def deadline_facts(requests: pl.DataFrame) -> dict:
    """Overdue (open past deadline), late (completed past deadline) and due-within-7-days ids,
    computed row by row from the deadline rules (a few hundred requests)."""
    overdue, late, due_soon = [], [], []
    for row in requests.iter_rows(named=True):
        due = due_at(row["received_at"], row["regulation"], row["extended"])
        if row["status"] == "open":
            if due < AS_OF:
                overdue.append(row["request_id"])
            elif due <= AS_OF + timedelta(days=7):
                due_soon.append(row["request_id"])
        elif row["completed_at"] > due:
            late.append(row["request_id"])
    return {"overdue": overdue, "late": late, "due_soon": due_soon}


def build_tasks(seed: int, plan: DsarPlan, membership: dict[str, np.ndarray]) -> pl.DataFrame:
    """One task per (request, product holding the subject when the request arrived)."""
    rng = stream(seed, "platform.dsar_tasks")
    req = plan.requests
    parts = []
    for product_id in sorted(membership):
        holders = membership[product_id]
        hit = req.filter(pl.col("_uid").is_in(holders))
        if hit.height == 0:
            continue
        domain, product = product_id.split(".", 1)
        parts.append(
            hit.select("request_id", "_uid", "received_at", "completed_at", "status").with_columns(
                pl.lit(domain).alias("domain"), pl.lit(product).alias("product")
            )
        )
    tasks = pl.concat(parts).sort("request_id", "domain", "product")
    k = tasks.height
    received = tasks["received_at"].cast(pl.Int64).to_numpy()
    req_done = tasks["completed_at"].cast(pl.Int64).fill_null(-1).to_numpy()
    open_req = req_done < 0
    # tasks of a completed request finish between receipt and the request's completion, the
    # last one exactly at it; tasks of an open request are half done
    frac = rng.uniform(0.3, 1.0, k)
    done_at = received + ((req_done - received) * frac).astype(np.int64) // 1_000_000 * 1_000_000
    task_open = open_req & (rng.random(k) < 0.5)
    open_done = uniform_seconds(
        rng, received, np.maximum(received + US_PER_HOUR, AS_OF_US - US_PER_HOUR)
    )
    done_at = np.where(open_req, open_done, done_at)
    tasks = tasks.with_columns(
        pl.Series("status", np.where(task_open, "open", "completed")),
        pl.Series("_done", np.where(task_open, -1, done_at)),
    )
    # the latest task of each completed request closes at the request's completion time
    tasks = tasks.with_columns(
        pl.when(
            pl.col("completed_at").is_not_null()
            & (pl.col("_done") == pl.col("_done").max().over("request_id"))
        )
        .then(pl.col("completed_at").cast(pl.Int64))
        .otherwise(pl.col("_done"))
        .alias("_done")
    )
    return tasks.select(
        "request_id",
        "domain",
        "product",
        "status",
        pl.when(pl.col("_done") >= 0)
        .then(pl.col("_done").cast(pl.Datetime("us")))
        .otherwise(None)
        .alias("completed_at"),
        "_uid",
    )
