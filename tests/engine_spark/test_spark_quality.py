"""A contract's own quality rules give the same verdicts on Spark as on DuckDB: library rules
and SQL rules (`${object}` and the table's own name), rule by rule, over the sample mesh."""

from __future__ import annotations

from pathlib import Path

from privacymesh.runner import run_checks
from privacymesh.workspace import load_workspace


def verdicts(workspace: Path) -> dict[str, tuple[str, int, list[tuple[str, object]]]]:
    outcome = run_checks(load_workspace(workspace), ["contract.quality"], record=False)
    return {
        r.product or "": (
            r.status,
            r.values["rules_run"],
            sorted((f.detail["rule"], f.detail.get("observed")) for f in r.findings),
        )
        for r in outcome.results
    }


def test_quality_rules_agree_on_both_engines(spark_workspace: Path, duckdb_workspace: Path) -> None:
    duck, spark = verdicts(duckdb_workspace), verdicts(spark_workspace)
    assert len(duck) == 9
    assert spark == duck
    status, _, failed = duck["logistics.shipments"]
    assert status == "fail"
    assert [rule for rule, _ in failed] == ["schema[0].properties[6].quality[0]"]
    assert all(s == "pass" for p, (s, _, _) in duck.items() if p != "logistics.shipments")
