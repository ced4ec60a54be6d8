"""The ODCS JSON Schemas, one per published v3 release, chosen by a contract's `apiVersion`.

The schemas of v3.0.0 to v3.1.0 ship with privacymesh (`odcs_schemas/`, copied unchanged from
bitol-io/open-data-contract-standard, Apache-2.0); a newer release comes from the installed
`open-data-contract-standard` package, whose `schema.json` is the version it declares."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

import jsonschema_rs

if TYPE_CHECKING:
    from jsonschema import Draft201909Validator, ValidationError

SHIPPED = ("v3.0.0", "v3.0.1", "v3.0.2", "v3.1.0")
LATEST_SHIPPED = SHIPPED[-1]


@cache
def _packaged() -> tuple[str, dict[str, Any]] | None:
    """The schema of the installed `open-data-contract-standard` package and its version."""
    try:
        text = files("open_data_contract_standard").joinpath("schema.json").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return None
    schema = json.loads(text)
    version = schema.get("properties", {}).get("apiVersion", {}).get("default")
    return (version, schema) if isinstance(version, str) else None


def odcs_versions() -> tuple[str, ...]:
    """Every ODCS version a contract may declare, oldest first."""
    extra = _packaged()
    versions = list(SHIPPED)
    if extra and extra[0] not in versions:
        versions.append(extra[0])
    return tuple(sorted(versions, key=lambda v: tuple(int(p) for p in v[1:].split("."))))


@cache
def odcs_schema(version: str = LATEST_SHIPPED) -> dict[str, Any]:
    """The JSON Schema (draft 2019-09) of one ODCS release; KeyError for an unknown version."""
    if version in SHIPPED:
        path = files("privacymesh.catalog").joinpath(
            f"odcs_schemas/odcs-json-schema-{version}.json"
        )
        return json.loads(path.read_text("utf-8"))
    extra = _packaged()
    if extra and extra[0] == version:
        return extra[1]
    raise KeyError(version)


@cache
def _fast_validator(version: str) -> jsonschema_rs.Draft201909Validator:
    # formats are annotations in draft 2019-09, as in the detailed validator below
    return jsonschema_rs.Draft201909Validator(odcs_schema(version), validate_formats=False)


@cache
def odcs_validator(version: str = LATEST_SHIPPED) -> Draft201909Validator:
    """The detailed validator (python-jsonschema), whose errors carry path, keyword and value."""
    from jsonschema import Draft201909Validator

    return Draft201909Validator(odcs_schema(version))


def odcs_errors(data: Any, version: str = LATEST_SHIPPED) -> list[ValidationError]:
    """Every schema error of a contract against one ODCS release, sorted by path. A compiled
    validator (jsonschema-rs) answers for valid contracts; python-jsonschema, slower to import
    and to run, describes the errors of invalid ones."""
    try:
        if _fast_validator(version).is_valid(data):
            return []
    except (ValueError, TypeError):  # a YAML value jsonschema-rs cannot take: ask the other
        pass
    return sorted(odcs_validator(version).iter_errors(data), key=lambda e: list(e.absolute_path))


@cache
def fideslang_categories() -> frozenset[str]:
    """Every fideslang data-category key, from the package's own taxonomy."""
    from fideslang.default_taxonomy import DEFAULT_TAXONOMY

    return frozenset(c.fides_key for c in DEFAULT_TAXONOMY.data_category)
