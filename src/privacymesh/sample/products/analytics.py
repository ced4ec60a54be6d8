"""analytics: a wide profile table (seeded quasi-identifiers and an undeclared email hash), store
visits with undeclared precise coordinates, and a clean daily sessions aggregate."""

from __future__ import annotations

import numpy as np
import polars as pl

from privacymesh.sample.context import Context
from privacymesh.sample.locales import MARKETS
from privacymesh.sample.products.common import cents_sum, owner, seq_ids, steward
from privacymesh.sample.products.spec import Column, ProductSpec, Retention, Role, standard_roles
from privacymesh.sample.timeline import AS_OF_US, US_PER_DAY, US_PER_HOUR, ts, uniform_seconds

DOMAIN = "analytics"
ROLES = standard_roles(
    DOMAIN,
    analyst="confidential",
    third=Role("analytics_data_scientist", "read", "confidential", "Data scientists."),
)
USERS = "identity.users"

USER_PROFILE_WIDE = ProductSpec(
    domain=DOMAIN,
    name="user_profile_wide",
    product_kind="derived",
    mode="batch",
    purpose="One wide row per customer for segmentation and modelling.",
    usage="Segmentation, propensity models, BI self-service.",
    limitations="Open to all analysts; must not allow re-identification.",
    grain="One row per customer account.",
    columns=(
        Column(
            "user_id",
            "Account identifier.",
            "confidential",
            "user.unique_id",
            required=True,
            sources=(f"{USERS}.user_id",),
        ),
        Column(
            "country",
            "Country of residence.",
            "internal",
            "user.contact.address.country",
            sources=(f"{USERS}.country",),
        ),
        Column(
            "postal_code",
            "Home postal code.",
            "confidential",
            "user.contact.address.postal_code",
            "generalize",
            sources=(f"{USERS}.postal_code",),
        ),
        Column(
            "date_of_birth",
            "Date of birth.",
            "confidential",
            "user.demographic.date_of_birth",
            "generalize",
            sources=(f"{USERS}.date_of_birth",),
        ),
        Column(
            "gender",
            "Gender.",
            "confidential",
            "user.demographic.gender",
            sources=(f"{USERS}.gender",),
        ),
        Column("segment", "Lifecycle segment."),
        Column(
            "lifetime_value",
            "Sum of payments in local currency.",
            sources=("payments.transactions.amount",),
        ),
        Column(
            "sessions_30d",
            "Web events in the last 30 days.",
            sources=("growth.web_events.event_id",),
        ),
        Column("visitor_hash", "Join key to web analytics.", sources=(f"{USERS}.email",)),
        Column("updated_at", "When the row was rebuilt (UTC); ages the row.", required=True),
    ),
    roles=ROLES,
    purposes=("analytics", "personalisation"),
    data_subjects=("customer",),
    legal_basis="consent",
    subject_key="user_id",
    subject_key_form="user_id",
    retention=Retention(400, "d", "updated_at"),
    owner=owner(DOMAIN),
    steward=steward(DOMAIN),
)

STORE_VISITS = ProductSpec(
    domain=DOMAIN,
    name="store_visits",
    product_kind="events",
    mode="batch",
    purpose="Branch and partner-store visits detected by the mobile app.",
    usage="Footfall analysis, branch planning.",
    limitations="City-level reporting only.",
    grain="One row per detected visit.",
    columns=(
        Column("visit_id", "Visit identifier.", primary_key=True, required=True),
        Column("user_id", "Visiting account.", "confidential", "user.unique_id", required=True),
        Column("store_id", "Store identifier."),
        Column("latitude", "Visit latitude."),
        Column("longitude", "Visit longitude."),
        Column("city", "City of the store.", "internal", "user.location.imprecise"),
        Column("visited_at", "When the visit started (UTC); ages the row.", required=True),
    ),
    roles=ROLES,
    purposes=("analytics",),
    data_subjects=("customer",),
    legal_basis="consent",
    subject_key="user_id",
    subject_key_form="user_id",
    retention=Retention(400, "d", "visited_at"),
    owner=owner(DOMAIN),
    steward=steward(DOMAIN),
)

WEB = "growth.web_events"
SESSIONS_DAILY = ProductSpec(
    domain=DOMAIN,
    name="sessions_daily",
    product_kind="derived",
    mode="batch",
    purpose="Daily web traffic per platform.",
    usage="Traffic dashboards.",
    limitations="Aggregate only.",
    grain="One row per day and platform.",
    columns=(
        Column("day", "Calendar day (UTC).", primary_key=True, sources=(f"{WEB}.ts",)),
        Column(
            "platform", "ios, android or desktop.", primary_key=True, sources=(f"{WEB}.user_agent",)
        ),
        Column("page_views", "Tracked events.", sources=(f"{WEB}.event_id",)),
        Column("active_devices", "Distinct devices.", sources=(f"{WEB}.device_id",)),
    ),
    roles=ROLES,
    purposes=("analytics",),
    owner=owner(DOMAIN),
)

SPECS = (USER_PROFILE_WIDE, STORE_VISITS, SESSIONS_DAILY)
QUASI_IDENTIFIERS = ("postal_code", "date_of_birth", "gender")


def build(ctx: Context) -> dict[str, pl.DataFrame]:
    rng = ctx.rng("analytics")
    profile = _profile(ctx, rng)
    visits = _visits(ctx, rng)
    web = ctx.frames[WEB]
    platform = (
        pl.when(pl.col("user_agent").str.contains("iPhone"))
        .then(pl.lit("ios"))
        .when(pl.col("user_agent").str.contains("Android"))
        .then(pl.lit("android"))
        .otherwise(pl.lit("desktop"))
    )
    sessions = (
        web.group_by(pl.col("ts").dt.date().alias("day"), platform.alias("platform"))
        .agg(
            pl.len().cast(pl.Int64).alias("page_views"),
            pl.col("device_id").n_unique().cast(pl.Int64).alias("active_devices"),
        )
        .sort("day", "platform")
    )
    return {USER_PROFILE_WIDE.id: profile, STORE_VISITS.id: visits, SESSIONS_DAILY.id: sessions}


def _profile(ctx: Context, rng: np.random.Generator) -> pl.DataFrame:
    n = ctx.pool.size
    uid = np.arange(n)
    ltv = (
        ctx.frames["payments.transactions"]
        .group_by("_uid")
        .agg(cents_sum("amount").alias("lifetime_value"))
    )
    recent = (
        ctx.frames[WEB]
        .filter(pl.col("ts").cast(pl.Int64) >= AS_OF_US - 30 * US_PER_DAY)
        .group_by("_uid")
        .agg(pl.len().cast(pl.Int64).alias("sessions_30d"))
    )
    updated = uniform_seconds(rng, np.full(n, AS_OF_US - 20 * US_PER_DAY), AS_OF_US - US_PER_DAY)
    frame = (
        ctx.pool.rows(
            uid,
            "uid",
            "user_id",
            "country",
            "postal_code",
            "date_of_birth",
            "gender",
            "segment",
            "email_hash",
        )
        .rename({"uid": "_uid", "email_hash": "visitor_hash"})
        .join(ltv, on="_uid", how="left", maintain_order="left")
        .join(recent, on="_uid", how="left", maintain_order="left")
        .with_columns(
            pl.col("lifetime_value").fill_null(0.0),
            pl.col("sessions_30d").fill_null(0),
            ts(updated, "updated_at"),
        )
        .select(
            "user_id",
            "country",
            "postal_code",
            "date_of_birth",
            "gender",
            "segment",
            "lifetime_value",
            "sessions_30d",
            "visitor_hash",
            "updated_at",
            "_uid",
        )
    )
    frame = ctx.settle(USER_PROFILE_WIDE.id, frame)
    sizes = frame.group_by(QUASI_IDENTIFIERS).agg(pl.len().alias("k"))
    unique_rows = int(sizes.filter(pl.col("k") == 1).height)
    ctx.facts["pii.quasi_identifiers"] = {
        "product": USER_PROFILE_WIDE.id,
        "columns": list(QUASI_IDENTIFIERS),
        "rows": frame.height,
        "unique_rows": unique_rows,
        "unique_share": round(unique_rows / frame.height, 4),
        "rows_below_k5": int(sizes.filter(pl.col("k") < 5)["k"].sum()),
        "k_min": int(sizes["k"].min()),
    }
    ctx.facts["pii.hashed"] = {
        "product": USER_PROFILE_WIDE.id,
        "column": "visitor_hash",
        "algorithm": "sha256",
        "input": "lower-cased email address",
        "category": "user.unique_id.pseudonymous",
        "rows": frame.height,
    }
    return frame


def _visits(ctx: Context, rng: np.random.Generator) -> pl.DataFrame:
    # three stores per city, a few hundred metres to a few km from the centre
    cities = [(m.country, c) for m in MARKETS for c in m.cities]
    keys = np.array([f"{cc}|{c.name}" for cc, c in cities])
    store_lat = np.array([[c.lat] * 3 for _, c in cities]) + rng.normal(0, 0.02, (len(cities), 3))
    store_lon = np.array([[c.lon] * 3 for _, c in cities]) + rng.normal(0, 0.03, (len(cities), 3))
    store_ids = np.array(
        [[f"ST-{cc}-{i:02d}{k}" for k in "ABC"] for i, (cc, _) in enumerate(cities)]
    )
    people = ctx.pool.people
    subject_key = (people["country"] + "|" + people["city"]).to_numpy()
    order = np.argsort(keys)
    city_of = order[np.searchsorted(keys, subject_key, sorter=order)]

    n = ctx.rows(40_000)
    uid = ctx.pool.sample(rng, n, created_before_us=AS_OF_US - 2 * US_PER_DAY)
    at = ctx.times_after_creation(rng, uid, AS_OF_US - 358 * US_PER_DAY, AS_OF_US - US_PER_HOUR)
    o = np.lexsort((uid, at))
    uid, at = uid[o], at[o]
    ci = city_of[uid]
    si = rng.integers(0, 3, n)
    lat = np.round(store_lat[ci, si] + rng.normal(0, 0.0003, n), 5)
    lon = np.round(store_lon[ci, si] + rng.normal(0, 0.0004, n), 5)
    frame = (
        pl.DataFrame(
            {
                "visit_id": seq_ids("vis_", n, 7),
                "user_id": people["user_id"].to_numpy()[uid],
                "store_id": store_ids[ci, si],
                "latitude": lat,
                "longitude": lon,
                "city": people["city"].to_numpy()[uid],
                "_uid": uid,
            }
        )
        .with_columns(ts(at, "visited_at"))
        .select(
            "visit_id", "user_id", "store_id", "latitude", "longitude", "city", "visited_at", "_uid"
        )
    )
    frame = ctx.settle(STORE_VISITS.id, frame)
    ctx.facts["pii.precise_location"] = {
        "product": STORE_VISITS.id,
        "columns": ["latitude", "longitude"],
        "decimals": 5,
        "category": "user.location.precise",
        "rows": frame.height,
    }
    return frame
