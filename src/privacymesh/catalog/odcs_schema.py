"""The ODCS v3 JSON Schema, as shipped by the `open-data-contract-standard` package."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

import jsonschema_rs

if TYPE_CHECKING:
    from jsonschema import Draft201909Validator, ValidationError


@cache
def odcs_schema() -> dict[str, Any]:
    """The ODCS v3 JSON Schema (draft 2019-09) shipped by `open-data-contract-standard`."""
    return json.loads(
        files("open_data_contract_standard").joinpath("schema.json").read_text("utf-8")
    )


@cache
def _fast_validator() -> jsonschema_rs.Draft201909Validator:
    # formats are annotations in draft 2019-09, as in the detailed validator below
    return jsonschema_rs.Draft201909Validator(odcs_schema(), validate_formats=False)


@cache
def odcs_validator() -> Draft201909Validator:
    """The detailed validator (python-jsonschema), whose errors carry path, keyword and value."""
    from jsonschema import Draft201909Validator

    return Draft201909Validator(odcs_schema())


def odcs_errors(data: Any) -> list[ValidationError]:
    """Every ODCS v3 schema error of a contract, sorted by path. A compiled validator
    (jsonschema-rs) answers for valid contracts; python-jsonschema, slower to import and to
    run, describes the errors of invalid ones."""
    try:
        if _fast_validator().is_valid(data):
            return []
    except (ValueError, TypeError):  # a YAML value jsonschema-rs cannot take: ask the other
        pass
    return sorted(odcs_validator().iter_errors(data), key=lambda e: list(e.absolute_path))


@cache
def fideslang_categories() -> frozenset[str]:
    """Every fideslang data-category key, from the package's own taxonomy."""
    from fideslang.default_taxonomy import DEFAULT_TAXONOMY

    return frozenset(c.fides_key for c in DEFAULT_TAXONOMY.data_category)
