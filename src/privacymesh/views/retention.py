"""Retention: rows kept past their declared period, per product and over time, and products
holding personal data without a retention policy."""

from __future__ import annotations

import polars as pl

from privacymesh.ledger import Ledger
from privacymesh.views.checks import metric_trend
from privacymesh.views.scope import Scope
from privacymesh.views.sql import LIVES, latest

EXPIRED_CHECK = "retention.expired_rows"
POLICY_CHECK = "retention.missing_policy"


def expired_rows_latest(ledger: Ledger, scope: Scope) -> pl.DataFrame:
    """Per product, the latest count of rows past retention, the oldest row's age, the
    declared period and the rows checked."""
    query = f"""
        WITH {scope.state_tables()}, {latest()}
        SELECT domain_label AS domain, product_id, status, exceptions AS expired_rows,
               population AS rows_checked,
               TRY_CAST(measured ->> '$.retention_days' AS BIGINT) AS retention_days,
               TRY_CAST(measured ->> '$.oldest_age_days' AS BIGINT) AS oldest_age_days,
               reason, run_at AS last_checked
        FROM latest WHERE check_id = $check
        ORDER BY expired_rows DESC NULLS LAST, product_id
    """
    return ledger.sql(query, scope.params(query, check=EXPIRED_CHECK))


def expired_rows_trend(ledger: Ledger, scope: Scope) -> pl.DataFrame:
    """Rows past retention per product, per day of the period (the day's last run)."""
    return metric_trend(ledger, EXPIRED_CHECK, "exceptions", scope).rename(
        {"value": "expired_rows"}
    )


def products_without_policy(ledger: Ledger, scope: Scope) -> pl.DataFrame:
    """Products holding personal data whose contract declares no retention (latest result
    failing), with the personal categories the finding names and since when it is open."""
    query = f"""
        WITH {scope.state_tables()}, {latest()}, {LIVES}
        SELECT l.domain_label AS domain, l.product_id, l.status, l.reason,
               array_to_string(
                   from_json(f.latest_detail -> '$.categories', '["VARCHAR"]'), ', ')
                   AS personal_categories,
               f.first_seen_at, f.runs_seen, l.run_at AS last_checked
        FROM latest l
        LEFT JOIN lives f
          ON f.check_id = l.check_id AND f.product_id IS NOT DISTINCT FROM l.product_id
         AND f.domain IS NOT DISTINCT FROM l.domain AND f.state = 'open'
        WHERE l.check_id = $check AND l.status IN ('fail', 'error')
        ORDER BY l.domain_label, l.product_id
    """
    return ledger.sql(query, scope.params(query, check=POLICY_CHECK))
