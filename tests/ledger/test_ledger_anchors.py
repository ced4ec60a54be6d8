"""Signed heads pushed to anchors outside the evidence folder: `evidence verify --anchors` catches
the forgeries that a consistent, recomputed chain hides from a plain verify."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import duckdb
import pytest
from ledger_support import record_run, tamper
from typer.testing import CliRunner

from privacymesh.cli.app import app
from privacymesh.ledger import Ledger
from privacymesh.ledger.chain import GENESIS, canonical_json, record_hash
from privacymesh.ledger.schema import CHAINED_TABLES, canonicalizer_for
from privacymesh.ledger.seal import Sealer
from privacymesh.ledger.signing import (
    SigningError,
    fingerprint,
    generate_key,
    load_private_key,
    load_public_key,
    sign_statement,
)
from privacymesh.platform import audit
from privacymesh.workspace import Workspace, load_workspace

runner = CliRunner()

TOML = """name = "anchored"
[paths]
evidence = "evidence"
[evidence]
anchors = [{ file = "../offsite/heads.jsonl" }, { git = "../heads-repo" }]
"""


def _workspace(tmp_path: Path, toml: str = TOML, key: bool = True) -> Workspace:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "privacymesh.toml").write_text(toml)
    subprocess.run(["git", "init", "--quiet", str(tmp_path / "heads-repo")], check=True)
    ws = load_workspace(root)
    if key:
        generate_key(ws.evidence / "signing.key")
    return ws


def _record(ws: Workspace, runs: int = 3, sealed: bool = True) -> None:
    sealer = Sealer.for_workspace(ws) if sealed else None
    with Ledger(ws.ledger_path, sealer=sealer) as ledger:
        for day in range(runs):
            record_run(ledger, day=day, results=2, findings=1)


def _audit(ws: Workspace, n: int = 2) -> None:
    log = audit.open_log(ws)
    for i in range(n):
        log.record("ana", "query", "dom.p0", ["col0"], "testing", subjects=i)
    log.close()  # an appending log closes by anchoring its head


def _verify(ws: Workspace, *extra: str) -> tuple[int, str]:
    result = runner.invoke(app, ["-w", str(ws.root), "evidence", "verify", "--anchors", *extra])
    return result.exit_code, result.output


def _plain_verify(ws: Workspace) -> int:
    return runner.invoke(app, ["-w", str(ws.root), "evidence", "verify"]).exit_code


def _rechain(path: Path) -> None:
    """What a careful forger does after an edit: recompute every hash and the stored head."""
    con = duckdb.connect(str(path))
    try:
        rows = []
        for table in CHAINED_TABLES:
            cur = con.execute(f"SELECT {table.content_select()} FROM {table.name}")
            names = [d[0] for d in cur.description]
            rows += [(table, dict(zip(names, r, strict=True))) for r in cur.fetchall()]
        prev = GENESIS
        last = None
        for table, row in sorted(rows, key=lambda tr: tr[1]["seq"]):
            content = {c.name: [row[c.name]] for c in table.columns}
            digest = record_hash(prev, canonicalizer_for(table).encode(content)[0])
            con.execute(
                f"UPDATE {table.name} SET prev_hash = ?, hash = ? WHERE seq = ?",
                [prev, digest, row["seq"]],
            ).fetchall()
            prev, last = digest, row["seq"]
        con.execute("UPDATE chain_head SET seq = ?, hash = ?", [last or 0, prev]).fetchall()
    finally:
        con.close()


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    workspace = _workspace(tmp_path)
    _record(workspace)
    _audit(workspace)
    return workspace


# ---- keys and signatures ----------------------------------------------------------------------


def test_sign_and_verify_round_trip(tmp_path: Path) -> None:
    public = generate_key(tmp_path / "k.key")
    private = load_private_key(tmp_path / "k.key")
    signed = sign_statement({"ledger": {"seq": 3, "hash": "ab" * 32}}, private)
    assert signed.statement["key"] == fingerprint(public)
    assert signed.valid_for(load_public_key(tmp_path / "k.key.pub"))
    assert (tmp_path / "k.key").stat().st_mode & 0o777 == 0o600


def test_a_tampered_signature_or_statement_fails(tmp_path: Path) -> None:
    generate_key(tmp_path / "k.key")
    private = load_private_key(tmp_path / "k.key")
    public = load_public_key(tmp_path / "k.key.pub")
    signed = sign_statement({"ledger": {"seq": 3, "hash": "ab" * 32}}, private)
    assert signed.signature is not None
    flipped = ("0" if signed.signature[0] != "0" else "1") + signed.signature[1:]
    assert not type(signed)(signed.statement, flipped).valid_for(public)
    changed = {**signed.statement, "ledger": {"seq": 4, "hash": "ab" * 32}}
    assert not type(signed)(changed, signed.signature).valid_for(public)


def test_a_wrong_public_key_fails(tmp_path: Path) -> None:
    generate_key(tmp_path / "a.key")
    generate_key(tmp_path / "b.key")
    signed = sign_statement({"x": 1}, load_private_key(tmp_path / "a.key"))
    assert not signed.valid_for(load_public_key(tmp_path / "b.key.pub"))


def test_a_key_readable_by_others_is_refused_and_never_overwritten(tmp_path: Path) -> None:
    generate_key(tmp_path / "k.key")
    with pytest.raises(SigningError, match="already exists"):
        generate_key(tmp_path / "k.key")
    os.chmod(tmp_path / "k.key", 0o644)
    with pytest.raises(SigningError, match=r"readable by others \(mode 0644\)"):
        load_private_key(tmp_path / "k.key")


def test_keygen_command_prints_the_fingerprint(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, key=False)
    result = runner.invoke(app, ["-w", str(ws.root), "evidence", "keygen"])
    assert result.exit_code == 0, result.output
    public = load_public_key(ws.evidence / "signing.key.pub")
    assert f"fingerprint {fingerprint(public)}" in result.output
    again = runner.invoke(app, ["-w", str(ws.root), "evidence", "keygen"])
    assert again.exit_code == 2 and "a signing key already exists" in again.output


# ---- what a run leaves in the ledger and at the anchors ---------------------------------------


def test_each_run_ends_with_a_signed_head_record_and_anchors_it(ws: Workspace) -> None:
    with Ledger(ws.ledger_path, read_only=True) as ledger:
        rows = ledger.sql("SELECT * FROM head_signatures ORDER BY seq").to_dicts()
        head = ledger.chain_head()
        assert ledger.verify().ok
    # a run: 1 run record, 2 results, 2 findings, then its signature record
    assert [r["seq"] for r in rows] == [6, 12, 18] and head.seq == 18
    assert [r["signed_seq"] for r in rows] == [5, 11, 17]
    public = load_public_key(ws.evidence / "signing.key.pub")
    entries = [json.loads(x) for x in (ws.root.parent / "offsite/heads.jsonl").read_text().split()]
    # three runs, then the audit log's close
    assert [e["tip"]["seq"] if e["tip"] else None for e in entries] == [6, 12, 18, None]
    assert entries[-1]["statement"]["audit"]["seq"] == 2
    for entry, row in zip(entries, rows, strict=False):
        assert canonical_json(entry["statement"]) == row["statement"]
        assert entry["signature"] == row["signature"]
    assert entries[2]["tip"]["hash"] == head.hash
    from privacymesh.ledger.signing import SignedStatement

    assert all(SignedStatement(e["statement"], e["signature"]).valid_for(public) for e in entries)
    committed = subprocess.run(
        ["git", "-C", str(ws.root.parent / "heads-repo"), "log", "--oneline"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert len(committed) == 4


def test_an_intact_workspace_verifies_against_its_anchors(ws: Workspace) -> None:
    code, out = _verify(ws)
    assert code == 0, out
    assert "anchored heads: 4 (4 with a valid signature)" in out
    assert "anchored heads hold" in out


# ---- the forgeries ----------------------------------------------------------------------------


def test_recomputed_hash_forgery_is_caught(ws: Workspace) -> None:
    tamper(ws.ledger_path, "UPDATE results SET status = 'pass' WHERE seq = 8")
    _rechain(ws.ledger_path)
    assert _plain_verify(ws) == 0  # consistent on its own: the plain check cannot tell
    code, out = _verify(ws)
    assert code == 1
    assert "ledger: anchored head 2" in out and "at seq 11: the chain was rewritten" in out


def test_truncation_with_head_rewrite_is_caught(ws: Workspace) -> None:
    tamper(
        ws.ledger_path,
        "DELETE FROM findings WHERE seq > 12",
        "DELETE FROM results WHERE seq > 12",
        "DELETE FROM head_signatures WHERE seq > 12",
        "DELETE FROM runs WHERE seq > 12",
        "UPDATE chain_head SET seq = 12, hash = (SELECT hash FROM head_signatures WHERE seq = 12)",
    )
    assert _plain_verify(ws) == 0
    code, out = _verify(ws)
    assert code == 1
    assert "is at seq 18 but the ledger ends at seq 12: records were removed" in out


def test_forged_append_is_caught(ws: Workspace) -> None:
    _record(ws, runs=1, sealed=False)  # privacymesh itself, without the workspace's sealer
    assert _plain_verify(ws) == 0
    code, out = _verify(ws)
    assert code == 1
    assert "ledger: records after the last anchor: 5, not anchored (seq 19..23)" in out


def test_full_rewrite_is_caught(ws: Workspace) -> None:
    ws.ledger_path.unlink()
    ws.ledger_path.with_name("ledger.duckdb.wal").unlink(missing_ok=True)
    _record(ws, sealed=False)  # a new ledger of the same shape, every hash recomputed
    assert _plain_verify(ws) == 0
    code, out = _verify(ws)
    assert code == 1
    assert out.count("the chain was rewritten") >= 3


def test_emptied_ledger_is_caught(ws: Workspace) -> None:
    tamper(
        ws.ledger_path,
        *(f"DELETE FROM {t.name}" for t in CHAINED_TABLES),
        f"UPDATE chain_head SET seq = 0, hash = '{GENESIS}'",
    )
    assert _plain_verify(ws) == 0
    code, out = _verify(ws)
    assert code == 1
    assert "is at seq 6 but the ledger ends at seq 0: records were removed" in out


def test_deleted_ledger_file_is_caught(ws: Workspace) -> None:
    ws.ledger_path.unlink()
    code, out = _verify(ws)
    assert code == 1
    assert "missing" in out and "but the ledger ends at seq 0" in out


def test_deleted_audit_log_is_caught(ws: Workspace) -> None:
    (ws.evidence / "audit.jsonl").unlink()
    (ws.evidence / "audit.jsonl.head").unlink()
    code, out = _verify(ws)
    assert code == 1
    assert "holds audit head seq 2 but the audit log is gone" in out


def test_rewritten_audit_log_is_caught(ws: Workspace) -> None:
    (ws.evidence / "audit.jsonl").unlink()
    (ws.evidence / "audit.jsonl.head").unlink()
    log = audit.AuditLog(ws.evidence / "audit.jsonl")  # a fresh, consistent log
    for i in range(3):
        log.record("ana", "query", "dom.p0", ["col0"], "testing", subjects=i + 10)
    log.close()
    assert audit.AuditLog(ws.evidence / "audit.jsonl").verify().ok
    code, out = _verify(ws)
    assert code == 1
    assert "audit log: anchored head 4" in out and "the log was rewritten" in out


def test_a_forged_anchor_entry_fails_its_signature(ws: Workspace) -> None:
    offsite = ws.root.parent / "offsite/heads.jsonl"
    lines = offsite.read_text().splitlines()
    entry = json.loads(lines[-1])
    entry["statement"]["audit"]["seq"] = 1
    offsite.write_text("\n".join([*lines[:-1], canonical_json(entry)]) + "\n")
    code, out = _verify(ws, "--anchor", f"file:{offsite}")
    assert code == 1
    assert "anchored head 4" in out and "the signature does not verify" in out


def test_a_wrong_public_key_fails_every_signature(ws: Workspace, tmp_path: Path) -> None:
    generate_key(tmp_path / "other.key")
    code, out = _verify(ws, "--public-key", str(tmp_path / "other.key.pub"))
    assert code == 1
    assert out.count("does not verify with") >= 4


def test_without_a_key_heads_are_anchored_unsigned_with_a_warning(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, key=False)
    _record(ws, runs=2)
    code, out = _verify(ws)
    assert code == 0, out
    assert "2 of 2 anchored heads are unsigned" in out
    assert "no public key: heads are unsigned" in out


def test_no_readable_anchor_is_bad_input(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, toml='name = "x"\n')
    _record(ws, runs=1)
    code, out = _verify(ws)
    assert code == 2 and "no anchors to read" in out


def test_a_failing_anchor_does_not_lose_the_run(tmp_path: Path) -> None:
    toml = TOML.replace(
        '{ git = "../heads-repo" }', '{ command = ["sh", "-c", "cat >/dev/null; exit 3"] }'
    )
    ws = _workspace(tmp_path, toml=toml)
    _record(ws, runs=1)
    with Ledger(ws.ledger_path, read_only=True) as ledger:
        assert ledger.chain_head().seq == 6
    assert len((ws.root.parent / "offsite/heads.jsonl").read_text().splitlines()) == 1
    assert not (ws.evidence / "anchor-receipts.jsonl").exists()


def test_a_command_anchor_keeps_its_receipt(tmp_path: Path) -> None:
    toml = TOML.replace('{ git = "../heads-repo" }', '{ command = ["sha256sum"] }')
    ws = _workspace(tmp_path, toml=toml)
    _record(ws, runs=1)
    receipt = json.loads((ws.evidence / "anchor-receipts.jsonl").read_text())
    import base64
    import hashlib

    line = canonical_json(receipt["entry"]) + "\n"
    expected = hashlib.sha256(line.encode()).hexdigest()
    assert base64.b64decode(receipt["receipt"]).decode().split()[0] == expected


def test_a_deleted_signature_record_is_named(ws: Workspace) -> None:
    tamper(ws.ledger_path, "DELETE FROM head_signatures WHERE seq = 12")
    with Ledger(ws.ledger_path, read_only=True) as ledger:
        broken = ledger.verify().first_break
    assert broken is not None
    assert (broken.table, broken.seq, str(broken.reason)) == ("head_signatures", 12, "missing seq")


def test_a_version_1_ledger_reads_and_upgrades(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with Ledger(path) as ledger:
        record_run(ledger)
    tamper(
        path,
        "DROP TABLE head_signatures",
        "DROP TABLE run_context",
        "DROP TABLE finding_decisions",
        "DROP TABLE alerts",
        "UPDATE meta SET value = '1' WHERE key = 'schema_version'",
    )
    with Ledger(path, read_only=True) as ledger:
        assert ledger.schema_version == 1
        report = ledger.verify()
        assert report.ok and report.table_counts["head_signatures"] == 0
        assert report.table_counts["alerts"] == 0
    with Ledger(path) as ledger:
        assert ledger.schema_version == 3
        record_run(ledger, day=1)
        assert ledger.verify().ok


def test_evidence_anchor_anchors_an_existing_ledger(tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    _record(ws, runs=2, sealed=False)  # recorded before anchors were set up
    code, out = _verify(ws)
    assert code == 1 and "the anchors hold no heads" in out
    result = runner.invoke(app, ["-w", str(ws.root), "evidence", "anchor"])
    assert result.exit_code == 0, result.output
    assert "anchored at file:" in result.output and "anchored at git:" in result.output
    code, out = _verify(ws)
    assert code == 0, out
    assert "anchored heads: 1 (1 with a valid signature)" in out


def test_evidence_anchor_refuses_a_broken_chain(tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    _record(ws, runs=1)
    tamper(ws.ledger_path, "UPDATE results SET status = 'pass' WHERE seq = 2")
    result = runner.invoke(app, ["-w", str(ws.root), "evidence", "anchor"])
    assert result.exit_code == 2
    assert "not anchoring a broken chain: results seq 2" in result.output
