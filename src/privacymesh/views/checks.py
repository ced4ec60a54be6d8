"""Any family of checks, by id prefix (`consent.`, `dsar.`, ...): latest results, measured
values, their trend over runs and the family's findings. Pages for check families that grow
over time are written over these, not over fixed check ids or metric names."""

from __future__ import annotations

import polars as pl

from privacymesh.ledger import Ledger
from privacymesh.views.scope import Scope
from privacymesh.views.sql import LIVES, SEVERITY_RANK, latest


def family_prefix(prefix: str) -> str:
    """`consent` and `consent.` both mean the checks `consent.*`."""
    return prefix if prefix.endswith(".") else prefix + "."


def latest_results(ledger: Ledger, prefix: str, scope: Scope) -> pl.DataFrame:
    """The latest result of every check of the family on every product or domain, as of the
    end of the period: status, exceptions, population, measured values (JSON text), reason."""
    query = f"""
        WITH {scope.state_tables()}, {latest(prefix_param=True)}
        SELECT check_id, domain_label AS domain, product_id, status, severity, exceptions,
               population, CAST(measured AS VARCHAR) AS measured, reason, control_id,
               run_id, run_at, result_id
        FROM latest
        ORDER BY check_id, domain_label, product_id NULLS FIRST, seq
    """
    return ledger.sql(query, scope.params(query, prefix=family_prefix(prefix)))


def latest_measurements(ledger: Ledger, prefix: str, scope: Scope) -> pl.DataFrame:
    """The family's latest measured values in long form: one row per result and metric,
    `value` for numbers (booleans as 1/0), `text` for strings."""
    query = f"""
        WITH {scope.state_tables()}, {latest(prefix_param=True)}
        SELECT l.check_id, l.domain_label AS domain, l.product_id, l.status, l.result_id,
               j.key AS metric,
               CASE WHEN json_type(j.value) <> 'VARCHAR' THEN TRY_CAST(j.value AS DOUBLE) END
                   AS value,
               CASE WHEN json_type(j.value) = 'VARCHAR' THEN j.value ->> '$' END AS text,
               l.run_at
        FROM latest l, json_each(l.measured) j
        ORDER BY l.check_id, l.domain_label, l.product_id NULLS FIRST, l.seq, j.key
    """
    return ledger.sql(query, scope.params(query, prefix=family_prefix(prefix)))


def metric_trend(ledger: Ledger, check_id: str, metric: str, scope: Scope) -> pl.DataFrame:
    """One measured value of one check over the runs of the period: per day, domain and
    product, the value of the day's newest run that read every product for the check
    (`coverage` full), else of the day's newest partial run (`coverage` partial, for the
    chart to mark): `day`, `domain`, `product_id`, `value`, `run_at`, `coverage`.
    `metric` may be `exceptions` or `population` too (the result's own columns)."""
    own = metric in ("exceptions", "population")
    if own:
        value, source = f"CAST(r.{metric} AS DOUBLE)", "results r"
    else:
        value = "CASE WHEN json_type(j.value) <> 'VARCHAR' THEN TRY_CAST(j.value AS DOUBLE) END"
        source = "results r, json_each(r.measured) j"
    where = ["r.check_id = $check", "r.status <> 'skipped'", scope.period_clause("r.run_at")]
    if not own:
        where.append("j.key = $metric")
    # full before partial, then the newest: the point a day shows
    rank = "(r.check_coverage = 'full', r.run_at, r.seq)"
    query = f"""
        WITH {scope.state_tables()}
        SELECT date_trunc('day', r.run_at) AS day, coalesce(r.domain, '(mesh)') AS domain,
               r.product_id, arg_max({value}, {rank}) AS value,
               arg_max(r.run_at, {rank}) AS run_at,
               arg_max(r.check_coverage, {rank}) AS coverage
        FROM {source}
        WHERE {" AND ".join(where)}
        GROUP BY ALL
        ORDER BY day, domain, r.product_id NULLS FIRST
    """
    return ledger.sql(query, scope.params(query, check=check_id, metric=metric))


def family_findings(
    ledger: Ledger, prefix: str, scope: Scope, *, open_only: bool = True, limit: int = 500
) -> pl.DataFrame:
    """The family's findings as of the end of the period (open ones by default), most severe
    first, with their latest detail (masked samples and counts only) as JSON text."""
    state = "AND state = 'open'" if open_only else ""
    query = f"""
        WITH {scope.state_tables()}, {LIVES}
        SELECT severity, check_id, coalesce(domain, '(mesh)') AS domain, product_id,
               column_name, kind, state, first_seen_at, last_seen_at, runs_seen,
               CAST(latest_detail AS VARCHAR) AS detail, fingerprint
        FROM lives
        WHERE starts_with(check_id, $prefix) {state}
        ORDER BY {SEVERITY_RANK.format(col="severity")}, check_id, domain, product_id,
                 column_name
        LIMIT {int(limit)}
    """
    return ledger.sql(query, scope.params(query, prefix=family_prefix(prefix)))


def status_matrix(ledger: Ledger, prefix: str, scope: Scope) -> pl.DataFrame:
    """Per domain and check of the family: results passing, failing and in error (latest)."""
    query = f"""
        WITH {scope.state_tables()}, {latest(prefix_param=True)}
        SELECT domain_label AS domain, check_id,
               count(*) FILTER (WHERE status = 'pass') AS passing,
               count(*) FILTER (WHERE status = 'fail') AS failing,
               count(*) FILTER (WHERE status = 'error') AS errors,
               CAST(coalesce(sum(exceptions), 0) AS BIGINT) AS exceptions
        FROM latest GROUP BY ALL ORDER BY domain, check_id
    """
    return ledger.sql(query, scope.params(query, prefix=family_prefix(prefix)))


def family_domains(ledger: Ledger, prefix: str) -> list[str]:
    """Domains with at least one result of the family, in the whole ledger."""
    query = """SELECT DISTINCT coalesce(domain, '(mesh)') AS domain FROM main.results
               WHERE starts_with(check_id, $prefix) ORDER BY 1"""
    return ledger.sql(query, {"prefix": family_prefix(prefix)})["domain"].to_list()
