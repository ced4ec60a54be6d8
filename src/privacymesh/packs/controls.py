"""What each check tests, as an examiner reads it: control, regulations, procedure, the SQL or
measure, how often it runs. From the check specs the runs recorded in the ledger (never from
today's `checks/` folder, which may have changed since); a check id whose run recorded no spec
(an older ledger) still gets a row, from its results."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

_DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


@dataclass(frozen=True)
class ControlInfo:
    """One check of the catalog, flattened for the pack."""

    check_id: str
    title: str
    control_id: str
    statement: str
    regulations: tuple[str, ...]
    severity: str
    procedure: str
    method: str  # "sql" or "measure <name>"
    sql: str | None
    schedule: str
    frequency: str
    scope: str
    applies_to: str
    threshold: str
    metric: str
    in_catalog: bool = True


def describe_cron(expr: str) -> str:
    """Plain words for the common cron shapes (`0 2 * * *` -> daily at 02:00 UTC)."""
    parts = expr.split()
    if len(parts) != 5:
        return f"cron {expr}"
    minute, hour, dom, month, dow = parts
    if not (minute.isdigit() and dom == "*" and month == "*"):
        return f"cron {expr} (UTC)"
    if hour == "*" and dow == "*":
        return f"hourly at minute {int(minute):02d}"
    if not hour.isdigit():
        return f"cron {expr} (UTC)"
    at = f"{int(hour):02d}:{int(minute):02d} UTC"
    if dow == "*":
        return f"daily at {at}"
    if dow.isdigit() and 0 <= int(dow) <= 7:
        return f"weekly on {_DAYS[int(dow) % 7]} at {at}"
    return f"cron {expr} (UTC)"


def _threshold(metric: str, bounds: Mapping[str, float]) -> str:
    parts = [f"{op} {bounds[key]:g}" for key, op in (("min", ">="), ("max", "<=")) if key in bounds]
    return f"{metric} {' and '.join(parts) or 'any'}"


def control_info(spec: Mapping[str, Any]) -> ControlInfo:
    """A recorded check spec (`CheckSpec.record()` as the run wrote it), flattened."""
    control = spec.get("control") or {}
    sql = spec.get("sql")
    kinds = spec.get("kinds") or []
    metric = str(spec.get("metric") or "exceptions")
    schedule = str(spec.get("schedule") or "-")
    return ControlInfo(
        check_id=str(spec["id"]),
        title=str(spec.get("title") or spec["id"]),
        control_id=str(control.get("id") or "-"),
        statement=str(control.get("statement") or ""),
        regulations=tuple(str(r) for r in spec.get("regulations") or ()),
        severity=str(spec.get("severity") or "-"),
        procedure=str(spec.get("procedure") or ""),
        method="sql" if sql else f"measure {spec.get('measure')}",
        sql=sql.strip() if sql else None,
        schedule=schedule,
        frequency=describe_cron(schedule),
        scope=str(spec.get("scope") or "-"),
        applies_to=str(spec.get("applies_to") or "all")
        + ("" if not kinds or len(kinds) == 5 else f" ({', '.join(kinds)})"),
        threshold=_threshold(metric, spec.get("threshold") or {}),
        metric=metric,
    )


def unknown_control(check_id: str, control_id: str | None, severity: str | None) -> ControlInfo:
    """A check whose runs recorded no spec (a ledger older than recorded specs)."""
    return ControlInfo(
        check_id=check_id,
        title=check_id,
        control_id=control_id or "-",
        statement="(no check spec recorded for this check; see the recorded queries)",
        regulations=(),
        severity=severity or "-",
        procedure="as recorded in the ledger (query column of each result)",
        method="recorded",
        sql=None,
        schedule="-",
        frequency="-",
        scope="-",
        applies_to="-",
        threshold="-",
        metric="-",
        in_catalog=False,
    )


def recorded_controls(checks: pl.DataFrame) -> dict[str, ControlInfo]:
    """Every check spec the runs recorded (`check_id`, `spec` as JSON text), by id."""
    return {
        row["check_id"]: control_info(json.loads(row["spec"]))
        for row in checks.iter_rows(named=True)
    }
