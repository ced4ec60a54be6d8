"""logistics: shipments (precise delivery coordinates, declared; a known number of rows older
than the declared 365-day retention) and clean carrier reference rates."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl

from privacymesh.sample.context import Context
from privacymesh.sample.products.common import owner, seq_ids, steward
from privacymesh.sample.products.spec import Column, ProductSpec, Retention, Role, standard_roles
from privacymesh.sample.timeline import AS_OF, AS_OF_US, US_PER_DAY, US_PER_HOUR, WINDOW_START, ts

DOMAIN = "logistics"
ROLES = standard_roles(
    DOMAIN,
    analyst="internal",
    third=Role("logistics_dispatcher", "read", "restricted", "Dispatchers and couriers."),
)
RETENTION_DAYS = 365

SHIPMENTS = ProductSpec(
    domain=DOMAIN,
    name="shipments",
    product_kind="source",
    mode="batch",
    purpose="Card and document shipments to customers.",
    usage="Dispatch, proof of delivery, carrier invoicing.",
    limitations="Delete a year after shipping.",
    grain="One row per shipment.",
    columns=(
        Column("shipment_id", "Shipment identifier.", primary_key=True, required=True),
        Column(
            "customer_ref", "Customer reference.", "confidential", "user.unique_id", required=True
        ),
        Column(
            "delivery_address",
            "Street address delivered to.",
            "restricted",
            "user.contact.address.street",
            "redact",
        ),
        Column(
            "postal_code",
            "Postal code delivered to.",
            "confidential",
            "user.contact.address.postal_code",
            "generalize",
        ),
        Column(
            "delivery_lat",
            "Proof-of-delivery latitude.",
            "restricted",
            "user.location.precise",
            "generalize",
        ),
        Column(
            "delivery_lon",
            "Proof-of-delivery longitude.",
            "restricted",
            "user.location.precise",
            "generalize",
        ),
        Column("carrier", "Carrier code."),
        Column(
            "shipped_at", "When the parcel left the warehouse (UTC); ages the row.", required=True
        ),
    ),
    roles=ROLES,
    purposes=("fulfilment",),
    data_subjects=("customer",),
    legal_basis="contract",
    subject_key="customer_ref",
    subject_key_form="customer_ref",
    retention=Retention(RETENTION_DAYS, "d", "shipped_at"),
    owner=owner(DOMAIN),
    steward=steward(DOMAIN),
)

CARRIER_RATES = ProductSpec(
    domain=DOMAIN,
    name="carrier_rates",
    product_kind="source",
    mode="batch",
    purpose="Contracted carrier rates (reference data).",
    usage="Carrier selection and invoice checks.",
    limitations="None.",
    grain="One row per carrier, service, zone and weight band.",
    columns=(
        Column("carrier", "Carrier code.", primary_key=True),
        Column("service", "Service level.", primary_key=True),
        Column("zone", "Destination zone.", primary_key=True),
        Column("weight_band_kg", "Upper weight bound in kg.", primary_key=True),
        Column("rate_eur", "Price in EUR."),
        Column("valid_from", "First day the rate applies."),
    ),
    roles=ROLES,
    purposes=("fulfilment",),
    owner=owner(DOMAIN),
)

SPECS = (SHIPMENTS, CARRIER_RATES)
CARRIERS = np.array(["DHL", "UPS", "FEDEX", "ROYALMAIL", "CORREIOS", "BLUEDART", "DPD"])


def build(ctx: Context) -> dict[str, pl.DataFrame]:
    rng = ctx.rng("logistics")
    n = ctx.rows(30_000)
    uid = ctx.pool.sample(rng, n, created_before_us=AS_OF_US - 3 * US_PER_DAY, weighted=False)
    at = ctx.times_after_creation(rng, uid, AS_OF_US - 540 * US_PER_DAY, AS_OF_US - US_PER_HOUR)
    # keep every row at least three days away from the retention boundary, so "<" vs "<=" and
    # date vs timestamp comparisons count the same rows
    boundary = AS_OF_US - RETENTION_DAYS * US_PER_DAY
    near = np.abs(at - boundary) < 3 * US_PER_DAY
    at = np.where(near, at + 6 * US_PER_DAY, at)
    at = np.minimum(at, AS_OF_US - US_PER_HOUR)
    o = np.lexsort((uid, at))
    uid, at = uid[o], at[o]
    base = ctx.pool.rows(
        uid, "customer_ref", "street_address", "postal_code", "home_lat", "home_lon"
    )
    frame = base.select(
        seq_ids("SHP-", n, 7).alias("shipment_id"),
        "customer_ref",
        pl.col("street_address").alias("delivery_address"),
        "postal_code",
        (pl.col("home_lat") + pl.Series(rng.normal(0, 0.0002, n))).round(5).alias("delivery_lat"),
        (pl.col("home_lon") + pl.Series(rng.normal(0, 0.0003, n))).round(5).alias("delivery_lon"),
        pl.Series("carrier", rng.choice(CARRIERS, size=n)),
        ts(at, "shipped_at"),
        pl.Series("_uid", uid),
    )
    frame = ctx.settle(SHIPMENTS.id, frame)
    expired = int((frame["shipped_at"].cast(pl.Int64) < boundary).sum())
    ctx.facts["retention.expired_rows"] = {
        "product": SHIPMENTS.id,
        "element": "shipped_at",
        "retention_days": RETENTION_DAYS,
        "cutoff": (AS_OF - timedelta(days=RETENTION_DAYS)).isoformat(),
        "expired_rows": expired,
        "rows": frame.height,
        "oldest": frame["shipped_at"].min().isoformat(),
    }

    rates = []
    zones = ["domestic", "eu", "international"]
    for ci, carrier in enumerate(CARRIERS):
        for si, service in enumerate(["standard", "express"]):
            for zi, zone in enumerate(zones):
                for band in (1, 2, 5, 10, 20):
                    rate = 3.5 + ci * 0.4 + si * 4.0 + zi * 6.0 + band * 0.55
                    rates.append((carrier, service, zone, band, round(rate, 2)))
    carrier_rates = pl.DataFrame(
        rates, schema=["carrier", "service", "zone", "weight_band_kg", "rate_eur"], orient="row"
    ).with_columns(
        pl.lit(WINDOW_START.date()).alias("valid_from"),
        pl.col("weight_band_kg").cast(pl.Int64),
    )
    return {SHIPMENTS.id: frame, CARRIER_RATES.id: carrier_rates}
