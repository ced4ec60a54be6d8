"""Tampering anywhere breaks the chain, and verify() names the first broken record."""

from __future__ import annotations

from pathlib import Path

import pytest
from ledger_support import record_run, tamper

from privacymesh.ledger import BreakReason, Ledger, VerifyReport

# Three runs of 3 results x 2 findings: runs at seq 1, 11, 21; results 2-4, 12-14, 22-24;
# findings 5-10, 15-20, 25-30.


@pytest.fixture
def filled(ledger_path: Path) -> Path:
    with Ledger(ledger_path) as ledger:
        for day in range(3):
            record_run(ledger, day=day)
        assert ledger.chain_head().seq == 30
    return ledger_path


def verify(path: Path, **kwargs: object) -> VerifyReport:
    with Ledger(path, read_only=True) as ledger:
        return ledger.verify(**kwargs)  # type: ignore[arg-type]


def assert_broken(report: VerifyReport, table: str | None, seq: int, reason: BreakReason) -> None:
    assert not report.ok
    broken = report.first_break
    assert broken is not None
    assert (broken.table, broken.seq, broken.reason) == (table, seq, reason), broken


def test_an_untouched_ledger_verifies(filled: Path) -> None:
    report = verify(filled)
    assert report.ok and report.first_break is None
    assert report.records_checked == report.records_total == 30
    assert report.table_counts == {
        "runs": 3,
        "run_context": 0,  # runs recorded without a reference time or specs
        "results": 9,
        "findings": 18,
        "head_signatures": 0,
        "finding_decisions": 0,
        "alerts": 0,
    }


@pytest.mark.parametrize(
    ("statement", "table", "seq"),
    [
        ("UPDATE runs SET actor = 'mallory' WHERE seq = 11", "runs", 11),
        ("UPDATE runs SET fail_count = 0 WHERE seq = 21", "runs", 21),
        ("UPDATE runs SET started_at = started_at + INTERVAL 1 SECOND WHERE seq = 1", "runs", 1),
        ("UPDATE results SET status = 'pass' WHERE seq = 13", "results", 13),
        ('UPDATE results SET measured = \'{"ratio":0.0,"rows":101}\' WHERE seq = 3', "results", 3),
        ("UPDATE results SET product_id = NULL WHERE seq = 24", "results", 24),
        ("UPDATE results SET query = query || ' ' WHERE seq = 2", "results", 2),
        ("UPDATE findings SET detail = '{\"count\":0}' WHERE seq = 16", "findings", 16),
        ("UPDATE findings SET column_name = 'other' WHERE seq = 30", "findings", 30),
        ("UPDATE findings SET hash = prev_hash WHERE seq = 7", "findings", 7),
    ],
)
def test_a_changed_value_is_named(filled: Path, statement: str, table: str, seq: int) -> None:
    tamper(filled, statement)
    assert_broken(verify(filled), table, seq, BreakReason.CONTENT_CHANGED)


def test_a_changed_record_with_a_recomputed_hash_breaks_the_next_link(filled: Path) -> None:
    with Ledger(filled, read_only=True) as ledger:
        original = ledger.findings().filter(seq=6).row(0, named=True)
    from privacymesh.ledger.chain import record_hash
    from privacymesh.ledger.schema import FINDINGS, canonicalizer_for

    forged = {c.name: [original[c.name]] for c in FINDINGS.columns}
    forged["detail"] = ['{"count":0}']
    new_hash = record_hash(original["prev_hash"], canonicalizer_for(FINDINGS).encode(forged)[0])
    tamper(
        filled, f"UPDATE findings SET detail = '{{\"count\":0}}', hash = '{new_hash}' WHERE seq = 6"
    )
    assert_broken(verify(filled), "findings", 7, BreakReason.LINK_BROKEN)


@pytest.mark.parametrize(
    ("statement", "table", "seq"),
    [
        ("DELETE FROM results WHERE seq = 13", "results", 13),
        ("DELETE FROM findings WHERE seq = 18", "findings", 18),
        ("DELETE FROM runs WHERE seq = 11", "runs", 11),
        ("DELETE FROM results WHERE seq = 4", "results", 4),
        ("DELETE FROM results WHERE seq = 2", "results", 2),
        ("DELETE FROM findings WHERE seq BETWEEN 15 AND 17", "findings", 15),
    ],
)
def test_a_deleted_record_is_named(filled: Path, statement: str, table: str, seq: int) -> None:
    tamper(filled, statement)
    report = verify(filled)
    assert_broken(report, table, seq, BreakReason.MISSING_SEQ)
    assert report.records_checked == seq - 1


def test_deleting_a_whole_run_is_caught(filled: Path) -> None:
    run_id = "(SELECT run_id FROM runs WHERE seq = 11)"
    tamper(
        filled,
        f"DELETE FROM findings WHERE run_id = {run_id}",
        f"DELETE FROM results WHERE run_id = {run_id}",
        "DELETE FROM runs WHERE seq = 11",
    )
    assert_broken(verify(filled), "runs", 11, BreakReason.MISSING_SEQ)


def test_deleting_the_last_records_is_caught_by_the_head(filled: Path) -> None:
    tamper(filled, "DELETE FROM findings WHERE seq >= 29")
    report = verify(filled)
    assert_broken(report, "findings", 29, BreakReason.MISSING_SEQ)
    assert report.records_checked == 28


def test_rewinding_the_head_with_the_tail_is_caught_by_a_published_head(filled: Path) -> None:
    with Ledger(filled, read_only=True) as ledger:
        published = ledger.chain_head()
        row = ledger.findings().filter(seq=28).row(0, named=True)
    tamper(
        filled,
        "DELETE FROM findings WHERE seq >= 29",
        f"UPDATE chain_head SET seq = 28, hash = '{row['hash']}'",
    )
    assert verify(filled).ok  # consistent on its own ...
    report = verify(filled, expect_head=published)  # ... but not with what was published
    assert_broken(report, None, 30, BreakReason.ANCHOR_MISMATCH)
    assert verify(filled, expect_head=(28, row["hash"])).ok


def test_a_wrong_published_hash_is_named(filled: Path) -> None:
    report = verify(filled, expect_head=(12, "a" * 64))
    assert_broken(report, "results", 12, BreakReason.ANCHOR_MISMATCH)


@pytest.mark.parametrize(
    ("table_a", "seq_a", "table_b", "seq_b"),
    [
        ("results", 13, "results", 14),
        ("findings", 15, "findings", 20),
        ("runs", 11, "runs", 21),
    ],
)
def test_swapped_seqs_are_named_as_reordered(
    filled: Path, table_a: str, seq_a: int, table_b: str, seq_b: int
) -> None:
    tamper(
        filled,
        f"UPDATE {table_a} SET seq = -1 WHERE seq = {seq_a}",
        f"UPDATE {table_b} SET seq = {seq_a} WHERE seq = {seq_b}",
        f"UPDATE {table_a} SET seq = {seq_b} WHERE seq = -1",
    )
    assert_broken(verify(filled), table_b, seq_a, BreakReason.REORDERED)


def test_a_record_moved_across_tables_boundary_is_reordered(filled: Path) -> None:
    """Swap a result and a finding: each now sits at the other's place in the chain."""
    tamper(
        filled,
        "UPDATE results SET seq = -1 WHERE seq = 14",
        "UPDATE findings SET seq = 14 WHERE seq = 15",
        "UPDATE results SET seq = 15 WHERE seq = -1",
    )
    assert_broken(verify(filled), "findings", 14, BreakReason.REORDERED)


def test_a_duplicated_seq_is_named(filled: Path) -> None:
    tamper(filled, "UPDATE findings SET seq = 9 WHERE seq = 10")
    report = verify(filled)
    assert not report.ok and report.first_break is not None
    assert report.first_break.seq == 9
    assert report.first_break.reason is BreakReason.DUPLICATE_SEQ


def test_a_changed_link_is_named(filled: Path) -> None:
    tamper(filled, "UPDATE results SET prev_hash = repeat('f', 64) WHERE seq = 22")
    assert_broken(verify(filled), "results", 22, BreakReason.LINK_BROKEN)


def test_a_forged_head_is_named(filled: Path) -> None:
    tamper(filled, "UPDATE chain_head SET hash = repeat('e', 64)")
    assert_broken(verify(filled), "findings", 30, BreakReason.HEAD_MISMATCH)


def test_records_appended_behind_the_ledgers_back_are_caught(filled: Path) -> None:
    tamper(
        filled,
        "INSERT INTO runs SELECT * REPLACE (31 AS seq, 'forged' AS run_id, "
        "(SELECT hash FROM findings WHERE seq = 30) AS prev_hash) FROM runs WHERE seq = 1",
    )
    report = verify(filled)
    assert not report.ok and report.first_break is not None
    assert report.first_break.seq == 31


def test_verification_in_small_batches_gives_the_same_answer(filled: Path) -> None:
    assert verify(filled, batch_size=4).ok
    tamper(filled, "UPDATE findings SET kind = 'x' WHERE seq = 26")
    for batch in (1, 3, 7, 100):
        assert_broken(verify(filled, batch_size=batch), "findings", 26, BreakReason.CONTENT_CHANGED)
