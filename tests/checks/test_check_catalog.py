"""A workspace's checks: the built-in catalog by default, its own folders beside it, disabled
checks, and typed overrides from privacymesh.toml that cannot reach the SQL of a check."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from privacymesh.checks import load_check
from privacymesh.checks.catalog import load_check_catalog
from privacymesh.checks.measures import params_for
from privacymesh.checks.overrides import OverrideText
from privacymesh.checks.render import render_sql
from privacymesh.cli.app import app
from privacymesh.content import builtin_folder
from privacymesh.errors import CheckError
from privacymesh.workspace import load_workspace

runner = CliRunner()
BUILTIN_IDS = sorted(p.name.removesuffix(".yaml") for p in builtin_folder("checks").glob("*.yaml"))

LABEL_CHECK = """\
id: {id}
title: A check that prints a text parameter
control: {{id: T-1, statement: A test control.}}
regulations: ["test"]
severity: low
schedule: "0 1 * * *"
scope: mesh
procedure: Prints its label.
sql: |
  SELECT {{{{ params.label }}}} AS exceptions
metric: exceptions
threshold: {{max: 0}}
params:
  label: "0"
"""


def workspace(root: Path, toml: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "contracts").mkdir(exist_ok=True)
    (root / "privacymesh.toml").write_text(f'[paths]\ncatalog = "contracts"\n{toml}')
    return root


def test_a_new_workspace_runs_the_built_in_checks(tmp_path: Path) -> None:
    found = load_check_catalog(load_workspace(workspace(tmp_path)))
    assert [s.id for s in found.specs] == BUILTIN_IDS
    assert len(BUILTIN_IDS) == 23
    assert {o.describe() for o in found.origins.values()} == {"built-in"}
    assert found.errors == [] and found.disabled == ()


def test_own_folder_disable_and_override(tmp_path: Path) -> None:
    root = workspace(
        tmp_path,
        '[checks]\npaths = ["mine"]\ndisable = ["rotation.coverage"]\n'
        '[checks."pii.undeclared"]\nsample_rows = 500\nschedule = "0 5 * * 1"\n'
        '[checks."dsar.deadline".PIPL]\ndeadline = "15 days"\n',
    )
    (root / "mine").mkdir()
    (root / "mine" / "acme.label.yaml").write_text(LABEL_CHECK.format(id="acme.label"))
    (root / "mine" / "pii.in_logs.yaml").write_text(LABEL_CHECK.format(id="pii.in_logs"))
    ws = load_workspace(root)
    found = load_check_catalog(ws)
    ids = [s.id for s in found.specs]
    assert "rotation.coverage" not in ids and "acme.label" in ids
    assert len(ids) == 23  # one disabled, one added
    assert found.disabled == ("rotation.coverage",)
    spec = {s.id: s for s in found.specs}
    assert spec["pii.undeclared"].schedule == "0 5 * * 1"
    assert spec["pii.undeclared"].params == {"sample_rows": 500, "seed": 42}
    assert params_for(ws, spec["pii.undeclared"])["sample_rows"] == 500
    assert spec["pii.in_logs"].file == root / "mine" / "pii.in_logs.yaml"
    assert spec["dsar.deadline"].params["PIPL"] == {"deadline": "15 days"}
    assert spec["dsar.deadline"].params["GDPR"]["deadline"] == "1 month"
    origins = {i: o.describe() for i, o in found.origins.items()}
    assert origins["acme.label"] == "mine"
    assert origins["pii.in_logs"] == "mine (replaces built-in)"
    assert origins["pii.undeclared"] == "built-in; overridden: sample_rows, schedule"
    assert origins["dsar.deadline"] == "built-in; overridden: PIPL"
    assert origins["retention.expired_rows"] == "built-in"

    result = runner.invoke(app, ["-w", str(root), "checks", "list", "--json"])
    assert result.exit_code == 0, result.output
    listed = {r["check"]: r["source"] for r in json.loads(result.stdout)}
    assert listed == origins


@pytest.mark.parametrize(
    ("toml", "field", "message"),
    [
        ('[checks]\ndisable = ["pii.nope"]\n', "checks.disable", "no check has the id 'pii.nope'"),
        ('[checks."pii.nope"]\nseed = 1\n', 'checks."pii.nope"', "no check has the id"),
        (
            '[checks."pii.undeclared"]\nsample_rows = "500; DROP TABLE x"\n',
            'checks."pii.undeclared".sample_rows',
            "expected an integer, found text",
        ),
        (
            '[checks."pii.undeclared"]\nrows = 5\n',
            'checks."pii.undeclared".rows',
            "has no parameter 'rows'",
        ),
        (
            '[checks."cost.compliance_fte"]\nmax_share = inf\n',
            'checks."cost.compliance_fte".max_share',
            "expected a finite number",
        ),
        (
            '[checks."pii.undeclared"]\nschedule = "daily"\n',
            'checks."pii.undeclared".schedule',
            "not a cron expression",
        ),
    ],
)
def test_bad_overrides_name_the_field(tmp_path: Path, toml: str, field: str, message: str) -> None:
    root = workspace(tmp_path, toml)
    with pytest.raises(CheckError) as err:
        load_check_catalog(load_workspace(root))
    assert err.value.field == field and message in err.value.message
    assert err.value.file == root / "privacymesh.toml"
    result = runner.invoke(app, ["-w", str(root), "checks", "list"])
    assert result.exit_code == 2
    assert field in result.output and len(result.output.strip().splitlines()) == 1


def test_override_text_reaches_the_sql_only_as_a_literal(tmp_path: Path) -> None:
    root = workspace(
        tmp_path,
        '[checks]\npaths = ["mine"]\n'
        '[checks."acme.label"]\nlabel = "0 AS exceptions, (SELECT \'x\') AS y --"\n',
    )
    (root / "mine").mkdir()
    (root / "mine" / "acme.label.yaml").write_text(LABEL_CHECK.format(id="acme.label"))
    ws = load_workspace(root)
    (spec,) = [s for s in load_check_catalog(ws).specs if s.id == "acme.label"]
    at = datetime(2026, 1, 1)
    params = params_for(ws, spec)
    assert isinstance(params["label"], OverrideText)
    assert render_sql(spec, None, at, params) == (
        "SELECT '0 AS exceptions, (SELECT ''x'') AS y --' AS exceptions"
    )
    # the check file's own default is the author's SQL, printed as written
    assert render_sql(load_check(spec.file), None, at, {}) == "SELECT 0 AS exceptions"


def test_override_text_in_a_built_in_check_stays_a_literal(tmp_path: Path) -> None:
    root = workspace(
        tmp_path,
        '[checks."cost.privacy_infrastructure_share"]\ninfrastructure_category = "it\' OR \'1"\n',
    )
    ws = load_workspace(root)
    (spec,) = [
        s for s in load_check_catalog(ws).specs if s.id == "cost.privacy_infrastructure_share"
    ]
    sql = render_sql(spec, None, datetime(2026, 1, 1), params_for(ws, spec))
    assert "c.category = 'it'' OR ''1'" in sql


def test_a_new_rule_key_is_workspace_text_too(tmp_path: Path) -> None:
    root = workspace(tmp_path, '[checks."dsar.deadline"."X\' OR 1=1 --"]\ndeadline = "1 day"\n')
    ws = load_workspace(root)
    (spec,) = [s for s in load_check_catalog(ws).specs if s.id == "dsar.deadline"]
    (key,) = [k for k in spec.params if k.startswith("X")]
    assert isinstance(key, OverrideText)
    sql = render_sql(spec, None, datetime(2026, 1, 1), params_for(ws, spec))
    assert "WHEN 'X'' OR 1=1 --' THEN INTERVAL '1 day'" in sql
