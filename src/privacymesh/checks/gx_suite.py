"""Conformance rules as a Great Expectations suite: the JSON a GX user takes away
(`privacymesh checks export-gx`), and the optional GX backend of `contract.conformance`
(`[checks."contract.conformance"] backend = "gx"`, with the `gx` extra installed).

The suite is plain data built from `privacymesh.checks.conformance`, so writing it needs no GX;
only validating imports it."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import polars as pl

from privacymesh.checks.conformance import PERSONAL_PATTERNS, Rule, RuleSet
from privacymesh.errors import CheckError

# pandas dtypes GX may report for each ODCS logical type
PANDAS_TYPES = {
    "string": ["StringDtype", "object", "str", "string", "large_string"],
    "integer": ["int8", "int16", "int32", "int64", "Int64", "uint8", "uint16", "uint32", "uint64"],
    "number": ["float32", "float64", "Float64", "int32", "int64", "Int64", "decimal"],
    "boolean": ["bool", "boolean"],
    "timestamp": ["datetime64", "datetime64[ns]", "datetime64[us]", "datetime64[ms]"],
    "date": ["date", "object", "datetime64", "datetime64[ns]", "datetime64[us]", "datetime64[ms]"],
}
COLUMN_SET = "expect_table_columns_to_match_set"
EXPECTATION_RULE = {
    "expect_column_values_to_be_in_type_list": "type",
    "expect_column_values_to_not_be_null": "required",
    "expect_column_values_to_be_unique": "unique",
    "expect_compound_columns_to_be_unique": "unique",
    "expect_column_values_to_be_in_set": "allowed_values",
    "expect_column_values_to_match_regex": "pattern",
    "expect_column_values_to_not_match_regex_list": "no_personal_shape",
}
RESULT_FORMAT = {
    "result_format": "BASIC",
    "partial_unexpected_count": 0,
    "include_unexpected_rows": False,
    "return_unexpected_index_query": False,
}
INSTALL_HINT = "install the gx extra: pip install 'privacymesh[gx]'"


def expectation(rule: Rule) -> dict[str, Any] | None:
    """The GX expectation (type and kwargs) checking one rule."""
    column = {"column": rule.column}
    if rule.constraint == "type" and rule.declared in PANDAS_TYPES:
        return {
            "type": "expect_column_values_to_be_in_type_list",
            "kwargs": {**column, "type_list": PANDAS_TYPES[rule.declared]},
        }
    if rule.constraint == "required":
        return {"type": "expect_column_values_to_not_be_null", "kwargs": column}
    if rule.constraint == "unique":
        if len(rule.columns) == 1:
            return {
                "type": "expect_column_values_to_be_unique",
                "kwargs": {"column": rule.columns[0]},
            }
        return {
            "type": "expect_compound_columns_to_be_unique",
            "kwargs": {"column_list": list(rule.columns)},
        }
    if rule.constraint == "allowed_values":
        return {
            "type": "expect_column_values_to_be_in_set",
            "kwargs": {**column, "value_set": list(rule.values)},
        }
    if rule.constraint == "pattern":
        return {
            "type": "expect_column_values_to_match_regex",
            "kwargs": {**column, "regex": rule.pattern},
        }
    if rule.constraint == "no_personal_shape":
        return {
            "type": "expect_column_values_to_not_match_regex_list",
            "kwargs": {**column, "regex_list": list(PERSONAL_PATTERNS)},
        }
    return None


def suite_json(rules: RuleSet) -> dict[str, Any]:
    """The product's suite as GX writes an ExpectationSuite (GX 1.x JSON)."""
    product = rules.product
    expectations = [
        {
            "type": COLUMN_SET,
            "kwargs": {"column_set": [f.name for f in product.fields], "exact_match": True},
            "meta": {"rule": "column_present, column_declared"},
        }
    ]
    for rule in rules.rules:
        made = expectation(rule)
        if made is not None:
            expectations.append({**made, "meta": {"rule": rule.constraint}})
    return {
        "name": f"{product.id}.contract",
        "expectations": expectations,
        "meta": {
            "generated_by": "privacymesh",
            "contract": product.raw.get("id") or product.id,
            "contract_version": product.version,
        },
        "notes": None,
    }


def _gx() -> Any:
    try:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        import great_expectations as gx
    except ImportError as exc:
        raise CheckError(
            f"the Great Expectations backend needs great_expectations: {exc}", hint=INSTALL_HINT
        ) from None
    return gx


_BATCH: dict[str, Any] = {}


def _batch_definition() -> Any:
    """One ephemeral GX context and pandas batch definition per process."""
    if "batch" not in _BATCH:
        gx = _gx()
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = {"globally": False, "metric_calculations": False}
        asset = context.data_sources.add_pandas("privacymesh").add_dataframe_asset("products")
        _BATCH["batch"] = asset.add_batch_definition_whole_dataframe("frame")
    return _BATCH["batch"]


def to_pandas(rules: RuleSet, frame: pl.DataFrame) -> Any:
    """The frame as GX reads types best: strings as pandas' string dtype, dates declared as
    dates as datetimes (GX then checks a dtype, not every value)."""
    import pandas as pd

    dates = [
        f.name
        for f in rules.product.fields
        if f.logical_type == "date" and frame.schema.get(f.name) == pl.Date
    ]
    data = frame.with_columns(pl.col(dates).cast(pl.Datetime("ms"))).to_arrow().to_pandas()
    for column in data.columns:
        if isinstance(data[column].dtype, pd.StringDtype):
            data[column] = data[column].astype(pd.StringDtype())
    return data


def validate(rules: RuleSet, frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Validate the suite on `frame` with GX; one entry per broken rule (rule, column and the
    count GX reports), never a value."""
    gx = _gx()
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    spec = suite_json(rules)
    present = set(frame.columns)
    expectations = [
        ExpectationConfiguration(type=e["type"], kwargs=e["kwargs"]).to_domain_obj()
        for e in spec["expectations"]
        if all(c in present for c in _columns_of(e))
    ]
    suite = gx.ExpectationSuite(name=spec["name"], expectations=expectations)
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": to_pandas(rules, frame)})
    result = batch.validate(suite, result_format=RESULT_FORMAT)
    broken: list[dict[str, Any]] = []
    for r in result.results:
        if r.success:
            continue
        cfg = r.expectation_config
        if cfg.type == COLUMN_SET:
            mismatched = (r.result.get("details") or {}).get("mismatched") or {}
            broken += [
                {"rule": "column_present", "column": c, "expectation": cfg.type}
                for c in sorted(mismatched.get("missing") or [])
            ]
            broken += [
                {"rule": "column_declared", "column": c, "expectation": cfg.type}
                for c in sorted(mismatched.get("unexpected") or [])
            ]
            continue
        column = cfg.kwargs.get("column")
        if column is None and cfg.kwargs.get("column_list"):
            column = cfg.kwargs["column_list"][0] if len(cfg.kwargs["column_list"]) == 1 else None
        entry: dict[str, Any] = {
            "rule": EXPECTATION_RULE.get(cfg.type, cfg.type),
            "column": column,
            "expectation": cfg.type,
        }
        count = r.result.get("unexpected_count")
        if isinstance(count, int):
            entry["violations"] = count
        observed = r.result.get("observed_value")
        if isinstance(observed, str):
            entry["found"] = observed
        broken.append(entry)
    return broken


def _columns_of(expectation: dict[str, Any]) -> list[str]:
    kwargs = expectation["kwargs"]
    if "column" in kwargs:
        return [kwargs["column"]]
    return list(kwargs.get("column_list") or [])


RUNNER = '''"""Run the privacymesh-generated suites with Great Expectations in your own project.

    python run_checkpoint.py                       # every product listed in products.json
    python run_checkpoint.py --data shop.orders=/path/orders.parquet

Each suite (suites/<product>.json) was written by `privacymesh checks export-gx` from the
product's ODCS contract. This builds a GX checkpoint with one validation definition per product,
over a pandas batch read from the product's Parquet or CSV file, and prints each result."""

import argparse
import json
import sys
from pathlib import Path

import great_expectations as gx
import pandas as pd
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

HERE = Path(__file__).parent


def read(path, spec):
    path = str(path)
    if not path.endswith(".csv"):
        return pd.read_parquet(path)
    frame = pd.read_csv(path)
    # CSV has no types: a column the suite expects as dates is parsed when every value parses
    for e in spec["expectations"]:
        column = e["kwargs"].get("column")
        if "datetime64" in e["kwargs"].get("type_list", []) and column in frame:
            try:
                frame[column] = pd.to_datetime(frame[column])
            except (ValueError, TypeError):
                pass
    return frame


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", action="append", default=[], help="PRODUCT=PATH")
    args = parser.parse_args()
    products = json.loads((HERE / "products.json").read_text())
    for item in args.data:
        name, _, path = item.partition("=")
        products[name] = path
    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_pandas("privacymesh_export")
    definitions, frames = [], {}
    for product, path in sorted(products.items()):
        if not path:
            print(f"{product}: no data file given (use --data {product}=PATH)")
            continue
        spec = json.loads((HERE / "suites" / f"{product}.json").read_text())
        suite = context.suites.add(gx.ExpectationSuite(
            name=spec["name"],
            expectations=[ExpectationConfiguration(type=e["type"], kwargs=e["kwargs"],
                                                   meta=e.get("meta")).to_domain_obj()
                          for e in spec["expectations"]],
        ))
        batch = source.add_dataframe_asset(product).add_batch_definition_whole_dataframe("all")
        definitions.append(context.validation_definitions.add(
            gx.ValidationDefinition(name=product, data=batch, suite=suite)))
        frames[product] = read(path, spec)
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(name="privacymesh_contracts", validation_definitions=definitions))
    failed = 0
    for definition in definitions:
        result = definition.run(batch_parameters={"dataframe": frames[definition.name]})
        failed += not result.success
        print(f"{definition.name}: {'pass' if result.success else 'fail'}", flush=True)
        for r in result.results:
            if not r.success:
                column = r.expectation_config.kwargs.get("column", "")
                print(f"  broken: {r.expectation_config.type} {column}")
    print(f"checkpoint {checkpoint.name}: {len(definitions) - failed} pass, {failed} fail")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
'''


def export_suites(rule_sets: list[RuleSet], out: Path) -> list[Path]:
    """Write each product's suite, a products.json of their data files (local files only) and
    a runnable checkpoint script; returns the files written."""
    suites = out / "suites"
    suites.mkdir(parents=True, exist_ok=True)
    written = []
    products: dict[str, str | None] = {}
    for rules in rule_sets:
        path = suites / f"{rules.product.id}.json"
        path.write_text(json.dumps(suite_json(rules), indent=2, sort_keys=True) + "\n", "utf-8")
        written.append(path)
        server = rules.product.server
        local = server is not None and server.type == "local" and server.path is not None
        products[rules.product.id] = str(server.path) if local and server else None
    index = out / "products.json"
    index.write_text(json.dumps(products, indent=2, sort_keys=True) + "\n", "utf-8")
    runner = out / "run_checkpoint.py"
    runner.write_text(RUNNER, "utf-8")
    return [*written, index, runner]
