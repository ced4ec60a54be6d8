"""marketing: campaign sends keyed by email hash, and an audience export cache that still holds
some erased subjects (seeded soft-delete residue)."""

from __future__ import annotations

import numpy as np
import polars as pl

from privacymesh.sample.consent import sample_in_intervals
from privacymesh.sample.context import Context
from privacymesh.sample.products.common import owner, seq_ids, steward
from privacymesh.sample.products.spec import Column, ProductSpec, Retention, Role, standard_roles
from privacymesh.sample.timeline import AS_OF_US, US_PER_DAY, US_PER_HOUR, ts

DOMAIN = "marketing"
ROLES = standard_roles(
    DOMAIN,
    analyst="internal",
    third=Role("marketing_campaign_manager", "read", "confidential", "Campaign managers."),
)

CAMPAIGN_SENDS = ProductSpec(
    domain=DOMAIN,
    name="campaign_sends",
    product_kind="events",
    mode="batch",
    purpose="Every marketing email queued for sending, with its outcome.",
    usage="Campaign reporting, frequency capping.",
    limitations="Only subjects with marketing consent at send time.",
    grain="One row per email queued for a subject.",
    columns=(
        Column("send_id", "Send identifier.", primary_key=True, required=True),
        Column(
            "email_hash",
            "SHA-256 of the lower-cased email address.",
            "confidential",
            "user.unique_id.pseudonymous",
            required=True,
        ),
        Column("campaign", "Campaign key (month and theme)."),
        Column("email_sent", "Whether the email left the outbox (false = suppressed/bounced)."),
        Column("opened", "Whether an open was tracked."),
        Column("sent_at", "When the email was queued (UTC); ages the row.", required=True),
    ),
    roles=ROLES,
    purposes=("marketing",),
    data_subjects=("customer",),
    legal_basis="consent",
    subject_key="email_hash",
    subject_key_form="email_hash",
    retention=Retention(730, "d", "sent_at"),
    owner=owner(DOMAIN),
    steward=steward(DOMAIN),
)

USERS = "identity.users"
AUDIENCE_EXPORT = ProductSpec(
    domain=DOMAIN,
    name="audience_export",
    product_kind="cache",
    mode="batch",
    purpose="Audience segments exported to the email service provider.",
    usage="Upload to the email platform; rebuilt per segment.",
    limitations="Must mirror identity.users: erased or withdrawn subjects must disappear.",
    grain="One row per subject and exported segment.",
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
            "email",
            "Email address, raw: the email platform needs it to deliver.",
            "confidential",
            "user.contact.email",
            "partial",
            sources=(f"{USERS}.email",),
        ),
        Column(
            "first_name",
            "First name for salutation.",
            "confidential",
            "user.name.first",
            "partial",
            sources=(f"{USERS}.full_name",),
        ),
        Column("segment", "Audience segment."),
        Column(
            "exported_at", "When the segment snapshot was taken (UTC); ages the row.", required=True
        ),
    ),
    roles=ROLES,
    purposes=("marketing",),
    data_subjects=("customer",),
    legal_basis="consent",
    subject_key="user_id",
    subject_key_form="user_id",
    retention=Retention(90, "d", "exported_at"),
    owner=owner(DOMAIN),
    steward=steward(DOMAIN),
)

SPECS = (CAMPAIGN_SENDS, AUDIENCE_EXPORT)
THEMES = np.array(
    [
        "newsletter",
        "spring-sale",
        "cashback",
        "product-update",
        "win-back",
        "referral-boost",
        "summer-offer",
        "black-friday",
    ]
)
EXPORTED_SEGMENTS = {"loyal": 3, "high_value": 9, "at_risk": 17}  # days before as_of


def build(ctx: Context) -> dict[str, pl.DataFrame]:
    rng = ctx.rng("marketing")
    intervals = ctx.consent.intervals.filter(pl.col("purpose") == "marketing")
    n = ctx.rows(60_000)
    uid, at = sample_in_intervals(
        rng, intervals, n, AS_OF_US - 350 * US_PER_DAY, AS_OF_US - US_PER_HOUR
    )
    order = np.lexsort((uid, at))
    uid, at = uid[order], at[order]
    n = len(uid)
    sent = rng.random(n) < 0.97
    sends = (
        ctx.pool.rows(uid, "email_hash")
        .with_columns(
            seq_ids("snd_", n, 8).alias("send_id"),
            ts(at, "sent_at"),
            pl.Series("_theme", rng.choice(THEMES, size=n)),
            pl.Series("email_sent", sent),
            pl.Series("opened", sent & (rng.random(n) < 0.27)),
            pl.Series("_uid", uid),
        )
        .select(
            "send_id",
            "email_hash",
            pl.concat_str(
                pl.col("sent_at").dt.strftime("%Y-%m"), pl.lit("-"), pl.col("_theme")
            ).alias("campaign"),
            "email_sent",
            "opened",
            "sent_at",
            "_uid",
        )
    )
    sends = ctx.settle(CAMPAIGN_SENDS.id, sends)

    # audience snapshot per segment: subjects with marketing consent at snapshot time
    segment = ctx.pool.people["segment"].to_numpy()
    parts = []
    for seg, days in EXPORTED_SEGMENTS.items():
        snap = AS_OF_US - days * US_PER_DAY + 2 * US_PER_HOUR
        members = intervals.filter((pl.col("start_us") <= snap) & (pl.col("end_us") > snap))[
            "_uid"
        ].to_numpy()
        members = np.unique(members[segment[members] == seg])
        parts.append(pl.DataFrame({"_uid": members, "segment": seg, "_snap": snap}))
    audience = pl.concat(parts)
    # seeded residue: erased subjects the cache was never purged of
    residue = ctx.dsar.residue_uids
    missing = residue[~np.isin(residue, audience["_uid"].to_numpy())]
    seg_r = np.where(np.isin(segment[missing], list(EXPORTED_SEGMENTS)), segment[missing], "loyal")
    snap_r = np.array(
        [AS_OF_US - EXPORTED_SEGMENTS[s] * US_PER_DAY + 2 * US_PER_HOUR for s in seg_r],
        dtype=np.int64,
    )
    audience = pl.concat(
        [
            audience,
            pl.DataFrame({"_uid": missing.astype(np.int64), "segment": seg_r, "_snap": snap_r}),
        ]
    ).sort("_snap", "segment", "_uid")
    a_uid = audience["_uid"].to_numpy()
    export = ctx.pool.rows(a_uid, "user_id", "email", "first_name").with_columns(
        audience["segment"],
        ts(audience["_snap"].to_numpy(), "exported_at"),
        pl.Series("_uid", a_uid),
    )
    export = ctx.settle(AUDIENCE_EXPORT.id, export, keep=residue)
    held = np.intersect1d(export["_uid"].to_numpy(), ctx.dsar.erased_uids)
    ctx.facts["dsar.erasure_residue"] = {
        "product": AUDIENCE_EXPORT.id,
        "subjects": len(held),
        "rows": int(export.filter(pl.col("_uid").is_in(held)).height),
        "user_ids": ctx.pool.people["user_id"].to_numpy()[held].tolist(),
    }
    return {CAMPAIGN_SENDS.id: sends, AUDIENCE_EXPORT.id: export}
