"""Sealing: sign the heads of the ledger and the audit log, push them to the anchors, and check
a ledger and an audit log against everything the anchors hold.

Configured in privacymesh.toml:

    [evidence]
    signing_key = "/etc/privacymesh/signing.key"   # default <evidence>/signing.key
    anchors = [{ file = "/mnt/worm/heads.jsonl" }]

A run's commit ends with one `head_signatures` record: the signed statement of the head the
run's records end at (and of the audit log's head at that moment). After the ledger is closed,
the statement is pushed to every anchor together with the chain's tip (the signature record's
own seq and hash). Closing an audit log that was appended to pushes a statement of its head.
Without a key, statements are still anchored, unsigned; without anchors, runs are still signed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from privacymesh.ledger.anchors import (
    RECEIPTS_FILE,
    Anchor,
    AnchorError,
    PushOutcome,
    parse_anchor,
    push_all,
)
from privacymesh.ledger.chain import iso_utc
from privacymesh.ledger.records import ChainHead, utc_now
from privacymesh.ledger.signing import (
    KEY_FILE,
    STATEMENT_TYPE,
    SignedStatement,
    SigningError,
    fingerprint,
    load_private_key,
    load_public_key,
    public_path,
    sign_statement,
)

if TYPE_CHECKING:
    from privacymesh.workspace import Workspace

log = logging.getLogger("privacymesh.anchors")

AUDIT_LOG_FILE = "audit.jsonl"


@dataclass(frozen=True)
class EvidenceSettings:
    """`[evidence]` of a workspace: where the signing key is, and the anchors."""

    workspace: str
    key_path: Path
    anchors: tuple[Anchor, ...] = ()
    audit_path: Path | None = None

    @property
    def public_key_path(self) -> Path:
        return public_path(self.key_path)

    @classmethod
    def for_workspace(cls, ws: Workspace, audit_path: Path | None = None) -> EvidenceSettings:
        section = ws.section("evidence")
        key = section.get("signing_key", str(ws.evidence / KEY_FILE))
        if not isinstance(key, str) or not key:
            raise SigningError(
                "signing_key must be a path", file=ws.file, field="evidence.signing_key"
            )
        key_path = Path(key).expanduser()
        key_path = key_path if key_path.is_absolute() else ws.root / key_path
        raw = section.get("anchors", [])
        if not isinstance(raw, list):
            raise AnchorError("anchors must be a list", file=ws.file, field="evidence.anchors")
        receipts = ws.evidence / RECEIPTS_FILE
        anchors: list[Anchor] = []
        for i, item in enumerate(raw):
            try:
                anchors.append(parse_anchor(item, ws.root, receipts, f"evidence.anchors[{i}]"))
            except AnchorError as exc:
                exc.file = ws.file
                raise
        return cls(
            workspace=ws.name,
            key_path=key_path,
            anchors=tuple(anchors),
            audit_path=audit_path or ws.evidence / AUDIT_LOG_FILE,
        )

    def private_key(self) -> Ed25519PrivateKey | None:
        """The signing key, or None when none was made (a loose or damaged key is an error)."""
        if not self.key_path.exists():
            return None
        return load_private_key(self.key_path)

    def public_key(self) -> Ed25519PublicKey | None:
        path = self.public_key_path
        return load_public_key(path) if path.exists() else None


def read_audit_head(audit_path: Path | None) -> ChainHead | None:
    """The audit log's head from its head file (`seq:hash:size`), None without a log."""
    if audit_path is None or not audit_path.is_file():
        return None
    head_file = audit_path.with_name(audit_path.name + ".head")
    try:
        parts = head_file.read_text("ascii").strip().split(":")
    except (OSError, UnicodeDecodeError):
        return None
    if len(parts) != 3 or not parts[0].isdigit() or len(parts[1]) != 64:
        return None
    return ChainHead(int(parts[0]), parts[1], "audit")


def _head(head: ChainHead | None) -> dict[str, Any] | None:
    return None if head is None else {"seq": head.seq, "hash": head.hash}


class Sealer:
    """Signs head statements with the workspace key and pushes them to its anchors. Entries
    made while a ledger is open wait in `pending` until `publish()` (the ledger calls it after
    it has let go of the file, so a slow anchor never holds the ledger)."""

    def __init__(self, settings: EvidenceSettings, key: Ed25519PrivateKey | None) -> None:
        self.settings = settings
        self.key = key
        self.pending: list[dict[str, Any]] = []
        self.outcomes: list[PushOutcome] = []

    @classmethod
    def for_workspace(cls, ws: Workspace, audit_path: Path | None = None) -> Sealer | None:
        """The workspace's sealer, or None when it has neither a signing key nor anchors."""
        settings = EvidenceSettings.for_workspace(ws, audit_path)
        key = settings.private_key()
        return cls(settings, key) if key is not None or settings.anchors else None

    def statement(
        self, ledger: ChainHead | None, audit: ChainHead | None, run_id: str | None, at: datetime
    ) -> SignedStatement:
        body = {
            "type": STATEMENT_TYPE,
            "version": 1,
            "workspace": self.settings.workspace,
            "at": iso_utc(at),
            "run_id": run_id,
            "ledger": _head(ledger),
            "audit": _head(audit),
        }
        return sign_statement(body, self.key)

    def signature_row(
        self, run_id: str, head: ChainHead, at: datetime
    ) -> tuple[SignedStatement, dict[str, list[Any]]]:
        """The signed statement of a run's head and its `head_signatures` columns."""
        from privacymesh.ledger.chain import canonical_json

        audit = read_audit_head(self.settings.audit_path)
        signed = self.statement(head, audit, run_id, at)
        row = {
            "seq": None,
            "signature_id": f"{run_id}/s",
            "run_id": run_id,
            "signed_seq": head.seq,
            "signed_hash": head.hash,
            "audit_seq": audit.seq if audit else None,
            "audit_hash": audit.hash if audit else None,
            "statement": canonical_json(signed.statement),
            "signature": signed.signature,
            "key_fingerprint": signed.statement["key"],
        }
        return signed, {name: [value] for name, value in row.items()}

    def queue(self, signed: SignedStatement, tip: ChainHead | None) -> None:
        """Keep an entry for the anchors (`tip`: the chain's last record after the signature)."""
        if self.settings.anchors:
            self.pending.append(
                {"statement": signed.statement, "signature": signed.signature, "tip": _head(tip)}
            )

    def publish(self) -> list[PushOutcome]:
        """Push the waiting entries to every anchor; failures are logged, never raised (the run
        is already recorded; `evidence verify --anchors` will name the unanchored records)."""
        done = []
        while self.pending:
            outcome = push_all(self.settings.anchors, self.pending.pop(0))
            for name, why in outcome.failed.items():
                log.warning("anchor %s failed: %s", name, why)
            done.append(outcome)
        self.outcomes += done
        return done

    def anchor_audit(self, head: ChainHead) -> list[PushOutcome]:
        """Sign and push the audit log's head (called when a log that was appended to closes)."""
        self.queue(self.statement(None, head, None, utc_now()), None)
        return self.publish()


# ---- checking against the anchors ---------------------------------------------------------------


@dataclass
class AnchorCheck:
    """The outcome of checking the ledger and the audit log against the anchored heads."""

    entries: int = 0
    signed: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    last_ledger_anchor: int = 0
    last_audit_anchor: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _pair(value: Any) -> tuple[int, str] | None:
    if isinstance(value, Mapping) and isinstance(value.get("seq"), int):
        return int(value["seq"]), str(value.get("hash"))
    return None


def check_against_anchors(
    entries: list[dict[str, Any]],
    public_key: Ed25519PublicKey | None,
    ledger_head: ChainHead,
    ledger_hashes: Mapping[int, str],
    audit_head: ChainHead | None,
    audit_hashes: Mapping[int, str] | None,
) -> AnchorCheck:
    """Every anchored head must still be in its chain (same hash at the same seq), every
    signature must verify with `public_key`, and no ledger record may follow the last anchored
    one. `ledger_hashes` / `audit_hashes` map each anchored seq to the hash the chain holds
    there; `audit_hashes` is None when there is no audit log at all."""
    check = AnchorCheck(entries=len(entries))
    if not entries:
        if ledger_head.seq > 0 or audit_head is not None:
            check.problems.append(
                "the anchors hold no heads: nothing proves this evidence was not rewritten"
            )
        return check
    fingerprint_ok = fingerprint(public_key) if public_key is not None else None
    unsigned = 0
    for number, entry in enumerate(entries, start=1):
        statement = entry.get("statement", {})
        where = f"anchored head {number} ({statement.get('at', '?')})"
        signed = SignedStatement(statement, entry.get("signature"))
        if signed.signature is None:
            unsigned += 1
        elif public_key is None:
            check.warnings.append(f"{where} is signed but no public key is at hand to check it")
        elif statement.get("key") != fingerprint_ok or not signed.valid_for(public_key):
            check.problems.append(
                f"{where}: the signature does not verify with the workspace public key "
                f"{fingerprint_ok}"
            )
            continue
        else:
            check.signed += 1
        for pair in (_pair(statement.get("ledger")), _pair(entry.get("tip"))):
            if pair is None:
                continue
            seq, digest = pair
            check.last_ledger_anchor = max(check.last_ledger_anchor, seq)
            if seq > ledger_head.seq:
                check.problems.append(
                    f"ledger: {where} is at seq {seq} but the ledger ends at seq "
                    f"{ledger_head.seq}: records were removed (truncated or emptied)"
                )
            elif ledger_hashes.get(seq) != digest:
                check.problems.append(
                    f"ledger: {where} holds {seq}:{digest} but the ledger has "
                    f"{ledger_hashes.get(seq, 'nothing')} at seq {seq}: the chain was rewritten"
                )
        audit = _pair(statement.get("audit"))
        if audit is not None and audit[0] > 0:
            seq, digest = audit
            check.last_audit_anchor = max(check.last_audit_anchor, seq)
            if audit_hashes is None or audit_head is None:
                check.problems.append(
                    f"audit log: {where} holds audit head seq {seq} but the audit log is gone"
                )
            elif seq > audit_head.seq:
                check.problems.append(
                    f"audit log: {where} is at seq {seq} but the log ends at seq "
                    f"{audit_head.seq}: records were removed"
                )
            elif audit_hashes.get(seq) != digest:
                check.problems.append(
                    f"audit log: {where} holds {seq}:{digest} but the log has "
                    f"{audit_hashes.get(seq, 'nothing')} at seq {seq}: the log was rewritten"
                )
    if unsigned:
        check.warnings.append(
            f"{unsigned} of {len(entries)} anchored heads are unsigned "
            "(no signing key when they were made: `privacymesh evidence keygen`)"
        )
    after = ledger_head.seq - check.last_ledger_anchor
    if after > 0 and not any("records were removed" in p for p in check.problems):
        check.problems.append(
            f"ledger: records after the last anchor: {after}, not anchored (seq "
            f"{check.last_ledger_anchor + 1}..{ledger_head.seq})"
        )
    if audit_head is not None and audit_head.seq > check.last_audit_anchor:
        check.warnings.append(
            f"audit log: records after the last anchor: {audit_head.seq - check.last_audit_anchor}"
            ", not anchored yet (a log still open in a service is anchored when it closes)"
        )
    return check


def read_anchors(anchors: tuple[Anchor, ...]) -> tuple[list[dict[str, Any]], list[str]]:
    """Every entry of every readable anchor (duplicates across anchors kept once), and the
    names of the anchors read."""
    from privacymesh.ledger.chain import canonical_json

    seen: set[str] = set()
    entries: list[dict[str, Any]] = []
    names = []
    for anchor in anchors:
        if not anchor.readable:
            continue
        names.append(anchor.name)
        for entry in anchor.read():
            text = canonical_json(entry)
            if text not in seen:
                seen.add(text)
                entries.append(entry)
    return entries, names
