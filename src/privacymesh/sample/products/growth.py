"""growth: web analytics events and referrals, both seeded with undeclared personal data, and a
clean experiment summary."""

from __future__ import annotations

import numpy as np
import polars as pl

from privacymesh.sample import identifiers as ids
from privacymesh.sample import text
from privacymesh.sample.context import Context
from privacymesh.sample.products.common import owner, seq_ids, steward
from privacymesh.sample.products.spec import Column, ProductSpec, Retention, Role, standard_roles
from privacymesh.sample.timeline import AS_OF_US, US_PER_DAY, US_PER_HOUR, ts

DOMAIN = "growth"
ROLES = standard_roles(
    DOMAIN,
    analyst="internal",
    third=Role("growth_product_manager", "read", "internal", "Product managers."),
)

WEB_EVENTS = ProductSpec(
    domain=DOMAIN,
    name="web_events",
    product_kind="events",
    mode="streaming",
    purpose="Click-stream of the website and web app.",
    usage="Funnels, experiments, personalisation features.",
    limitations="Treated by the team as anonymous telemetry.",
    grain="One row per tracked web event.",
    columns=(
        Column("event_id", "Event identifier.", primary_key=True, required=True),
        Column("ts", "When the event happened (UTC); ages the row.", required=True),
        Column("page", "Path of the page."),
        Column("request_uri", "Requested URI including the query string, as logged."),
        Column("ip_address", "Client address as logged by the edge."),
        Column("device_id", "Client id of the tracker."),
        Column("user_agent", "Browser user-agent string."),
        Column("payload", "Tracker payload, JSON text."),
    ),
    roles=ROLES,
    purposes=("analytics", "personalisation"),
    data_subjects=("customer", "visitor"),
    legal_basis="consent",
    subject_key="device_id",
    subject_key_form="device_id",
    retention=Retention(395, "d", "ts"),
    owner=owner(DOMAIN),
    steward=steward(DOMAIN),
)

REFERRALS = ProductSpec(
    domain=DOMAIN,
    name="referrals",
    product_kind="source",
    mode="streaming",
    purpose="Invitations sent through the refer-a-friend programme.",
    usage="Referral rewards and attribution.",
    limitations="Invitee details are held by the email service, not here.",
    grain="One row per invitation.",
    columns=(
        Column("referral_id", "Invitation identifier.", primary_key=True, required=True),
        Column(
            "referrer_user_id", "Inviting account.", "confidential", "user.unique_id", required=True
        ),
        Column("c07", "Opaque token column carried over from the legacy referral service."),
        Column("status", "sent, joined or expired."),
        Column("created_at", "When the invitation was sent (UTC); ages the row.", required=True),
    ),
    roles=ROLES,
    purposes=("referral_programme",),
    data_subjects=("customer", "prospect"),
    legal_basis="legitimate_interests",
    subject_key="referrer_user_id",
    subject_key_form="user_id",
    retention=Retention(730, "d", "created_at"),
    owner=owner(DOMAIN),
    steward=steward(DOMAIN),
)

SRC = "growth.web_events"
EXPERIMENTS = ProductSpec(
    domain=DOMAIN,
    name="experiments",
    product_kind="derived",
    mode="streaming",
    purpose="Exposure and conversion per experiment variant.",
    usage="Experiment read-outs.",
    limitations="Aggregate only.",
    grain="One row per experiment and variant.",
    columns=(
        Column("experiment", "Experiment key.", primary_key=True, sources=(SRC,)),
        Column("variant", "Variant key.", primary_key=True, sources=(SRC,)),
        Column("users", "Distinct devices exposed.", sources=(f"{SRC}.device_id",)),
        Column(
            "conversions", "Distinct exposed devices that converted.", sources=(f"{SRC}.payload",)
        ),
    ),
    roles=ROLES,
    purposes=("analytics",),
    owner=owner(DOMAIN),
)

SPECS = (WEB_EVENTS, REFERRALS, EXPERIMENTS)
PAGES = np.array(
    [
        "/",
        "/pricing",
        "/features",
        "/blog/privacy-by-design",
        "/signup",
        "/login",
        "/account",
        "/checkout",
        "/help/faq",
        "/products/savings",
        "/products/cards",
    ]
)
PAGE_WEIGHTS = np.array([0.2, 0.1, 0.08, 0.05, 0.07, 0.12, 0.12, 0.06, 0.07, 0.07, 0.06])
REFERRERS = np.array(
    [
        "https://www.example.com/",
        "https://search.example.org/?q=bank",
        "https://news.example.net/fintech",
        "direct",
    ]
)
ELEMENTS = np.array(["cta-signup", "nav-pricing", "btn-login", "faq-toggle", "card-compare"])
EXPERIMENT_KEYS = np.array(
    ["onboarding-v2", "pricing-page-2026", "checkout-one-click", "referral-reward"]
)
VARIANTS = np.array(["control", "treatment"])
QUERIES = np.array(["savings+rate", "card+limit", "open+account", "fees", "iban"])
ENCODINGS = ("base64", "base64url", "hex", "url")


def build(ctx: Context) -> dict[str, pl.DataFrame]:
    rng = ctx.rng("growth")
    web = _web_events(ctx, rng)
    experiments = (
        web.filter(pl.col("_tpl") == 2)
        .group_by("_experiment", "_variant")
        .agg(
            pl.col("_uid").n_unique().cast(pl.Int64).alias("users"),
            pl.col("_uid")
            .filter(pl.col("_converted"))
            .n_unique()
            .cast(pl.Int64)
            .alias("conversions"),
        )
        .rename({"_experiment": "experiment", "_variant": "variant"})
        .sort("experiment", "variant")
    )
    referrals = _referrals(ctx, rng)
    return {WEB_EVENTS.id: web, REFERRALS.id: referrals, EXPERIMENTS.id: experiments}


def _web_events(ctx: Context, rng: np.random.Generator) -> pl.DataFrame:
    n = ctx.rows(120_000)
    uid = ctx.pool.sample(rng, n, created_before_us=AS_OF_US - 2 * US_PER_DAY)
    at = ctx.times_after_creation(rng, uid, AS_OF_US - 358 * US_PER_DAY, AS_OF_US - US_PER_HOUR)
    order = np.lexsort((uid, at))
    uid, at = uid[order], at[order]
    base = ctx.pool.rows(uid, "device_id", "ip_address", "user_agent", "email", "phone", "locale")
    ip = np.where(rng.random(n) < 0.7, base["ip_address"].to_numpy(), ids.ipv4s(rng, n))
    variant_of = rng.integers(0, 2, size=(ctx.pool.size, len(EXPERIMENT_KEYS)))
    exp_idx = rng.integers(0, len(EXPERIMENT_KEYS), n)
    frame = pl.DataFrame(
        {
            "event_id": seq_ids("evt_", n, 8),
            "page": rng.choice(PAGES, size=n, p=PAGE_WEIGHTS / PAGE_WEIGHTS.sum()),
            "ip_address": ip,
            "device_id": base["device_id"],
            "user_agent": base["user_agent"],
            "_uid": uid,
            "_tpl": text.choose(rng, text.PAYLOADS, n),
            "_uri_tpl": text.choose(rng, text.REQUEST_URIS, n),
            "_email": base["email"],
            "_phone": base["phone"],
            "_locale": base["locale"],
            "_ref": rng.choice(REFERRERS, size=n),
            "_w": rng.choice(np.array(["390", "412", "1280", "1440", "1920"]), size=n),
            "_h": rng.choice(np.array(["844", "915", "800", "900", "1080"]), size=n),
            "_element": rng.choice(ELEMENTS, size=n),
            "_experiment": EXPERIMENT_KEYS[exp_idx],
            "_variant": VARIANTS[variant_of[uid, exp_idx]],
            "_converted": rng.random(n) < np.where(variant_of[uid, exp_idx] == 1, 0.12, 0.09),
            "_sku": np.char.add("SKU-", rng.integers(1000, 9999, n).astype(str)),
            "_utm": rng.choice(np.array(["newsletter", "partner", "social", "search"]), size=n),
            "_query": rng.choice(QUERIES, size=n),
            "_token": ids.uuid4s(rng, n),
        }
    ).with_columns(ts(at, "ts"))
    frame = (
        frame.with_columns(text.render(text.REQUEST_URIS, "_uri_tpl").alias("request_uri"))
        .with_columns(
            # the page is the path of the URI served; the payload describes that page
            pl.col("request_uri").str.extract(r"^([^?]*)", 1).alias("page")
        )
        .with_columns(text.render(text.PAYLOADS).alias("payload"))
        .select(
            "event_id",
            "ts",
            "page",
            "request_uri",
            "ip_address",
            "device_id",
            "user_agent",
            "payload",
            "_uid",
            "_tpl",
            "_uri_tpl",
            "_experiment",
            "_variant",
            "_converted",
        )
    )
    frame = ctx.settle(WEB_EVENTS.id, frame)

    tpl = frame["_tpl"].to_numpy()
    paths = {
        t.path: int(np.sum(tpl == i)) for i, t in enumerate(text.PAYLOADS) if t.path is not None
    }
    with_email = np.isin(tpl, text.carrying(text.PAYLOADS, text.EMAIL))
    ctx.facts["pii.json_nested"] = {
        "product": WEB_EVENTS.id,
        "column": "payload",
        "category": text.EMAIL,
        "rows": int(with_email.sum()),
        "paths": paths,
        "subjects": int(np.unique(frame["_uid"].to_numpy()[with_email]).size),
        "min_depth": 2,
    }
    uri = frame["_uri_tpl"].to_numpy()
    ctx.facts["web_events.request_uri"] = {
        "rows": int(
            np.isin(
                uri,
                text.carrying(text.REQUEST_URIS, text.EMAIL)
                + text.carrying(text.REQUEST_URIS, text.PHONE),
            ).sum()
        ),
        "rows_by_category": {
            text.EMAIL: int(np.isin(uri, text.carrying(text.REQUEST_URIS, text.EMAIL)).sum()),
            text.PHONE: int(np.isin(uri, text.carrying(text.REQUEST_URIS, text.PHONE)).sum()),
        },
    }
    return frame


def _referrals(ctx: Context, rng: np.random.Generator) -> pl.DataFrame:
    n = ctx.rows(3_000)
    ref = ctx.pool.sample(rng, n, created_before_us=AS_OF_US - 30 * US_PER_DAY)
    inv = rng.integers(0, ctx.pool.size, n)
    inv = np.where(inv == ref, (inv + 1) % ctx.pool.size, inv)
    at = ctx.times_after_creation(rng, ref, AS_OF_US - 600 * US_PER_DAY, AS_OF_US - US_PER_DAY)
    order = np.lexsort((ref, at))
    ref, inv, at = ref[order], inv[order], at[order]
    enc = rng.choice(len(ENCODINGS), size=n, p=[0.3, 0.25, 0.25, 0.2])
    email = pl.Series(ctx.pool.people["email"].to_numpy()[inv])
    b64 = email.str.encode("base64")
    encoded = (
        pl.DataFrame({"e": email, "b": b64, "k": enc})
        .select(
            pl.when(pl.col("k") == 0)
            .then(pl.col("b"))
            .when(pl.col("k") == 1)
            .then(
                pl.col("b")
                .str.replace_all("+", "-", literal=True)
                .str.replace_all("/", "_", literal=True)
                .str.strip_chars_end("=")
            )
            .when(pl.col("k") == 2)
            .then(pl.col("e").str.encode("hex"))
            .otherwise(pl.col("e").str.replace_all("@", "%40", literal=True))
        )
        .to_series()
    )
    referrals = (
        pl.DataFrame(
            {
                "referral_id": seq_ids("ref_", n, 6),
                "referrer_user_id": ctx.pool.people["user_id"].to_numpy()[ref],
                "c07": encoded,
                "status": rng.choice(
                    np.array(["sent", "joined", "expired"]), size=n, p=[0.5, 0.3, 0.2]
                ),
                "_uid": ref,
                "_uid_invitee": inv,
                "_enc": enc,
            }
        )
        .with_columns(ts(at, "created_at"))
        .select(
            "referral_id",
            "referrer_user_id",
            "c07",
            "status",
            "created_at",
            "_uid",
            "_uid_invitee",
            "_enc",
        )
    )
    referrals = ctx.settle(REFERRALS.id, referrals)
    counts = np.bincount(referrals["_enc"].to_numpy(), minlength=len(ENCODINGS))
    ctx.facts["pii.encoded"] = {
        "product": REFERRALS.id,
        "column": "c07",
        "category": text.EMAIL,
        "rows": referrals.height,
        "encodings": {name: int(c) for name, c in zip(ENCODINGS, counts, strict=True)},
    }
    return referrals
