"""A contract's own ODCS `quality` rules, run on the engine over the whole population.

Library rules (nullValues, missingValues, invalidValues, duplicateValues, rowCount) become one
aggregate each, with quoted identifiers, all computed by one query over the product (each rule
still records its own query); the result is compared with the rule's `mustBe...` operator.
SQL rules are contract text, so untrusted: each must be one SELECT that reads only the product's
own table through an allow-list of functions, or it is skipped with the reason and nothing runs.
Custom rules for Great Expectations run through GX (over the whole population of the columns
they name) when it is installed; other custom rules (Soda, ...) and text rules are reported as
skipped with the reason. Only counts and aggregates are kept, never row values."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlglot
from sqlglot import exp

from privacymesh.catalog import DataProduct, QualityRule, quote_ident, quote_literal
from privacymesh.catalog.sql_functions import SAFE_SQL_FUNCTIONS as SAFE_FUNCTIONS
from privacymesh.checks.measures import MeasureContext, measure
from privacymesh.checks.measures.key_duplicates import kept_duplicates
from privacymesh.checks.results import Finding, Measurement
from privacymesh.checks.spec import CheckSpec
from privacymesh.errors import CheckError

LIBRARY_METRICS = ("nullValues", "missingValues", "invalidValues", "duplicateValues", "rowCount")
# placeholders ODCS and datacontract-cli write for the object and the property in SQL rules
OBJECT_HOLES = ("${object}", "${table}", "{object}", "{table}", "{model}")
COLUMN_HOLES = ("${property}", "${column}", "{property}", "{column}", "{field}")


class RuleSkipped(Exception):
    """The rule cannot or must not run here; the message says why."""


@measure("contract_quality")
def contract_quality(
    ctx: MeasureContext, spec: CheckSpec, product: DataProduct | None
) -> list[Measurement]:
    assert product is not None
    failed: list[Finding] = []
    skipped: list[str] = []
    queries: list[str] = []
    passed = 0
    gx_rules = [r for r in product.quality if r.odcs_type == "custom" and _is_gx(r)]
    gx_outcomes = _run_gx(ctx, product, gx_rules) if gx_rules else {}
    library = _library_values(ctx, product)
    for index, rule in enumerate(product.quality):
        if rule.path in gx_outcomes:
            outcome = gx_outcomes[rule.path]
            if isinstance(outcome, str):
                skipped.append(f"{rule.path}: {outcome}")
                continue
            queries.append(f"-- {rule.path}\ngreat_expectations {outcome['expectation']}")
            if outcome["success"]:
                passed += 1
            else:
                failed.append(
                    _failure(
                        rule,
                        str(outcome["expectation"]),
                        outcome.get("unexpected_count"),
                        "the expectation holds",
                        rule.column or outcome.get("column"),
                    )
                )
            continue
        try:
            sql = rule_sql(rule, product)
        except RuleSkipped as why:
            skipped.append(f"{rule.path}: {why}")
            continue
        value = library[index] if index in library else ctx.engine.polars(sql).row(0)[0]
        if value is not None and not isinstance(value, int | float | Decimal):
            # a rule's result goes to the ledger: a number only, never a row's value
            skipped.append(f"{rule.path}: a rule must measure a number, not {type(value).__name__}")
            continue
        queries.append(f"-- {rule.path}\n{sql}")
        if holds(rule, value):
            passed += 1
        else:
            observed = float(value) if isinstance(value, Decimal) else value
            failed.append(_failure(rule, rule.metric or "sql", observed, describe(rule)))
    return [
        Measurement(
            values={
                "exceptions": len(failed),
                "rules": len(product.quality),
                "rules_run": passed + len(failed),
                "rules_skipped": len(skipped),
                "skipped": "; ".join(skipped),
                "dimensions": ", ".join(
                    sorted({r.dimension for r in product.quality if r.dimension})
                ),
            },
            population=len(product.quality),
            findings=failed,
            query="\n".join(queries) or f"no runnable quality rule in {product.file.name}",
        )
    ]


# what a GX result may keep: counts only
COUNTS = ("element_count", "unexpected_count", "unexpected_percent", "missing_count")
GX_ENGINES = ("great-expectations", "great_expectations", "greatexpectations", "gx")


def _is_gx(rule: QualityRule) -> bool:
    return str(rule.engine or "").lower() in GX_ENGINES


def _run_gx(
    ctx: MeasureContext, product: DataProduct, rules: list[QualityRule]
) -> dict[str, dict[str, Any] | str]:
    """Each Great Expectations rule validated by GX over the whole population of the columns it
    names: {rule path: outcome counts, or why it was skipped}."""
    out: dict[str, dict[str, Any] | str] = {}
    planned: list[tuple[QualityRule, str, dict[str, Any]]] = []  # rule, expectation type, kwargs
    columns: set[str] = set()
    for rule in rules:
        impl = rule.implementation
        expectation_type = (
            impl.get("expectation_type") or impl.get("type") if isinstance(impl, dict) else None
        )
        if not isinstance(expectation_type, str):
            out[rule.path] = "a Great Expectations rule needs implementation.expectation_type"
            continue
        kwargs = dict(impl.get("kwargs") or {})
        if rule.column and "column" not in kwargs and "column_list" not in kwargs:
            kwargs["column"] = rule.column
        named = [kwargs.get("column"), *(kwargs.get("column_list") or [])]
        named += [kwargs.get("column_A"), kwargs.get("column_B")]
        named = [str(c) for c in named if c is not None]
        unknown = [c for c in named if product.field(c) is None]
        if unknown:
            out[rule.path] = f"not a property of {product.id}: {', '.join(unknown)}"
            continue
        columns.update(named)
        planned.append((rule, expectation_type, kwargs))
    if not planned:
        return out
    from privacymesh.checks import gx_suite

    try:
        batch_definition = gx_suite._batch_definition()
        from great_expectations.expectations.expectation_configuration import (
            ExpectationConfiguration,
        )
    except (CheckError, ImportError):
        for rule, _, _ in planned:
            out[rule.path] = f"Great Expectations is not installed ({gx_suite.INSTALL_HINT})"
        return out
    select = ", ".join(quote_ident(c) for c in sorted(columns)) or "1 AS _row"
    frame = ctx.engine.polars(f"SELECT {select} FROM {product.view}").to_pandas()
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    for rule, expectation_type, kwargs in planned:
        try:
            expectation = ExpectationConfiguration(
                type=expectation_type, kwargs=kwargs
            ).to_domain_obj()
            result = batch.validate(expectation, result_format=gx_suite.RESULT_FORMAT)
        except Exception as exc:  # an unknown expectation or bad kwargs: the rule cannot run
            why = str(exc).splitlines()[0][:200]
            out[rule.path] = f"Great Expectations refused {expectation_type}: {why}"
            continue
        counts = {k: result.result[k] for k in COUNTS if k in result.result}
        # numbers only: an observed value may be a row's value
        counts = {k: v for k, v in counts.items() if isinstance(v, int | float)}
        out[rule.path] = {
            "success": bool(result.success),
            "expectation": expectation_type,
            "column": kwargs.get("column"),
            **counts,
        }
    return out


def _failure(
    rule: QualityRule, metric: str, observed: Any, expected: str, column: str | None = None
) -> Finding:
    """A failed rule, with what it measured and the rule's own dimension and severity."""
    return Finding(
        "quality_rule_failed",
        column or rule.column,
        {
            "rule": rule.path,
            "type": rule.odcs_type,
            "metric": metric,
            "observed": observed,
            "expected": expected,
            "dimension": rule.dimension,
            "severity": rule.severity,
            "unit": rule.unit,
        },
    )


def rule_sql(rule: QualityRule, product: DataProduct) -> str:
    """The aggregate query measuring one rule; `RuleSkipped` when it does not run here."""
    if rule.odcs_type == "library":
        return _library_sql(rule, product)
    if rule.odcs_type == "sql":
        return _checked_sql(rule, product)
    if rule.odcs_type == "custom":
        raise RuleSkipped(f"custom rule for engine {rule.engine!r}: not run by privacymesh")
    raise RuleSkipped(f"{rule.odcs_type} rule: nothing to run")


def holds(rule: QualityRule, value: Any) -> bool:
    """The rule's `mustBe...` comparison; with none, a count must be zero."""
    op, want = rule.operator, rule.threshold
    if value is None:
        return False
    if op is None:
        return float(value) == 0
    if op == "mustBe":
        return _eq(value, want)
    if op == "mustNotBe":
        return not _eq(value, want)
    if op in ("mustBeBetween", "mustNotBeBetween"):
        low, high = sorted(float(v) for v in want)
        inside = low <= float(value) <= high
        return inside if op == "mustBeBetween" else not inside
    number, bound = float(value), float(want)
    return {
        "mustBeGreaterThan": number > bound,
        "mustBeGreaterOrEqualTo": number >= bound,
        "mustBeLessThan": number < bound,
        "mustBeLessOrEqualTo": number <= bound,
    }[op]


def describe(rule: QualityRule) -> str:
    return f"{rule.operator or 'mustBe'} {rule.threshold if rule.operator else 0}"


def _eq(value: Any, want: Any) -> bool:
    try:
        return float(value) == float(want)
    except (TypeError, ValueError):
        return str(value) == str(want)


def _library_values(ctx: MeasureContext, product: DataProduct) -> dict[int, Any]:
    """The value of every library rule of the product (by its index), all from one query: each
    rule is an aggregate over the same rows, so one scan answers them all. A rule that does not
    run here is left out, and met again with its reason. A count of duplicates the run has
    already made (`key_duplicates`) is taken as it is."""
    measures: dict[int, str] = {}
    values: dict[int, Any] = {}
    for index, rule in enumerate(product.quality):
        if rule.odcs_type == "library":
            try:
                measures[index] = _library_measure(rule, product)
            except RuleSkipped:
                continue
            kept = _kept_duplicates(ctx, rule, product)
            if kept is not None:
                values[index] = kept
                del measures[index]
    if measures:
        selects = ", ".join(f"{sql} AS rule_{index}" for index, sql in measures.items())
        row = ctx.engine.polars(f"SELECT {selects} FROM {product.view}").row(0, named=True)
        values.update({index: row[f"rule_{index}"] for index in measures})
    return values


def _kept_duplicates(ctx: MeasureContext, rule: QualityRule, product: DataProduct) -> int | None:
    """A `duplicateValues` count of one column, as a number of rows, when the run already
    counted that column's duplicates: the same value as the rule's own query."""
    if rule.metric != "duplicateValues" or rule.unit == "percent":
        return None
    names = [rule.column] if rule.column else rule.arguments.get("properties") or []
    if len(names) != 1:
        return None
    return kept_duplicates(ctx, product, str(names[0]))


def _library_sql(rule: QualityRule, product: DataProduct) -> str:
    """A library rule's own query: what an examiner runs to repeat its measurement."""
    return f"SELECT {_library_measure(rule, product)} FROM {product.view}"


def _library_measure(rule: QualityRule, product: DataProduct) -> str:
    """The aggregate measuring a library rule over the product's rows."""
    metric = rule.metric
    if metric not in LIBRARY_METRICS:
        raise RuleSkipped(f"unknown library metric {metric!r}")
    if metric == "rowCount":
        return "count(*)"
    columns = _columns(rule, product)
    if metric == "duplicateValues":
        key = columns[0] if len(columns) == 1 else f"({', '.join(columns)})"
        present = " AND ".join(f"{c} IS NOT NULL" for c in columns)
        bad = f"count(*) FILTER (WHERE {present}) - count(DISTINCT {key})"
        base = f"count(*) FILTER (WHERE {present})"
    else:
        if len(columns) != 1:
            raise RuleSkipped(f"{metric} needs one property")
        (col,) = columns
        text = f"CAST({col} AS VARCHAR)"
        if metric == "nullValues":
            bad = f"count(*) FILTER (WHERE {col} IS NULL)"
        elif metric == "missingValues":
            listed = [v for v in rule.arguments.get("missingValues", [None, ""]) if v is not None]
            values = ", ".join(quote_literal(str(v)) for v in listed) or "NULL"
            bad = f"count(*) FILTER (WHERE {col} IS NULL OR {text} IN ({values}))"
        else:  # invalidValues
            valid, pattern = rule.arguments.get("validValues"), rule.arguments.get("pattern")
            if isinstance(valid, list):
                values = ", ".join(quote_literal(str(v)) for v in valid) or "NULL"
                test = f"{text} NOT IN ({values})"
            elif isinstance(pattern, str):
                test = f"NOT regexp_full_match({text}, {quote_literal(pattern)})"
            else:
                raise RuleSkipped("invalidValues needs arguments validValues or pattern")
            bad = f"count(*) FILTER (WHERE {col} IS NOT NULL AND {test})"
        base = "count(*)"
    if rule.unit == "percent":
        return f"coalesce(100.0 * ({bad}) / nullif({base}, 0), 0)"
    return bad


def _columns(rule: QualityRule, product: DataProduct) -> list[str]:
    names = [rule.column] if rule.column else rule.arguments.get("properties") or []
    if not names:
        raise RuleSkipped(f"{rule.metric} on an object needs arguments.properties")
    unknown = [n for n in names if product.field(str(n)) is None]
    if unknown:
        raise RuleSkipped(f"not a property of {product.id}: {', '.join(map(str, unknown))}")
    return [quote_ident(str(n)) for n in names]


def _checked_sql(rule: QualityRule, product: DataProduct) -> str:
    """The rule's query with its placeholders filled, when it reads only the product's table."""
    sql = str(rule.query or "")
    for hole in OBJECT_HOLES:
        sql = sql.replace(hole, product.view)
    for hole in COLUMN_HOLES:
        if hole in sql:
            if rule.column is None:
                raise RuleSkipped(f"{hole} in an object-level rule")
            sql = sql.replace(hole, quote_ident(rule.column))
    try:
        statements = sqlglot.parse(sql, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise RuleSkipped(f"not SQL privacymesh can read: {str(exc).splitlines()[0]}") from None
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise RuleSkipped("a SQL rule must be one SELECT")
    tree = statements[0]
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    for table in list(tree.find_all(exp.Table)):
        if not isinstance(table.this, exp.Identifier):
            raise RuleSkipped("a SQL rule may not call table functions")
        bare = not table.db and not table.catalog
        if bare and table.name.lower() in ctes:
            continue
        if bare and table.name.lower() == product.table.lower():
            # the object's own name, as the contract's server knows it: the product's view
            own = exp.table_(product.name, db=product.domain, quoted=True)
            if table.alias:
                own.set("alias", table.args["alias"])
            table.replace(own)
            continue
        if table.catalog or (table.db.lower(), table.name.lower()) != (
            product.domain,
            product.name.lower(),
        ):
            raise RuleSkipped(f"a SQL rule may read only {product.id}, not {table.sql()}")
    for node in tree.find_all(exp.Func):
        if not isinstance(node, SAFE_FUNCTIONS):
            raise RuleSkipped(f"function not allowed in a SQL rule: {node.sql_name()}")
    return tree.sql(dialect="duckdb")
