"""A PostgreSQL source that refuses the credentials, lost its table or stops during a run: the
products it serves get `error` results naming the source and the reason, the other products
are still checked, and the run is recorded."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from postgres_server import PASSWORD_ENV

from privacymesh.runner.run import run_checks
from privacymesh.workspace import load_workspace

CHECKS = ["retention.expired_rows", "contract.conformance", "pii.undeclared"]


def _results(outcome, product: str) -> list:
    return [r for r in outcome.results if r.product == product]


def _recorded(workspace) -> int:
    con = duckdb.connect(str(workspace.ledger_path), read_only=True)
    try:
        return con.sql("SELECT count(*) FROM results").fetchall()[0][0]
    finally:
        con.close()


def _assert_others_checked(outcome) -> None:
    totals = _results(outcome, "shop.order_totals")
    assert totals and all(r.status != "error" for r in totals)


def test_wrong_credentials(pg_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "not-the-password")
    workspace = load_workspace(pg_workspace)
    outcome = run_checks(workspace, CHECKS)
    orders = _results(outcome, "shop.orders")
    assert orders and {r.status for r in orders} == {"error"}
    for r in orders:
        assert "source 'shop_pg' (postgres)" in r.reason
        assert 'password authentication failed for user "pm_admin"' in r.reason
        assert "not-the-password" not in r.reason
    _assert_others_checked(outcome)
    assert outcome.run_id is not None and _recorded(workspace) == len(outcome.results)


def test_unset_password_variable(pg_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSWORD_ENV)
    outcome = run_checks(load_workspace(pg_workspace), ["retention.expired_rows"], record=False)
    (orders,) = _results(outcome, "shop.orders")
    assert orders.status == "error"
    assert f"the environment variable {PASSWORD_ENV} is not set" in orders.reason


def test_dropped_table(pg_workspace: Path, postgres) -> None:
    contract = (pg_workspace / "contracts" / "shop.orders.odcs.yaml").read_text()
    schema = contract.split("schema: ")[1].split("}")[0].strip()
    postgres.execute(f"DROP TABLE {schema}.orders")
    workspace = load_workspace(pg_workspace)
    outcome = run_checks(workspace, CHECKS)
    orders = _results(outcome, "shop.orders")
    assert orders and {r.status for r in orders} == {"error"}
    assert all(f"table {schema}.orders not found" in r.reason for r in orders)
    assert all("source 'shop_pg'" in r.reason for r in orders)
    _assert_others_checked(outcome)
    assert _recorded(workspace) == len(outcome.results)


def test_server_stopped_mid_run(pg_workspace: Path, postgres) -> None:
    workspace = load_workspace(pg_workspace)
    stopped: list[str] = []

    def stop_after_first(done: int, total: int, label: str) -> None:
        if not stopped:  # the first task is done: the server goes away under the run
            postgres.stop()
            stopped.append(label)

    try:
        outcome = run_checks(workspace, CHECKS, progress=stop_after_first, workers=1)
    finally:
        postgres.start()
    assert stopped
    orders = _results(outcome, "shop.orders")
    failed = [r for r in orders if r.status == "error"]
    assert failed, [(r.check_id, r.status) for r in orders]
    for r in failed:
        assert "source 'shop_pg' (postgres)" in r.reason
    _assert_others_checked(outcome)
    assert outcome.run_id is not None and _recorded(workspace) == len(outcome.results)
    assert outcome.exit_code == 2  # some checks could not run
