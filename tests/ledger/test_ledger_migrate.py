"""`privacymesh evidence migrate`: a version 1 ledger upgraded in place, its chain and heads
unchanged; a current one left alone; a broken one refused."""

from __future__ import annotations

from pathlib import Path

import duckdb
from ledger_support import record_run, tamper
from typer.testing import CliRunner

from privacymesh.cli.app import app
from privacymesh.ledger import SCHEMA_VERSION, Ledger
from privacymesh.ledger.schema import ADDED_TABLES

runner = CliRunner()


def version_1_ledger(path: Path) -> tuple[int, str]:
    """A ledger as privacymesh wrote it at schema version 1 (none of the tables later versions
    added); its head."""
    with Ledger(path) as ledger:
        record_run(ledger)
        record_run(ledger, day=1)
        head = ledger.chain_head()
    tamper(
        path,
        *(f"DROP TABLE {name}" for name in ADDED_TABLES),
        "UPDATE meta SET value = '1' WHERE key = 'schema_version'",
    )
    return head.seq, head.hash


def tables(path: Path) -> tuple[str, set[str]]:
    with duckdb.connect(str(path), read_only=True) as con:
        (version,) = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        names = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    return version[0], names


def test_a_version_1_ledger_is_migrated_in_place(ledger_path: Path) -> None:
    seq, digest = version_1_ledger(ledger_path)
    assert tables(ledger_path) == ("1", {"meta", "chain_head", "runs", "results", "findings"})
    result = runner.invoke(app, ["evidence", "migrate", "--ledger", str(ledger_path)])
    assert result.exit_code == 0, result.output
    assert f"schema version 1 -> {SCHEMA_VERSION}, chain intact" in result.output
    version, names = tables(ledger_path)
    assert version == str(SCHEMA_VERSION) and set(ADDED_TABLES) <= names
    with Ledger(ledger_path, read_only=True) as ledger:
        report = ledger.verify(expect_head=(seq, digest))
        assert report.ok and report.head.seq == seq and report.head.hash == digest
    again = runner.invoke(app, ["evidence", "migrate", "--ledger", str(ledger_path)])
    assert again.exit_code == 0 and f"already at schema version {SCHEMA_VERSION}" in again.output


def test_a_broken_ledger_is_not_migrated(ledger_path: Path) -> None:
    version_1_ledger(ledger_path)
    tamper(ledger_path, "UPDATE results SET status = 'pass' WHERE seq = 2")
    result = runner.invoke(app, ["evidence", "migrate", "--ledger", str(ledger_path)])
    assert result.exit_code == 2
    assert "nothing migrated" in result.output
    assert tables(ledger_path)[0] == "1"
