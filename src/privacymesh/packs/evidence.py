"""What the ledger holds for a period: the runs whose reference time (`as_of`) falls in it, their
results, measured values and findings; and, through the read model (`privacymesh.views`), the
latest result of every check carried forward to the period's end and each finding's life across
runs up to then. Pure reads: every row keeps its run id, check id and ledger seq and hash."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from privacymesh.ledger import ChainHead, Ledger
from privacymesh.packs.errors import PackError
from privacymesh.packs.period import Period
from privacymesh.verdict import Status
from privacymesh.views.posture import posture_by_domain, posture_overall, top_risks
from privacymesh.views.recorded import RecordedContext, recorded_context
from privacymesh.views.scope import RUNS as RUNS_SQL
from privacymesh.views.scope import Scope
from privacymesh.views.sources import result_reads
from privacymesh.views.sql import LIVES, latest

TOP_RISKS = 8
"""How many top risks the leadership summary lists."""

# Every run with its reference time (`as_of`) and coverage, as the read model places it.
RUNS = f"""
SELECT run_id, seq AS run_seq, started_at, finished_at, actor, host, code_version,
       catalog_fingerprint, engine, hash AS run_hash, run_at AS as_of, coverage, every_product,
       result_count, pass_count, fail_count, error_count, skipped_count, finding_count
FROM ({RUNS_SQL})
"""


@dataclass(frozen=True)
class PeriodEvidence:
    """The ledger rows behind a pack, as Polars frames (timestamps naive UTC)."""

    runs: pl.DataFrame  # runs in the period, by as_of then seq
    results: pl.DataFrame  # their results (domain-filtered), with the run's as_of
    measurements: pl.DataFrame  # measured values of `results` and `latest`, one row per metric
    findings: pl.DataFrame  # findings of those results
    lifecycle: pl.DataFrame  # one row per finding fingerprint and domain
    latest: pl.DataFrame  # each check's latest result per product, carried to the period's end
    checks: pl.DataFrame  # the check specs the period's runs recorded, newest per check
    scores: pl.DataFrame  # the read model's posture score per domain at the period's end
    top_risks: pl.DataFrame  # the read model's top risks at the period's end
    score: float | None  # the same score over every domain in scope
    head: ChainHead  # the ledger's chain head when the pack was built
    period_head: ChainHead  # the last record of the last run in the period
    records_verified: int
    recorded: RecordedContext | None = None  # products, parties, GX suites the runs recorded
    sources: pl.DataFrame = field(default_factory=pl.DataFrame)  # what each latest result read


def _domain_clause(domains: list[str] | None, column: str) -> str:
    return f"AND list_contains($domains, {column})" if domains else ""


def _params(period: Period, domains: list[str] | None, **extra: object) -> dict[str, object]:
    params: dict[str, object] = {"start": period.start, "end": period.end, **extra}
    if domains:
        params["domains"] = list(domains)
    return params


def read_evidence(
    ledger: Ledger, period: Period, domains: list[str] | None = None
) -> PeriodEvidence:
    """Verify the ledger's chain, then read the period's runs, results, measurements, findings
    and finding lifecycle. A broken chain or a period without runs is a PackError."""
    report = ledger.verify()
    if not report.ok:
        raise PackError(
            f"the ledger's hash chain is broken at {report.first_break}",
            file=ledger.path,
            hint="an audit pack is never built over tampered evidence; "
            "run `privacymesh evidence verify`",
        )
    runs = ledger.sql(
        f"SELECT * FROM ({RUNS}) WHERE as_of >= $start AND as_of < $end ORDER BY as_of, run_seq",
        {"start": period.start, "end": period.end},
    )
    if runs.height == 0:
        span = ledger.sql(f"SELECT min(as_of) AS a, max(as_of) AS b FROM ({RUNS})").row(0)
        covered = f"runs cover {span[0]} to {span[1]}" if span[0] else "the ledger holds no run"
        raise PackError(
            f"no run's reference time falls in {period.describe()}; {covered}",
            file=ledger.path,
            hint="choose another --period, or run `privacymesh run` first",
        )
    params = _params(period, domains)
    in_period = (
        f"(SELECT run_id, as_of, started_at AS run_started_at FROM ({RUNS}) "
        "WHERE as_of >= $start AND as_of < $end)"
    )
    results = ledger.sql(
        f"""
        SELECT r.seq, r.result_id, r.run_id, p.as_of, r.check_id, r.control_id, r.product_id,
               r.domain, r.status, r.severity, r.population, r.exceptions,
               CAST(r.measured AS VARCHAR) AS measured, CAST(r.threshold AS VARCHAR) AS threshold,
               r.reason, r.query, r.hash,
               coalesce(r.started_at, p.run_started_at) AS read_at
        FROM results r JOIN {in_period} p USING (run_id)
        WHERE true {_domain_clause(domains, "r.domain")}
        ORDER BY p.as_of, r.seq
        """,
        params,
    )
    scope = Scope(until=period.end, domains=tuple(domains or ()))
    # the period's measured values, and those of latest results carried in from before it
    query = f"""
        WITH {scope.state_tables()}, {latest()}
        SELECT r.seq, r.result_id, r.run_id, r.run_at AS as_of, r.check_id, r.product_id,
               r.domain, j.key AS metric,
               CASE WHEN json_type(j.value) <> 'VARCHAR' THEN TRY_CAST(j.value AS DOUBLE) END
                   AS value,
               CASE WHEN json_type(j.value) = 'VARCHAR' THEN j.value ->> '$' END AS text
        FROM results r, json_each(r.measured) j
        WHERE r.run_at >= $start OR r.result_id IN (SELECT result_id FROM latest)
        ORDER BY r.run_at, r.seq, j.key
    """
    measurements = ledger.sql(query, scope.params(query, start=period.start))
    findings = ledger.sql(
        f"""
        SELECT f.seq, f.finding_id, f.result_id, f.run_id, p.as_of, f.check_id, f.product_id,
               r.domain, f.column_name, f.kind, f.severity, CAST(f.detail AS VARCHAR) AS detail,
               f.fingerprint, f.hash
        FROM findings f JOIN results r USING (result_id) JOIN {in_period} p ON p.run_id = f.run_id
        WHERE true {_domain_clause(domains, "r.domain")}
        ORDER BY p.as_of, f.seq
        """,
        params,
    )
    query = f"""
        WITH {scope.state_tables()}, {LIVES}
        SELECT * EXCLUDE (latest_detail), CAST(latest_detail AS VARCHAR) AS latest_detail
        FROM lives
        WHERE last_seen_at >= $start OR remediated_at IS NULL OR remediated_at >= $start
        ORDER BY first_seen_at, check_id, product_id NULLS FIRST, domain NULLS FIRST,
                 column_name NULLS FIRST, fingerprint
    """
    lifecycle = ledger.sql(query, scope.params(query, start=period.start))
    query = f"""
        WITH {scope.state_tables()}, {latest()}
        SELECT r.seq, r.result_id, r.run_id, l.run_at AS as_of, r.check_id, r.control_id,
               r.product_id, r.domain, r.status, r.severity, r.population, r.exceptions,
               CAST(r.measured AS VARCHAR) AS measured, CAST(r.threshold AS VARCHAR) AS threshold,
               r.reason, r.query, r.hash,
               coalesce(r.started_at, u.started_at) AS read_at
        FROM latest l JOIN main.results r USING (result_id)
        LEFT JOIN main.runs u ON u.run_id = r.run_id
        ORDER BY r.check_id, r.domain NULLS FIRST, r.product_id NULLS FIRST, r.seq
    """
    latest_rows = ledger.sql(query, scope.params(query))
    query = f"""
        WITH {scope.state_tables()}
        SELECT j.value ->> '$.id' AS check_id, CAST(j.value AS VARCHAR) AS spec, c.run_id,
               c.checks_hash, u.run_at AS recorded_at
        FROM runs u JOIN run_context c USING (run_id), json_each(c.checks) j
        QUALIFY row_number() OVER (PARTITION BY check_id ORDER BY u.run_at DESC, u.seq DESC) = 1
        ORDER BY check_id
    """
    checks = ledger.sql(query, scope.params(query))
    last = runs.row(-1, named=True)
    period_head = _run_head(ledger, last["run_id"])
    return PeriodEvidence(
        runs=runs,
        results=results,
        measurements=measurements,
        findings=findings,
        lifecycle=lifecycle,
        latest=latest_rows,
        checks=checks,
        scores=posture_by_domain(ledger, scope).select("domain", "score"),
        score=posture_overall(ledger, scope)["score"].item(),
        top_risks=top_risks(ledger, scope, limit=TOP_RISKS),
        head=ledger.chain_head(),
        period_head=period_head,
        records_verified=report.records_checked,
        recorded=recorded_context(ledger, scope),
        sources=result_reads(ledger, scope),
    )


def _run_head(ledger: Ledger, run_id: str) -> ChainHead:
    """The last chained record a run wrote (its last finding, result, or the run itself)."""
    row = ledger.sql(
        """
        SELECT seq, hash, tbl, id FROM (
            SELECT seq, hash, 'runs' AS tbl, run_id AS id FROM runs WHERE run_id = $run
            UNION ALL SELECT seq, hash, 'results', result_id FROM results WHERE run_id = $run
            UNION ALL SELECT seq, hash, 'findings', finding_id FROM findings WHERE run_id = $run
        ) ORDER BY seq DESC LIMIT 1
        """,
        {"run": run_id},
    ).row(0)
    return ChainHead(seq=row[0], hash=row[1], table=row[2], record_id=row[3])


def worst_status(status: pl.Expr) -> pl.Expr:
    """A group's status, as a Polars aggregation: error if any result erred, else fail if any
    failed, else pass if any passed, else skipped."""
    return (
        pl.when(status.eq(Status.ERROR).any())
        .then(pl.lit(Status.ERROR))
        .when(status.eq(Status.FAIL).any())
        .then(pl.lit(Status.FAIL))
        .when(status.eq(Status.PASS).any())
        .then(pl.lit(Status.PASS))
        .otherwise(pl.lit(Status.SKIPPED))
    )
