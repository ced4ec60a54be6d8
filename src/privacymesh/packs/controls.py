"""What each check tests, as an examiner reads it: control, regulations, procedure, the SQL or
measure, how often it runs. From the check catalog (`checks/*.yaml`); a check id the ledger
knows but the catalog no longer holds still gets a row, from what the ledger recorded."""

from __future__ import annotations

from dataclasses import dataclass

from privacymesh.checks.catalog import load_check_catalog
from privacymesh.checks.spec import CheckSpec
from privacymesh.workspace import Workspace

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


def control_info(spec: CheckSpec) -> ControlInfo:
    return ControlInfo(
        check_id=spec.id,
        title=spec.title,
        control_id=spec.control.id,
        statement=spec.control.statement,
        regulations=spec.regulations,
        severity=spec.severity,
        procedure=spec.procedure,
        method="sql" if spec.sql else f"measure {spec.measure}",
        sql=spec.sql.strip() if spec.sql else None,
        schedule=spec.schedule,
        frequency=describe_cron(spec.schedule),
        scope=spec.scope,
        applies_to=spec.applies_to
        + ("" if len(spec.kinds) == 5 else f" ({', '.join(spec.kinds)})"),
        threshold=f"{spec.metric} {spec.threshold.describe()}",
        metric=spec.metric,
    )


def unknown_control(check_id: str, control_id: str | None, severity: str | None) -> ControlInfo:
    """A check the ledger recorded that the catalog no longer holds."""
    return ControlInfo(
        check_id=check_id,
        title=check_id,
        control_id=control_id or "-",
        statement="(this check is no longer in the check catalog; see the recorded queries)",
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


def load_controls(workspace: Workspace) -> dict[str, ControlInfo]:
    """Every valid check the workspace runs, by id (files that do not parse are left out: the
    run that used them recorded their errors)."""
    return {s.id: control_info(s) for s in load_check_catalog(workspace).specs}
