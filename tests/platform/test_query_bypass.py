"""Attempts to read around the governed query, as a consumer cleared for `internal` would try
them: every attempt is refused (and the refusal is in the audit log) or answered with masked
values only (compared with the raw Parquet). Both session modes run the whole corpus. Then the
second wall on its own: the governed database cannot reach files even when asked directly."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pytest
from platform_support import acting_as
from typer.testing import CliRunner

from privacymesh.errors import ContractError
from privacymesh.platform import AccessDenied, GovernedSession, QueryError
from privacymesh.platform.identity import IDENTITY_FILE
from privacymesh.platform.query import governed_connection, load_relation
from privacymesh.workspace import Workspace

ROLE, PURPOSE = "identity_analyst", "account_management"
REFUSED, MASKED, EITHER = "refused", "masked", "either"
PRODUCT = '"identity"."users"'

CORPUS: list[tuple[str, str, str]] = [
    # CTE scoping: a CTE is visible in its own query and below, never beside or above it
    (
        "cte-path-in-subquery (the issue's attack)",
        'SELECT t2.email FROM (WITH "{users}" AS (SELECT 1) SELECT * FROM "{users}") t1, '
        '"{users}" t2',
        REFUSED,
    ),
    ("cte-sibling-scope", "SELECT * FROM (WITH x AS (SELECT 1) SELECT * FROM x) a, x", REFUSED),
    (
        "cte-in-scalar-subquery-leaks-out",
        'SELECT (WITH "{idmap}" AS (SELECT 1 AS a) SELECT a FROM "{idmap}") AS a, b.email '
        'FROM "{idmap}" b',
        REFUSED,
    ),
    (
        "cte-in-union-branch",
        'SELECT email FROM (WITH "{users}" AS (SELECT 1 AS email) SELECT email FROM "{users}") '
        'UNION ALL SELECT email FROM "{users}"',
        REFUSED,
    ),
    (
        "cte-in-lateral",
        'SELECT v.email FROM "identity"."users" u, LATERAL (WITH "{users}" AS (SELECT 1) '
        'SELECT * FROM "{users}") w, "{users}" v',
        REFUSED,
    ),
    (
        "cte-shadowing-a-path-in-scope",
        'WITH "{users}" AS (SELECT email FROM "identity"."users") SELECT email FROM "{users}"',
        MASKED,
    ),
    (
        "recursive-cte-named-like-a-path",
        'WITH RECURSIVE "{users}" AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM "{users}" '
        'WHERE n < 3) SELECT * FROM "{users}"',
        MASKED,
    ),
    (
        "cte-case-differs",
        "WITH Recent AS (SELECT email FROM {product}) SELECT email FROM recent",
        MASKED,
    ),
    (
        "cte-case-differs-out-of-scope",
        "SELECT r.email FROM (WITH Recent AS (SELECT 1) SELECT * FROM RECENT) x, recent r",
        REFUSED,
    ),
    # names that look like files
    ("quoted-path", 'SELECT * FROM "{users}"', REFUSED),
    ("string-path", "SELECT * FROM '{users}'", REFUSED),
    ("from-first-path", "FROM '{users}'", REFUSED),
    ("identity-map-by-path", "SELECT * FROM '{idmap}'", REFUSED),
    ("audit-log-by-path", "SELECT * FROM '{audit}'", REFUSED),
    ("pack-csv-by-path", "SELECT * FROM '{csv}'", REFUSED),
    ("key-file-by-path", "SELECT * FROM '{key}'", REFUSED),
    ("schema-main-path", 'SELECT * FROM main."{users}"', REFUSED),
    # table functions
    ("read_parquet", "SELECT * FROM read_parquet('{users}')", REFUSED),
    ("read_parquet-list", "SELECT * FROM read_parquet(['{users}', '{idmap}'])", REFUSED),
    ("parquet_scan", "SELECT * FROM parquet_scan('{users}')", REFUSED),
    ("read_csv", "SELECT * FROM read_csv('{csv}')", REFUSED),
    ("read_csv_auto", "SELECT * FROM read_csv_auto('{csv}')", REFUSED),
    ("read_json", "SELECT * FROM read_json_auto('{audit}')", REFUSED),
    ("read_text", "SELECT * FROM read_text('{audit}')", REFUSED),
    ("read_blob", "SELECT * FROM read_blob('{key}')", REFUSED),
    ("glob", "SELECT * FROM glob('{evidence}/*')", REFUSED),
    ("sniff_csv", "SELECT * FROM sniff_csv('{csv}')", REFUSED),
    ("parquet_metadata", "SELECT * FROM parquet_metadata('{users}')", REFUSED),
    ("query_table", "SELECT * FROM query_table('identity.users')", REFUSED),
    ("query-function", "SELECT * FROM query('SELECT * FROM ''{users}''')", REFUSED),
    ("duckdb_tables()", "SELECT * FROM duckdb_tables()", REFUSED),
    ("duckdb_settings()", "SELECT * FROM duckdb_settings()", REFUSED),
    ("table-function-in-scalar", "SELECT (SELECT count(*) FROM glob('/*')) AS n", REFUSED),
    # relations beside the products
    (
        "union-with-path",
        'SELECT email FROM "identity"."users" UNION ALL SELECT email FROM "{users}"',
        REFUSED,
    ),
    (
        "lateral-path",
        'SELECT v.email FROM "identity"."users" u, LATERAL (SELECT email FROM "{users}" '
        "WHERE user_id = u.user_id) v",
        REFUSED,
    ),
    ("scalar-subquery-path", "SELECT (SELECT max(email) FROM '{users}') AS m", REFUSED),
    (
        "in-subquery-identity-map",
        'SELECT count(*) AS n FROM "identity"."users" WHERE email IN '
        "(SELECT email FROM '{idmap}')",
        REFUSED,
    ),
    ("exists-path", "SELECT 1 WHERE EXISTS (SELECT 1 FROM '{users}')", REFUSED),
    ("unnest-of-path", "SELECT * FROM unnest((SELECT list(email) FROM '{users}'))", REFUSED),
    ("catalog-qualified", "SELECT * FROM memory.identity.users", REFUSED),
    ("system-catalog", "SELECT * FROM system.main.duckdb_tables", REFUSED),
    ("information_schema", "SELECT * FROM information_schema.tables", REFUSED),
    ("duckdb_tables-view", "SELECT * FROM duckdb_tables", REFUSED),
    ("platform-schema", 'SELECT * FROM "platform"."identity_map"', REFUSED),
    ("consent-tables", 'SELECT * FROM "_pm_consent"."account_management"', REFUSED),
    ("unqualified-product", "SELECT * FROM users", REFUSED),
    # PIVOT, macros and statements other than SELECT
    ("pivot-statement", "PIVOT {product} ON country USING count(*)", REFUSED),
    ("pivot-path", "PIVOT '{users}' ON country USING first(email)", REFUSED),
    (
        "pivot-subquery",
        "SELECT * FROM (PIVOT '{users}' ON country USING first(email))",
        REFUSED,
    ),
    (
        "macro",
        "CREATE MACRO m() AS TABLE SELECT * FROM '{users}'; SELECT * FROM m()",
        REFUSED,
    ),
    ("create-view", "CREATE VIEW v AS SELECT * FROM '{users}'", REFUSED),
    ("copy-to", "COPY {product} TO '{evidence}/out.csv'", REFUSED),
    ("copy-select-to", "COPY (SELECT * FROM '{users}') TO '{evidence}/out.csv'", REFUSED),
    ("attach", "ATTACH '{evidence}/x.duckdb' AS x", REFUSED),
    ("pragma", "PRAGMA database_list", REFUSED),
    ("set", "SET enable_external_access = true", REFUSED),
    ("set-variable", "SET VARIABLE v = (SELECT list(email) FROM '{users}')", REFUSED),
    ("install", "INSTALL httpfs", REFUSED),
    ("summarize", "SUMMARIZE '{users}'", REFUSED),
    ("describe", "DESCRIBE {product}", REFUSED),
    ("delete", "DELETE FROM {product}", REFUSED),
    ("drop", "DROP TABLE {product}", REFUSED),
    ("several-statements", "SELECT 1; SELECT * FROM '{users}'", REFUSED),
    ("select-then-copy", "SELECT 1; COPY {product} TO '{evidence}/out.csv'", REFUSED),
    # comments and Unicode look-alikes
    ("comment-hides-path", "SELECT 1 /* ; */ FROM '{users}' -- {product}", REFUSED),
    ("comment-hides-semicolon", "SELECT * FROM {product} -- ; SELECT * FROM '{users}'", MASKED),
    ("curly-quotes", "SELECT * FROM \u201c{users}\u201d", REFUSED),
    ("fullwidth-quotes", "SELECT * FROM \uff02{users}\uff02", REFUSED),
    ("cyrillic-lookalike-domain", 'SELECT * FROM "\u0456dentity"."users"', REFUSED),
    ("zero-width-in-name", 'SELECT * FROM "identity"."us\u200bers"', REFUSED),
    ("upper-case-product", 'SELECT email FROM "IDENTITY"."USERS"', EITHER),
    # answered, masked
    ("select-star", "SELECT * FROM {product}", MASKED),
    (
        "functions-over-masked",
        "SELECT length(email) AS n, substr(email, 1, 3) AS head, md5(email) AS h, "
        "upper(full_name) AS name, reverse(phone) AS p FROM {product}",
        MASKED,
    ),
    (
        "string-agg-of-masked",
        "SELECT string_agg(email, ',') AS a, list(phone) AS b FROM {product}",
        MASKED,
    ),
    (
        "views-of-views",
        "WITH v AS (SELECT * FROM {product}), w AS (SELECT * FROM v) SELECT email, phone FROM w",
        MASKED,
    ),
    ("columns-star", "SELECT COLUMNS('.*') FROM {product}", MASKED),
    (
        "self-join",
        "SELECT a.email, b.full_name FROM {product} a JOIN {product} b USING (user_id)",
        MASKED,
    ),
    ("current_setting", "SELECT current_setting('enable_external_access') AS s", MASKED),
    ("getenv", "SELECT getenv('HOME') AS h", EITHER),
    ("getvariable", "SELECT getvariable('privacymesh_identity_analyst_hash_ipad') AS k", MASKED),
]
assert len(CORPUS) >= 40


@pytest.fixture(scope="module")
def places(shared_ws: Workspace) -> dict[str, str]:
    """Files an attacker would aim at: raw products, the identity map, the audit log, the key,
    and a CSV of raw rows standing in for a pack's data files."""
    users = shared_ws.sample / "products" / "identity" / "users.parquet"
    csv = shared_ws.evidence / "packs" / "q4" / "data" / "users.csv"
    csv.parent.mkdir(parents=True, exist_ok=True)
    pl.read_parquet(users).write_csv(csv)
    # the audit log and key exist
    with GovernedSession(shared_ws, principal=acting_as("setup")) as gov:
        gov.sql("SELECT 1", ROLE, PURPOSE)
    return {
        "users": str(users),
        "idmap": str(shared_ws.platform / IDENTITY_FILE),
        "audit": str(shared_ws.evidence / "audit.jsonl"),
        "key": str(shared_ws.evidence / "platform.key"),
        "csv": str(csv),
        "evidence": str(shared_ws.evidence),
        "product": PRODUCT,
    }


@pytest.fixture(scope="module")
def raw_values(shared_ws: Workspace) -> dict[str, set[str]]:
    """Every raw personal value of the sample's users: the users product and the identity map."""
    users = pl.read_parquet(shared_ws.sample / "products" / "identity" / "users.parquet")
    idmap = pl.read_parquet(shared_ws.platform / IDENTITY_FILE)
    values: dict[str, set[str]] = {}
    for frame in (users, idmap):
        for name in ("user_id", "email", "phone", "full_name", "customer_ref", "device_id"):
            if name in frame.columns:
                column = frame[name].drop_nulls().cast(pl.String)
                values.setdefault(name, set()).update(v for v in column if len(v) >= 5)
    assert len(values["email"]) > 100 and len(values["phone"]) > 100
    return values


@pytest.fixture(scope="module", params=[True, False], ids=["materialized", "one-shot"])
def gov(shared_ws: Workspace, request: pytest.FixtureRequest) -> Iterator[GovernedSession]:
    principal = acting_as("bypass")
    with GovernedSession(shared_ws, principal=principal, materialize=request.param) as session:
        yield session


def _cells(frame: pl.DataFrame) -> list[str]:
    out: list[str] = []
    for name in frame.columns:
        column = frame[name].drop_nulls()
        if column.dtype == pl.String:
            out.extend(column)
        elif isinstance(column.dtype, pl.List):  # each element, and the printed list
            out.extend(str(v) for v in column.explode().drop_nulls())
            out.extend(str(v) for v in column)
        else:
            out.extend(str(v) for v in column)
    return out


def assert_masked(frame: pl.DataFrame, raw: dict[str, set[str]]) -> None:
    cells = _cells(frame)
    every = set().union(*raw.values())
    assert not every & set(cells), "a raw value came back"
    joined = "\n".join(cells)
    emails = set(re.findall(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", joined))
    assert not emails & raw["email"], "a raw email came back"
    for values in (raw["phone"], raw["full_name"], raw["user_id"]):
        assert not any(v in joined for v in values), "a raw value came back inside a cell"


@pytest.mark.parametrize(("case", "template", "expect"), CORPUS, ids=[c[0] for c in CORPUS])
def test_bypass_attempt(
    gov: GovernedSession,
    places: dict[str, str],
    raw_values: dict[str, set[str]],
    case: str,
    template: str,
    expect: str,
) -> None:
    sql = template.format(**places)
    actor = f"bypass-{'m' if gov.materialize else 'o'}-{CORPUS.index((case, template, expect))}"
    try:
        gov.actor = actor  # each attempt's audit records under a name of its own
        result = gov.sql(sql, ROLE, PURPOSE)
    except (QueryError, ContractError, AccessDenied) as exc:
        assert expect in (REFUSED, EITHER), f"refused: {exc}"
        records = gov.audit.query(actor=actor)
        assert records.height == 1
        # refused before anything ran; only an `either` case may fail while running
        allowed = {"deny"} if expect == REFUSED else {"deny", "error"}
        assert records["decision"][0] in allowed
        assert records["role"][0] == ROLE
        assert not any(e in str(exc) for e in raw_values["email"])  # no values in the message
        evidence = Path(places["evidence"])
        assert not (evidence / "out.csv").exists() and not (evidence / "x.duckdb").exists()
        return
    assert expect in (MASKED, EITHER), f"answered {result.frame.height} rows"
    assert_masked(result.frame, raw_values)
    records = gov.audit.query(actor=actor)
    assert set(records["decision"]) == {"allow"}
    assert set(records["product"].drop_nulls()) <= {"identity.users"}


def test_masked_answers_are_masked_not_empty(gov: GovernedSession) -> None:
    """The masked answers above are real rows: the check would fail on raw data."""
    result = gov.sql(f"SELECT email, phone, full_name FROM {PRODUCT}", ROLE, PURPOSE)
    assert result.rows > 100 and result.frame["email"].str.contains(r"\*\*\*@").all()


def test_assert_masked_catches_raw_rows(shared_ws: Workspace, raw_values: dict) -> None:
    users = pl.read_parquet(shared_ws.sample / "products" / "identity" / "users.parquet")
    with pytest.raises(AssertionError, match="raw"):
        assert_masked(users.select("email").head(3), raw_values)
    with pytest.raises(AssertionError, match="raw"):
        assert_masked(pl.DataFrame({"a": ["x " + users["phone"][0] + " y"]}), raw_values)


# ---- the second wall: the governed database itself -------------------------------------------

REACHING_OUT = [
    "SELECT * FROM read_parquet('{users}')",
    "SELECT * FROM '{users}'",
    "SELECT * FROM read_text('{key}')",
    "SELECT * FROM glob('/*')",
    "COPY identity.users TO '{out}'",
    "ATTACH '{db}' AS x",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "SET lock_configuration = false",
    "SELECT * FROM raw_frame",  # a Python variable in the caller's frame
]


def test_governed_database_reaches_nothing(shared_ws: Workspace, tmp_path: Path) -> None:
    users = shared_ws.sample / "products" / "identity" / "users.parquet"
    raw_frame = pa.table({"email": ["jane@example.com"]})  # noqa: F841 - the replacement-scan bait
    con = governed_connection()
    load_relation(con, "identity", "users", pa.table({"email": ["j***@e***.com"]}).to_reader())
    places = {
        "users": users,
        "key": shared_ws.evidence / "platform.key",
        "out": tmp_path / "out.csv",
        "db": tmp_path / "x.duckdb",
    }
    for template in REACHING_OUT:
        with pytest.raises(duckdb.Error):
            con.execute(template.format(**places)).fetchall()
    assert con.sql("SELECT email FROM identity.users").fetchall() == [("j***@e***.com",)]
    assert con.sql("SELECT schema_name, table_name FROM duckdb_tables()").fetchall() == [
        ("identity", "users")
    ]
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "x.duckdb").exists()
    con.close()


def test_session_queries_run_where_only_masked_data_is(shared_ws: Workspace) -> None:
    with GovernedSession(shared_ws, principal=acting_as("wall")) as session:
        session.sql(f"SELECT email FROM {PRODUCT} LIMIT 1", ROLE, PURPOSE)
        session.sql('SELECT user_id FROM "identity"."user_devices" LIMIT 1', ROLE, PURPOSE)
        (governed,) = session._governed.values()
        tables = governed.con.sql(
            "SELECT database_name, schema_name, table_name FROM duckdb_tables() ORDER BY ALL"
        ).fetchall()
        emails = governed.con.sql("SELECT email FROM identity.users").pl()["email"]
        assert governed.con.sql(
            "SELECT count(*) FROM duckdb_views() WHERE NOT internal"
        ).fetchall() == [(0,)]
    raw = set(
        pl.read_parquet(shared_ws.sample / "products" / "identity" / "users.parquet")["email"]
    )
    assert tables == [
        ("memory", "identity", "user_devices"),
        ("memory", "identity", "users"),
    ]
    assert emails.len() > 0 and not set(emails) & raw


def test_cli_refuses_the_issue_attack_in_one_line(shared_ws: Workspace) -> None:
    from privacymesh.cli.app import app

    users = shared_ws.sample / "products" / "identity" / "users.parquet"
    sql = (
        f'SELECT t2.email FROM (WITH "{users}" AS (SELECT 1) SELECT * FROM "{users}") t1, '
        f'"{users}" t2'
    )
    result = CliRunner().invoke(
        app,
        ["--workspace", str(shared_ws.root), "query", sql, "--role", ROLE, "--purpose", PURPOSE],
    )
    raw = pl.read_parquet(users)["email"].to_list()
    assert result.exit_code == 2
    assert "unknown table" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not any(email in result.output for email in raw)
