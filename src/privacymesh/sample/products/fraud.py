"""fraud: streaming device signals (precise location, declared) and investigation cases."""

from __future__ import annotations

import numpy as np
import polars as pl

from privacymesh.sample import identifiers as ids
from privacymesh.sample import text
from privacymesh.sample.context import Context
from privacymesh.sample.products.common import owner, seq_ids, steward
from privacymesh.sample.products.spec import Column, ProductSpec, Retention, Role, standard_roles
from privacymesh.sample.timeline import AS_OF_US, US_PER_DAY, US_PER_HOUR, ts

DOMAIN = "fraud"
ROLES = standard_roles(
    DOMAIN,
    analyst="confidential",
    third=Role("fraud_investigator", "read", "restricted", "Fraud investigators."),
)

DEVICE_SIGNALS = ProductSpec(
    domain=DOMAIN,
    name="device_signals",
    product_kind="events",
    mode="streaming",
    purpose="Device, network and location signals scored in real time.",
    usage="Real-time fraud scoring of logins and payments.",
    limitations="Precise location is used for fraud scoring only.",
    grain="One row per scored device event.",
    columns=(
        Column("event_id", "Event identifier.", primary_key=True, required=True),
        Column(
            "device_id",
            "Installation id of the app (UUID).",
            "confidential",
            "user.device.device_id",
            required=True,
        ),
        Column(
            "ip_address", "Client IP address.", "confidential", "user.device.ip_address", "hash"
        ),
        Column(
            "latitude",
            "Device latitude, 5 decimals.",
            "restricted",
            "user.location.precise",
            "generalize",
        ),
        Column(
            "longitude",
            "Device longitude, 5 decimals.",
            "restricted",
            "user.location.precise",
            "generalize",
        ),
        Column("signal", "What was scored: login, payment, password_reset, device_change."),
        Column("risk_score", "Model risk score 0-1."),
        Column("event_time", "When the event happened (UTC); ages the row.", required=True),
    ),
    roles=ROLES,
    purposes=("fraud_prevention",),
    data_subjects=("customer",),
    legal_basis="legitimate_interests",
    subject_key="device_id",
    subject_key_form="device_id",
    retention=Retention(180, "d", "event_time"),
    owner=owner(DOMAIN),
    steward=steward(DOMAIN),
)

RISK_CASES = ProductSpec(
    domain=DOMAIN,
    name="risk_cases",
    product_kind="source",
    mode="streaming",
    purpose="Fraud investigation cases opened by analysts.",
    usage="Case management, SAR filing, model feedback.",
    limitations="Analyst notes may name the customer; restricted.",
    grain="One row per case.",
    columns=(
        Column("case_id", "Case identifier.", primary_key=True, required=True),
        Column(
            "customer_ref", "Customer reference.", "confidential", "user.unique_id", required=True
        ),
        Column(
            "analyst_note",
            "Free-text analyst note.",
            "restricted",
            "user.content.private",
            "redact",
        ),
        Column("status", "open, closed_confirmed, closed_false_positive."),
        Column("opened_at", "When the case was opened (UTC); ages the row.", required=True),
    ),
    roles=ROLES,
    purposes=("fraud_prevention",),
    data_subjects=("customer",),
    legal_basis="legitimate_interests",
    subject_key="customer_ref",
    subject_key_form="customer_ref",
    retention=Retention(1825, "d", "opened_at"),
    owner=owner(DOMAIN),
    steward=steward(DOMAIN),
)

SPECS = (DEVICE_SIGNALS, RISK_CASES)
SIGNALS = np.array(["login", "payment", "password_reset", "device_change"])


def build(ctx: Context) -> dict[str, pl.DataFrame]:
    rng = ctx.rng("fraud")
    n = ctx.rows(80_000)
    uid = ctx.pool.sample(rng, n, created_before_us=AS_OF_US - 2 * US_PER_DAY)
    at = ctx.times_after_creation(rng, uid, AS_OF_US - 170 * US_PER_DAY, AS_OF_US - US_PER_HOUR)
    order = np.lexsort((uid, at))
    uid, at = uid[order], at[order]
    base = ctx.pool.rows(uid, "device_id", "ip_address", "home_lat", "home_lon")
    away = rng.random(n) < 0.15
    lat = base["home_lat"].to_numpy() + rng.normal(0, 0.008, n) + away * rng.normal(0, 0.6, n)
    lon = base["home_lon"].to_numpy() + rng.normal(0, 0.012, n) + away * rng.normal(0, 0.8, n)
    ip = np.where(rng.random(n) < 0.75, base["ip_address"].to_numpy(), ids.ipv4s(rng, n))
    signals = pl.DataFrame(
        {
            "event_id": seq_ids("sig_", n, 8),
            "device_id": base["device_id"],
            "ip_address": ip,
            "latitude": np.round(lat, 5),
            "longitude": np.round(lon, 5),
            "signal": rng.choice(SIGNALS, size=n, p=[0.55, 0.3, 0.05, 0.1]),
            "risk_score": np.round(rng.beta(1.2, 12, n), 4),
        }
    ).with_columns(ts(at, "event_time"), pl.Series("_uid", uid))
    signals = ctx.settle(DEVICE_SIGNALS.id, signals)

    m = ctx.rows(600)
    cuid = ctx.pool.sample(rng, m, created_before_us=AS_OF_US - 30 * US_PER_DAY)
    opened = ctx.times_after_creation(
        rng, cuid, AS_OF_US - 1000 * US_PER_DAY, AS_OF_US - US_PER_DAY
    )
    order = np.lexsort((cuid, opened))
    cuid, opened = cuid[order], opened[order]
    who = ctx.pool.rows(cuid, "customer_ref", "full_name", "phone", "email", "card_number")
    tpl = text.ANALYST_NOTES
    cases = who.with_columns(
        pl.Series("_tpl", text.choose(rng, tpl, m)),
        pl.col("full_name").alias("_full_name"),
        pl.col("phone").alias("_phone"),
        pl.col("email").alias("_email"),
        pl.col("card_number").str.slice(-4).alias("_last4"),
        pl.Series("_n", rng.integers(2, 12, m)).cast(pl.String),
    ).select(
        pl.Series("case_id", seq_ids("CASE-", m, 5)),
        "customer_ref",
        text.render(tpl).alias("analyst_note"),
        pl.Series(
            "status",
            rng.choice(
                np.array(["open", "closed_confirmed", "closed_false_positive"]),
                size=m,
                p=[0.15, 0.45, 0.40],
            ),
        ),
        ts(opened, "opened_at"),
        pl.Series("_uid", cuid),
    )
    cases = ctx.settle(RISK_CASES.id, cases)
    return {DEVICE_SIGNALS.id: signals, RISK_CASES.id: cases}
