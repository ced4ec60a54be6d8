"""A check's shared queries: computed once per run into a table that every product's query
reads, instead of once inside each product's query."""

from __future__ import annotations

from privacymesh.checks.measures import MeasureContext, check_params
from privacymesh.checks.render import render_shared, shared_statements, shared_table
from privacymesh.checks.spec import CheckSpec
from privacymesh.errors import CheckError, first_line

_DONE = "shared"  # check id -> its recorded statements, or the error that stopped them
_TABLES = "shared_tables"  # every table made in the run, dropped when it ends


def ensure_shared(ctx: MeasureContext, spec: CheckSpec) -> str:
    """The statements computing the check's shared queries, as recorded with each of its
    results; computed on the check's first task. A failure is raised again for every task
    of the check: each product gets an `error` result with the reason."""
    if not spec.shared:
        return ""
    done: dict[str, str | CheckError] = ctx.cache.setdefault(_DONE, {})
    if spec.id not in done:
        done[spec.id] = _materialize(ctx, spec)
    outcome = done[spec.id]
    if isinstance(outcome, CheckError):
        raise outcome
    return outcome


def _materialize(ctx: MeasureContext, spec: CheckSpec) -> str | CheckError:
    try:
        queries = render_shared(spec, ctx.as_of, check_params(ctx, spec))
    except CheckError as exc:
        return exc
    tables: list[tuple[str, str]] = ctx.cache.setdefault(_TABLES, [])
    for name, query in queries.items():
        table = shared_table(spec, name)
        try:
            ctx.engine.materialize(*table, query)
        except Exception as exc:  # fail closed: the check's products get this as their error
            return CheckError(
                f"shared query {name!r} cannot run: {type(exc).__name__}: {first_line(exc)}",
                file=spec.file,
                field=f"shared.{name}",
            )
        tables.append(table)
    return shared_statements(spec, queries)


def release_shared(ctx: MeasureContext) -> None:
    """Drop the run's shared tables (an engine may outlive the run, e.g. under the scheduler)."""
    for table in ctx.cache.pop(_TABLES, []):
        ctx.engine.drop(*table)
    ctx.cache.pop(_DONE, None)
