"""The audit-log SDK: one call appends a chained record, queries find it, verification passes,
and any tampering (changed, deleted, reordered or cut-off records) is named."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from privacymesh.ledger import BreakReason, RawPersonalDataError
from privacymesh.ledger.chain import canonical_json, record_hash
from privacymesh.platform.audit import AuditLog

KEY = b"k" * 32


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    audit = AuditLog(tmp_path / "audit.jsonl", key=KEY)
    for i in range(5):
        audit.record(
            "ana",
            "query",
            "payments.transactions",
            ["user_id", "amount"],
            "fraud_prevention",
            subjects=i,
            role="fraud_analyst",
            policy="policy.yaml@abc",
            rows=10 * i,
            subject="u_000123" if i == 2 else None,
            detail={"masked": {"user_id": "hash"}},
        )
    yield audit
    audit.close()


def _lines(log: AuditLog) -> list[str]:
    return log.path.read_text().splitlines()


def test_records_are_chained_with_the_ledger_mechanism(log: AuditLog) -> None:
    lines = [json.loads(line) for line in _lines(log)]
    prev = "0" * 64
    for seq, obj in enumerate(lines, start=1):
        digest, link = obj.pop("hash"), obj.pop("prev_hash")
        assert obj["seq"] == seq and link == prev
        assert digest == record_hash(prev, canonical_json(obj))
        prev = digest
    report = log.verify()
    assert report.ok and report.records_checked == 5 and report.head.seq == 5
    assert log.head().hash == prev


def test_subjects_are_pseudonymized_never_raw(log: AuditLog) -> None:
    text = log.path.read_text()
    assert "u_000123" not in text
    frame = log.query(subject="u_000123")
    assert frame.height == 1 and frame["subject_ref"][0].startswith("s_")
    other = AuditLog(log.path.with_name("other.jsonl"), key=b"another key")
    assert other.pseudonymize("u_000123") != frame["subject_ref"][0]


def test_query_helper_filters(log: AuditLog) -> None:
    assert log.query(action="query").height == 5
    assert log.query(product="payments.transactions", role="fraud_analyst").height == 5
    assert log.query(actor="bob").height == 0
    assert log.frame()["fields"][0].to_list() == ["user_id", "amount"]


def test_raw_email_in_detail_is_refused(log: AuditLog) -> None:
    with pytest.raises(RawPersonalDataError):
        log.record("ana", "query", None, detail={"note": "mail jane.doe@example.com"})
    assert len(_lines(log)) == 5


def test_changed_record_is_detected(log: AuditLog) -> None:
    lines = _lines(log)
    lines[2] = lines[2].replace('"rows":20', '"rows":21')
    log.path.write_text("\n".join(lines) + "\n")
    report = log.verify()
    assert not report.ok
    assert report.first_break.seq == 3 and report.first_break.reason is BreakReason.CONTENT_CHANGED


def test_deleted_record_is_detected(log: AuditLog) -> None:
    lines = _lines(log)
    del lines[1]
    log.path.write_text("\n".join(lines) + "\n")
    report = log.verify()
    assert report.first_break.seq == 2 and report.first_break.reason is BreakReason.MISSING_SEQ


def test_cut_off_tail_is_detected_by_the_head(log: AuditLog) -> None:
    lines = _lines(log)
    log.path.write_text("\n".join(lines[:3]) + "\n")
    report = log.verify()
    assert not report.ok and report.first_break.reason is BreakReason.MISSING_SEQ


def test_published_head_must_still_hold(log: AuditLog) -> None:
    head = log.head()
    assert log.verify(expect_head=(head.seq, head.hash)).ok
    report = log.verify(expect_head=(3, "f" * 64))
    assert not report.ok and report.first_break.reason is BreakReason.ANCHOR_MISMATCH


def test_concurrent_writers_keep_one_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    logs = [AuditLog(path, key=KEY) for _ in range(4)]  # separate handles, as processes would

    def write(log: AuditLog) -> None:
        for _ in range(50):
            log.record("w", "query", "p", [], None)

    threads = [threading.Thread(target=write, args=(log,)) for log in logs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report = logs[0].verify()
    assert report.ok and report.records_checked == 200


def test_a_stale_head_file_is_recovered_from_the_log(log: AuditLog) -> None:
    log.close()
    log.head_path.write_text("3:" + "0" * 64 + ":10\n")  # as if a writer died mid-append
    log.record("ana", "query", None)
    report = log.verify()
    assert report.ok and report.records_checked == 6
