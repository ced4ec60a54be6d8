"""Contract conformance through Great Expectations: an expectation suite generated from each
contract, validated on a sample of the product through GX's pandas datasource.

GX's SQL datasource over DuckDB fails to resolve metrics (duckdb-engine table reflection), so
the product is read by our engine and handed to GX as a DataFrame. GX's default result detail
carries raw cell values (`partial_unexpected_list`); we ask for none and store counts only."""

from __future__ import annotations

import logging
import os
from typing import Any

import polars as pl

from privacymesh.catalog import DataProduct
from privacymesh.checks.measures import MeasureContext, check_params, measure
from privacymesh.checks.measures.workers import Job, Shared, WorkGroup
from privacymesh.checks.results import Finding, Measurement
from privacymesh.checks.spec import CheckSpec
from privacymesh.deferred import defer

# pandas dtypes GX may report for each ODCS logical type
LOGICAL_TYPES = {
    "string": ["StringDtype", "object", "str", "string", "large_string"],
    "integer": ["int8", "int16", "int32", "int64", "Int64", "uint8", "uint16", "uint32", "uint64"],
    "number": ["float32", "float64", "Float64", "int32", "int64", "Int64", "decimal"],
    "boolean": ["bool", "boolean"],
    "timestamp": ["datetime64", "datetime64[ns]", "datetime64[us]", "datetime64[ms]"],
    "date": ["date", "object", "datetime64", "datetime64[ns]", "datetime64[us]", "datetime64[ms]"],
}
# the shapes of personal data a field declared non-personal must not carry
PERSONAL_PATTERNS = [
    r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",  # email
    # IPv4, but not a version number inside a path or user agent (Chrome/120.0.0.0)
    r"(?<![\w./])(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}(?![\w.])",
    r"\+\d{1,3}[ -]?\(?\d{2,4}\)?[ -]?\d{3,4}[ -]?\d{3,4}",  # international phone
]
RESULT_FORMAT = {
    "result_format": "BASIC",
    "partial_unexpected_count": 0,
    "include_unexpected_rows": False,
    "return_unexpected_index_query": False,
}
KEPT = (
    "element_count",
    "unexpected_count",
    "unexpected_percent",
    "missing_count",
    "observed_value",
)


def build_suite(product: DataProduct, columns: set[str]) -> list[Any]:
    """Expectations from the contract: the declared columns exist, required ones are not null,
    types match the logical type, allowed values, patterns, and no personal-data shape in a
    non-personal text field."""
    import great_expectations as gx

    e = gx.expectations
    out: list[Any] = [
        e.ExpectTableColumnsToMatchSet(
            column_set=[f.name for f in product.fields], exact_match=False
        )
    ]
    for f in product.fields:
        if f.name not in columns:
            continue
        if f.required:
            out.append(e.ExpectColumnValuesToNotBeNull(column=f.name))
        if f.logical_type in LOGICAL_TYPES:
            out.append(
                e.ExpectColumnValuesToBeInTypeList(
                    column=f.name, type_list=LOGICAL_TYPES[f.logical_type]
                )
            )
        prop = _raw_property(product, f.name)
        allowed = prop.get("enum") or _custom(prop, "allowedValues")
        if isinstance(allowed, list) and allowed:
            out.append(e.ExpectColumnValuesToBeInSet(column=f.name, value_set=allowed))
        pattern = (prop.get("logicalTypeOptions") or {}).get("pattern")
        if pattern:
            out.append(e.ExpectColumnValuesToMatchRegex(column=f.name, regex=pattern))
        if f.logical_type == "string" and not f.personal:
            out.append(
                e.ExpectColumnValuesToNotMatchRegexList(column=f.name, regex_list=PERSONAL_PATTERNS)
            )
    return out


def _raw_property(product: DataProduct, name: str) -> dict[str, Any]:
    for prop in (product.raw.get("schema") or [{}])[0].get("properties", []):
        if isinstance(prop, dict) and prop.get("name") == name:
            return prop
    return {}


def _custom(prop: dict[str, Any], key: str) -> Any:
    for item in prop.get("customProperties") or []:
        if isinstance(item, dict) and item.get("property") == key:
            return item.get("value")
    return None


_GX: dict[str, Any] = {}
# imported by GX at start-up only for its KL-divergence expectation (and its chart), which no
# generated suite uses: about a second of every GX start
GX_UNUSED_IMPORTS = ("scipy.stats", "altair")
GX = WorkGroup("gx", warm=f"{__name__}:warm_up")


def warm_up() -> None:
    """Import GX and make its context (a worker does this while samples are read)."""
    _gx_batch_definition()


def _gx_batch_definition() -> Any:
    """One ephemeral GX context and pandas batch definition per process."""
    if "batch" not in _GX:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        defer(*GX_UNUSED_IMPORTS)
        import great_expectations as gx
        from great_expectations.execution_engine import pandas_execution_engine

        # GX hashes every frame under this size into a batch marker that nothing here reads
        # (the evidence records the sample's query): 15-20 % of validating a 10,000-row sample
        pandas_execution_engine.HASH_THRESHOLD = 0

        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = {"globally": False, "metric_calculations": False}
        asset = context.data_sources.add_pandas("privacymesh").add_dataframe_asset("products")
        _GX["batch"] = asset.add_batch_definition_whole_dataframe("frame")
    return _GX["batch"]


def validate_sample(product: DataProduct, frame: pl.DataFrame, procedure: str) -> Measurement:
    """Validate the product's generated suite on a sample with GX; exceptions = failed
    expectations (a missing column counts once per column)."""
    batch_definition = _gx_batch_definition()  # first: it defers what GX need not import
    import great_expectations as gx
    import pandas as pd

    # GX checks the type of every value of an object column, but only the dtype of a typed
    # one; so strings go as the string dtype GX knows (not pandas 3's default, which it does
    # not), and dates declared as dates as datetimes. A column of another declared type stays
    # as it is, so a mismatch still fails.
    dates = [
        f.name
        for f in product.fields
        if f.logical_type == "date" and frame.schema.get(f.name) == pl.Date
    ]
    data = frame.with_columns(pl.col(dates).cast(pl.Datetime("ms"))).to_arrow().to_pandas()
    for column in data.columns:
        if isinstance(data[column].dtype, pd.StringDtype):
            data[column] = data[column].astype(pd.StringDtype())
    suite = gx.ExpectationSuite(
        name=f"{product.id}.contract", expectations=build_suite(product, set(data.columns))
    )
    batch = batch_definition.get_batch(batch_parameters={"dataframe": data})
    result = batch.validate(suite, result_format=RESULT_FORMAT)
    findings = []
    for r in result.results:
        if r.success:
            continue
        cfg = r.expectation_config
        if cfg.type == "expect_table_columns_to_match_set":
            missing = (r.result.get("details") or {}).get("mismatched", {}).get("missing") or []
            findings.extend(
                Finding("contract_nonconformance", c, {"expectation": cfg.type, "missing": True})
                for c in sorted(missing)
            )
            continue
        detail = {
            k: r.result[k]
            for k in KEPT
            if k in r.result and not isinstance(r.result[k], list | dict)
        }
        detail["expectation"] = cfg.type
        findings.append(Finding("contract_nonconformance", cfg.kwargs.get("column"), detail))
    return Measurement(
        values={
            "exceptions": len(findings),
            "expectations": len(result.results),
            "rows_validated": len(data),
        },
        population=len(data),
        findings=findings,
        query=f"great_expectations suite {suite.name} ({len(result.results)} expectations) "
        f"on: {procedure}",
    )


def _validate_job(
    shared: Shared, product: DataProduct, frame: pl.DataFrame, procedure: str
) -> Measurement:
    return validate_sample(product, frame, procedure)


def _sample_params(ctx: MeasureContext, spec: CheckSpec) -> tuple[int, int]:
    params = check_params(ctx, spec)
    return int(params.get("sample_rows", 10_000)), int(params.get("seed", 42))


def validation_job(ctx: MeasureContext, spec: CheckSpec, product: DataProduct) -> Job:
    """The product's GX validation, submitted once per run (to a worker when there are)."""
    jobs: dict[tuple[str, str], Job] = ctx.cache.setdefault("gx_jobs", {})
    key = (spec.id, product.id)
    if key not in jobs:
        rows, seed = _sample_params(ctx, spec)
        procedure = ctx.engine.sample_query(product.view, rows, seed)
        frame = ctx.sample(product, rows, seed)
        jobs[key] = ctx.workers.submit(_validate_job, product, frame, procedure, group=GX.name)
    return jobs[key]


@measure("gx_contract_suite", prefetch=validation_job, group=GX)
def gx_contract_suite(
    ctx: MeasureContext,
    spec: CheckSpec,
    product: DataProduct | None,
) -> list[Measurement]:
    """Validate the product's generated suite with GX; exceptions = failed expectations."""
    assert product is not None
    return [validation_job(ctx, spec, product).result()]
