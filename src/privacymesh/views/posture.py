"""Compliance posture per domain: a score, its trend over runs, open findings, top risks."""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from privacymesh.ledger import Ledger
from privacymesh.views.scope import Scope
from privacymesh.views.sql import LIVES, SEVERITY_RANK, SEVERITY_WEIGHTS, WEIGHT, latest

SCORE_DEFINITION = (
    "**Posture score** (0-100): the severity-weighted share of passing checks. For each "
    "domain, take the latest result of every check on every product (as of the end of the "
    "period); score = 100 × Σ weight of passing results / Σ weight of all results, with "
    + ", ".join(f"{name} {w}" for name, w in SEVERITY_WEIGHTS.items())
    + ". A check that could not run (error) counts as not passing (fail closed); skipped "
    "checks are left out. 100 means every check passes."
)

TREND_MAX_POINTS = 400
"""Past this many days of runs the trend is drawn per week instead of per day."""

_SCORE_COLUMNS = f"""
    round(100.0 * coalesce(sum({WEIGHT.format(col="severity")}) FILTER (WHERE status = 'pass'), 0)
          / sum({WEIGHT.format(col="severity")}), 1) AS score,
    count(*) AS checks,
    count(*) FILTER (WHERE status = 'pass') AS passing,
    count(*) FILTER (WHERE status = 'fail') AS failing,
    count(*) FILTER (WHERE status = 'error') AS errors"""


def posture_by_domain(ledger: Ledger, scope: Scope) -> pl.DataFrame:
    """One row per domain: score, checks counted, passing / failing / error, last checked."""
    query = f"""
        WITH {scope.state_tables()}, {latest()}
        SELECT domain_label AS domain, {_SCORE_COLUMNS},
               CAST(coalesce(sum(exceptions) FILTER (WHERE status = 'fail'), 0) AS BIGINT)
                   AS exceptions,
               max(run_at) AS last_checked
        FROM latest GROUP BY domain_label ORDER BY score, domain_label
    """
    return ledger.sql(query, scope.params(query))


def posture_overall(ledger: Ledger, scope: Scope) -> pl.DataFrame:
    """The same score over every domain in scope, as one row."""
    query = f"""
        WITH {scope.state_tables()}, {latest()}
        SELECT {_SCORE_COLUMNS} FROM latest
    """
    return ledger.sql(query, scope.params(query))


def posture_trend(ledger: Ledger, scope: Scope) -> pl.DataFrame:
    """The score per domain at the end of every day (or week) with a full run in the period
    (one that covered every check on every product; partial runs still update the state they
    carry, but never make a point): the latest result of each check as known then (`point`,
    `domain`, `score`, `checks`, ...)."""
    bounds = f"WITH {scope.state_tables()} SELECT min(run_at), max(run_at) FROM runs WHERE "
    bounds += scope.period_clause() + " AND coverage = 'full'"
    lo, hi = ledger.sql(bounds, scope.params(bounds)).row(0)
    if lo is None:
        return pl.DataFrame(
            schema={"point": pl.Datetime("us"), "domain": pl.String, "score": pl.Float64}
        )
    unit = "day" if (hi - lo) <= timedelta(days=TREND_MAX_POINTS) else "week"
    query = f"""
        WITH {scope.state_tables()},
        r AS (
            SELECT check_id, coalesce(product_id, '') AS product_key,
                   coalesce(domain, '(mesh)') AS domain, status, severity, run_at, run_seq
            FROM results WHERE status <> 'skipped'
        ),
        newest AS (     -- one run per key and reference time: the last recorded
            SELECT check_id, product_key, domain, run_at, max(run_seq) AS run_seq
            FROM r GROUP BY ALL
        ),
        keys AS (SELECT DISTINCT check_id, product_key, domain FROM newest),
        points AS (
            SELECT DISTINCT date_trunc('{unit}', run_at) AS point FROM runs
            WHERE {scope.period_clause()} AND coverage = 'full'
        ),
        grid AS (
            SELECT p.point, p.point + INTERVAL 1 {unit} AS cutoff, k.*
            FROM points p CROSS JOIN keys k
        ),
        known AS (      -- for each point and key, the newest run before the point's end
            SELECT g.point, n.check_id, n.product_key, n.domain, n.run_seq
            FROM grid g ASOF JOIN newest n
              ON g.check_id = n.check_id AND g.product_key = n.product_key
             AND g.domain = n.domain AND g.cutoff > n.run_at
        ),
        state AS (
            SELECT k.point, r.domain, r.status, r.severity
            FROM known k JOIN r USING (check_id, product_key, domain, run_seq)
        )
        SELECT point, domain, {_SCORE_COLUMNS}
        FROM state GROUP BY point, domain ORDER BY point, domain
    """
    return ledger.sql(query, scope.params(query))


def open_findings_by_severity(ledger: Ledger, scope: Scope) -> pl.DataFrame:
    """Open findings (not cleared by a later run) at the end of the period, per domain and
    severity, most severe first."""
    query = f"""
        WITH {scope.state_tables()}, {LIVES}
        SELECT * FROM (
            SELECT coalesce(domain, '(mesh)') AS domain,
                   coalesce(severity, 'unknown') AS severity, count(*) AS findings
            FROM lives WHERE state = 'open' GROUP BY ALL
        ) t
        ORDER BY {SEVERITY_RANK.format(col="t.severity")}, t.domain
    """
    return ledger.sql(query, scope.params(query))


def top_risks(ledger: Ledger, scope: Scope, days: int = 7, limit: int = 10) -> pl.DataFrame:
    """The worst failing or unrunnable checks seen in the last `days` of the period: by
    severity, then by exceptions. One row per check and product (or domain)."""
    query = f"""
        WITH {scope.state_tables()}, {latest()},
        recent AS (
            SELECT * FROM latest
            WHERE status IN ('fail', 'error')
              AND run_at >= (SELECT max(run_at) FROM runs) - INTERVAL {int(days)} DAY
        ),
        open_findings AS (
            SELECT result_id, count(*) AS findings FROM findings GROUP BY result_id
        )
        SELECT r.severity, r.check_id, r.domain_label AS domain, r.product_id, r.status,
               r.exceptions, r.population, coalesce(f.findings, 0) AS findings, r.reason,
               r.run_at AS last_checked, r.control_id
        FROM recent r LEFT JOIN open_findings f USING (result_id)
        ORDER BY {SEVERITY_RANK.format(col="r.severity")}, r.status = 'error',
                 r.exceptions DESC NULLS LAST, r.check_id, r.product_id
        LIMIT {int(limit)}
    """
    return ledger.sql(query, scope.params(query))
