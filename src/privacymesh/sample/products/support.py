"""support: customer tickets whose free-text body carries undeclared personal data, and a clean
monthly metrics table."""

from __future__ import annotations

import numpy as np
import polars as pl

from privacymesh.sample import text
from privacymesh.sample.context import Context
from privacymesh.sample.products.common import owner, seq_ids, steward
from privacymesh.sample.products.spec import Column, ProductSpec, Retention, Role, standard_roles
from privacymesh.sample.timeline import AS_OF_US, US_PER_DAY, US_PER_HOUR, ts

DOMAIN = "support"
ROLES = standard_roles(
    DOMAIN,
    analyst="internal",
    third=Role("support_agent", "write", "confidential", "Support agents."),
)

TICKETS = ProductSpec(
    domain=DOMAIN,
    name="tickets",
    product_kind="source",
    mode="batch",
    purpose="Customer support tickets from email, chat and the help centre.",
    usage="Ticket handling, quality review, contact-reason analysis.",
    limitations="Bodies are free text written by customers.",
    grain="One row per ticket.",
    columns=(
        Column("ticket_id", "Ticket identifier.", primary_key=True, required=True),
        Column(
            "customer_ref", "Customer reference.", "confidential", "user.unique_id", required=True
        ),
        Column("channel", "email, chat or web."),
        Column("subject", "Subject line picked by the customer."),
        Column("body", "First message of the ticket."),
        Column("status", "open or closed."),
        Column("created_at", "When the ticket was opened (UTC); ages the row.", required=True),
        Column("closed_at", "When it was closed (UTC), empty while open."),
    ),
    roles=ROLES,
    purposes=("customer_support",),
    data_subjects=("customer",),
    legal_basis="contract",
    subject_key="customer_ref",
    subject_key_form="customer_ref",
    retention=Retention(1095, "d", "created_at"),
    owner=owner(DOMAIN),
    steward=steward(DOMAIN),
)

SRC = "support.tickets"
TICKET_METRICS = ProductSpec(
    domain=DOMAIN,
    name="ticket_metrics",
    product_kind="derived",
    mode="batch",
    purpose="Monthly ticket volume and resolution time per channel.",
    usage="Support operations reporting.",
    limitations="Aggregate only.",
    grain="One row per month and channel.",
    columns=(
        Column(
            "month", "First day of the month.", primary_key=True, sources=(f"{SRC}.created_at",)
        ),
        Column("channel", "Contact channel.", primary_key=True, sources=(f"{SRC}.channel",)),
        Column("tickets", "Tickets opened.", sources=(f"{SRC}.ticket_id",)),
        Column("closed", "Tickets of the month already closed.", sources=(f"{SRC}.status",)),
        Column("median_resolution_hours", "Median hours to close.", sources=(f"{SRC}.closed_at",)),
    ),
    roles=ROLES,
    purposes=("customer_support",),
    owner=owner(DOMAIN),
)

SPECS = (TICKETS, TICKET_METRICS)


def build(ctx: Context) -> dict[str, pl.DataFrame]:
    rng = ctx.rng("support")
    n = ctx.rows(5_000)
    uid = ctx.pool.sample(rng, n, created_before_us=AS_OF_US - 3 * US_PER_DAY)
    at = ctx.times_after_creation(rng, uid, AS_OF_US - 700 * US_PER_DAY, AS_OF_US - US_PER_HOUR)
    o = np.lexsort((uid, at))
    uid, at = uid[o], at[o]
    resolve = (rng.lognormal(2.5, 1.1, n) * US_PER_HOUR).astype(np.int64) // 10**6 * 10**6
    closed = at + resolve
    is_open = closed >= AS_OF_US
    tpl = text.TICKET_BODIES
    choice = text.choose(rng, tpl, n)
    frame = (
        ctx.pool.rows(uid, "customer_ref", "full_name", "email", "phone")
        .with_columns(
            pl.Series("_tpl", choice),
            pl.col("full_name").alias("_full_name"),
            pl.col("email").alias("_email"),
            pl.col("phone").alias("_phone"),
            pl.Series("_order", np.char.add("ORD-", rng.integers(100_000, 999_999, n).astype(str))),
        )
        .select(
            seq_ids("TCK-", n, 6).alias("ticket_id"),
            "customer_ref",
            pl.Series(
                "channel",
                rng.choice(np.array(["email", "chat", "web"]), size=n, p=[0.45, 0.35, 0.2]),
            ),
            pl.Series("subject", text.TICKET_SUBJECTS[choice]),
            text.render(tpl).alias("body"),
            pl.Series("status", np.where(is_open, "open", "closed")),
            ts(at, "created_at"),
            ts(np.where(is_open, 0, closed), "closed_at"),
            pl.Series("_uid", uid),
            pl.Series("_tpl", choice),
        )
        .with_columns(
            pl.when(pl.col("status") == "open")
            .then(None)
            .otherwise(pl.col("closed_at"))
            .alias("closed_at")
        )
    )
    frame = ctx.settle(TICKETS.id, frame)

    chosen = frame["_tpl"].to_numpy()
    by_cat = {
        cat: int(np.isin(chosen, text.carrying(tpl, cat)).sum())
        for cat in (text.EMAIL, text.PHONE, text.NAME)
    }
    any_pii = np.isin(chosen, [i for i, t in enumerate(tpl) if t.carries])
    ctx.facts["pii.free_text"] = {
        "product": TICKETS.id,
        "column": "body",
        "rows": int(any_pii.sum()),
        "categories": sorted(by_cat),
        "rows_by_category": by_cat,
    }

    metrics = (
        frame.with_columns(pl.col("created_at").dt.truncate("1mo").dt.date().alias("month"))
        .group_by("month", "channel")
        .agg(
            pl.len().cast(pl.Int64).alias("tickets"),
            (pl.col("status") == "closed").sum().cast(pl.Int64).alias("closed"),
            ((pl.col("closed_at") - pl.col("created_at")).dt.total_seconds() / 3600)
            .median()
            .round(1)
            .alias("median_resolution_hours"),
        )
        .sort("month", "channel")
    )
    return {TICKETS.id: frame, TICKET_METRICS.id: metrics}
