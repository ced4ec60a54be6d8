"""Recording runs: one transaction per run, validation, the raw-email guard."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from ledger_support import record_run

from privacymesh.ledger import (
    FindingRecord,
    Ledger,
    LedgerError,
    ResultRecord,
    RunInfo,
    finding_fingerprint,
    writer,
)


def counts(ledger: Ledger) -> tuple[int, int, int]:
    return (len(ledger.runs()), len(ledger.results()), len(ledger.findings()))


def test_a_new_ledger_is_created_empty_and_verifies(ledger_path: Path) -> None:
    with Ledger(ledger_path) as ledger:
        assert ledger_path.is_file()
        assert counts(ledger) == (0, 0, 0)
        head = ledger.chain_head()
        assert (head.seq, head.hash) == (0, "0" * 64)
        report = ledger.verify()
        assert report.ok and report.records_checked == 0


def test_a_run_is_chained_run_then_results_then_findings(ledger_path: Path) -> None:
    with Ledger(ledger_path) as ledger:
        summary = record_run(ledger, results=3, findings=2)
        assert (summary.result_count, summary.fail_count, summary.finding_count) == (3, 3, 6)
        assert summary.first_seq == 1 and summary.head.seq == 10
        assert ledger.runs()["seq"].to_list() == [1]
        assert ledger.results()["seq"].to_list() == [2, 3, 4]
        assert ledger.findings()["seq"].to_list() == [5, 6, 7, 8, 9, 10]
        second = record_run(ledger, day=1)
        assert second.first_seq == 11
        assert ledger.chain_head() == second.head
        report = ledger.verify()
        assert report.ok and report.records_checked == 20
        assert report.head.hash == second.head.hash


def test_the_run_record_holds_its_info_and_summary(ledger_path: Path) -> None:
    with Ledger(ledger_path) as ledger:
        summary = record_run(ledger, results=4, findings=1, failing={"dom.p1"})
        run = ledger.runs().row(0, named=True)
    assert run["run_id"] == summary.run_id
    assert (run["actor"], run["host"], run["code_version"]) == ("tester", "test-host", "test")
    assert run["options"] == '{"day":0}'
    assert (run["result_count"], run["pass_count"], run["fail_count"]) == (4, 3, 1)
    assert (run["error_count"], run["skipped_count"], run["finding_count"]) == (0, 0, 1)
    assert run["finished_at"] >= run["started_at"]


def test_an_exception_in_the_block_leaves_nothing(ledger_path: Path) -> None:
    with Ledger(ledger_path) as ledger:
        record_run(ledger)
        before = ledger.chain_head()
        with pytest.raises(RuntimeError, match="check crashed"), ledger.begin_run() as run:
            rid = run.add_result(ResultRecord("c.x", "pass", product_id="dom.p0"))
            run.add_findings(rid, [FindingRecord(kind="k")])
            raise RuntimeError("check crashed")
        assert counts(ledger) == (1, 3, 6)
        assert ledger.chain_head() == before
        with pytest.raises(LedgerError, match="rolled back"):
            run.add_result(ResultRecord("c.x", "pass"))
        assert ledger.verify().ok


def test_a_failed_commit_rolls_back_everything(
    ledger_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A commit that fails after the run and results rows went in leaves no trace."""
    real = writer.chain_batch

    def failing(table, *args):  # type: ignore[no-untyped-def]
        if table.name == "findings":
            raise OSError("disk full")
        return real(table, *args)

    with Ledger(ledger_path) as ledger:
        record_run(ledger)
        before = ledger.chain_head()
        monkeypatch.setattr(writer, "chain_batch", failing)
        with pytest.raises(OSError, match="disk full"):
            record_run(ledger, day=1)
        assert counts(ledger) == (1, 3, 6)
        assert ledger.chain_head() == before
        monkeypatch.undo()
        record_run(ledger, day=2)
        assert counts(ledger) == (2, 6, 12)
        assert ledger.verify().ok


def test_results_are_validated_when_added(ledger_path: Path) -> None:
    with Ledger(ledger_path) as ledger, ledger.begin_run() as run:
        with pytest.raises(LedgerError, match="status 'ok'"):
            run.add_result(ResultRecord("c", "ok"))
        with pytest.raises(LedgerError, match="needs a reason"):
            run.add_result(ResultRecord("c", "error"))
        with pytest.raises(LedgerError, match="population"):
            run.add_result(ResultRecord("c", "pass", population=-1))
        with pytest.raises(LedgerError, match=r"measured\['m'\]"):
            run.add_result(ResultRecord("c", "pass", measured={"m": [1, 2]}))  # type: ignore[dict-item]
        with pytest.raises(LedgerError, match="unknown result id"):
            run.add_findings("nope", [FindingRecord(kind="k")])
        run.add_result(ResultRecord("c", "error", reason="source unreadable"))
    assert run.summary is not None and run.summary.error_count == 1


def test_finding_defaults_come_from_its_result(ledger_path: Path) -> None:
    with Ledger(ledger_path) as ledger:
        with ledger.begin_run() as run:
            rid = run.add_result(
                ResultRecord("c.pii", "fail", product_id="pay.tx", severity="critical")
            )
            run.add_findings(
                rid,
                [
                    FindingRecord(kind="pii", column="email"),
                    FindingRecord(kind="pii", severity="low", fingerprint="fp"),
                ],
            )
        rows = ledger.findings().to_dicts()
        result = ledger.results().row(0, named=True)
    assert result["domain"] == "pay"
    assert [r["severity"] for r in rows] == ["critical", "low"]
    assert rows[0]["fingerprint"] == finding_fingerprint("c.pii", "pay.tx", "email", "pii")
    assert rows[1]["fingerprint"] == "fp"
    assert {r["check_id"] for r in rows} == {"c.pii"}
    assert {r["result_id"] for r in rows} == {rid}


@pytest.mark.parametrize(
    ("detail", "raw"),
    [
        ({"samples": ["john.doe@example.com"]}, "john.doe@example.com"),
        ({"note": "owner is ann@example.co.uk"}, "ann@example.co.uk"),
        ({"samples": ["\u00e9lise@example.fr"]}, "\u00e9lise@example.fr"),
    ],
)
def test_raw_emails_in_finding_detail_withhold_the_result(
    ledger_path: Path, detail: dict, raw: str
) -> None:
    with Ledger(ledger_path) as ledger:
        with ledger.begin_run() as run:
            kept = run.add_result(ResultRecord("other", "fail"))
            run.add_findings(kept, [FindingRecord(kind="k", detail={"count": 3})])
            rid = run.add_result(ResultRecord("c", "fail", measured={"rate": 0.5}))
            assert run.add_findings(rid, [FindingRecord(kind="k", detail=detail)]) == []
        results = ledger.results().sort("check_id")
        assert results["status"].to_list() == ["error", "fail"]
        withheld = results.row(0, named=True)
        measured = json.loads(withheld["measured"])
        assert measured["category"] == "user.contact.email"
        if raw.isascii():  # a non-ASCII address is matched in its JSON-escaped form
            assert measured["withheld"] == "sha256:" + hashlib.sha256(raw.encode()).hexdigest()
        assert measured["withheld"] in withheld["reason"]
        assert ledger.findings()["result_id"].to_list() == [kept]
        assert raw.split("@")[0][-4:] + "@" not in results["reason"][0] and ledger.verify().ok


@pytest.mark.parametrize(
    "detail",
    [
        {"samples": ["j***@example.com", "jo***n@example.org", "john@e***.com"]},
        {"samples": ["***@***.***"], "count": 12},
        {"pattern": "user@domain"},
    ],
)
def test_masked_samples_pass_the_guard(ledger_path: Path, detail: dict) -> None:
    with Ledger(ledger_path) as ledger, ledger.begin_run() as run:
        rid = run.add_result(ResultRecord("c", "fail"))
        run.add_findings(rid, [FindingRecord(kind="k", detail=detail)])


def test_raw_emails_in_measured_values_or_reason_withhold_the_result(ledger_path: Path) -> None:
    with Ledger(ledger_path) as ledger:
        with ledger.begin_run() as run:
            run.add_result(ResultRecord("a", "fail", measured={"worst": "ann@example.com"}))
            run.add_result(ResultRecord("b", "error", reason="bad row bob@example.org"))
            run.add_result(ResultRecord("c", "pass", measured={"rate": 0.0}))
        results = ledger.results().sort("check_id")
        assert results["status"].to_list() == ["error", "error", "pass"]
        assert "ann@" not in results["measured"][0] and "bob@" not in results["reason"][1]
        assert results["reason"][1].startswith("withheld: the result carried raw personal data")


def test_a_run_writer_is_used_once(ledger_path: Path) -> None:
    with Ledger(ledger_path) as ledger:
        run = ledger.begin_run(RunInfo(run_id="fixed-id"))
        with run:
            run.add_result(ResultRecord("c", "pass"))
        with pytest.raises(LedgerError, match="committed"), run:
            pass
        with pytest.raises(LedgerError, match="committed"):
            run.add_result(ResultRecord("c", "pass"))
        assert ledger.runs()["run_id"].to_list() == ["fixed-id"]
        with (
            pytest.raises(LedgerError, match="already in the ledger"),
            ledger.begin_run(RunInfo(run_id="fixed-id")) as again,
        ):
            again.add_result(ResultRecord("c", "pass"))
        assert len(ledger.results()) == 1 and ledger.verify().ok


def test_run_info_from_a_workspace(tmp_path: Path) -> None:
    from privacymesh.workspace import load_workspace

    (tmp_path / "privacymesh.toml").write_text('name = "w"\n[engine]\nkind = "spark"\n')
    workspace = load_workspace(tmp_path)
    info = RunInfo.for_workspace(workspace, catalog_fingerprint="abc")
    assert (info.engine, info.catalog_fingerprint) == ("spark", "abc")
    assert info.workspace_config_hash == workspace.config_hash
