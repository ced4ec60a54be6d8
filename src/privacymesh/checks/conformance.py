"""Contract conformance rules: what a contract says its data must look like, compiled once from
the contract and the product's actual columns, then run either as one SQL query over every row
(the default) or as a Great Expectations suite (`privacymesh.checks.gx_suite`).

The rules: declared columns are present, no column is undeclared, each column's type matches
its logical type, required fields (and primary keys) are filled, primary keys are unique,
values are in their allowed set and match their pattern, and a text field not declared personal
carries no e-mail, IPv4 or international phone shape. Each rule that looks at rows has a
predicate naming the rows that break it, so the query counts them per rule and overall; the
result carries counts only, never a value."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl
import pyarrow as pa

from privacymesh.catalog import DataProduct, quote_ident, quote_literal

# Shapes of personal data a field declared non-personal must not carry. Written in the common
# subset of RE2 (DuckDB), Java (Spark) and Python (GX) regular expressions: no look-around.
EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
# IPv4, not a version number inside a path or user agent (Chrome/120.0.0.0)
_OCTET = "(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])"
IPV4 = rf"(?:^|[^0-9A-Za-z_./]){_OCTET}(?:\.{_OCTET}){{3}}(?:$|[^0-9A-Za-z_.])"
PHONE = r"\+[0-9]{1,3}[ -]?\(?[0-9]{2,4}\)?[ -]?[0-9]{3,4}[ -]?[0-9]{3,4}"  # international
PERSONAL_PATTERNS = (EMAIL, IPV4, PHONE)


def _shape_gates(text: str) -> list[tuple[str, str]]:
    """(gate, regular expression) of each personal shape: the gate is a cheap test for the
    character the expression cannot match without (a regex costs about a microsecond a value;
    the test, a few nanoseconds). An IPv4 needs three dots: a LIKE pattern finds them without
    copying the value."""
    return [
        (f"contains({text}, '@')", EMAIL),
        (f"{text} LIKE '%.%.%.%'", IPV4),
        (f"contains({text}, '+')", PHONE),
    ]


def personal_shape_sql(text: str) -> str:
    """SQL true where the text expression holds an e-mail, IPv4 or phone shape. Each regular
    expression runs only on values that pass its gate."""
    cases = [
        f"CASE WHEN {gate} THEN regexp_matches({text}, {quote_literal(rx)}) ELSE false END"
        for gate, rx in _shape_gates(text)
    ]
    return "(" + " OR ".join(cases) + ")"


def shape_gate_sql(text: str) -> str:
    """SQL true where the text expression passes any shape's gate (false: no shape can match)."""
    return "(" + " OR ".join(f"({gate})" for gate, _ in _shape_gates(text)) + ")"


def shaped_values_sql(view: str, column: str) -> str:
    """The distinct values of a column that hold a personal shape, each tested once: for a
    column repeating a few values (user agents) this replaces a regex per row by one per value.
    The test sits in HAVING, over the group's value, so no optimizer moves it back to the rows."""
    text = f"CAST({quote_ident(column)} AS VARCHAR)"
    return (
        f"SELECT {text} FROM {view} WHERE {shape_gate_sql(text)} GROUP BY {text} "
        f"HAVING {personal_shape_sql(f'min({text})')}"
    )


# When a column counts as repeating in a sample of it: most of its values pass a shape's gate
# (else the gates alone are cheap) and each such value comes back at least REPEATS times on
# average. A product without a sample in the run is judged on its first PROBE_ROWS rows.
PROBE_ROWS = 2048
REPEATS = 20


def shape_columns(rules: RuleSet) -> list[str]:
    """The columns with a personal-shape rule."""
    return list(dict.fromkeys(str(r.column) for r in rules.rules if _shape_rule(r)))


def repeating_columns(rules: RuleSet, sample: pl.DataFrame) -> frozenset[str]:
    """The columns whose personal-shape rule is cheaper over distinct values, judged on a
    sample of the product (any rows of it: the choice changes the cost, never the counts)."""
    out = set()
    for name in shape_columns(rules):
        if name not in sample.columns:
            continue
        text = sample.get_column(name).cast(pl.String).drop_nulls()
        gated = text.filter(
            text.str.contains("@", literal=True)
            | text.str.contains("+", literal=True)
            | (text.str.count_matches(".", literal=True) >= 3)
        )
        often = gated.len() >= REPEATS and gated.len() * 2 >= sample.height
        if often and gated.n_unique() * REPEATS <= gated.len():
            out.add(name)
    return frozenset(out)


def _shape_rule(rule: Rule) -> bool:
    return rule.constraint == "no_personal_shape" and rule.row_level and rule.column is not None


RULES = (
    "column_present",
    "column_declared",
    "type",
    "required",
    "unique",
    "allowed_values",
    "pattern",
    "no_personal_shape",
)
KEY_ROWS = "__pm_key_rows"
KEY_GROUPS = "key_groups"  # keys held by more than one row


def type_matches(logical: str, actual: pa.DataType) -> bool | None:
    """Whether a column of Arrow type `actual` holds the ODCS logical type (None: not judged)."""
    t = pa.types
    if t.is_dictionary(actual):
        actual = actual.value_type
    checks = {
        "string": t.is_string(actual) or t.is_large_string(actual) or t.is_string_view(actual),
        "integer": t.is_integer(actual),
        "number": t.is_integer(actual) or t.is_floating(actual) or t.is_decimal(actual),
        "boolean": t.is_boolean(actual),
        "timestamp": t.is_timestamp(actual),
        "date": t.is_date(actual) or t.is_timestamp(actual),
    }
    return checks.get(logical)


@dataclass(frozen=True)
class Rule:
    """One conformance rule on one column (`columns` for a composite key)."""

    constraint: str
    column: str | None
    columns: tuple[str, ...] = ()
    values: tuple[Any, ...] = ()
    pattern: str | None = None
    declared: str | None = None
    found: str | None = None
    # False when no row can break it (a missing column): the rule is broken as a whole
    row_level: bool = True

    def predicate(self) -> str | None:
        """SQL naming the rows that break the rule (None for a rule about the schema)."""
        if not self.row_level:
            return None
        c = quote_ident(self.column) if self.column else ""
        if self.constraint in ("type", "column_declared"):
            return f"{c} IS NOT NULL"
        if self.constraint == "required":
            return f"{c} IS NULL"
        if self.constraint == "unique":
            present = " AND ".join(f"{quote_ident(k)} IS NOT NULL" for k in self.columns)
            return f"({present} AND {KEY_ROWS} > 1)"
        if self.constraint == "allowed_values":
            if all(isinstance(v, int | float) and not isinstance(v, bool) for v in self.values):
                listed = ", ".join(repr(v) for v in self.values)
                return f"{c} IS NOT NULL AND {c} NOT IN ({listed})"
            listed = ", ".join(quote_literal(str(v)) for v in self.values)
            return f"{c} IS NOT NULL AND CAST({c} AS VARCHAR) NOT IN ({listed})"
        if self.constraint == "pattern":
            pattern = quote_literal(self.pattern or "")
            return f"{c} IS NOT NULL AND NOT regexp_matches(CAST({c} AS VARCHAR), {pattern})"
        if self.constraint == "no_personal_shape":
            return personal_shape_sql(f"CAST({c} AS VARCHAR)")
        raise ValueError(f"no predicate for rule {self.constraint}")

    def describe(self) -> dict[str, Any]:
        """The rule as evidence: its constraint, column and what it expects (no data values)."""
        out: dict[str, Any] = {"rule": self.constraint}
        if self.columns:
            out["columns"] = list(self.columns)
        if self.values:
            out["allowed"] = len(self.values)
        if self.pattern:
            out["pattern"] = self.pattern
        if self.declared:
            out["declared"] = self.declared
        if self.found:
            out["found"] = self.found
        return out


@dataclass(frozen=True)
class RuleSet:
    """A product's rules, and the columns the engine reported for it."""

    product: DataProduct
    rules: tuple[Rule, ...]
    columns: dict[str, pa.DataType] = field(default_factory=dict)

    @property
    def keys(self) -> tuple[str, ...]:
        return next((r.columns for r in self.rules if r.constraint == "unique"), ())


def property_of(product: DataProduct, name: str) -> dict[str, Any]:
    """The contract's raw property for a field (allowed values and patterns live there)."""
    for obj in product.raw.get("schema") or []:
        if not isinstance(obj, dict):
            continue
        for prop in obj.get("properties") or []:
            if isinstance(prop, dict) and prop.get("name") == name:
                return prop
    return {}


def custom_property(prop: dict[str, Any], key: str) -> Any:
    for item in prop.get("customProperties") or []:
        if isinstance(item, dict) and item.get("property") == key:
            return item.get("value")
    return None


def rules_for(product: DataProduct, schema: pa.Schema | None = None) -> RuleSet:
    """The contract's rules for a product whose data has `schema`. Without one (a suite for
    Great Expectations, which reads the data itself) every declared column is assumed present
    and each typed column gets a type rule for GX to judge; with one, a type rule is made only
    where the column's type does not match, and undeclared columns are named."""
    columns = {f.name: f.type for f in schema} if schema is not None else {}
    present = (lambda name: name in columns) if schema is not None else (lambda name: True)
    rules: list[Rule] = []
    declared = {f.name for f in product.fields}
    for f in product.fields:
        if not present(f.name):
            rules.append(Rule("column_present", f.name, row_level=False))
    for name in columns:
        if name not in declared:
            rules.append(Rule("column_declared", name))
    keys = tuple(f.name for f in product.fields if f.primary_key and present(f.name))
    for f in product.fields:
        if not present(f.name):
            continue
        actual = columns.get(f.name)
        if f.logical_type and actual is not None and type_matches(f.logical_type, actual) is False:
            rules.append(Rule("type", f.name, declared=f.logical_type, found=str(actual)))
        elif f.logical_type and schema is None:
            rules.append(Rule("type", f.name, declared=f.logical_type))
        if f.required or f.primary_key:
            rules.append(Rule("required", f.name))
        prop = property_of(product, f.name)
        allowed = prop.get("enum") or custom_property(prop, "allowedValues")
        if isinstance(allowed, list) and allowed:
            rules.append(Rule("allowed_values", f.name, values=tuple(allowed)))
        pattern = (prop.get("logicalTypeOptions") or {}).get("pattern")
        if pattern:
            rules.append(Rule("pattern", f.name, pattern=str(pattern)))
        is_text = actual is None or type_matches("string", actual)
        if f.logical_type == "string" and not f.personal and is_text:
            rules.append(Rule("no_personal_shape", f.name))
    if keys:
        rules.append(Rule("unique", keys[0] if len(keys) == 1 else None, columns=keys))
    return RuleSet(product, tuple(rules), columns)


def conformance_sql(rules: RuleSet, repeating: frozenset[str] = frozenset()) -> str:
    """One query over every row: the population, the rows breaking each row-level rule
    (`r<i>`, in the order of `rules.rules`) and the rows breaking any of them. Each predicate
    is computed once per row, in an inner projection that both counts read (a regular
    expression is the costly part); a key's duplicates are found by grouping the key columns
    alone and joining back the few keys held more than once, rather than windowing every row;
    `key_groups` counts those keys (the rows beyond each key's first are then the unique rule's
    rows less its keys, what a `duplicateValues` rule on the key measures). The personal shapes
    of the `repeating` columns are tested once per distinct value (`shaped_values_sql`), and
    each row looks its value up."""
    product = rules.product
    flags, names = [], []
    for i, rule in enumerate(rules.rules):
        predicate = rule.predicate()
        if _shape_rule(rule) and rule.column in repeating:
            text = f"CAST({quote_ident(str(rule.column))} AS VARCHAR)"
            predicate = f"{text} IN ({shaped_values_sql(product.view, str(rule.column))})"
        if predicate is None:
            continue
        flags.append(f"coalesce({predicate}, false) AS r{i}")
        names.append(f"r{i}")
    selects = ["count(*) AS population", *(f"count(*) FILTER (WHERE {n}) AS {n}" for n in names)]
    selects.append(
        f"count(*) FILTER (WHERE {' OR '.join(names)}) AS rows_violating"
        if names
        else "0 AS rows_violating"
    )
    source, duplicated = product.view, ""
    if rules.keys:
        keys = ", ".join(quote_ident(k) for k in rules.keys)
        present = " AND ".join(f"{quote_ident(k)} IS NOT NULL" for k in rules.keys)
        # grouped once, read twice: the rows join it, `key_groups` counts it
        duplicated = (
            f"WITH duplicated AS (SELECT {keys}, count(*) AS {KEY_ROWS} "
            f"FROM {product.view} WHERE {present} GROUP BY {keys} HAVING count(*) > 1)\n"
        )
        source = f"{product.view} LEFT JOIN duplicated USING ({keys})"
        selects.append(f"(SELECT count(*) FROM duplicated) AS {KEY_GROUPS}")
    inner = "SELECT " + (",\n       ".join(flags) or "1 AS one") + f"\n  FROM {source}"
    return (
        duplicated + "SELECT " + ",\n       ".join(selects) + f"\nFROM (\n  {inner}\n) AS flagged"
    )
