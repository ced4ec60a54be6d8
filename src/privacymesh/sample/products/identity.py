"""identity: the account system of record and the devices seen per account."""

from __future__ import annotations

import numpy as np
import polars as pl

from privacymesh.sample.context import Context
from privacymesh.sample.products.common import owner, steward
from privacymesh.sample.products.spec import Column, ProductSpec, Retention, Role, standard_roles
from privacymesh.sample.timeline import AS_OF_US, US_PER_DAY, ts, uniform_seconds

DOMAIN = "identity"
ROLES = standard_roles(
    DOMAIN,
    analyst="internal",
    third=Role("identity_support", "read", "confidential", "Customer-support agents."),
)

USERS = ProductSpec(
    domain=DOMAIN,
    name="users",
    product_kind="source",
    mode="batch",
    purpose="The customer account register: one row per registered account.",
    usage="Sign-in, account management, the identity map behind every other domain.",
    limitations="No marketing use without a marketing consent check.",
    grain="One row per customer account.",
    columns=(
        Column(
            "user_id",
            "Account identifier (u_ + six digits).",
            "confidential",
            "user.unique_id",
            primary_key=True,
            required=True,
        ),
        Column(
            "email",
            "Sign-in email address, lower case.",
            "restricted",
            "user.contact.email",
            "partial",
            required=True,
        ),
        Column("full_name", "Name as given at sign-up.", "confidential", "user.name", "partial"),
        Column(
            "phone",
            "Mobile number in E.164 form.",
            "restricted",
            "user.contact.phone_number",
            "partial",
        ),
        Column(
            "date_of_birth",
            "Date of birth.",
            "restricted",
            "user.demographic.date_of_birth",
            "generalize",
        ),
        Column(
            "gender",
            "Self-declared gender (female, male, other).",
            "confidential",
            "user.demographic.gender",
            "redact",
        ),
        Column(
            "country",
            "Country of residence, ISO 3166-1 alpha-2.",
            "internal",
            "user.contact.address.country",
        ),
        Column(
            "postal_code",
            "Postal code of the home address.",
            "confidential",
            "user.contact.address.postal_code",
            "generalize",
        ),
        Column("created_at", "When the account was created (UTC).", required=True),
        Column("updated_at", "Last change to the account (UTC); ages the row.", required=True),
    ),
    roles=ROLES,
    purposes=("account_management", "security"),
    data_subjects=("customer",),
    legal_basis="contract",
    subject_key="user_id",
    subject_key_form="user_id",
    retention=Retention(1825, "d", "updated_at"),
    owner=owner(DOMAIN),
    steward=steward(DOMAIN),
)

USER_DEVICES = ProductSpec(
    domain=DOMAIN,
    name="user_devices",
    product_kind="source",
    mode="batch",
    purpose="Devices seen signing in to each account.",
    usage="New-device alerts, session management, fraud signals.",
    limitations="Advertising ids must not leave the identity domain.",
    grain="One row per account and device.",
    columns=(
        Column("user_id", "Account identifier.", "confidential", "user.unique_id", required=True),
        Column(
            "device_id",
            "Installation id of the app (UUID).",
            "confidential",
            "user.device.device_id",
            primary_key=True,
            required=True,
        ),
        Column(
            "advertising_id",
            "Mobile advertising id (IDFA/AAID), upper case.",
            "restricted",
            "user.device.device_id",
            "hash",
        ),
        Column("os", "Operating system and version."),
        Column("phone_model", "Marketing name of the device model, e.g. 'Pixel 8'."),
        Column("first_seen", "First sign-in from the device (UTC)."),
        Column("last_seen", "Latest sign-in from the device (UTC); ages the row."),
    ),
    roles=ROLES,
    purposes=("account_management", "security"),
    data_subjects=("customer",),
    legal_basis="contract",
    subject_key="user_id",
    subject_key_form="user_id",
    retention=Retention(400, "d", "last_seen"),
    owner=owner(DOMAIN),
    steward=steward(DOMAIN),
)

SPECS = (USERS, USER_DEVICES)


def build(ctx: Context) -> dict[str, pl.DataFrame]:
    rng = ctx.rng("identity")
    pool = ctx.pool
    n = pool.size
    uid = np.arange(n)
    created = pool.created_us
    updated = uniform_seconds(
        rng, np.maximum(created, AS_OF_US - 700 * US_PER_DAY), AS_OF_US - US_PER_DAY
    )
    users = pool.rows(
        uid,
        "user_id",
        "email",
        "full_name",
        "phone",
        "date_of_birth",
        "gender",
        "country",
        "postal_code",
        "created_at",
    ).with_columns(ts(updated, "updated_at"), pl.Series("_uid", uid))
    users = ctx.settle(USERS.id, users)

    first_seen = created + (rng.random(n) * 2 * US_PER_DAY).astype(np.int64) // 10**6 * 10**6
    last_seen = uniform_seconds(
        rng, np.maximum(first_seen, AS_OF_US - 300 * US_PER_DAY), AS_OF_US - US_PER_DAY
    )
    devices = pool.rows(
        uid, "user_id", "device_id", "advertising_id", "os", "phone_model"
    ).with_columns(ts(first_seen, "first_seen"), ts(last_seen, "last_seen"), pl.Series("_uid", uid))
    devices = ctx.settle(USER_DEVICES.id, devices)
    return {USERS.id: users, USER_DEVICES.id: devices}
