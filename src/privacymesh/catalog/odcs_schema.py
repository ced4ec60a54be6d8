"""The ODCS v3 JSON Schema, as shipped by the `open-data-contract-standard` package."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

from jsonschema import Draft201909Validator


@cache
def odcs_validator() -> Draft201909Validator:
    """A validator for the ODCS v3 JSON Schema (draft 2019-09)."""
    schema: dict[str, Any] = json.loads(
        files("open_data_contract_standard").joinpath("schema.json").read_text("utf-8")
    )
    return Draft201909Validator(schema)


@cache
def fideslang_categories() -> frozenset[str]:
    """Every fideslang data-category key, from the package's own taxonomy."""
    from fideslang.default_taxonomy import DEFAULT_TAXONOMY

    return frozenset(c.fides_key for c in DEFAULT_TAXONOMY.data_category)
