"""A workspace's `[checks."<id>"]` tables: a check's parameters and schedule, set in
privacymesh.toml.

The workspace file is untrusted input like a check file. An override takes the type of the
parameter it replaces (a number stays a number), and every text it brings is `OverrideText`:
the check sandbox renders it as a quoted SQL literal wherever a template prints it, so an
override can change a value a query compares with, never the query."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

from privacymesh.checks.spec import CheckSpec, valid_schedule
from privacymesh.errors import CheckError

SCHEDULE = "schedule"
RESERVED = ("paths", "disable")
"""Keys of `[checks]` that are settings, not check ids."""


class OverrideText(str):
    """Text from the workspace file: printed into check SQL only as a quoted literal."""

    __slots__ = ()


def override_tables(settings: dict[str, Any]) -> dict[str, Any]:
    """The per-check tables of `[checks]`: every key but the reserved settings."""
    section = settings.get("checks", {})
    if not isinstance(section, dict):
        return {}
    return {k: v for k, v in section.items() if k not in RESERVED}


def apply_override(spec: CheckSpec, table: Any, file: Path | None) -> CheckSpec:
    """`spec` with the workspace's schedule and parameters; CheckError naming the workspace
    file and the field on a value of the wrong type or a parameter the check does not have."""
    where = f'checks."{spec.id}"'
    if not isinstance(table, dict):
        raise CheckError("expected a table of parameters", file=file, field=where)
    params = merged_params(spec, {k: v for k, v in table.items() if k != SCHEDULE}, file)
    schedule = table.get(SCHEDULE, spec.schedule)
    if not isinstance(schedule, str):
        raise CheckError("expected a cron expression", file=file, field=f"{where}.{SCHEDULE}")
    valid_schedule(schedule, file, f"{where}.{SCHEDULE}")
    return replace(spec, schedule=schedule, params=params)


def merged_params(
    spec: CheckSpec, table: dict[str, Any] | None, file: Path | None = None
) -> dict[str, Any]:
    """The check file's parameters with the workspace's values over them, typed as the file's."""
    if not table:
        return dict(spec.params)
    where = f'checks."{spec.id}"'
    keyed = [v for v in spec.params.values() if isinstance(v, dict)]
    merged = dict(spec.params)
    for key, value in table.items():
        field = f"{where}.{key}"
        if key in spec.params:
            merged[key] = _typed(value, spec.params[key], file, field)
        elif keyed and isinstance(value, dict):
            # a family of keyed rules (one per regulation, say) takes new members; a template
            # may print the key too, so it is workspace text like any value
            merged[OverrideText(key)] = _typed(value, keyed[0], file, field)
        else:
            known = ", ".join(sorted(k for k in spec.params if k != SCHEDULE)) or "none"
            raise CheckError(
                f"check {spec.id} has no parameter {key!r}",
                file=file,
                field=field,
                hint=f"its parameters: {known}; or {SCHEDULE}",
            )
    return merged


def _typed(value: Any, default: Any, file: Path | None, field: str) -> Any:
    """`value` if it has the type of `default` (texts become OverrideText)."""
    if default is None:
        return _plain(value, file, field)
    if isinstance(default, bool) or isinstance(value, bool):
        if isinstance(default, bool) and isinstance(value, bool):
            return value
    elif isinstance(default, int) and isinstance(value, int):
        return value
    elif isinstance(default, float) and isinstance(value, int | float):
        if math.isfinite(value):
            return float(value)
        raise CheckError("expected a finite number", file=file, field=field)
    elif isinstance(default, str) and isinstance(value, str):
        return OverrideText(value)
    elif isinstance(default, list) and isinstance(value, list):
        model = default[0] if default else None
        return [_typed(v, model, file, f"{field}[{i}]") for i, v in enumerate(value)]
    elif isinstance(default, dict) and isinstance(value, dict):
        return {
            OverrideText(k): _typed(v, default.get(k), file, f"{field}.{k}")
            for k, v in value.items()
        }
    raise CheckError(
        f"expected {_kind(default)}, found {_kind(value)}",
        file=file,
        field=field,
        hint="an override keeps the type of the check file's value",
    )


def _plain(value: Any, file: Path | None, field: str) -> Any:
    """A value with nothing to compare it with: texts, finite numbers, lists and tables of them."""
    if isinstance(value, str):
        return OverrideText(value)
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    if isinstance(value, list):
        return [_plain(v, file, f"{field}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {OverrideText(k): _plain(v, file, f"{field}.{k}") for k, v in value.items()}
    raise CheckError(
        f"expected text, a number, a list or a table, found {_kind(value)}",
        file=file,
        field=field,
    )


def _kind(value: Any) -> str:
    names = {bool: "true/false", int: "an integer", float: "a number", str: "text"}
    names.update({list: "a list", dict: "a table"})
    return next((n for t, n in names.items() if type(value) is t), type(value).__name__)
