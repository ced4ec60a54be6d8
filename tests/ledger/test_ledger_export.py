"""Exports round-trip, re-verify from the files alone, and the documented examiner recipe works."""

from __future__ import annotations

import hashlib
import json
import re
import textwrap
from pathlib import Path

import duckdb
import polars as pl
import pytest
from ledger_support import record_run

import privacymesh.ledger
from privacymesh.ledger import BreakReason, Ledger, LedgerError, ResultRecord, verify_export


@pytest.fixture
def ledger(ledger_path: Path) -> Ledger:
    ledger = Ledger(ledger_path)
    record_run(ledger, day=0)
    with ledger.begin_run() as run:  # awkward values: empty strings, unicode, quotes, newlines
        rid = run.add_result(
            ResultRecord(
                "c.odd",
                "skipped",
                product_id="dom.ü",
                reason="",
                severity="",
                measured={"t": 'a"b\nc', "x": 1e-7},
                query="SELECT 'x',\n  \"y\" FROM t -- ü",
                threshold={"max": float("nan")},
            )
        )
        run.add_findings(rid, [])
    record_run(ledger, day=2, failing={"dom.p1"})
    yield ledger  # type: ignore[misc]
    ledger.close()


def test_parquet_export_round_trips_every_table(ledger: Ledger, tmp_path: Path) -> None:
    paths = ledger.export(tmp_path / "out")
    assert sorted(paths) == [
        "alerts",
        "chain_head",
        "finding_decisions",
        "findings",
        "head_signatures",
        "manifest",
        "meta",
        "results",
        "run_context",
        "runs",
    ]
    for name, read in (
        ("runs", ledger.runs),
        ("results", ledger.results),
        ("findings", ledger.findings),
    ):
        exported = pl.read_parquet(paths[name])
        assert exported.equals(read()), name
    head = pl.read_parquet(paths["chain_head"]).row(0, named=True)
    assert (head["seq"], head["hash"]) == (ledger.chain_head().seq, ledger.chain_head().hash)


def test_manifest_names_every_file_with_its_hash(ledger: Ledger, tmp_path: Path) -> None:
    paths = ledger.export(tmp_path / "out")
    manifest = json.loads(paths["manifest"].read_text())
    assert manifest["chain_head"]["hash"] == ledger.chain_head().hash
    assert manifest["files"]["results"]["rows"] == 7
    for name, entry in manifest["files"].items():
        assert hashlib.sha256(paths[name].read_bytes()).hexdigest() == entry["sha256"]


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_an_export_verifies_on_its_own(ledger: Ledger, tmp_path: Path, fmt: str) -> None:
    ledger.export(tmp_path / fmt, fmt)  # type: ignore[arg-type]
    report = verify_export(tmp_path / fmt)
    assert report.ok, report
    assert report.head == ledger.verify().head


def test_a_tampered_csv_export_is_caught(ledger: Ledger, tmp_path: Path) -> None:
    paths = ledger.export(tmp_path / "csv", "csv")
    text = paths["results"].read_text()
    paths["results"].write_text(text.replace(",fail,", ",pass,", 1))
    report = verify_export(tmp_path / "csv")
    assert report.first_break is not None
    assert (report.first_break.table, report.first_break.reason) == (
        "results",
        BreakReason.CONTENT_CHANGED,
    )


def test_unknown_format_and_missing_export_are_clear(ledger: Ledger, tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="unknown export format"):
        ledger.export(tmp_path, "xlsx")  # type: ignore[arg-type]
    with pytest.raises(LedgerError, match=r"no runs\.parquet or runs\.csv"):
        verify_export(tmp_path / "empty")


def examiner_recipe() -> str:
    """The stand-alone verification code printed in privacymesh.ledger's docstring."""
    doc = privacymesh.ledger.__doc__ or ""
    block = re.search(r"\n(    import duckdb, hashlib, json\n(?:    .*\n|\n)+?)\n\(", doc)
    assert block, "the examiner recipe is missing from the docstring"
    return textwrap.dedent(block.group(1))


@pytest.mark.parametrize("source", ["duckdb", "parquet"])
def test_the_documented_examiner_recipe_verifies(
    ledger: Ledger, tmp_path: Path, source: str
) -> None:
    code = examiner_recipe()
    if source == "duckdb":
        ledger.close()
        code = code.replace('"ledger.duckdb"', repr(str(ledger.path)))
    else:
        out = ledger.export(tmp_path / "pq")
        setup = "".join(
            f"con.execute(\"CREATE VIEW {t} AS SELECT * FROM '{out[t]}'\")\n"
            for t in (
                "runs",
                "run_context",
                "results",
                "findings",
                "head_signatures",
                "finding_decisions",
                "alerts",
            )
        )
        code = code.replace(
            'con = duckdb.connect("ledger.duckdb", read_only=True)',
            "con = duckdb.connect()\n" + setup,
        )
    exec(compile(code, "examiner", "exec"), {})  # asserts on every record


def test_the_examiner_recipe_catches_tampering(ledger: Ledger, tmp_path: Path) -> None:
    ledger.close()
    con = duckdb.connect(str(ledger.path))
    con.execute("UPDATE findings SET column_name = 'x' WHERE seq = 5").fetchall()
    con.close()
    code = examiner_recipe().replace('"ledger.duckdb"', repr(str(ledger.path)))
    with pytest.raises(AssertionError, match="findings"):
        exec(compile(code, "examiner", "exec"), {})
