"""`privacymesh evidence verify|export`: exit 0 when intact, 1 when broken, 2 on bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from ledger_support import record_run, tamper
from typer.testing import CliRunner

from privacymesh.cli.evidence import evidence_app
from privacymesh.ledger import Ledger

runner = CliRunner()


@pytest.fixture
def filled(ledger_path: Path) -> Path:
    with Ledger(ledger_path) as ledger:
        record_run(ledger, day=0)
        record_run(ledger, day=1)
    return ledger_path


def test_verify_an_intact_ledger_exits_0(filled: Path) -> None:
    result = runner.invoke(evidence_app, ["verify", "--ledger", str(filled)])
    assert result.exit_code == 0, result.output
    assert "chain intact" in result.output
    with Ledger(filled, read_only=True) as ledger:
        head = ledger.chain_head()
    assert f"chain head {head.seq}:{head.hash}" in result.output


def test_verify_a_tampered_ledger_exits_1_and_names_the_record(filled: Path) -> None:
    tamper(filled, "UPDATE results SET status = 'pass' WHERE seq = 3")
    result = runner.invoke(evidence_app, ["verify", "--ledger", str(filled)])
    assert result.exit_code == 1
    assert "chain broken" in result.output
    assert "results seq 3" in result.output and "content changed" in result.output


def test_verify_against_a_published_head(filled: Path) -> None:
    with Ledger(filled, read_only=True) as ledger:
        head = ledger.chain_head()
    ok = runner.invoke(evidence_app, ["verify", "-l", str(filled), "--expect-head", str(head)])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(
        evidence_app, ["verify", "-l", str(filled), "--expect-head", f"{head.seq}:{'0' * 64}"]
    )
    assert bad.exit_code == 1 and "anchor mismatch" in bad.output
    malformed = runner.invoke(evidence_app, ["verify", "-l", str(filled), "--expect-head", "x"])
    assert malformed.exit_code == 2 and "SEQ:HASH" in malformed.output


def test_verify_a_missing_ledger_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(evidence_app, ["verify", "--ledger", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2
    assert "no ledger here" in result.output


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_then_verify_the_export(filled: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "export"
    result = runner.invoke(
        evidence_app, ["export", "--ledger", str(filled), "--out", str(out), "--format", fmt]
    )
    assert result.exit_code == 0, result.output
    assert (out / f"results.{fmt}").is_file() and (out / "manifest.json").is_file()
    checked = runner.invoke(evidence_app, ["verify", "--export", str(out)])
    assert checked.exit_code == 0, checked.output


def test_export_defaults_beside_the_ledger_and_refuses_unknown_formats(filled: Path) -> None:
    result = runner.invoke(evidence_app, ["export", "--ledger", str(filled)])
    assert result.exit_code == 0, result.output
    assert (filled.parent / "export" / "runs.parquet").is_file()
    bad = runner.invoke(evidence_app, ["export", "--ledger", str(filled), "--format", "xlsx"])
    assert bad.exit_code == 2 and "unknown format" in bad.output


def test_the_ledger_defaults_to_the_workspace_evidence_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "privacymesh.toml").write_text('[paths]\nevidence = "proof"\n')
    with Ledger(tmp_path / "proof" / "ledger.duckdb") as ledger:
        record_run(ledger)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(evidence_app, ["verify"])
    assert result.exit_code == 0, result.output
    assert "10 in" in result.output  # records verified
