"""hr: employee records (personal data, seeded with no retention policy at all) and a clean
monthly payroll summary per department."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from privacymesh.sample.context import Context
from privacymesh.sample.locales import MARKET_BY_COUNTRY
from privacymesh.sample.people import market_people
from privacymesh.sample.products.common import cents_sum, owner, seq_ids, steward
from privacymesh.sample.products.spec import Column, ProductSpec, Role
from privacymesh.sample.timeline import AS_OF, US_PER_DAY, US_PER_HOUR, month_starts, ts

DOMAIN = "hr"
ROLES = (
    Role("hr_business_partner", "read", "confidential", "HR business partners."),
    Role("hr_payroll", "write", "restricted", "Payroll team."),
)
DEPARTMENTS = np.array(["engineering", "operations", "risk", "sales", "people"])

EMPLOYEES = ProductSpec(
    domain=DOMAIN,
    name="employees",
    product_kind="source",
    mode="batch",
    purpose="Employee master records.",
    usage="Payroll, access provisioning, workforce planning.",
    limitations="HR and payroll only.",
    grain="One row per employee.",
    columns=(
        Column(
            "employee_id",
            "Employee number.",
            "confidential",
            "user.unique_id",
            primary_key=True,
            required=True,
        ),
        Column(
            "full_name", "Employee name.", "confidential", "user.name", "partial", required=True
        ),
        Column(
            "work_email",
            "Corporate email address.",
            "confidential",
            "user.contact.email",
            "partial",
        ),
        Column(
            "national_id",
            "National insurance / tax / social security number.",
            "restricted",
            "user.government_id.national_identification_number",
            "redact",
        ),
        Column("salary", "Yearly gross salary in EUR.", "restricted", "user.financial", "redact"),
        Column(
            "date_of_birth",
            "Date of birth.",
            "restricted",
            "user.demographic.date_of_birth",
            "generalize",
        ),
        Column("department", "Department."),
        Column("country", "Country of employment.", "internal", "user.contact.address.country"),
        Column("hired_at", "First working day, 09:00 UTC."),
    ),
    roles=ROLES,
    purposes=("employment", "payroll"),
    data_subjects=("employee",),
    legal_basis="contract",
    subject_key="full_name",
    subject_key_form="name",
    retention=None,  # seeded: personal data without a retention SLA
    owner=owner(DOMAIN),
    steward=steward(DOMAIN),
)

SRC = "hr.employees"
PAYROLL_SUMMARY = ProductSpec(
    domain=DOMAIN,
    name="payroll_summary",
    product_kind="derived",
    mode="batch",
    purpose="Monthly payroll cost per department.",
    usage="Finance planning.",
    limitations="Aggregate only; every cell covers at least five employees.",
    grain="One row per month and department.",
    columns=(
        Column("month", "First day of the month.", primary_key=True),
        Column("department", "Department.", primary_key=True, sources=(f"{SRC}.department",)),
        Column("headcount", "Employees on payroll.", sources=(f"{SRC}.employee_id",)),
        Column("total_salary_eur", "Monthly gross salary cost.", sources=(f"{SRC}.salary",)),
        Column("avg_salary_eur", "Average monthly gross salary.", sources=(f"{SRC}.salary",)),
    ),
    roles=ROLES,
    purposes=("payroll",),
    owner=owner(DOMAIN),
)

SPECS = (EMPLOYEES, PAYROLL_SUMMARY)
SALARY_BASE = {
    "engineering": 82_000,
    "operations": 52_000,
    "risk": 74_000,
    "sales": 61_000,
    "people": 58_000,
}


def build(ctx: Context) -> dict[str, pl.DataFrame]:
    rng = ctx.rng("hr")
    n = ctx.rows(400, minimum=40)
    country = rng.choice(np.array(["GB", "DE", "US"]), size=n, p=[0.4, 0.4, 0.2])
    cols: dict[str, np.ndarray] = {
        key: np.empty(n, dtype=object)
        for key in ("first_name", "last_name", "national_id", "slug_first", "slug_last")
    }
    for cc in ("GB", "DE", "US"):
        rows = np.flatnonzero(country == cc)
        part = market_people(ctx.seed, MARKET_BY_COUNTRY[cc], len(rows), namespace="employees")
        for key, values in cols.items():
            values[rows] = part[key]
    cols = {key: values.astype(str) for key, values in cols.items()}
    department = DEPARTMENTS[np.arange(n) % len(DEPARTMENTS)]
    base = np.array([SALARY_BASE[d] for d in DEPARTMENTS])[np.arange(n) % len(DEPARTMENTS)]
    salary = np.round(base * rng.lognormal(0, 0.18, n), -2)
    today = AS_OF.date().toordinal()
    dob = today - (rng.uniform(21, 64, n) * 365.25).astype(np.int64)
    hired = today - rng.integers(30, 12 * 365, n)
    epoch = date(1970, 1, 1).toordinal()
    frame = pl.DataFrame(
        {
            "employee_id": seq_ids("E", n, 5),
            "full_name": np.char.add(np.char.add(cols["first_name"], " "), cols["last_name"]),
            "_slug": np.char.add(np.char.add(cols["slug_first"], "."), cols["slug_last"]),
            "national_id": cols["national_id"],
            "salary": salary,
            "date_of_birth": pl.Series(dob - epoch).cast(pl.Int32).cast(pl.Date),
            "department": department,
            "country": country,
            "hired_at": ts((hired - epoch) * US_PER_DAY + 9 * US_PER_HOUR, "hired_at"),
        }
    )
    frame = (
        frame.with_columns(
            pl.when(pl.col("_slug").is_first_distinct())
            .then(pl.col("_slug"))
            .otherwise(pl.concat_str(pl.col("_slug"), pl.col("employee_id").str.slice(1)))
            .alias("_slug")
        )
        .with_columns((pl.col("_slug") + "@corp.example.com").alias("work_email"))
        .select(
            "employee_id",
            "full_name",
            "work_email",
            "national_id",
            "salary",
            "date_of_birth",
            "department",
            "country",
            "hired_at",
        )
    )

    months = month_starts(date(2025, 11, 1), 12)
    summary = (
        pl.DataFrame({"month": months})
        .join(frame, how="cross")
        .filter(pl.col("hired_at").dt.date() <= pl.col("month"))
        .group_by("month", "department")
        .agg(
            pl.len().cast(pl.Int64).alias("headcount"),
            (cents_sum("salary") / 12).round(2).alias("total_salary_eur"),
            (pl.col("salary").mean() / 12).round(2).alias("avg_salary_eur"),
        )
        .filter(pl.col("headcount") >= 5)
        .sort("month", "department")
    )
    return {EMPLOYEES.id: frame, PAYROLL_SUMMARY.id: summary}
