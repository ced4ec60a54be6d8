"""docs/operations.md and its examples: the Dagster assets materialize on a new workspace and
record a run in its ledger; the Airflow DAG, the systemd units and the crontab line run only
privacymesh commands that exist (Airflow is not installed here, so its DAG is parsed, not
loaded)."""

from __future__ import annotations

import ast
import configparser
import importlib.util
import re
import shlex
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from apscheduler.triggers.cron import CronTrigger

from privacymesh.cli.app import COMMANDS
from privacymesh.scaffold import init_workspace

OPS = Path(__file__).resolve().parents[1] / "docs" / "operations"
DOC = OPS.parent / "operations.md"


def commands_in(text: str) -> list[list[str]]:
    """Every privacymesh command line in a shell text: the words after `privacymesh`."""
    found = []
    for match in re.finditer(r"privacymesh ([a-z][a-z -]*)", text):
        words = shlex.split(match.group(1).split(";")[0])
        found.append([w for w in words if not w.startswith("-")])
    return found


def assert_known(commands: list[list[str]]) -> None:
    assert commands
    for words in commands:
        assert words and words[0] in COMMANDS, words


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A new workspace with the example contract registered and 20 rows of synthetic data."""
    root = tmp_path / "ws"
    init_workspace(root)
    example = root / "catalog" / "shop" / "customers.odcs.yaml.example"
    shutil.copy(example, example.with_suffix(""))
    (root / "data" / "shop").mkdir(parents=True)
    now = datetime.now().replace(microsecond=0)
    pl.DataFrame(
        {
            "customer_id": [f"C{i:04d}" for i in range(20)],
            "email": [f"c{i}@example.org" for i in range(20)],
            "country": ["DE", "FR"] * 10,
            "plan": ["free"] * 20,
            "signed_up_at": [now - timedelta(days=800 if i < 2 else i) for i in range(20)],
        }
    ).write_parquet(root / "data" / "shop" / "customers.parquet")
    return root


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("dagster") is None, reason="needs dagster")
def test_the_dagster_assets_record_a_run(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dagster as dg

    monkeypatch.setenv("PRIVACYMESH_WORKSPACE", str(workspace))
    spec = importlib.util.spec_from_file_location("dagster_assets", OPS / "dagster_assets.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    dg.Definitions.validate_loadable(module.defs)
    assert module.nightly.cron_schedule == "0 2 * * *"

    result = dg.materialize([module.privacymesh_run, module.audit_pack])
    assert result.success
    (run_meta,) = [m.metadata for m in result.asset_materializations_for_node("privacymesh_run")]
    run_id = run_meta["run_id"].value
    with duckdb.connect(str(workspace / "evidence" / "ledger.duckdb"), read_only=True) as con:
        (recorded,) = con.execute("SELECT run_id FROM runs").fetchall()
        expired = con.execute(
            "SELECT exceptions FROM results WHERE check_id = 'retention.expired_rows'"
        ).fetchall()
    assert recorded == (run_id,) and expired == [(2,)]
    assert run_meta["fail"].value >= 1 and run_meta["error"].value == 0
    (pack_meta,) = [m.metadata for m in result.asset_materializations_for_node("audit_pack")]
    assert (Path(pack_meta["pack"].value) / "index.html").is_file()


def test_the_airflow_dag_runs_privacymesh_commands() -> None:
    tree = ast.parse((OPS / "airflow_dag.py").read_text())
    commands = [
        kw.value.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "BashOperator"
        for kw in node.keywords
        if kw.arg == "bash_command"
    ]
    assert len(commands) == 3
    assert [c[:2] for c in map(commands_in, commands)] == [
        [["run"]],
        [["pack"]],
        [["evidence", "verify"]],
    ]
    dag = next(
        n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "DAG"
    )
    settings = {kw.arg: kw.value for kw in dag.keywords}
    CronTrigger.from_crontab(ast.literal_eval(settings["schedule"]))
    assert ast.literal_eval(settings["max_active_runs"]) == 1


def test_the_systemd_units_and_the_crontab_line() -> None:
    service = configparser.ConfigParser(strict=False, interpolation=None)
    service.read(OPS / "privacymesh-nightly.service")
    assert service["Service"]["Type"] == "oneshot"
    assert service["Service"]["SuccessExitStatus"] == "1"
    assert_known(
        commands_in(service["Service"]["ExecStart"] + "\n" + service["Service"]["ExecStartPost"])
    )
    timer = configparser.ConfigParser(strict=False, interpolation=None)
    timer.read(OPS / "privacymesh-nightly.timer")
    assert timer["Timer"]["OnCalendar"] == "*-*-* 02:00:00 UTC"
    doc = DOC.read_text()
    block = doc.split("```cron\n")[1].split("```")[0]
    (line,) = [text for text in block.splitlines() if not text.startswith("#")]
    CronTrigger.from_crontab(" ".join(line.split()[:5]))
    assert_known(commands_in(line))
    for example in ("airflow_dag.py", "dagster_assets.py", "privacymesh-nightly.timer"):
        assert f"operations/{example}" in doc
