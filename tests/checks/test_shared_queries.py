"""A check's shared queries: computed once per run into a table every product's query reads,
recorded with each result so the query can be repeated, and failing closed."""

from __future__ import annotations

from pathlib import Path

import pytest
from checks_mesh import build
from typer.testing import CliRunner

from privacymesh.catalog import load_catalog
from privacymesh.checks import load_check
from privacymesh.cli import app
from privacymesh.engine import open_engine
from privacymesh.errors import CheckError
from privacymesh.runner import run_checks
from privacymesh.workspace import load_workspace

CHECK = "dsar.erasure_residue"
TABLE = ("shared", "dsar_erasure_residue__erased")


def shared_tables(engine) -> int:  # type: ignore[no-untyped-def]
    return int(engine.scalar("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'shared'"))


def test_shared_query_runs_once_and_is_dropped_after_the_run(tmp_path: Path) -> None:
    ws = load_workspace(build(tmp_path / "ws"))
    catalog = load_catalog(ws.catalog)
    with open_engine(ws, catalog) as engine:
        made: list[tuple[str, str]] = []
        materialize = engine.materialize

        def counted(schema: str, name: str, sql: str) -> None:
            made.append((schema, name))
            materialize(schema, name, sql)

        engine.materialize = counted  # type: ignore[method-assign]
        outcome = run_checks(ws, [CHECK], record=False, catalog=catalog, engine=engine)
        assert len(outcome.results) == len(catalog.products) > 1
        assert made == [TABLE]
        assert shared_tables(engine) == 0
        # a second run over the same engine computes it afresh (the data may have changed)
        run_checks(ws, [CHECK], record=False, catalog=catalog, engine=engine)
        assert made == [TABLE, TABLE]
    residue = {r.product: r for r in outcome.results}
    assert (residue["crm.contacts"].status, residue["crm.contacts"].exceptions) == ("fail", 1)
    assert residue["bi.report"].status == "pass"


def test_recorded_query_repeats_the_measurement_in_a_fresh_session(tmp_path: Path) -> None:
    ws = load_workspace(build(tmp_path / "ws"))
    catalog = load_catalog(ws.catalog)
    outcome = run_checks(ws, [CHECK], record=False, catalog=catalog)
    with open_engine(ws, catalog) as engine:
        for result in outcome.results:
            assert result.query.startswith("CREATE SCHEMA IF NOT EXISTS")
            assert result.query.count('CREATE OR REPLACE TABLE "shared"') == 1
            row = engine.con.execute(result.query).fetchone()
            columns = [d[0] for d in engine.con.description]
            again = dict(zip(columns, row, strict=True))
            for key in ("population", "exceptions", "residue_rows", "rows_scanned"):
                assert again[key] == result.values[key], (result.product, key)


def test_a_failing_shared_query_is_an_error_on_every_product(tmp_path: Path) -> None:
    root = build(tmp_path / "ws")
    spec = root / "checks" / f"{CHECK}.yaml"
    spec.write_text(spec.read_text().replace("platform.identity_map m", "platform.no_such_map m"))
    outcome = run_checks(load_workspace(root), ["dsar"], record=False)
    residue = [r for r in outcome.results if r.check_id == CHECK]
    assert residue and all(r.status == "error" for r in residue)
    assert all("shared query 'erased' cannot run" in (r.reason or "") for r in residue)
    assert all("no_such_map" in (r.reason or "") for r in residue)
    others = [r for r in outcome.results if r.check_id != CHECK]
    assert others and not any(r.status == "error" for r in others)
    assert outcome.exit_code == 2


def test_checks_show_prints_the_shared_statements_first(tmp_path: Path) -> None:
    root = build(tmp_path / "ws")
    args = ["-w", str(root), "checks", "show", CHECK, "--product", "crm.contacts"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "computed once per run" in out
    assert out.index('CREATE OR REPLACE TABLE "shared"') < out.index("rendered for crm.contacts")
    assert "{{" not in out


@pytest.mark.parametrize(
    ("shared", "field"),
    [
        ("shared:\n  Erased-1: SELECT 1\n", "shared"),
        ("shared:\n  erased: ''\n", "shared.erased"),
        ("shared: [SELECT 1]\n", "shared"),
    ],
)
def test_malformed_shared_queries_are_spec_errors(tmp_path: Path, shared: str, field: str) -> None:
    text = (Path(__file__).parents[2] / "checks" / f"{CHECK}.yaml").read_text()
    start, end = text.index("shared:"), text.index("sql: |")
    file = tmp_path / "check.yaml"
    file.write_text(text[:start] + shared + text[end:])
    with pytest.raises(CheckError) as caught:
        load_check(file)
    assert caught.value.field == field


def test_a_measure_check_has_no_shared_queries(tmp_path: Path) -> None:
    text = (Path(__file__).parents[2] / "checks" / "pii.undeclared.yaml").read_text()
    file = tmp_path / "check.yaml"
    file.write_text(text + "shared:\n  x: SELECT 1\n")
    with pytest.raises(CheckError, match="only a SQL check"):
        load_check(file)
