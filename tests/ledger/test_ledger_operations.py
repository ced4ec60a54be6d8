"""A platform operation's evidence goes through the one writer: one run named by its operation,
after the runs spooled before it; an operation no later run names stays open until one does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from privacymesh.ledger import Ledger, ResultRecord, RunInfo, RunWriter
from privacymesh.ledger.operations import record_operation, unclosed_operations
from privacymesh.ledger.pending import pending_runs, spool_run
from privacymesh.workspace import Workspace, load_workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    (tmp_path / "privacymesh.toml").write_text('name = "ops"\n[paths]\nevidence = "evidence"\n')
    return load_workspace(tmp_path)


def _intent(product: str, due: int) -> ResultRecord:
    return ResultRecord(
        "x.intent", "skipped", product_id=product, measured={"due": due}, exceptions=due
    )


def test_an_operation_is_one_run_after_the_spooled_ones(ws: Workspace) -> None:
    ws.evidence.mkdir(parents=True)
    Ledger(ws.ledger_path).close()
    earlier = RunWriter.detached(RunInfo(options={"operation": "x.earlier"}))
    spool_run(ws.ledger_path, earlier)
    outcome = record_operation(
        ws, "x.delete", [_intent("d.p", 3), _intent("d.q", 0)], actor="ana", options={"k": 1}
    )
    assert outcome.summary is not None and outcome.recovered == (earlier.run_id,)
    assert pending_runs(ws.ledger_path) == []
    with Ledger(ws.ledger_path, read_only=True) as ledger:
        assert ledger.verify().ok
        runs = ledger.runs()
        assert runs["run_id"].to_list() == [earlier.run_id, outcome.run_id]
        run = runs.row(1, named=True)
        results = ledger.results(run_id=outcome.run_id)
    assert json.loads(run["options"]) == {"operation": "x.delete", "k": 1}
    assert run["actor"] == "ana" and run["result_count"] == 2
    assert results["product_id"].to_list() == ["d.p", "d.q"]
    assert results["exceptions"].to_list() == [3, 0]


def test_an_operation_stays_open_until_a_later_run_names_it(ws: Workspace) -> None:
    assert unclosed_operations(ws, "x.delete", "x.intent", closed_by="intent") == []
    first = record_operation(ws, "x.delete", [_intent("d.p", 3)], actor="ana").run_id
    second = record_operation(ws, "x.delete", [_intent("d.q", 1)], actor="ana").run_id
    open_ = unclosed_operations(ws, "x.delete", "x.intent", closed_by="intent")
    assert [(r["run_id"], r["product_id"]) for r in open_] == [(first, "d.p"), (second, "d.q")]
    assert json.loads(open_[0]["measured"]) == {"due": 3}
    done = record_operation(ws, "x.done", [], actor="ana", options={"intent": first}, spool=True)
    assert done.summary is not None
    still = unclosed_operations(
        ws, "x.delete", "x.intent", closed_by="intent", commit_spooled=False
    )
    assert [r["run_id"] for r in still] == [second]
