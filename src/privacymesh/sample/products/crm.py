"""crm: the customer master and a consumer-facing 360 view whose phone column is restricted but
neither masked nor given a masking rule (seeded); its email column is masked as declared."""

from __future__ import annotations

import numpy as np
import polars as pl

from privacymesh.sample.context import Context
from privacymesh.sample.products.common import owner, steward
from privacymesh.sample.products.spec import Column, ProductSpec, Retention, Role, standard_roles
from privacymesh.sample.timeline import AS_OF_US, US_PER_DAY, ts, uniform_seconds

DOMAIN = "crm"
ROLES = standard_roles(
    DOMAIN,
    analyst="internal",
    third=Role("crm_relationship_manager", "read", "confidential", "Relationship managers."),
)

CUSTOMERS = ProductSpec(
    domain=DOMAIN,
    name="customers",
    product_kind="source",
    mode="batch",
    purpose="Customer master data for relationship management.",
    usage="Contact management, service, postal mailings.",
    limitations="Marketing contact only with marketing consent.",
    grain="One row per customer.",
    columns=(
        Column(
            "customer_ref",
            "Customer reference (CR-xxxxxx).",
            "confidential",
            "user.unique_id",
            primary_key=True,
            required=True,
        ),
        Column("email", "Contact email.", "restricted", "user.contact.email", "partial"),
        Column(
            "phone", "Contact phone, E.164.", "restricted", "user.contact.phone_number", "partial"
        ),
        Column("full_name", "Customer name.", "confidential", "user.name", "partial"),
        Column(
            "street_address",
            "Street and number.",
            "restricted",
            "user.contact.address.street",
            "redact",
        ),
        Column("city", "City.", "confidential", "user.contact.address.city"),
        Column(
            "postal_code",
            "Postal code.",
            "confidential",
            "user.contact.address.postal_code",
            "generalize",
        ),
        Column("created_at", "When the customer was created (UTC).", required=True),
        Column("last_contact_at", "Latest contact (UTC); ages the row.", required=True),
    ),
    roles=ROLES,
    purposes=("customer_relationship", "marketing"),
    data_subjects=("customer",),
    legal_basis="contract",
    subject_key="customer_ref",
    subject_key_form="customer_ref",
    retention=Retention(1825, "d", "last_contact_at"),
    owner=owner(DOMAIN),
    steward=steward(DOMAIN),
)

SRC = "crm.customers"
CUSTOMER_360 = ProductSpec(
    domain=DOMAIN,
    name="customer_360",
    product_kind="view",
    mode="batch",
    purpose="Consumer-facing 360 view of each customer for front-line staff.",
    usage="Branch and call-centre screens.",
    limitations="Served to roles below restricted clearance; restricted fields must be masked.",
    grain="One row per customer.",
    columns=(
        Column(
            "customer_ref",
            "Customer reference.",
            "confidential",
            "user.unique_id",
            primary_key=True,
            required=True,
            sources=(f"{SRC}.customer_ref",),
        ),
        Column(
            "full_name",
            "Customer name.",
            "confidential",
            "user.name",
            "partial",
            sources=(f"{SRC}.full_name",),
        ),
        Column(
            "email",
            "Contact email, stored masked.",
            "restricted",
            "user.contact.email",
            "partial",
            sources=(f"{SRC}.email",),
        ),
        Column(
            "phone",
            "Contact phone.",
            "restricted",
            "user.contact.phone_number",
            sources=(f"{SRC}.phone",),
        ),
        Column("country", "Country.", "internal", "user.contact.address.country"),
        Column("segment", "Lifecycle segment."),
        Column("open_tickets", "Open support tickets.", sources=("support.tickets.status",)),
        Column(
            "last_contact_at",
            "Latest contact (UTC); ages the row.",
            required=True,
            sources=(f"{SRC}.last_contact_at",),
        ),
    ),
    roles=(
        Role("crm_frontline", "read", "confidential", "Branch and call-centre staff."),
        Role("crm_engineer", "write", "restricted", "Data engineers of the crm domain."),
    ),
    purposes=("customer_relationship",),
    data_subjects=("customer",),
    legal_basis="contract",
    subject_key="customer_ref",
    subject_key_form="customer_ref",
    retention=Retention(1825, "d", "last_contact_at"),
    owner=owner(DOMAIN),
    steward=steward(DOMAIN),
)

SPECS = (CUSTOMERS, CUSTOMER_360)

MASKED_EMAIL = pl.concat_str(
    pl.col("email").str.extract(r"^(.)", 1),
    pl.lit("***@"),
    pl.col("email").str.extract(r"@(.)", 1),
    pl.lit("***."),
    pl.col("email").str.extract(r"@[^.]*\.(.+)$", 1),
)


def build(ctx: Context) -> dict[str, pl.DataFrame]:
    rng = ctx.rng("crm")
    n = ctx.pool.size
    uid = np.flatnonzero(rng.random(n) < 0.92)
    created = ctx.pool.created_us[uid]
    last = uniform_seconds(
        rng, np.maximum(created, AS_OF_US - 1500 * US_PER_DAY), AS_OF_US - US_PER_DAY
    )
    customers = (
        ctx.pool.rows(
            uid,
            "customer_ref",
            "email",
            "phone",
            "full_name",
            "street_address",
            "city",
            "postal_code",
            "created_at",
        )
        .with_columns(ts(last, "last_contact_at"), pl.Series("_uid", uid))
        .sort("customer_ref")
    )
    open_tickets = (
        ctx.frames["support.tickets"]
        .filter(pl.col("status") == "open")
        .group_by("_uid")
        .agg(pl.len().cast(pl.Int64).alias("open_tickets"))
    )
    view = (
        customers.join(
            ctx.pool.people.select(pl.col("uid").alias("_uid"), "country", "segment"),
            on="_uid",
            how="left",
            maintain_order="left",
        )
        .join(open_tickets, on="_uid", how="left", maintain_order="left")
        .select(
            "customer_ref",
            "full_name",
            MASKED_EMAIL.alias("email"),
            "phone",
            "country",
            "segment",
            pl.col("open_tickets").fill_null(0),
            "last_contact_at",
            "_uid",
        )
    )
    customers = ctx.settle(CUSTOMERS.id, customers)
    view = ctx.settle(CUSTOMER_360.id, view)
    ctx.facts["pii.restricted_unmasked"] = {
        "product": CUSTOMER_360.id,
        "column": "phone",
        "classification": "restricted",
        "masking_rule": None,
        "rows": int(view["phone"].is_not_null().sum()),
    }
    return {CUSTOMERS.id: customers, CUSTOMER_360.id: view}
