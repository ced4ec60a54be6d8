"""A check whose SQL has no Spark translation (an ASOF join) carries a `spark_sql` form written
with a window function. Spark runs that form; DuckDB runs the ASOF form; both give the same
results, and DuckDB running the window form agrees too. Without the form, Spark fails closed."""

from __future__ import annotations

from pathlib import Path

from spark_support import write_workspace

from privacymesh.runner import run_checks
from privacymesh.workspace import load_workspace

HEAD = """\
title: Processing under a withdrawn consent (ASOF form)
control: {{id: PM-TEST-01, statement: Processing stops once consent is withdrawn.}}
regulations: ["GDPR Art. 7(3)"]
severity: high
schedule: "0 4 * * *"
procedure: Match every processing event with the consent event in force when it happened.
scope: mesh
metric: exceptions
threshold: {{max: 0}}
id: {id}
"""
ASOF = """\
  WITH matched AS (
    SELECT p.domain, c.action
    FROM platform.processing_log p
    ASOF LEFT JOIN platform.consent_events c
      ON p.user_id = c.user_id AND p.purpose = c.purpose AND p.processed_at >= c.event_time
    WHERE p.processed_at <= {{ as_of }}
  )
  SELECT domain, count(*) AS population, count(*) FILTER (WHERE action = 'withdraw') AS exceptions
  FROM matched GROUP BY domain ORDER BY domain
"""
# the latest consent event at or before each processing event: events sort before processing
# at the same instant (the ASOF condition is >=), and the last non-NULL action carries forward
WINDOW = """\
  WITH timeline AS (
    SELECT user_id, purpose, processed_at AS moment, 1 AS tie, domain,
           CAST(NULL AS VARCHAR) AS action
    FROM platform.processing_log
    WHERE processed_at <= {{ as_of }}
    UNION ALL
    SELECT user_id, purpose, event_time, 0, NULL, action
    FROM platform.consent_events
  ),
  matched AS (
    SELECT domain, tie,
           last_value(action IGNORE NULLS) OVER (
             PARTITION BY user_id, purpose ORDER BY moment, tie
             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS in_force
    FROM timeline
  )
  SELECT domain, count(*) AS population, count(*) FILTER (WHERE in_force = 'withdraw') AS exceptions
  FROM matched WHERE tie = 1 GROUP BY domain ORDER BY domain
"""


def write_checks(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "asof.with_form.yaml").write_text(
        HEAD.format(id="asof.with_form") + "sql: |\n" + ASOF + "spark_sql: |\n" + WINDOW
    )
    (folder / "asof.without_form.yaml").write_text(
        HEAD.format(id="asof.without_form") + "sql: |\n" + ASOF
    )
    (folder / "asof.window_on_duckdb.yaml").write_text(
        HEAD.format(id="asof.window_on_duckdb") + "sql: |\n" + WINDOW
    )
    return folder


def by_domain(outcome, check: str) -> dict:  # type: ignore[no-untyped-def]
    return {
        r.domain: (r.status, r.population, r.exceptions)
        for r in outcome.results
        if r.check_id == check
    }


def test_spark_runs_the_window_form(mesh: Path, tmp_path: Path) -> None:
    checks = write_checks(tmp_path / "checks")
    duck = run_checks(
        load_workspace(write_workspace(tmp_path / "duck", mesh, "duckdb", checks)), record=False
    )
    spark = run_checks(
        load_workspace(write_workspace(tmp_path / "spark", mesh, "spark", checks)), record=False
    )
    asof = by_domain(duck, "asof.with_form")
    assert len(asof) == 6 and sum(e for _, _, e in asof.values()) > 0
    assert by_domain(spark, "asof.with_form") == asof
    assert by_domain(duck, "asof.window_on_duckdb") == asof
    # the spark_sql form is what ran on Spark
    (with_form,) = [r for r in spark.results if r.check_id == "asof.with_form"][:1]
    assert "last_value" in with_form.query and "ASOF" not in with_form.query
    # no Spark form, no translation: an error result with the reason, never a pass
    (failed,) = [r for r in spark.results if r.check_id == "asof.without_form"]
    assert failed.status == "error" and "ASOF JOIN has no Spark translation" in (
        failed.reason or ""
    )
