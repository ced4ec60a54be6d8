"""`contract.conformance`: the contract's rules (`privacymesh.checks.conformance`) over every row
of the product, as one SQL query on the engine (DuckDB or Spark). The optional GX backend
(`backend = "gx"` in the check's params) validates the same rules as a Great Expectations suite.

Either way the result is counts per broken rule; no value of the data is kept."""

from __future__ import annotations

from typing import Any

from privacymesh.catalog import DataProduct, quote_ident
from privacymesh.checks.conformance import (
    KEY_GROUPS,
    PROBE_ROWS,
    RuleSet,
    conformance_sql,
    repeating_columns,
    rules_for,
    shape_columns,
)
from privacymesh.checks.measures import MeasureContext, check_params, measure
from privacymesh.checks.measures.key_duplicates import keep_duplicates
from privacymesh.checks.results import Finding, Measurement
from privacymesh.checks.spec import CheckSpec
from privacymesh.errors import CheckError

BACKENDS = ("sql", "gx")
KIND = "contract_nonconformance"


def product_rules(ctx: MeasureContext, product: DataProduct) -> RuleSet:
    """The product's rules against the columns the engine reads for it."""
    schema = ctx.engine.arrow(f"SELECT * FROM {product.view} LIMIT 0").schema
    return rules_for(product, schema)


def measure_sql(ctx: MeasureContext, rules: RuleSet) -> Measurement:
    """Count the rows breaking each rule, over the whole product, in one query."""
    sql = conformance_sql(rules, _repeating(ctx, rules))
    row = ctx.engine.polars(sql).row(0, named=True)
    population = int(row["population"])
    findings = []
    for i, rule in enumerate(rules.rules):
        if rule.constraint == "unique" and len(rule.columns) == 1:
            # each key held n times adds n - 1 rows beyond its first
            keep_duplicates(ctx, rules.product, rule.columns[0], row[f"r{i}"] - row[KEY_GROUPS])
        if rule.row_level:
            violations = int(row[f"r{i}"])
            if violations == 0 and rule.constraint != "column_declared":
                continue
        else:
            violations = population
        findings.append(Finding(KIND, rule.column, {**rule.describe(), "violations": violations}))
    return Measurement(
        values={
            "exceptions": len(findings),
            "rules": len(rules.rules),
            "rows_violating": int(row["rows_violating"]),
            "backend": "sql",
        },
        population=population,
        findings=findings,
        query=sql,
    )


def _repeating(ctx: MeasureContext, rules: RuleSet) -> frozenset[str]:
    """The columns repeating a few values (`repeating_columns`), judged on the sample the run
    has already read of the product, else on its first rows; none when those cannot be read,
    as the count's own query then meets and reports the same failure."""
    columns = shape_columns(rules)
    if not columns:
        return frozenset()
    sample = ctx.kept_sample(rules.product)
    if sample is None:
        select = ", ".join(quote_ident(c) for c in columns)
        try:
            sample = ctx.engine.polars(
                f"SELECT {select} FROM {rules.product.view} LIMIT {PROBE_ROWS}"
            )
        except Exception:  # reported by the count's query as the check's error
            return frozenset()
    return repeating_columns(rules, sample)


def measure_gx(ctx: MeasureContext, rules: RuleSet, params: dict[str, Any]) -> Measurement:
    """Validate the same rules with Great Expectations, on the whole product unless the check's
    `sample_rows` asks for a reproducible sample."""
    from privacymesh.checks import gx_suite

    product = rules.product
    rows = int(params.get("sample_rows") or 0)
    if rows > 0:
        seed = int(params.get("seed", 42))
        query = ctx.engine.sample_query(product.view, rows, seed)
        frame = ctx.sample(product, rows, seed)
    else:
        query = f"SELECT * FROM {product.view}"
        frame = ctx.engine.polars(query)
    broken = gx_suite.validate(rules_for(product), frame)
    findings = [Finding(KIND, b.pop("column"), b) for b in broken]
    suite = gx_suite.suite_json(rules_for(product))
    return Measurement(
        values={
            "exceptions": len(findings),
            "rules": len(suite["expectations"]),
            "backend": "gx",
        },
        population=frame.height,
        findings=findings,
        query=f"great_expectations suite {suite['name']} "
        f"({len(suite['expectations'])} expectations) on: {query}",
    )


@measure("contract_conformance")
def contract_conformance(
    ctx: MeasureContext, spec: CheckSpec, product: DataProduct | None
) -> list[Measurement]:
    """The contract's rules over the product; exceptions = rules broken."""
    assert product is not None
    params = check_params(ctx, spec)
    backend = str(params.get("backend", "sql"))
    if backend not in BACKENDS:
        raise CheckError(
            f"unknown conformance backend {backend!r}",
            field=f'checks."{spec.id}".backend',
            hint="sql (the default) or gx",
        )
    rules = product_rules(ctx, product)
    if backend == "gx":
        return [measure_gx(ctx, rules, params)]
    return [measure_sql(ctx, rules)]
