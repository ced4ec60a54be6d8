"""Run one task: render and run its SQL or call its measure, then judge against the threshold.
Any failure becomes an `error` result with the reason; nothing escapes to stop the run."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from privacymesh.checks.measures import MeasureContext, check_params, get_measure
from privacymesh.checks.render import render_sql
from privacymesh.checks.results import CheckResult, Finding, Measurement
from privacymesh.checks.spec import CheckSpec
from privacymesh.errors import first_line
from privacymesh.runner.plan import Task
from privacymesh.runner.shared import ensure_shared
from privacymesh.verdict import Status


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def run_task(
    task: Task,
    ctx: MeasureContext,
    domains: list[str] | None = None,
) -> list[CheckResult]:
    """Results of one task: one per product, or one per domain for mesh-wide checks."""
    started = _now()
    if task.blocked:
        return [_error(task, started, task.blocked, "")]
    query = ""
    try:
        if task.check.sql:
            prelude = ensure_shared(ctx, task.check)
            sql = render_sql(
                task.check,
                task.product,
                ctx.as_of,
                params=check_params(ctx, task.check),
                engine_dialect=ctx.engine.dialect,
            )
            # recorded after the statements of the check's shared queries, if any: what an
            # examiner runs to repeat the measurement
            query = f"{prelude}\n{sql}" if prelude else sql
            measurements = _sql_measurements(task, ctx, sql, query)
        else:
            query = f"measure {task.check.measure}"
            measurements = get_measure(task.check.measure or "")(ctx, task.check, task.product)
    except Exception as exc:  # fail closed: any failure is an error result with its reason
        return [_error(task, started, f"{type(exc).__name__}: {first_line(exc, 400)}", query)]
    if domains:
        measurements = [m for m in measurements if m.domain is None or m.domain in domains]
    return [judge(task, m, started) for m in measurements]


def _sql_measurements(
    task: Task, ctx: MeasureContext, sql: str, recorded: str
) -> list[Measurement]:
    """One measurement per row of the query `sql`; each records `recorded`."""
    rows = ctx.engine.polars(sql).to_dicts()
    if task.product is not None and len(rows) != 1:
        raise ValueError(f"a product check's query must return one row, it returned {len(rows)}")
    if task.product is None and not rows:
        # fail closed: a mesh-wide check that measured nothing must not vanish from the evidence
        raise ValueError("the mesh-wide query returned no rows (expected one per domain)")
    return [
        Measurement(
            values=_plain(row),
            population=row.get("population"),
            query=recorded,
            domain=row.get("domain"),
            product=row.get("product"),
        )
        for row in rows
    ]


def judge(task: Task, m: Measurement, started: datetime) -> CheckResult:
    """Compare the check's metric with its threshold."""
    spec: CheckSpec = task.check
    value = m.values.get(spec.metric)
    if value is None and spec.metric not in m.values:
        return _error(task, started, f"the measurement has no metric {spec.metric!r}", m.query)
    number = None if value is None else float(value)
    passed = spec.threshold.passes(number)
    exceptions = m.values.get("exceptions")
    findings = list(m.findings)
    if not passed and not findings:
        findings.append(
            Finding(
                "threshold_not_met",
                None,
                {"metric": spec.metric, "value": value, "threshold": spec.threshold.describe()},
            )
        )
    return CheckResult(
        check_id=spec.id,
        product=m.product or task.product_id,
        domain=m.domain or task.domain,
        status=Status.PASS if passed else Status.FAIL,
        values=m.values,
        threshold=spec.threshold.to_dict(),
        population=None if m.population is None else int(m.population),
        exceptions=None if exceptions is None else int(exceptions),
        query=m.query or "",
        severity=spec.severity,
        control_id=spec.control.id,
        started_at=started,
        finished_at=_now(),
        findings=findings if not passed else [],
    )


def _error(task: Task, started: datetime, reason: str, query: str) -> CheckResult:
    spec = task.check
    return CheckResult(
        check_id=spec.id,
        product=task.product_id,
        domain=task.domain,
        status=Status.ERROR,
        values={},
        threshold=spec.threshold.to_dict(),
        population=None,
        exceptions=None,
        query=query,
        severity=spec.severity,
        control_id=spec.control.id,
        started_at=started,
        finished_at=_now(),
        reason=reason,
    )


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """JSON-friendly values: dates as ISO strings, NaN as None."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, float) and math.isnan(value):
            value = None
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        out[key] = value
    return out
