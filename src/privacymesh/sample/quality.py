"""The ODCS `quality` rules the sample's owners wrote into their contracts.

They are written the way teams write them: library rules (row counts, nulls, duplicates, valid
and missing values, with percent units) and SQL rules over the product's own table, in the
forms datacontract-cli also runs, so the two tools can be compared on the same contracts
(tests/checks/test_sample_quality.py).

One rule is seeded to fail: the logistics team onboarded a carrier and never added it to the
contract's valid values, so every shipment of that carrier is an invalid value."""

from __future__ import annotations

from typing import Any

import polars as pl

from privacymesh.sample.products.common import CURRENCY_RATE
from privacymesh.sample.products.fraud import SIGNALS
from privacymesh.sample.products.growth import VARIANTS
from privacymesh.sample.products.hr import DEPARTMENTS
from privacymesh.sample.products.logistics import CARRIERS, SHIPMENTS

Rule = dict[str, Any]

# the carrier the contract does not know yet (the seeded quality finding)
UNLISTED_CARRIER = str(CARRIERS[-1])


def _unique_key() -> list[Rule]:
    return [
        {"metric": "duplicateValues", "mustBe": 0, "dimension": "uniqueness"},
        {"metric": "nullValues", "mustBe": 0, "dimension": "completeness"},
    ]


def _valid(values: list[str], severity: str = "warning") -> Rule:
    return {
        "metric": "invalidValues",
        "arguments": {"validValues": values},
        "mustBe": 0,
        "dimension": "conformity",
        "severity": severity,
    }


# object-level rules, by product id
OBJECT_RULES: dict[str, list[Rule]] = {
    "identity.users": [
        {"metric": "rowCount", "mustBeGreaterThan": 0, "dimension": "completeness"},
        {
            "type": "sql",
            "description": "No account is updated before it is created.",
            "query": "SELECT count(*) FROM users WHERE updated_at < created_at",
            "mustBe": 0,
            "dimension": "consistency",
        },
    ],
    "payments.transactions": [
        {"metric": "rowCount", "mustBeGreaterThan": 0},
        {
            "type": "sql",
            "description": "Amounts are positive.",
            "query": "SELECT count(*) FROM ${object} WHERE amount <= 0",
            "mustBe": 0,
            "dimension": "accuracy",
        },
    ],
    "lending.credit_scores": [
        {
            "type": "sql",
            "description": "Scores lie on the bureau's scale.",
            "query": "SELECT count(*) FROM credit_scores WHERE score NOT BETWEEN 300 AND 850",
            "mustBe": 0,
            "dimension": "accuracy",
        },
    ],
    "growth.experiments": [
        {"metric": "rowCount", "mustBeBetween": [1, 1000], "dimension": "completeness"},
    ],
    "support.tickets": [
        {
            "type": "sql",
            "description": "A ticket is never closed before it is opened.",
            "query": "SELECT count(*) FROM tickets WHERE closed_at < created_at",
            "mustBe": 0,
            "dimension": "consistency",
        },
    ],
}

# property-level rules, by (product id, column)
PROPERTY_RULES: dict[tuple[str, str], list[Rule]] = {
    ("identity.users", "user_id"): _unique_key(),
    ("identity.users", "email"): [{"metric": "nullValues", "unit": "percent", "mustBeLessThan": 1}],
    ("payments.transactions", "txn_id"): _unique_key(),
    ("payments.transactions", "currency"): [_valid(sorted(CURRENCY_RATE))],
    ("finance.invoices", "invoice_id"): _unique_key(),
    ("finance.invoices", "currency"): [_valid(sorted(CURRENCY_RATE))],
    ("hr.employees", "employee_id"): _unique_key(),
    ("hr.employees", "department"): [_valid(sorted(str(d) for d in DEPARTMENTS))],
    ("fraud.device_signals", "signal"): [_valid(sorted(str(s) for s in SIGNALS))],
    ("fraud.device_signals", "risk_score"): [
        {"metric": "nullValues", "mustBe": 0, "dimension": "completeness"}
    ],
    ("growth.experiments", "variant"): [_valid(sorted(str(v) for v in VARIANTS))],
    ("logistics.shipments", "shipment_id"): _unique_key(),
    ("logistics.shipments", "carrier"): [
        _valid(sorted(str(c) for c in CARRIERS if c != UNLISTED_CARRIER), severity="error"),
        {"metric": "missingValues", "arguments": {"missingValues": [""]}, "mustBe": 0},
    ],
    ("support.tickets", "ticket_id"): _unique_key(),
    ("support.tickets", "closed_at"): [
        {"metric": "nullValues", "unit": "percent", "mustBeLessOrEqualTo": 90}
    ],
}


def object_rules(product_id: str) -> list[Rule]:
    return OBJECT_RULES.get(product_id, [])


def property_rules(product_id: str, column: str) -> list[Rule]:
    return PROPERTY_RULES.get((product_id, column), [])


def seeded_facts(shipments: pl.DataFrame) -> dict[str, Any]:
    """Where the seeded quality rule fails: the shipments of the unlisted carrier."""
    rows = int((shipments["carrier"] == UNLISTED_CARRIER).sum())
    index = [c.name for c in SHIPMENTS.columns].index("carrier")
    return {
        "product": SHIPMENTS.id,
        "column": "carrier",
        "rule": f"schema[0].properties[{index}].quality[0]",
        "rows": rows,
    }


def damage(frame: pl.DataFrame, seed: int = 7) -> pl.DataFrame:
    """A damaged copy of a product's rows, for comparing quality tools on failing rules: the
    first rows repeated (duplicate keys), every tenth value of each column blanked (nulls and
    empty strings), and one value in twenty of each string column replaced by one no contract
    lists."""
    n = frame.height
    index = pl.int_range(pl.len())
    damaged = frame.with_columns(
        pl.when(index % 10 == 3).then(None).otherwise(pl.col(c)).alias(c) for c in frame.columns
    ).with_columns(
        pl.when(index % 20 == 7)
        .then(pl.lit("UNLISTED"))
        .when(index % 20 == 11)
        .then(pl.lit(""))
        .otherwise(pl.col(c))
        .alias(c)
        for c, dtype in frame.schema.items()
        if dtype == pl.String
    )
    return pl.concat([damaged, damaged.head(min(3, n))]).sample(
        fraction=1.0, shuffle=True, seed=seed
    )
