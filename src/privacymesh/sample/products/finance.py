"""finance: invoices paid by bank transfer (IBANs), a clean monthly revenue table and a ledger
export cache of the invoices."""

from __future__ import annotations

import numpy as np
import polars as pl

from privacymesh.sample.context import Context
from privacymesh.sample.products.common import cents_sum, money, owner, seq_ids, steward
from privacymesh.sample.products.spec import Column, ProductSpec, Retention, Role, standard_roles
from privacymesh.sample.timeline import AS_OF_US, US_PER_DAY, US_PER_HOUR, ts

DOMAIN = "finance"
ROLES = standard_roles(
    DOMAIN,
    analyst="internal",
    third=Role("finance_controller", "read", "restricted", "Financial controllers."),
)

INVOICES = ProductSpec(
    domain=DOMAIN,
    name="invoices",
    product_kind="source",
    mode="batch",
    purpose="Invoices for account fees, collected by direct debit.",
    usage="Billing, collections, statutory bookkeeping.",
    limitations="Kept ten years for bookkeeping law.",
    grain="One row per invoice.",
    columns=(
        Column("invoice_id", "Invoice number.", primary_key=True, required=True),
        Column(
            "customer_ref", "Customer reference.", "confidential", "user.unique_id", required=True
        ),
        Column("amount", "Invoice total in the invoice currency."),
        Column("currency", "ISO 4217 currency code."),
        Column(
            "iban",
            "Debited account (IBAN).",
            "restricted",
            "user.financial.bank_account",
            "partial",
        ),
        Column("issued_at", "When the invoice was issued (UTC); ages the row.", required=True),
    ),
    roles=ROLES,
    purposes=("invoicing", "accounting"),
    data_subjects=("customer",),
    legal_basis="legal_obligation",
    subject_key="customer_ref",
    subject_key_form="customer_ref",
    retention=Retention(10, "y", "issued_at"),
    owner=owner(DOMAIN),
    steward=steward(DOMAIN),
)

SRC = "finance.invoices"
REVENUE_MONTHLY = ProductSpec(
    domain=DOMAIN,
    name="revenue_monthly",
    product_kind="derived",
    mode="batch",
    purpose="Invoiced revenue per month and currency.",
    usage="Management accounts.",
    limitations="Aggregate only.",
    grain="One row per month and currency.",
    columns=(
        Column("month", "First day of the month.", primary_key=True, sources=(f"{SRC}.issued_at",)),
        Column("currency", "Currency.", primary_key=True, sources=(f"{SRC}.currency",)),
        Column("invoices", "Invoices issued.", sources=(f"{SRC}.invoice_id",)),
        Column("revenue", "Invoiced total.", sources=(f"{SRC}.amount",)),
    ),
    roles=ROLES,
    purposes=("accounting",),
    owner=owner(DOMAIN),
)

LEDGER_EXPORT = ProductSpec(
    domain=DOMAIN,
    name="ledger_export",
    product_kind="cache",
    mode="batch",
    purpose="Nightly copy of invoices for the general-ledger system.",
    usage="Loaded into the ERP.",
    limitations="A copy: must follow erasure and retention of finance.invoices.",
    grain="One row per invoice exported.",
    columns=(
        Column(
            "invoice_id",
            "Invoice number.",
            primary_key=True,
            required=True,
            sources=(f"{SRC}.invoice_id",),
        ),
        Column(
            "customer_ref",
            "Customer reference.",
            "confidential",
            "user.unique_id",
            required=True,
            sources=(f"{SRC}.customer_ref",),
        ),
        Column(
            "iban",
            "Debited account, stored masked: country, check digits and last four characters.",
            "restricted",
            "user.financial.bank_account",
            "partial",
            sources=(f"{SRC}.iban",),
        ),
        Column("amount", "Invoice total.", sources=(f"{SRC}.amount",)),
        Column("currency", "Currency.", sources=(f"{SRC}.currency",)),
        Column(
            "issued_at",
            "Issue time (UTC); ages the row.",
            required=True,
            sources=(f"{SRC}.issued_at",),
        ),
        Column("exported_at", "When the export ran (UTC)."),
    ),
    roles=ROLES,
    purposes=("accounting",),
    data_subjects=("customer",),
    legal_basis="legal_obligation",
    subject_key="customer_ref",
    subject_key_form="customer_ref",
    retention=Retention(10, "y", "issued_at"),
    owner=owner(DOMAIN),
    steward=steward(DOMAIN),
)

SPECS = (INVOICES, REVENUE_MONTHLY, LEDGER_EXPORT)
# DE89370400440532013000 -> DE89**************3000
MASKED_IBAN = pl.concat_str(
    pl.col("iban").str.slice(0, 4),
    pl.lit("*").repeat_by(pl.col("iban").str.len_chars() - 8).list.join(""),
    pl.col("iban").str.slice(-4),
)


def build(ctx: Context) -> dict[str, pl.DataFrame]:
    rng = ctx.rng("finance")
    n = ctx.rows(15_000)
    has_iban = ctx.pool.people["iban"].is_not_null().to_numpy()
    uid = ctx.pool.sample(rng, n, created_before_us=AS_OF_US - 5 * US_PER_DAY, eligible=has_iban)
    at = ctx.times_after_creation(rng, uid, AS_OF_US - 1000 * US_PER_DAY, AS_OF_US - US_PER_HOUR)
    o = np.lexsort((uid, at))
    uid, at = uid[o], at[o]
    base = ctx.pool.rows(uid, "customer_ref", "currency", "iban")
    invoices = base.select(
        seq_ids("INV-", n, 7).alias("invoice_id"),
        "customer_ref",
        pl.Series("amount", money(rng, base["currency"].to_numpy(), 2.6, 0.6)),
        "currency",
        "iban",
        ts(at, "issued_at"),
        pl.Series("_uid", uid),
    )
    export_at = AS_OF_US - 2 * US_PER_DAY + 3 * US_PER_HOUR
    ledger = invoices.filter(pl.col("issued_at").cast(pl.Int64) < export_at).select(
        "invoice_id",
        "customer_ref",
        MASKED_IBAN.alias("iban"),
        "amount",
        "currency",
        "issued_at",
        pl.lit(export_at).cast(pl.Datetime("us")).alias("exported_at"),
        "_uid",
    )
    invoices = ctx.settle(INVOICES.id, invoices)
    ledger = ctx.settle(LEDGER_EXPORT.id, ledger)
    revenue = (
        invoices.group_by(
            pl.col("issued_at").dt.truncate("1mo").dt.date().alias("month"), "currency"
        )
        .agg(pl.len().cast(pl.Int64).alias("invoices"), cents_sum("amount").alias("revenue"))
        .sort("month", "currency")
    )
    return {INVOICES.id: invoices, REVENUE_MONTHLY.id: revenue, LEDGER_EXPORT.id: ledger}
