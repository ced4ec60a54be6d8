"""What the ledger holds for a period: the runs whose reference time (`as_of`) falls in it, their
results, measured values and findings, and each finding's life across runs up to the period's
end. Pure reads: every row keeps its run id, check id and ledger seq and hash."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from privacymesh.ledger import ChainHead, Ledger
from privacymesh.packs.errors import PackError
from privacymesh.packs.period import Period

# Every run with its reference time: the `as_of` it measured against (recorded in its options),
# or its start when it recorded none.
RUNS = """
SELECT run_id, seq AS run_seq, started_at, finished_at, actor, host, code_version,
       catalog_fingerprint, engine, hash AS run_hash,
       coalesce(TRY_CAST(json_extract_string(options, '$.as_of') AS TIMESTAMP), started_at)
           AS as_of,
       result_count, pass_count, fail_count, error_count, skipped_count, finding_count
FROM runs
"""


@dataclass(frozen=True)
class PeriodEvidence:
    """The ledger rows behind a pack, as Polars frames (timestamps naive UTC)."""

    runs: pl.DataFrame  # runs in the period, by as_of then seq
    results: pl.DataFrame  # their results (domain-filtered), with the run's as_of
    measurements: pl.DataFrame  # measured values, one row per result and metric
    findings: pl.DataFrame  # findings of those results
    lifecycle: pl.DataFrame  # one row per finding fingerprint and domain
    head: ChainHead  # the ledger's chain head when the pack was built
    period_head: ChainHead  # the last record of the last run in the period
    records_verified: int

    @property
    def latest(self) -> pl.DataFrame:
        """The newest result in the period of each check on each product (and domain)."""
        return latest_results(self.results)


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
    measurements = ledger.sql(
        f"""
        SELECT r.seq, r.result_id, r.run_id, p.as_of, r.check_id, r.product_id, r.domain,
               j.key AS metric,
               CASE WHEN json_type(j.value) <> 'VARCHAR' THEN TRY_CAST(j.value AS DOUBLE) END
                   AS value,
               CASE WHEN json_type(j.value) = 'VARCHAR' THEN j.value ->> '$' END AS text
        FROM results r JOIN {in_period} p USING (run_id), json_each(r.measured) j
        WHERE true {_domain_clause(domains, "r.domain")}
        ORDER BY p.as_of, r.seq, j.key
        """,
        params,
    )
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
    lifecycle = ledger.sql(_lifecycle_sql(domains), params)
    last = runs.row(-1, named=True)
    period_head = _run_head(ledger, last["run_id"])
    return PeriodEvidence(
        runs=runs,
        results=results,
        measurements=measurements,
        findings=findings,
        lifecycle=lifecycle,
        head=ledger.chain_head(),
        period_head=period_head,
        records_verified=report.records_checked,
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


def _lifecycle_sql(domains: list[str] | None) -> str:
    """Each finding (fingerprint and domain) across every run up to the period's end: first and
    last seen, runs seen, its newest detail, and whether a later conclusive result (pass or
    fail) of the same check on the same product and domain no longer had it. Kept when it was
    seen in the period or was still open at the period's start."""
    return f"""
    WITH upto AS (SELECT run_id, as_of FROM ({RUNS}) WHERE as_of < $end),
    res AS (
        SELECT r.result_id, r.run_id, r.check_id, r.product_id, r.domain, r.status, u.as_of,
               row_number() OVER (ORDER BY u.as_of, r.seq) AS ord
        FROM results r JOIN upto u USING (run_id)
        WHERE true {_domain_clause(domains, "r.domain")}
    ),
    seen AS (
        SELECT f.fingerprint, f.check_id, f.product_id, res.domain, f.column_name, f.kind,
               f.severity, CAST(f.detail AS VARCHAR) AS detail, f.finding_id, f.run_id,
               res.as_of, res.ord
        FROM findings f JOIN res USING (result_id)
    ),
    life AS (
        SELECT fingerprint, domain,
               any_value(check_id) AS check_id,
               any_value(product_id) AS product_id,
               any_value(column_name) AS column_name,
               any_value(kind) AS kind,
               arg_max(severity, ord) AS severity,
               arg_min(run_id, ord) AS first_seen_run,
               min(as_of) AS first_seen_at,
               arg_max(run_id, ord) AS last_seen_run,
               max(as_of) AS last_seen_at,
               count(DISTINCT run_id) AS runs_seen,
               arg_max(finding_id, ord) AS latest_finding_id,
               arg_max(detail, ord) AS latest_detail,
               max(ord) AS last_ord
        FROM seen GROUP BY fingerprint, domain
    ),
    fixed AS (
        SELECT l.fingerprint, l.domain,
               arg_min(c.run_id, c.ord) AS remediated_run,
               min(c.as_of) AS remediated_at
        FROM life l JOIN res c
          ON c.check_id = l.check_id
         AND c.product_id IS NOT DISTINCT FROM l.product_id
         AND c.domain IS NOT DISTINCT FROM l.domain
         AND c.ord > l.last_ord
         AND c.status IN ('pass', 'fail')
        GROUP BY l.fingerprint, l.domain
    )
    SELECT l.* EXCLUDE (last_ord),
           CASE WHEN x.remediated_run IS NULL THEN 'open' ELSE 'remediated' END AS state,
           x.remediated_run, x.remediated_at
    FROM life l LEFT JOIN fixed x
      ON x.fingerprint = l.fingerprint AND x.domain IS NOT DISTINCT FROM l.domain
    WHERE l.last_seen_at >= $start OR x.remediated_at IS NULL OR x.remediated_at >= $start
    ORDER BY l.first_seen_at, l.check_id, l.product_id NULLS FIRST, l.domain NULLS FIRST,
             l.column_name NULLS FIRST, l.fingerprint
    """


def latest_results(results: pl.DataFrame) -> pl.DataFrame:
    """The newest result (by as_of, then ledger seq) of each check, product and domain."""
    return (
        results.sort(["as_of", "seq"])
        .group_by(["check_id", "product_id", "domain"], maintain_order=True)
        .last()
        .sort(["check_id", "domain", "product_id"], nulls_last=False)
    )


def worst_status(status: pl.Expr) -> pl.Expr:
    """A group's status, as a Polars aggregation: error if any result erred, else fail if any
    failed, else pass if any passed, else skipped."""
    return (
        pl.when(status.eq("error").any())
        .then(pl.lit("error"))
        .when(status.eq("fail").any())
        .then(pl.lit("fail"))
        .when(status.eq("pass").any())
        .then(pl.lit("pass"))
        .otherwise(pl.lit("skipped"))
    )
