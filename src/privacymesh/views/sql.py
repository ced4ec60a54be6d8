"""SQL shared by the views: severity weights, the latest state of every check, finding lives.

Every query here runs after `Scope.state_tables()`, so `runs`, `results` and `findings` are
already bounded to the scope and carry `run_at` (the run's reference time) and `run_seq`."""

from __future__ import annotations

from privacymesh.verdict import MOST_SEVERE_FIRST

SEVERITY_WEIGHTS: dict[str, int] = {s.value: s.weight for s in MOST_SEVERE_FIRST}
"""How much a check counts in the posture score, by its severity (unknown counts as low)."""

SEVERITY_ORDER: tuple[str, ...] = tuple(s.value for s in MOST_SEVERE_FIRST)

WEIGHT = (
    "CASE lower(coalesce({col}, '')) "
    + " ".join(f"WHEN '{name}' THEN {w}" for name, w in SEVERITY_WEIGHTS.items())
    + " ELSE 1 END"
)
"""Severity weight of a column, as SQL: `WEIGHT.format(col="r.severity")`."""

SEVERITY_RANK = (
    "CASE lower(coalesce({col}, '')) "
    + " ".join(f"WHEN '{name}' THEN {i}" for i, name in enumerate(SEVERITY_ORDER))
    + f" ELSE {len(SEVERITY_ORDER)} END"
)
"""0 for critical ... 3 for low, 4 unknown: `SEVERITY_RANK.format(col="severity")`."""

_LATEST = """latest AS (
    SELECT r.*, coalesce(r.domain, '(mesh)') AS domain_label
    FROM results r
    WHERE r.status <> 'skipped' {filter}
    QUALIFY dense_rank() OVER (
        PARTITION BY r.check_id, coalesce(r.product_id, ''), coalesce(r.domain, '')
        ORDER BY r.run_at DESC, r.run_seq DESC) = 1
)"""


def latest(prefix_param: bool = False) -> str:
    """CTE `latest`: for every check, product and domain, the results of the newest run (by
    reference time, then recording order) that produced one; all of them, as a mesh check may
    give several rows per domain. Skipped results prove nothing and are left out. With
    `prefix_param`, only check ids starting with `$prefix`."""
    return _LATEST.format(filter="AND starts_with(r.check_id, $prefix)" if prefix_param else "")


LIVES = """life_results AS (
    SELECT result_id, run_id, check_id, product_id, domain, status, run_at,
           row_number() OVER (ORDER BY run_at, seq) AS ord
    FROM results
),
life_seen AS (
    SELECT f.fingerprint, f.check_id, f.product_id, f.column_name, f.kind, f.severity,
           f.detail, f.finding_id, f.run_id, r.domain, r.run_at, r.ord
    FROM findings f JOIN life_results r USING (result_id)
),
life_rows AS (
    SELECT fingerprint, domain,
           any_value(check_id) AS check_id,
           any_value(product_id) AS product_id,
           any_value(column_name) AS column_name,
           any_value(kind) AS kind,
           arg_max(severity, ord) AS severity,
           arg_min(run_id, ord) AS first_seen_run,
           min(run_at) AS first_seen_at,
           arg_max(run_id, ord) AS last_seen_run,
           max(run_at) AS last_seen_at,
           count(DISTINCT run_id) AS runs_seen,
           arg_max(finding_id, ord) AS latest_finding_id,
           arg_max(detail, ord) AS latest_detail,
           max(ord) AS last_ord
    FROM life_seen GROUP BY fingerprint, domain
),
life_fixed AS (
    SELECT l.fingerprint, l.domain, arg_min(c.run_id, c.ord) AS remediated_run,
           min(c.run_at) AS remediated_at
    FROM life_rows l JOIN life_results c
      ON c.check_id = l.check_id
     AND c.product_id IS NOT DISTINCT FROM l.product_id
     AND c.domain IS NOT DISTINCT FROM l.domain
     AND c.ord > l.last_ord
     AND c.status IN ('pass', 'fail')
    GROUP BY l.fingerprint, l.domain
),
life_decided AS (
    SELECT fingerprint, arg_max(decision, seq) AS decision,
           arg_max(reason, seq) AS decision_reason, arg_max(until, seq) AS accepted_until,
           arg_max(actor, seq) AS decided_by, max(decided_at) AS decided_at
    FROM finding_decisions GROUP BY fingerprint
),
lives AS (
    SELECT l.* EXCLUDE (last_ord),
           CASE WHEN x.remediated_at IS NOT NULL THEN 'remediated'
                WHEN d.decision = 'accept'
                 AND coalesce(d.accepted_until >= (SELECT max(run_at) FROM runs), true)
                THEN 'accepted'
                ELSE 'open' END AS state,
           x.remediated_run, x.remediated_at,
           CASE WHEN d.decision = 'accept' THEN d.decision_reason END AS accepted_reason,
           CASE WHEN d.decision = 'accept' THEN d.accepted_until END AS accepted_until,
           d.decision, d.decided_by, d.decided_at
    FROM life_rows l LEFT JOIN life_fixed x
      ON x.fingerprint = l.fingerprint AND x.domain IS NOT DISTINCT FROM l.domain
    LEFT JOIN life_decided d ON d.fingerprint = l.fingerprint
)"""
"""CTEs ending in `lives`: every finding (by fingerprint and domain) as of the scope's end:
first and last seen, runs seen, its newest detail, and `state`: remediated (a later
conclusive result of the same check, product and domain no longer had it; an error result
proves nothing, so it never remediates), accepted (the newest decision on it accepts it, with a
recorded reason, until a day not yet passed at the newest reference time) or open. A reopen
decision, or an acceptance past its day, leaves it open."""
