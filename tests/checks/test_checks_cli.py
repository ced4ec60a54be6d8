"""End to end: `checks show` renders every consent/DSAR/rotation/cost check, and `privacymesh run`
records them in the ledger with JSON values and masked subjects only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from checks_mesh import EMAILS, build
from typer.testing import CliRunner

from privacymesh.checks.catalog import load_check_catalog
from privacymesh.cli import app
from privacymesh.ledger import Ledger
from privacymesh.workspace import load_workspace

runner = CliRunner()
AREAS = ("consent.", "dsar.", "rotation.", "cost.")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("cli") / "ws")


def test_show_renders_each_check(workspace: Path) -> None:
    found = load_check_catalog(load_workspace(workspace))
    specs, errors = found.specs, found.errors
    assert not errors
    mine = [s for s in specs if s.id.startswith(AREAS)]
    assert len(mine) == 14
    for spec in mine:
        args = ["-w", str(workspace), "checks", "show", spec.id]
        if spec.scope == "product":
            args += ["--product", "shop.profiles"]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (spec.id, result.output)
        assert spec.control.id in result.output
        assert "WITH" in result.output and "SELECT" in result.output
        assert "{{" not in result.output and "{%" not in result.output, spec.id
        assert "TIMESTAMP '2026-04-01 00:00:00'" in result.output


def test_run_records_every_result_in_the_ledger(workspace: Path) -> None:
    args = ["-w", str(workspace), "run"] + [f"--check={a.rstrip('.')}" for a in AREAS]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output  # failures, no errors
    assert " 0 error " in result.output
    ws = load_workspace(workspace)
    with Ledger(ws.ledger_path, read_only=True) as ledger:
        assert ledger.verify().ok
        results = ledger.results()
        assert results.height > 40 and set(results["status"]) == {"pass", "fail"}
        residue = results.filter(check_id="dsar.erasure_residue", product_id="shop.profiles")
        measured = json.loads(residue["measured"][0])
        assert measured["exceptions"] == 1 and json.loads(measured["masked_subjects"]) == ["***1"]
        text = " ".join(results["measured"].to_list())
        assert not any(email in text for email in EMAILS.values())
