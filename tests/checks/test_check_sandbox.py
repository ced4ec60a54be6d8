"""Check files are data, not code: hostile templates and hostile SQL in check files each give an
`error` result saying why, run nothing, write nothing and put no file's content in the ledger,
while the other checks of the same run still measure. Behind the SQL guard, the sealed engine
itself refuses to read, write, attach or install anything beyond its registered relations."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from checks_mesh import REPO, build
from typer.testing import CliRunner

from privacymesh.catalog import load_catalog
from privacymesh.checks import load_check, load_checks, render_sql
from privacymesh.cli import app
from privacymesh.engine import open_engine
from privacymesh.errors import CheckError
from privacymesh.runner import RunOutcome, run_checks
from privacymesh.workspace import load_workspace

AS_OF = datetime(2026, 11, 1)
MARKER = "sandbox-secret-4f1c9e"  # the content of the files outside the workspace
NOT_ALLOWED_SQL = "check SQL is not allowed"
NOT_ALLOWED_TEMPLATE = "check template is not allowed"

# id -> (scope, SQL template, what the reason says). {out} is a folder outside the workspace,
# {secret} a CSV and {secret_pq} a Parquet file there, {ws} the workspace, {ledger} its ledger.
TEMPLATES: dict[str, tuple[str, str, str]] = {
    "cycler_globals": (
        "mesh",
        "SELECT 1 AS exceptions, '{{{{ cycler.__init__.__globals__.os.popen("
        "'touch {out}/pwned-cycler').read() }}}}' AS x",
        "'__init__'",
    ),
    "joiner_globals": (
        "mesh",
        "SELECT {{{{ joiner.__init__.__globals__.os.system('touch {out}/pwned-joiner') }}}}",
        "'__init__'",
    ),
    "namespace_globals": (
        "mesh",
        "SELECT {{{{ namespace.__init__.__globals__.os.system('touch {out}/pwned-ns') }}}}",
        "'__init__'",
    ),
    "lipsum_globals": (
        "mesh",
        "SELECT {{{{ lipsum.__globals__['os'].system('touch {out}/pwned-lipsum') }}}}",
        "'__globals__'",
    ),
    "lipsum_builtins": (
        "mesh",
        "SELECT {{{{ lipsum.__globals__.__builtins__.__import__('os')"
        ".system('touch {out}/pwned-import') }}}}",
        "'__globals__'",
    ),
    "str_mro_subclasses": (
        "mesh",
        "SELECT '{{{{ ''.__class__.__mro__[1].__subclasses__() }}}}'",
        "'__class__'",
    ),
    "tuple_base_subclasses": (
        "mesh",
        "SELECT '{{{{ ().__class__.__base__.__subclasses__() }}}}'",
        "'__class__'",
    ),
    "template_reference": (
        "mesh",
        "SELECT {{{{ self._TemplateReference__context.cycler.__init__.__globals__.os"
        ".system('touch {out}/pwned-self') }}}}",
        "'_TemplateReference__context'",
    ),
    "attr_filter": (
        "mesh",
        "SELECT '{{{{ cycler|attr('__init__')|attr('__globals__') }}}}'",
        "'__init__'",
    ),
    "attr_filter_escaped": (
        "mesh",
        "SELECT '{{{{ cycler|attr('\\x5f\\x5finit\\x5f\\x5f') }}}}'",
        "'__init__'",
    ),
    "subscript_attribute": (
        "mesh",
        "SELECT '{{{{ cycler.__init__['__globals__'] }}}}'",
        "'__init__'",
    ),
    "format_string": (
        "mesh",
        "SELECT '{{{{ '{{0.__class__.__mro__}}'.format(cycler) }}}}'",
        "'__class__'",
    ),
    "format_map": (
        "mesh",
        "SELECT '{{{{ '{{x.__class__}}'.format_map({{'x': joiner}}) }}}}'",
        "'__class__'",
    ),
    "params_globals": (
        "mesh",
        "SELECT '{{{{ params.__class__.__init__ }}}}'",
        "'__class__'",
    ),
    "params_mutation": (
        "mesh",
        "SELECT '{{{{ params.update({{'window': 1}}) }}}}'",
        "'update'",
    ),
    "product_mro": (
        "product",
        "SELECT '{{{{ product.view.__class__.__mro__ }}}}' AS x",
        "'__class__'",
    ),
    "product_list_append": (
        "product",
        "SELECT '{{{{ product.personal_fields.append('x') }}}}' AS x",
        "'append'",
    ),
    "set_then_call": (
        "mesh",
        "{{% set g = cycler.__init__ %}}SELECT '{{{{ g }}}}'",
        "'__init__'",
    ),
    "include_file": ("mesh", "{{% include '/etc/passwd' %}}", "includes no other template"),
    "import_module": ("mesh", "{{% import 'os' as os %}}SELECT 1", "includes no other template"),
    "huge_repeat": ("mesh", "SELECT '{{{{ 'a' * 100000000 }}}}'", "repetition longer"),
    "huge_power": ("mesh", "SELECT {{{{ 10 ** 100000000 }}}}", "power above"),
    "huge_range": (
        "mesh",
        "SELECT 1{{% for i in range(1000000000) %}}+1{{% endfor %}}",
        "Range too big",
    ),
}

SQL: dict[str, tuple[str, str, str]] = {
    "copy_to_outside": (
        "mesh",
        "COPY (SELECT * FROM crm.contacts) TO '{out}/users.csv'",
        "it is COPY,",
    ),
    "copy_from": ("mesh", "COPY meta.products FROM '{secret}'", "it is COPY,"),
    "attach_outside": ("mesh", "ATTACH '{out}/db.duckdb' AS x", "it is ATTACH,"),
    "attach_ledger": ("mesh", "ATTACH '{ledger}' AS l (READ_ONLY)", "it is ATTACH,"),
    "detach": ("mesh", "DETACH memory", "it is DETACH,"),
    "install": ("mesh", "INSTALL httpfs", "it is LOAD,"),
    "load": ("mesh", "LOAD httpfs", "it is LOAD,"),
    "drop_view": ("mesh", "DROP VIEW crm.contacts", "it is DROP,"),
    "create_table": ("mesh", "CREATE TABLE leak AS SELECT * FROM crm.contacts", "it is CREATE,"),
    "create_macro": ("mesh", "CREATE MACRO m() AS 1", "it is CREATE,"),
    "insert": ("mesh", "INSERT INTO meta.products SELECT * FROM meta.products", "it is INSERT,"),
    "delete": ("mesh", "DELETE FROM meta.products", "it is DELETE,"),
    "update": ("mesh", "UPDATE meta.products SET kind = 'x'", "it is UPDATE,"),
    "pragma": ("mesh", "PRAGMA database_list", "it is PRAGMA,"),
    "set_external_access": ("mesh", "SET enable_external_access = true", "it is SET,"),
    "reset_lock": ("mesh", "RESET lock_configuration", "it is SET,"),
    "export_database": ("mesh", "EXPORT DATABASE '{out}/db'", "it is EXPORT,"),
    "call_checkpoint": ("mesh", "CALL checkpoint()", "it is CALL,"),
    "two_statements": (
        "mesh",
        "SELECT 1 AS exceptions; DROP VIEW crm.contacts",
        "2 statements",
    ),
    "comment_hides_second": (
        "mesh",
        "SELECT 1 AS exceptions -- one statement only\n; COPY meta.products TO '{out}/c.csv'",
        "2 statements",
    ),
    "block_comment_hides_second": (
        "mesh",
        "/* ; */ SELECT 1 AS exceptions; /* ; */ ATTACH '{out}/b.duckdb' AS b",
        "2 statements",
    ),
    "read_csv_passwd": (
        "mesh",
        "SELECT count(*) AS exceptions, max(column0) AS line FROM read_csv('/etc/passwd')",
        "read_csv()",
    ),
    "read_csv_secret_in_exists": (
        "mesh",
        "SELECT 1 AS exceptions WHERE EXISTS (SELECT * FROM read_csv('{secret}'))",
        "read_csv()",
    ),
    "read_csv_mixed_case": ("mesh", "SELECT * FROM Read_CSV('{secret}')", "read_csv()"),
    "replacement_scan": ("mesh", "SELECT * FROM '{secret}'", "like a file path"),
    "quoted_path": ("mesh", 'SELECT * FROM "{secret_pq}"', "like a file path"),
    "read_parquet_identity_map": (
        "mesh",
        "SELECT * FROM read_parquet('{ws}/platform/identity_map.parquet')",
        "read_parquet()",
    ),
    "read_parquet_ledger": ("mesh", "SELECT * FROM read_parquet('{ledger}')", "read_parquet()"),
    "parquet_metadata": (
        "mesh",
        "SELECT * FROM parquet_metadata('{secret_pq}')",
        "parquet_metadata()",
    ),
    "glob": ("mesh", "SELECT count(*) AS exceptions FROM glob('/etc/*')", "glob()"),
    "read_text": ("mesh", "SELECT content FROM read_text('/etc/hostname')", "read_text()"),
    "read_blob": ("mesh", "SELECT content FROM read_blob('{secret}')", "read_blob()"),
    "sniff_csv": ("mesh", "SELECT * FROM sniff_csv('/etc/passwd')", "sniff_csv()"),
    "getenv": ("mesh", "SELECT getenv('HOME') AS exceptions", "getenv()"),
    "query_function": (
        "mesh",
        "SELECT * FROM query('SELECT * FROM read_csv(''/etc/passwd'')')",
        "query()",
    ),
    "query_table": ("mesh", "SELECT * FROM query_table('{secret}')", "query_table()"),
    "cte_named_like_path": (
        "mesh",
        'SELECT t2.* FROM (WITH "{secret}" AS (SELECT 1) SELECT * FROM "{secret}") t1, '
        '"{secret}" t2',
        "like a file path",
    ),
    "spark_file_source": ("mesh", "SELECT * FROM parquet.secret", "as a file"),
    "spark_reflect": (
        "mesh",
        "SELECT reflect('java.lang.Runtime', 'getRuntime') AS exceptions",
        "reflect()",
    ),
    "fullwidth_copy": ("mesh", "ＣＯＰＹ meta.products TO '{out}/w.csv'", "does not parse"),
    "fullwidth_quotes": ("mesh", "SELECT * FROM ＂{secret}＂", "does not parse"),
    # a Cyrillic `а` in the name: the guard sees an unknown function, DuckDB has none such
    "cyrillic_read_csv": ("mesh", "SELECT * FROM reаd_csv('/etc/passwd')", "does not exist"),
    "shared_copy": ("shared", "COPY meta.products TO '{out}/s.csv'", "it is COPY,"),
    "shared_read_csv": ("shared", "SELECT * FROM read_csv('{secret}')", "read_csv()"),
}

HEAD = """id: {id}
title: hostile {id}
control: {{id: PM-TEST-01, statement: a check file cannot run code}}
regulations: [none]
severity: low
schedule: "0 2 * * *"
scope: {scope}
procedure: tries to escape the check sandbox
"""


def check_text(check_id: str, scope: str, sql: str) -> str:
    body = "sql: |\n" + "".join(f"  {line}\n" for line in sql.splitlines())
    if scope == "shared":
        shared = "shared:\n  x: |\n" + "".join(f"    {line}\n" for line in sql.splitlines())
        body = shared + "sql: |\n  SELECT count(*) AS exceptions FROM {{ shared.x }}\n"
        scope = "mesh"
    return (
        HEAD.format(id=check_id, scope=scope) + body + "metric: exceptions\nthreshold: {max: 0}\n"
    )


@dataclass
class Hostile:
    """One recorded run of every hostile check beside a real one, and where things are."""

    root: Path
    outside: Path
    outcome: RunOutcome
    files_before: set[Path]


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file() and "evidence" not in p.parts}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Hostile:
    base = tmp_path_factory.mktemp("sandbox")
    outside = base / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text(f"name,value\n{MARKER},1\n")
    pl.DataFrame({"name": [MARKER]}).write_parquet(outside / "secret.parquet")
    root = build(base / "ws")
    shutil.rmtree(root / "checks")
    (root / "checks").mkdir()
    shutil.copy(REPO / "checks" / "dsar.erasure_residue.yaml", root / "checks")
    ws = load_workspace(root)
    run_checks(ws, record=True)  # the ledger exists before the hostile checks try to read it
    places = {
        "out": outside,
        "secret": outside / "secret.csv",
        "secret_pq": outside / "secret.parquet",
        "ws": root,
        "ledger": ws.ledger_path,
    }
    for group, cases in (("tpl", TEMPLATES), ("sql", SQL)):
        for name, (scope, sql, _) in cases.items():
            check_id = f"{group}.{name}"
            text = check_text(check_id, scope, sql.format(**places))
            (root / "checks" / f"{check_id}.yaml").write_text(text, "utf-8")
    before = _files(root)
    outcome = run_checks(ws, record=True)
    return Hostile(root, outside, outcome, before)


def _results(hostile: Hostile, check_id: str) -> list:
    found = [r for r in hostile.outcome.results if r.check_id == check_id]
    assert found, f"{check_id} has no result"
    return found


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_a_hostile_template_is_an_error_saying_why(hostile: Hostile, name: str) -> None:
    expected = TEMPLATES[name][2]
    for result in _results(hostile, f"tpl.{name}"):
        assert result.status == "error"
        assert NOT_ALLOWED_TEMPLATE in result.reason
        assert expected in result.reason
        assert result.values == {} and result.query == ""


@pytest.mark.parametrize("name", sorted(SQL))
def test_hostile_check_sql_is_an_error_saying_why(hostile: Hostile, name: str) -> None:
    expected = SQL[name][2]
    for result in _results(hostile, f"sql.{name}"):
        assert result.status == "error"
        if name != "cyrillic_read_csv":  # passes the guard as an unknown function, then fails
            assert NOT_ALLOWED_SQL in result.reason
        assert expected in result.reason
        assert result.values == {}


def test_the_corpus_is_large_enough() -> None:
    assert len(TEMPLATES) + len(SQL) >= 40


def test_other_checks_still_measure_beside_hostile_ones(hostile: Hostile) -> None:
    residue = {r.product: r for r in _results(hostile, "dsar.erasure_residue")}
    assert (residue["crm.contacts"].status, residue["crm.contacts"].exceptions) == ("fail", 1)
    assert residue["bi.report"].status == "pass"
    assert not hostile.outcome.spec_errors


def test_nothing_ran_and_nothing_was_written(hostile: Hostile) -> None:
    assert sorted(p.name for p in hostile.outside.iterdir()) == ["secret.csv", "secret.parquet"]
    assert _files(hostile.root) == hostile.files_before
    assert not list(Path.cwd().glob("pwned-*"))


def test_no_file_content_reaches_the_ledger(hostile: Hostile) -> None:
    ledger = load_workspace(hostile.root).ledger_path
    con = duckdb.connect(str(ledger), read_only=True)
    try:
        tables = [
            row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        ]
        text = " ".join(str(con.execute(f'SELECT * FROM "{t}"').fetchall()) for t in tables)
    finally:
        con.close()
    assert hostile.outcome.run_id and hostile.outcome.run_id in text
    assert NOT_ALLOWED_SQL in text and NOT_ALLOWED_TEMPLATE in text
    assert MARKER not in text.replace(str(hostile.outside), "")
    assert "root:x:0:0" not in text


def test_checks_show_refuses_a_hostile_template_in_one_line(tmp_path: Path) -> None:
    root = build(tmp_path / "ws")
    sql = TEMPLATES["cycler_globals"][1].format(out=tmp_path)
    (root / "checks" / "tpl.cycler.yaml").write_text(check_text("tpl.cycler", "mesh", sql))
    result = CliRunner().invoke(app, ["-w", str(root), "checks", "show", "tpl.cycler"])
    assert result.exit_code == 2
    output = " ".join(result.output.split())  # the console wraps long lines
    assert output.count("error:") == 1 and "Traceback" not in output
    assert f"{NOT_ALLOWED_TEMPLATE}: access to attribute '__init__'" in output
    assert not list(tmp_path.glob("pwned-*"))


def test_checks_show_refuses_hostile_sql_in_one_line(tmp_path: Path) -> None:
    root = build(tmp_path / "ws")
    (root / "checks" / "sql.copy.yaml").write_text(
        check_text("sql.copy", "mesh", f"COPY meta.products TO '{tmp_path}/out.csv'")
    )
    result = CliRunner().invoke(app, ["-w", str(root), "checks", "show", "sql.copy"])
    assert result.exit_code == 2
    output = " ".join(result.output.split())
    assert output.count("error:") == 1 and "Traceback" not in output
    assert f"{NOT_ALLOWED_SQL}: it is COPY," in output
    assert not (tmp_path / "out.csv").exists()


def test_every_shipped_mesh_check_renders_in_the_sandbox_and_passes_the_guard() -> None:
    specs, errors = load_checks(REPO / "checks")
    assert not errors and len(specs) > 10
    for spec in (s for s in specs if s.sql and s.scope == "mesh"):
        assert render_sql(spec, None, AS_OF).lstrip().upper().startswith(("SELECT", "WITH"))


# ---- the sealed engine: the boundary behind the guard, tried without the guard -------------

SEALED_REFUSALS = {
    "read_outside": "SELECT * FROM read_csv('{secret}')",
    "read_passwd": "SELECT * FROM read_csv('/etc/passwd')",
    "read_ledger": "SELECT * FROM read_parquet('{ledger}')",
    "replacement_scan": "SELECT * FROM '{secret}'",
    "glob_outside": "SELECT * FROM glob('{out}/*')",
    "copy_outside": "COPY (SELECT * FROM crm.contacts) TO '{out}/users.csv'",
    "copy_over_product": "COPY (SELECT 1 AS a) TO '{ws}/data/crm.contacts.parquet'",
    "attach": "ATTACH '{out}/x.duckdb' AS x",
    "install": "INSTALL httpfs",
    "load": "LOAD httpfs",
    "unlock": "SET lock_configuration = false",
    "external_access": "SET enable_external_access = true",
    "widen_paths": "SET allowed_paths = ['{secret}']",
    "getenv": "SELECT getenv('HOME')",
    "export": "EXPORT DATABASE '{out}/db'",
}


@pytest.fixture
def sealed(tmp_path: Path):  # type: ignore[no-untyped-def]
    root = build(tmp_path / "ws")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text(f"name\n{MARKER}\n")
    ws = load_workspace(root)
    ws.evidence.mkdir(parents=True, exist_ok=True)
    duckdb.connect(str(ws.ledger_path)).close()
    with open_engine(ws, load_catalog(ws.catalog)) as engine:
        engine.seal()
        engine.seal()  # sealing twice is harmless
        places = {
            "out": outside,
            "secret": outside / "secret.csv",
            "ledger": ws.ledger_path,
            "ws": root,
        }
        yield engine, places


@pytest.mark.parametrize("name", sorted(SEALED_REFUSALS))
def test_the_sealed_engine_refuses_without_the_guard(sealed, name: str) -> None:  # type: ignore[no-untyped-def]
    engine, places = sealed
    product = places["ws"] / "data" / "crm.contacts.parquet"
    before = product.read_bytes()
    with pytest.raises(duckdb.Error) as caught:
        engine.execute(SEALED_REFUSALS[name].format(**places))
    assert MARKER not in str(caught.value)
    assert sorted(p.name for p in places["out"].iterdir()) == ["secret.csv"]
    assert product.read_bytes() == before


def test_the_sealed_engine_still_reads_its_relations_and_keeps_shared_tables(sealed) -> None:  # type: ignore[no-untyped-def]
    engine, _ = sealed
    assert engine.scalar("SELECT count(*) FROM crm.contacts") > 0
    assert engine.scalar("SELECT count(*) FROM platform.identity_map") > 0
    assert engine.scalar("SELECT count(*) FROM meta.products") == 5
    engine.materialize("shared", "t", "SELECT user_id FROM platform.identity_map")
    assert engine.scalar("SELECT count(*) FROM shared.t") == engine.scalar(
        "SELECT count(*) FROM platform.identity_map"
    )
    engine.drop("shared", "t")
    assert engine.scalar("SELECT current_setting('lock_configuration')") is True


def test_a_glob_product_is_pinned_to_its_files_when_sealed(tmp_path: Path) -> None:
    root = build(tmp_path / "ws")
    contract = root / "contracts" / "crm.contacts.odcs.yaml"
    parts = root / "data" / "contacts"
    parts.mkdir()
    frame = pl.read_parquet(root / "data" / "crm.contacts.parquet")
    frame.head(1).write_parquet(parts / "part-1.parquet")
    frame.tail(len(frame) - 1).write_parquet(parts / "part-2.parquet")
    contract.write_text(contract.read_text().replace("crm.contacts.parquet", "contacts/*.parquet"))
    ws = load_workspace(root)
    with open_engine(ws, load_catalog(ws.catalog)) as engine:
        assert "crm.contacts" in engine.registration.products
        engine.seal()
        assert engine.scalar("SELECT count(*) FROM crm.contacts") == len(frame)
        assert len(engine.sample("crm.contacts", 100, 1)) == len(frame)
        with pytest.raises(duckdb.Error):  # the folder itself is not opened to writes
            engine.execute(f"COPY (SELECT 1 AS a) TO '{parts}/part-3.parquet'")
    assert sorted(p.name for p in parts.iterdir()) == ["part-1.parquet", "part-2.parquet"]


def test_render_raises_a_check_error_naming_file_and_field(tmp_path: Path) -> None:
    file = tmp_path / "x.yaml"
    file.write_text(check_text("sql.x", "mesh", "SELECT 1; SELECT 2"))
    with pytest.raises(CheckError) as caught:
        render_sql(load_check(file), None, AS_OF)
    assert caught.value.file == file and caught.value.field == "sql"
    assert "2 statements" in caught.value.message
