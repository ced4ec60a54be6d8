"""Signed statements that are not a run's head: one record of the `head_signatures` table,
chained after the current head in its own transaction. A pack sign-off is one: who vouches for
which manifest, at which head of the chain, signed with the evidence key when there is one.

Such a record has no run id; like a run's head statement, it signs the head just before it, so
`evidence verify` recomputes and checks it with the others."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from privacymesh.ledger.chain import canonical_json, iso_utc
from privacymesh.ledger.errors import LedgerError
from privacymesh.ledger.records import ChainHead, utc_now
from privacymesh.ledger.schema import HEAD_SIGNATURES
from privacymesh.ledger.signing import SignedStatement, sign_statement
from privacymesh.ledger.writer import Tables, commit_chained

if TYPE_CHECKING:
    from privacymesh.ledger.store import Ledger


@dataclass(frozen=True)
class StatementRecord:
    """A statement as recorded: its id, its own seq and hash, the head it signs, and the
    signed statement (signature None without a key)."""

    signature_id: str
    seq: int
    hash: str
    signed: ChainHead
    statement: SignedStatement


def append_statement(
    ledger: Ledger,
    body: dict[str, Any],
    key: Ed25519PrivateKey | None,
    *,
    statement_type: str,
    at: datetime | None = None,
) -> StatementRecord:
    """Sign `body` (plus `at` and the head it follows) and chain it into the ledger."""
    if ledger.read_only:
        raise LedgerError("the ledger is open read-only", file=ledger.path)
    at = at or utc_now()
    signature_id = f"{statement_type}/{uuid.uuid4().hex[:12]}"
    made: list[SignedStatement] = []

    def rows(head: ChainHead) -> Tables:
        signed = sign_statement(
            {**body, "at": iso_utc(at), "ledger": {"seq": head.seq, "hash": head.hash}}, key
        )
        made.append(signed)
        row = {
            "seq": None,
            "signature_id": signature_id,
            "run_id": None,
            "signed_seq": head.seq,
            "signed_hash": head.hash,
            "audit_seq": None,
            "audit_hash": None,
            "statement": canonical_json(signed.statement),
            "signature": signed.signature,
            "key_fingerprint": signed.statement["key"],
        }
        return [(HEAD_SIGNATURES, {k: [v] for k, v in row.items()})]

    before, head = commit_chained(ledger.con, rows, at=at)
    return StatementRecord(signature_id, head.seq, head.hash, before, made[-1])


def read_statement(ledger: Ledger, signature_id: str) -> tuple[int, str, SignedStatement] | None:
    """(seq, hash, signed statement) of a recorded statement, or None when there is none."""
    rows = ledger.sql(
        "SELECT seq, hash, CAST(statement AS VARCHAR) AS statement, signature "
        "FROM head_signatures WHERE signature_id = $id",
        {"id": signature_id},
    )
    if rows.height != 1:
        return None
    seq, hash_, statement, signature = rows.row(0)
    return int(seq), str(hash_), SignedStatement(json.loads(statement), signature)
