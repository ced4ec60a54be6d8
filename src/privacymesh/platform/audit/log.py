"""The hash-chained audit log (`AuditLog`): one JSON-lines file (default
`<evidence>/audit.jsonl`), one record per line, and a head file beside it
(`audit.jsonl.head`: seq, hash and the log's size). Each line is the canonical JSON of the
record with `prev_hash` and `hash`, where

    hash = sha256(prev_hash + canonical_json(record without prev_hash and hash))

exactly as the ledger chains its rows; the first record's prev_hash is 64 zeros. An examiner can
re-verify with the standard library: read each line, pop `hash` and `prev_hash`, recompute.

Why a JSON-lines file and not a DuckDB table: a governed query writes one record, and a DuckDB
commit costs milliseconds (it syncs its write-ahead log), the whole overhead budget of a query;
an append to a file costs microseconds. Appends take an exclusive `flock`, so several processes
can share one log; `fsync: true` under `[audit]` in the policy file syncs every record.

Subjects are never logged in the clear. `subject=` takes any identifier, and the record keeps
`subject_ref`: an HMAC-SHA256 pseudonym of the subject's identity-map `user_id` under a key
derived from the workspace key (see `privacymesh.platform.keys`). Why not the `user_id` itself:
it is an internal id that anyone with product or identity-map access links to the person, and
the audit log outlives the data (it stays as evidence after an erasure); a keyed pseudonym still
lets whoever holds the key find every record of one subject (`query(subject=...)`), while the
log, or an audit pack built from it, identifies no one. A plain unkeyed hash would not do: user
ids are few and guessable. A record whose texts (detail, role, purpose ...) the PII detector
recognises as raw personal data is refused (`privacymesh.detect.guard`, the home the ledger's
and the audit pack's guards share); texts already judged clean are not scanned again.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from privacymesh.ledger.chain import (
    GENESIS,
    BreakReason,
    ChainBreak,
    ChainWalker,
    canonical_json,
    iso_utc,
    record_hash,
)
from privacymesh.ledger.records import ChainHead
from privacymesh.ledger.verify import VerifyReport
from privacymesh.platform.audit.model import (
    SCHEMA,
    AuditError,
    AuditRecord,
    refuse_personal_data,
)
from privacymesh.platform.keys import derive

_HEAD_WIDTH = 120  # the head file is rewritten in place at a fixed width


def current_actor() -> str:
    """The operating-system user of the effective uid, the default actor (from the password
    database: `$USER` is whatever the caller typed)."""
    from privacymesh.platform.principals import os_user

    return os_user()


class AuditLog:
    """An append-only, hash-chained audit log file. Safe to share between threads and
    processes. `pseudonymize` maps a raw subject id to its pseudonym (see the module doc)."""

    def __init__(
        self,
        path: Path | str,
        *,
        key: bytes | None = None,
        fsync: bool = False,
        resolve_subject: Callable[[str], str] | None = None,
        on_close: Callable[[ChainHead], object] | None = None,
    ) -> None:
        self.path = Path(path)
        self._on_close = on_close  # e.g. anchor the head, once appends are done
        self._appended = False
        self.head_path = self.path.with_name(self.path.name + ".head")
        self.fsync = fsync
        self._key = derive(key, "audit-subject") if key is not None else None
        self._resolve = resolve_subject
        self._lock = threading.Lock()
        self._log_fd: int | None = None
        self._head_fd: int | None = None

    # -- writing ---------------------------------------------------------------------------

    def _open(self) -> tuple[int, int]:
        if self._log_fd is None or self._head_fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._log_fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            self._head_fd = os.open(self.head_path, os.O_RDWR | os.O_CREAT, 0o640)
        return self._log_fd, self._head_fd

    def close(self) -> None:
        with self._lock:
            for fd in (self._log_fd, self._head_fd):
                if fd is not None:
                    os.close(fd)
            self._log_fd = self._head_fd = None
            appended, self._appended = self._appended, False
        if appended and self._on_close is not None:
            self._on_close(self.head())

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def pseudonymize(self, subject: str) -> str:
        """`s_` and 16 hex digits of HMAC-SHA256(key, user_id); needs the workspace key."""
        if self._key is None:
            raise AuditError(
                "no key to pseudonymize subjects with",
                hint="open the log with audit.open_log(workspace) or pass key=",
            )
        user_id = self._resolve(subject) if self._resolve else subject
        return "s_" + hmac.new(self._key, user_id.encode("utf-8"), hashlib.sha256).hexdigest()[:16]

    def record(
        self,
        actor: str | None,
        action: str,
        product: str | None = None,
        fields: Sequence[str] = (),
        purpose: str | None = None,
        subjects: int | None = None,
        *,
        role: str | None = None,
        decision: str = "allow",
        policy: str | None = None,
        rows: int | None = None,
        subject: str | None = None,
        subject_ref: str | None = None,
        detail: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> AuditRecord:
        """Append one record and return it. `subject` (a raw identifier) is stored only as its
        pseudonym; pass `subject_ref` when you already hold the pseudonym."""
        if not action:
            raise AuditError("an audit record needs an action", field="action")
        if decision not in ("allow", "deny", "error"):
            raise AuditError(f"decision must be allow, deny or error, found {decision!r}")
        if subject is not None:
            subject_ref = self.pseudonymize(subject)
        detail_text = canonical_json(detail or {})
        content = {
            "seq": 0,
            "record_id": "",
            "at": iso_utc(at or datetime.now(UTC)),
            "actor": actor or current_actor(),
            "action": action,
            "product": product,
            "fields": [str(f) for f in fields],
            "purpose": purpose,
            "subjects": subjects,
            "subject_ref": subject_ref,
            "role": role,
            "decision": decision,
            "policy": policy,
            "rows": rows,
            "detail": detail_text,
        }
        refuse_personal_data(content, detail or {}, action)
        with self._lock:
            log_fd, head_fd = self._open()
            fcntl.flock(log_fd, fcntl.LOCK_EX)
            try:
                seq, prev = self._current_head(log_fd, head_fd)
                content["seq"] = seq + 1
                content["record_id"] = f"a{seq + 1:010d}"
                digest = record_hash(prev, canonical_json(content))
                line = canonical_json({**content, "prev_hash": prev, "hash": digest}) + "\n"
                os.write(log_fd, line.encode("ascii"))
                size = os.fstat(log_fd).st_size
                head = f"{seq + 1}:{digest}:{size}".ljust(_HEAD_WIDTH - 1) + "\n"
                os.pwrite(head_fd, head.encode("ascii"), 0)
                self._appended = True
                if self.fsync:
                    os.fsync(log_fd)
                    os.fsync(head_fd)
            finally:
                fcntl.flock(log_fd, fcntl.LOCK_UN)
        return AuditRecord(
            seq=content["seq"],
            record_id=content["record_id"],
            at=content["at"],
            actor=content["actor"],
            action=action,
            product=product,
            fields=tuple(content["fields"]),
            purpose=purpose,
            subjects=subjects,
            subject_ref=subject_ref,
            role=role,
            decision=decision,
            policy=policy,
            rows=rows,
            detail=dict(detail or {}),
            prev_hash=prev,
            hash=digest,
        )

    def _current_head(self, log_fd: int, head_fd: int) -> tuple[int, str]:
        """(seq, hash) of the last record. Trusts the head file when it matches the log's size;
        otherwise (a writer died between its two writes) reads the log's last line."""
        size = os.fstat(log_fd).st_size
        stored = _parse_head(os.pread(head_fd, _HEAD_WIDTH, 0))
        if stored is not None and stored[2] == size:
            return stored[0], stored[1]
        if size == 0:
            return 0, GENESIS
        last = _last_line(self.path)
        try:
            obj = json.loads(last)
            return int(obj["seq"]), str(obj["hash"])
        except (ValueError, KeyError, TypeError) as exc:
            raise AuditError(
                "the audit log's last line is not a record",
                file=self.path,
                hint="run `privacymesh audit verify`",
            ) from exc

    # -- reading ---------------------------------------------------------------------------

    def head(self) -> ChainHead:
        """The stored head (seq 0 and the genesis hash when the log is empty)."""
        if not self.head_path.is_file():
            return ChainHead(0, GENESIS, "audit")
        stored = _parse_head(self.head_path.read_bytes()[:_HEAD_WIDTH])
        if stored is None:
            raise AuditError("unreadable head file", file=self.head_path)
        return ChainHead(stored[0], stored[1], "audit")

    def frame(self) -> pl.DataFrame:
        """Every record as a Polars frame (the standard schema)."""
        if not self.path.is_file() or self.path.stat().st_size == 0:
            return pl.DataFrame(schema=SCHEMA)
        return pl.read_ndjson(self.path, schema=SCHEMA)

    def query(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        product: str | None = None,
        purpose: str | None = None,
        role: str | None = None,
        decision: str | None = None,
        subject: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> pl.DataFrame:
        """Records matching every filter given, oldest first; `action` matches a prefix
        (`dsar` finds dsar.open, dsar.erase ...); `subject` is pseudonymized to search."""
        frame = self.frame()
        exprs = []
        for name, value in (
            ("actor", actor),
            ("product", product),
            ("purpose", purpose),
            ("role", role),
            ("decision", decision),
        ):
            if value is not None:
                exprs.append(pl.col(name) == value)
        if action is not None:
            exprs.append(
                (pl.col("action") == action) | pl.col("action").str.starts_with(action + ".")
            )
        if subject is not None:
            exprs.append(pl.col("subject_ref") == self.pseudonymize(subject))
        if since is not None:
            exprs.append(pl.col("at") >= iso_utc(since))
        if until is not None:
            exprs.append(pl.col("at") < iso_utc(until))
        return frame.filter(*exprs) if exprs else frame

    def verify(self, expect_head: ChainHead | tuple[int, str] | None = None) -> VerifyReport:
        """Recompute the chain. Names the first changed, missing or moved record; a log cut
        short is caught by the head file, and `expect_head` (published earlier) must still be
        in the chain."""
        started = time.perf_counter()
        walker = ChainWalker(1, GENESIS)
        broken: ChainBreak | None = None
        total = 0
        seen: dict[int, str] = {0: GENESIS}
        lines = (
            self.path.read_text("ascii", errors="replace").splitlines()
            if self.path.is_file()
            else []
        )
        batch: list[tuple[int, str, str, str, str]] = []
        for number, line in enumerate(lines, start=1):
            total += 1
            try:
                obj = json.loads(line)
                digest, prev = obj.pop("hash"), obj.pop("prev_hash")
                seq, ident = int(obj["seq"]), str(obj["record_id"])
                batch.append((seq, ident, prev, digest, canonical_json(obj)))
            except (ValueError, KeyError, TypeError):
                broken = walker.feed(*_columns(batch)) or ChainBreak(
                    walker.expected_seq,
                    "audit",
                    f"line {number}",
                    BreakReason.CONTENT_CHANGED,
                    f"line {number} is not an audit record",
                )
                batch = []
                break
        if broken is None and batch:
            broken = walker.feed(*_columns(batch))
        for seq, _, _, digest, _ in batch:
            seen[seq] = digest
        head = ChainHead(walker.expected_seq - 1, walker.last_hash, "audit")
        stored: ChainHead | None = None
        if broken is None:
            try:
                stored = self.head()
            except AuditError:
                stored = None
            if stored is None or (stored.seq, stored.hash) != (head.seq, head.hash):
                found = f"{stored.seq}:{stored.hash}" if stored else "unreadable"
                broken = ChainBreak(
                    head.seq,
                    "audit",
                    None,
                    BreakReason.MISSING_SEQ
                    if stored and stored.seq > head.seq
                    else BreakReason.HEAD_MISMATCH,
                    f"the head file says {found} but the log ends at {head.seq}:{head.hash}",
                )
        if broken is None and expect_head is not None:
            seq, digest = (
                (expect_head.seq, expect_head.hash)
                if isinstance(expect_head, ChainHead)
                else expect_head
            )
            if seen.get(seq) != digest:
                broken = ChainBreak(
                    seq,
                    "audit",
                    None,
                    BreakReason.ANCHOR_MISMATCH,
                    f"the published head is {seq}:{digest} but the log holds "
                    f"{seen.get(seq, 'nothing')}",
                )
        return VerifyReport(
            ok=broken is None,
            records_checked=walker.checked,
            records_total=total,
            head=head,
            stored_head=stored,
            first_break=broken,
            table_counts={"audit": total},
            seconds=time.perf_counter() - started,
        )


def _columns(batch: list[tuple[int, str, str, str, str]]) -> tuple[list[Any], ...]:
    seqs = [b[0] for b in batch]
    return (
        seqs,
        ["audit"] * len(batch),
        [b[1] for b in batch],
        [b[2] for b in batch],
        [b[3] for b in batch],
        [b[4] for b in batch],
    )


def _parse_head(raw: bytes) -> tuple[int, str, int] | None:
    text = raw.decode("ascii", errors="replace").strip()
    if not text:
        return (0, GENESIS, 0)
    parts = text.split(":")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[2].isdigit() or len(parts[1]) != 64:
        return None
    return int(parts[0]), parts[1], int(parts[2])


def _last_line(path: Path) -> str:
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        end = handle.tell()
        block = b""
        pos = end
        while pos > 0 and block.count(b"\n") < 2:
            step = min(4096, pos)
            pos -= step
            handle.seek(pos)
            block = handle.read(step) + block
    return block.rstrip(b"\n").split(b"\n")[-1].decode("ascii", errors="replace")
