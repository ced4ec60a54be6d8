"""lending: loan applications (with national ids) and the credit scores derived from them."""

from __future__ import annotations

import numpy as np
import polars as pl

from privacymesh.sample.context import Context
from privacymesh.sample.products.common import money, owner, seq_ids, steward
from privacymesh.sample.products.spec import Column, ProductSpec, Retention, Role, standard_roles
from privacymesh.sample.timeline import AS_OF_US, US_PER_DAY, ts, uniform_seconds

DOMAIN = "lending"
ROLES = standard_roles(
    DOMAIN,
    analyst="internal",
    third=Role("lending_underwriter", "read", "restricted", "Credit underwriters."),
)

APPLICATIONS = ProductSpec(
    domain=DOMAIN,
    name="applications",
    product_kind="source",
    mode="batch",
    purpose="Consumer loan applications as submitted.",
    usage="Underwriting, affordability checks, regulatory reporting.",
    limitations="National ids are visible to underwriters only.",
    grain="One row per loan application.",
    columns=(
        Column("application_id", "Application identifier.", primary_key=True, required=True),
        Column(
            "customer_ref",
            "Customer reference (CR-xxxxxx).",
            "confidential",
            "user.unique_id",
            required=True,
        ),
        Column("full_name", "Applicant name.", "confidential", "user.name", "partial"),
        Column(
            "national_id",
            "Government id: SSN, NINO, Steuer-IdNr, CPF, Aadhaar or PAN.",
            "restricted",
            "user.government_id.national_identification_number",
            "redact",
        ),
        Column("national_id_type", "Which scheme national_id follows."),
        Column(
            "income",
            "Declared yearly income, local currency.",
            "confidential",
            "user.financial",
            "generalize",
        ),
        Column(
            "postal_code",
            "Postal code of the home address.",
            "confidential",
            "user.contact.address.postal_code",
            "generalize",
        ),
        Column(
            "date_of_birth",
            "Date of birth.",
            "restricted",
            "user.demographic.date_of_birth",
            "generalize",
        ),
        Column(
            "applied_at", "When the application was submitted (UTC); ages the row.", required=True
        ),
    ),
    roles=ROLES,
    purposes=("credit_decisioning",),
    data_subjects=("customer",),
    legal_basis="contract",
    subject_key="customer_ref",
    subject_key_form="customer_ref",
    retention=Retention(7, "y", "applied_at"),
    owner=owner(DOMAIN),
    steward=steward(DOMAIN),
)

SRC = "lending.applications"
CREDIT_SCORES = ProductSpec(
    domain=DOMAIN,
    name="credit_scores",
    product_kind="derived",
    mode="batch",
    purpose="Model scores computed for each application, and re-scores.",
    usage="Credit decisions and model monitoring.",
    limitations="Adverse-action explanations must come from the model registry.",
    grain="One row per scoring run of an application.",
    columns=(
        Column(
            "customer_ref",
            "Customer reference.",
            "confidential",
            "user.unique_id",
            required=True,
            sources=(f"{SRC}.customer_ref",),
        ),
        Column("application_id", "Scored application.", sources=(f"{SRC}.application_id",)),
        Column(
            "score",
            "Credit score 300-850.",
            "confidential",
            "user.financial",
            "generalize",
            sources=(SRC,),
        ),
        Column("model_version", "Scoring model version."),
        Column("scored_at", "When the score was computed (UTC); ages the row.", required=True),
    ),
    roles=ROLES,
    purposes=("credit_decisioning",),
    data_subjects=("customer",),
    legal_basis="contract",
    subject_key="customer_ref",
    subject_key_form="customer_ref",
    retention=Retention(7, "y", "scored_at"),
    owner=owner(DOMAIN),
    steward=steward(DOMAIN),
)

SPECS = (APPLICATIONS, CREDIT_SCORES)
MODELS = np.array(["cs-2024.3", "cs-2025.1", "cs-2026.1"])


def build(ctx: Context) -> dict[str, pl.DataFrame]:
    rng = ctx.rng("lending")
    n = ctx.rows(5_000)
    applicants = rng.random(ctx.pool.size) < 0.2
    uid = ctx.pool.sample(
        rng, n, created_before_us=AS_OF_US - 5 * US_PER_DAY, eligible=applicants, weighted=False
    )
    at = ctx.times_after_creation(rng, uid, AS_OF_US - 1000 * US_PER_DAY, AS_OF_US - 2 * US_PER_DAY)
    order = np.lexsort((uid, at))
    uid, at = uid[order], at[order]
    base = ctx.pool.rows(
        uid,
        "customer_ref",
        "full_name",
        "national_id",
        "national_id_type",
        "currency",
        "postal_code",
        "date_of_birth",
    )
    apps = base.select(
        pl.Series("application_id", seq_ids("APP-", n, 6)),
        "customer_ref",
        "full_name",
        "national_id",
        "national_id_type",
        pl.Series("income", np.round(money(rng, base["currency"].to_numpy(), 10.8, 0.5), -2)),
        "postal_code",
        "date_of_birth",
    ).with_columns(ts(at, "applied_at"), pl.Series("_uid", uid))

    # every application is scored within a day; 30% are re-scored later
    k = apps.height
    applied = apps["applied_at"].cast(pl.Int64).to_numpy()
    first = applied + (rng.uniform(60, 86_400, k) * 1e6).astype(np.int64) // 10**6 * 10**6
    again = rng.random(k) < 0.3
    later = uniform_seconds(
        rng, first + US_PER_DAY, np.maximum(first + 2 * US_PER_DAY, AS_OF_US - US_PER_DAY)
    )
    idx = np.concatenate([np.arange(k), np.flatnonzero(again)])
    when = np.concatenate([first, later[again]])
    when = np.minimum(when, AS_OF_US - 3600 * 10**6)
    model = MODELS[
        np.searchsorted(np.array([AS_OF_US - 700 * US_PER_DAY, AS_OF_US - 300 * US_PER_DAY]), when)
    ]
    scores = (
        apps[idx]
        .select("customer_ref", "application_id", "_uid")
        .with_columns(
            pl.Series("score", np.clip(rng.normal(680, 70, len(idx)), 300, 850).astype(np.int64)),
            pl.Series("model_version", model),
            ts(when, "scored_at"),
        )
        .sort("scored_at", "application_id")
    )
    apps = ctx.settle(APPLICATIONS.id, apps)
    scores = ctx.settle(CREDIT_SCORES.id, scores)
    return {APPLICATIONS.id: apps, CREDIT_SCORES.id: scores}
