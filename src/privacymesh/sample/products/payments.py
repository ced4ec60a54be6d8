"""payments: card payments (system of record) and a clean daily aggregate."""

from __future__ import annotations

import numpy as np
import polars as pl

from privacymesh.sample import identifiers as ids
from privacymesh.sample.context import Context
from privacymesh.sample.products.common import cents_sum, money, owner, seq_ids, steward
from privacymesh.sample.products.spec import Column, ProductSpec, Retention, Role, standard_roles
from privacymesh.sample.timeline import AS_OF_US, US_PER_DAY, US_PER_HOUR, ts

DOMAIN = "payments"
ROLES = standard_roles(
    DOMAIN,
    analyst="confidential",
    third=Role("payments_finance_reader", "read", "internal", "Finance reporting."),
)
MERCHANTS = np.array(
    [
        "Northwind Grocers",
        "Contoso Coffee",
        "Fabrikam Fuel",
        "Tailspin Travel",
        "Adatum Books",
        "Litware Electronics",
        "Proseware Pharmacy",
        "Wingtip Toys",
        "Woodgrove Market",
        "Blue Yonder Air",
        "Alpine Ski House",
        "Coho Winery",
        "Fourth Coffee",
        "Graphic Design Co",
        "Humongous Insurance",
        "Lucerne Publishing",
        "Tailwind Traders",
        "Nod Publishers",
        "Southridge Video",
        "Trey Research Labs",
        "VanArsdel Fashion",
        "Wide World Importers",
    ]
)

TRANSACTIONS = ProductSpec(
    domain=DOMAIN,
    name="transactions",
    product_kind="source",
    mode="batch",
    purpose="Card and account payments, the system of record for settlement.",
    usage="Settlement, fraud scoring, finance reporting.",
    limitations="No marketing use.",
    grain="One row per payment.",
    columns=(
        Column("txn_id", "Payment identifier.", primary_key=True, required=True),
        Column("user_id", "Paying account.", "confidential", "user.unique_id", required=True),
        Column("amount", "Amount in the payment currency."),
        Column("currency", "ISO 4217 currency code."),
        Column(
            "card_number",
            "Full card number (PAN).",
            "restricted",
            "user.financial.credit_card",
            "partial",
        ),
        Column("merchant", "Merchant name."),
        Column(
            "ip_address",
            "IP address the payment was made from.",
            "confidential",
            "user.device.ip_address",
            "hash",
        ),
        Column("created_at", "When the payment was made (UTC); ages the row.", required=True),
    ),
    roles=ROLES,
    purposes=("payments", "fraud_prevention"),
    data_subjects=("customer",),
    legal_basis="contract",
    subject_key="user_id",
    subject_key_form="user_id",
    retention=Retention(400, "d", "created_at"),
    owner=owner(DOMAIN),
    steward=steward(DOMAIN),
)

SRC = "payments.transactions"
DAILY_VOLUME = ProductSpec(
    domain=DOMAIN,
    name="daily_volume",
    product_kind="derived",
    mode="batch",
    purpose="Daily payment volume per currency.",
    usage="Treasury and finance dashboards.",
    limitations="Aggregate only; no subject-level data.",
    grain="One row per day and currency.",
    columns=(
        Column("day", "Calendar day (UTC).", primary_key=True, sources=(f"{SRC}.created_at",)),
        Column(
            "currency", "ISO 4217 currency code.", primary_key=True, sources=(f"{SRC}.currency",)
        ),
        Column("txn_count", "Number of payments.", sources=(f"{SRC}.txn_id",)),
        Column("amount_total", "Sum of amounts.", sources=(f"{SRC}.amount",)),
    ),
    roles=ROLES,
    purposes=("finance_reporting",),
    owner=owner(DOMAIN),
)

SPECS = (TRANSACTIONS, DAILY_VOLUME)


def build(ctx: Context) -> dict[str, pl.DataFrame]:
    rng = ctx.rng("payments")
    n = ctx.rows(90_000)
    lo = AS_OF_US - 358 * US_PER_DAY
    payers = rng.random(ctx.pool.size) < 0.6
    uid = ctx.pool.sample(rng, n, created_before_us=AS_OF_US - 2 * US_PER_DAY, eligible=payers)
    at = ctx.times_after_creation(rng, uid, lo, AS_OF_US - US_PER_HOUR)
    order = np.lexsort((uid, at))
    uid, at = uid[order], at[order]
    base = ctx.pool.rows(uid, "user_id", "currency", "card_number", "ip_address")
    currency = base["currency"].to_numpy()
    home_ip = rng.random(n) < 0.8
    ip = np.where(home_ip, base["ip_address"].to_numpy(), ids.ipv4s(rng, n))
    txn = pl.DataFrame(
        {
            "txn_id": seq_ids("txn_", n, 8),
            "user_id": base["user_id"],
            "amount": money(rng, currency, 3.3, 1.0),
            "currency": currency,
            "card_number": base["card_number"],
            "merchant": rng.choice(MERCHANTS, size=n),
            "ip_address": ip,
        }
    ).with_columns(ts(at, "created_at"), pl.Series("_uid", uid))
    txn = ctx.settle(TRANSACTIONS.id, txn)

    daily = (
        txn.group_by(pl.col("created_at").dt.date().alias("day"), "currency")
        .agg(pl.len().cast(pl.Int64).alias("txn_count"), cents_sum("amount").alias("amount_total"))
        .sort("day", "currency")
    )
    return {TRANSACTIONS.id: txn, DAILY_VOLUME.id: daily}
