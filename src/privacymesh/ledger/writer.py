"""Recording one run: buffer its results and findings, then write them in one transaction.

Nothing touches the ledger file until the `with` block exits cleanly; then the run record, its
results and its findings are chained in that order and inserted with one INSERT per table,
together with the new chain head, between BEGIN and COMMIT. An exception in the block, or a
crash at any point, leaves no trace of the run.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from privacymesh.ledger.chain import canonical_json, chain_hashes, to_utc_naive
from privacymesh.ledger.errors import LedgerError
from privacymesh.ledger.guard import EMAIL, digest, raw_email, withheld_reason
from privacymesh.ledger.records import (
    ChainHead,
    FindingRecord,
    ResultRecord,
    RunInfo,
    RunSummary,
    finding_fingerprint,
    utc_now,
)
from privacymesh.ledger.schema import (
    FINDING_DECISIONS,
    FINDINGS,
    HEAD_SIGNATURES,
    RESULTS,
    RUN_CONTEXT,
    RUNS,
    ChainedTable,
    canonicalizer_for,
)
from privacymesh.verdict import Status

if TYPE_CHECKING:
    from privacymesh.ledger.seal import Sealer
    from privacymesh.ledger.store import Ledger


def new_run_id(started_at: datetime) -> str:
    """A readable, sortable, unique run id: `20240501T020000Z-3f9a1c`."""
    return f"{to_utc_naive(started_at):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def _json_text(value: Any, where: str) -> str | None:
    if value is None:
        return None
    try:
        return canonical_json(value)
    except (TypeError, ValueError) as exc:
        raise LedgerError(f"{where} is not JSON-serialisable: {exc}", field=where) from exc


class RunWriter:
    """The open run of a `with ledger.begin_run(info) as run:` block."""

    def __init__(self, ledger: Ledger | None, info: RunInfo):
        self._ledger = ledger
        self.info = info
        self.run_id = info.run_id or new_run_id(info.started_at)
        self.summary: RunSummary | None = None
        self.finished_at: datetime | None = None  # when unset, the moment of the commit
        self._state = "new"
        self._results: dict[str, list[Any]] = {c.name: [] for c in RESULTS.columns}
        self._findings: dict[str, list[Any]] = {c.name: [] for c in FINDINGS.columns}
        self._result_keys: dict[str, tuple[str, str | None, str | None]] = {}
        self._withheld: set[str] = set()

    @classmethod
    def detached(cls, info: RunInfo) -> RunWriter:
        """An open run bound to no ledger yet: buffer its records while the checks run, then
        commit it with `ledger.pending.commit_or_spool` (the ledger is locked only then)."""
        run = cls(None, info)
        run._state = "open"
        return run

    @classmethod
    def restore(
        cls,
        info: RunInfo,
        results: dict[str, list[Any]],
        findings: dict[str, list[Any]],
        finished_at: datetime | None,
    ) -> RunWriter:
        """A detached run rebuilt from buffers that were checked when first added."""
        run = cls.detached(info)
        run._results = {c.name: list(results[c.name]) for c in RESULTS.columns}
        run._findings = {c.name: list(findings[c.name]) for c in FINDINGS.columns}
        run.finished_at = finished_at
        return run

    def __enter__(self) -> RunWriter:
        if self._state != "new":
            raise LedgerError(f"run {self.run_id} was already {self._state}")
        self._state = "open"
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self._discard("rolled back")
            return
        if self._ledger is None:
            raise LedgerError(
                f"run {self.run_id} is detached", hint="commit it with commit_or_spool"
            )
        try:
            self.summary = self._ledger._commit(self)
        except BaseException:
            self._discard("rolled back")
            raise
        self._state = "committed"

    def _discard(self, state: str) -> None:
        self._state = state
        for columns in (self._results, self._findings):
            for values in columns.values():
                values.clear()

    def _require_open(self) -> None:
        if self._state != "open":
            raise LedgerError(
                f"run {self.run_id} is {self._state}",
                hint="add results inside `with ledger.begin_run(info) as run:`",
            )

    @property
    def result_count(self) -> int:
        return len(self._results["result_id"])

    @property
    def finding_count(self) -> int:
        return len(self._findings["finding_id"])

    def add_result(self, record: ResultRecord) -> str:
        """Buffer one result; returns its result id (for `add_findings`)."""
        self._require_open()
        problems = record.problems()
        if problems:
            raise LedgerError(
                f"result of {record.check_id!r} on {record.product_id!r}: {'; '.join(problems)}",
                field="results",
            )
        measured = _json_text(record.measured, "measured")
        slips = [v for v in (raw_email(measured), raw_email(record.reason)) if v]
        now = to_utc_naive(utc_now())
        domain = record.domain
        if domain is None and record.product_id:
            domain = record.product_id.split(".", 1)[0]
        result_id = f"{self.run_id}/r{self.result_count + 1:05d}"
        row = {
            "seq": None,
            "result_id": result_id,
            "run_id": self.run_id,
            "check_id": record.check_id,
            "product_id": record.product_id,
            "domain": domain,
            "status": record.status,
            "measured": measured,
            "threshold": _json_text(record.threshold, "threshold"),
            "population": record.population,
            "exceptions": record.exceptions,
            "reason": record.reason,
            "query": record.query,
            "severity": record.severity,
            "control_id": record.control_id,
            "started_at": to_utc_naive(record.started_at) if record.started_at else now,
            "finished_at": to_utc_naive(record.finished_at) if record.finished_at else now,
        }
        for name, value in row.items():
            self._results[name].append(value)
        self._result_keys[result_id] = (record.check_id, record.product_id, record.severity)
        if slips:
            self._withhold(result_id, "result", slips)
        return result_id

    def _withhold(self, result_id: str, where: str, values: list[str]) -> None:
        """Turn a buffered result into an `error` result naming only the hashes of the raw
        e-mail addresses it carried, and drop its findings."""
        index = self._results["result_id"].index(result_id)
        digests = [digest(v) for v in values]
        self._results["status"][index] = Status.ERROR.value
        self._results["measured"][index] = canonical_json(
            {"withheld": " ".join(dict.fromkeys(digests)), "category": EMAIL}
        )
        self._results["exceptions"][index] = None
        self._results["reason"][index] = withheld_reason(where, [EMAIL], digests)
        self._withheld.add(result_id)
        keep = [i for i, r in enumerate(self._findings["result_id"]) if r != result_id]
        for name, values_ in self._findings.items():
            self._findings[name] = [values_[i] for i in keep]

    def add_results(self, records: Iterable[ResultRecord]) -> list[str]:
        """Buffer many results; returns their ids in order."""
        return [self.add_result(r) for r in records]

    def add_findings(self, result_id: str, findings: Sequence[FindingRecord]) -> list[str]:
        """Buffer the findings of one result; returns their finding ids."""
        self._require_open()
        if result_id not in self._result_keys:
            raise LedgerError(
                f"unknown result id {result_id!r} in run {self.run_id}",
                hint="pass the id that add_result returned",
            )
        check_id, product_id, result_severity = self._result_keys[result_id]
        if result_id in self._withheld:
            return []
        details = [_json_text(f.detail, "detail") for f in findings]
        slips = [v for v in map(raw_email, details) if v]
        if slips:
            self._withhold(result_id, "finding detail", slips)
            return []
        columns = self._findings
        ids = []
        for finding, detail in zip(findings, details, strict=True):
            if not finding.kind:
                raise LedgerError(f"a finding of {check_id} has no kind", field="kind")
            finding_id = f"{self.run_id}/f{len(columns['finding_id']) + 1:05d}"
            fingerprint = finding.fingerprint or finding_fingerprint(
                check_id, product_id, finding.column, finding.kind
            )
            values = (
                None,
                finding_id,
                result_id,
                self.run_id,
                check_id,
                product_id,
                finding.column,
                finding.kind,
                finding.severity or result_severity,
                detail,
                fingerprint,
            )
            for column, value in zip(FINDINGS.columns, values, strict=True):
                columns[column.name].append(value)
            ids.append(finding_id)
        return ids

    def run_row(self, finished_at: datetime) -> dict[str, list[Any]]:
        """The run record, one-row columns, with its summary counts."""
        counts = Counter(self._results["status"])
        row = {
            "seq": None,
            "run_id": self.run_id,
            "started_at": to_utc_naive(self.info.started_at),
            "finished_at": finished_at,
            "actor": self.info.actor,
            "host": self.info.host,
            "code_version": self.info.code_version,
            "workspace_config_hash": self.info.workspace_config_hash,
            "catalog_fingerprint": self.info.catalog_fingerprint,
            "engine": self.info.engine,
            "options": _json_text(dict(self.info.options), "options"),
            "result_count": self.result_count,
            **{f"{s}_count": counts.get(s, 0) for s in Status},
            "finding_count": self.finding_count,
        }
        return {name: [value] for name, value in row.items()}

    def context_row(self) -> dict[str, list[Any]]:
        """The run's context record: reference time, coverage and the executed check specs
        (with the SHA-256 of their canonical JSON), one-row columns; no row when the run named
        neither a reference time nor specs (readers then place it by its options or start)."""
        if self.info.as_of is None and not self.info.checks:
            return {c.name: [] for c in RUN_CONTEXT.columns}
        checks = _json_text(sorted(self.info.checks, key=lambda c: str(c.get("id"))), "checks")
        row = {
            "seq": None,
            "run_id": self.run_id,
            "as_of": to_utc_naive(self.info.as_of or self.info.started_at),
            "coverage": self.info.coverage,
            "checks": checks,
            "checks_hash": hashlib.sha256((checks or "[]").encode("ascii")).hexdigest(),
        }
        return {name: [value] for name, value in row.items()}

    def buffered(self) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
        return self._results, self._findings


def chain_batch(
    table: ChainedTable, columns: dict[str, list[Any]], first_seq: int, prev_hash: str
) -> tuple[pa.Table, str]:
    """Number, hash and link the buffered rows of one table; returns them as Arrow and the
    hash of the last row (or `prev_hash` when there are none)."""
    n = len(columns[table.id_column])
    columns = {**columns, "seq": list(range(first_seq, first_seq + n))}
    batch = pa.Table.from_pydict(columns, schema=table.content_schema())
    hashes = chain_hashes(prev_hash, canonicalizer_for(table).encode_arrow(batch).to_pylist())
    batch = batch.append_column("prev_hash", pa.array([prev_hash, *hashes[:-1]][:n], pa.string()))
    batch = batch.append_column("hash", pa.array(hashes, pa.string()))
    return batch, hashes[-1] if n else prev_hash


def _insert(con: duckdb.DuckDBPyConnection, table: ChainedTable, batch: pa.Table) -> None:
    con.register("_privacymesh_batch", batch)
    try:
        con.execute(f"INSERT INTO {table.name} BY NAME SELECT * FROM _privacymesh_batch").fetchall()
    finally:
        con.unregister("_privacymesh_batch")


def _read_head(con: duckdb.DuckDBPyConnection) -> tuple[int, str]:
    heads = con.execute("SELECT seq, hash FROM chain_head").fetchall()
    if len(heads) != 1:
        raise LedgerError(
            f"the chain_head table has {len(heads)} rows, expected 1",
            hint="the ledger is damaged: run `privacymesh evidence verify`",
        )
    return int(heads[0][0]), str(heads[0][1])


Tables = list[tuple[ChainedTable, dict[str, list[Any]]]]
"""Rows to chain, table by table, each as content columns (every column but `seq`)."""


def commit_chained(
    con: duckdb.DuckDBPyConnection,
    build: Callable[[ChainHead], Tables],
    *,
    sealer: Sealer | None = None,
    run_id: str | None = None,
    signature_id: Callable[[int], str] | None = None,
    at: datetime | None = None,
) -> tuple[ChainHead, ChainHead]:
    """The one commit path: in one transaction, read the head, chain the rows `build` returns
    for it (in order, empty tables skipped), with a `sealer` close them with the signed
    statement of the new head (named `signature_id(seq)` when given), and move the head.
    Rolls back on any error; returns the head before and the new head."""
    committed_at = to_utc_naive(at or utc_now())
    signed = None
    con.execute("BEGIN TRANSACTION").fetchall()
    try:
        seq, prev = _read_head(con)
        before = ChainHead(seq, prev)
        last: tuple[str, str] | None = None
        for table, columns in build(before):
            n = len(columns[table.id_column])
            if n == 0:
                continue
            batch, prev = chain_batch(table, columns, seq + 1, prev)
            _insert(con, table, batch)
            seq += n
            last = (table.name, columns[table.id_column][-1])
        if last is None:
            con.execute("ROLLBACK").fetchall()
            return before, before
        if sealer is not None:
            signed, row = sealer.signature_row(run_id or "", ChainHead(seq, prev), committed_at)
            if signature_id is not None:
                row["signature_id"] = [signature_id(seq)]
            batch, prev = chain_batch(HEAD_SIGNATURES, row, seq + 1, prev)
            _insert(con, HEAD_SIGNATURES, batch)
            seq += 1
            last = (HEAD_SIGNATURES.name, row[HEAD_SIGNATURES.id_column][0])
        con.execute(
            "UPDATE chain_head SET seq = ?, hash = ?, table_name = ?, record_id = ?, "
            "updated_at = ?",
            [seq, prev, last[0], last[1], committed_at],
        ).fetchall()
        con.execute("COMMIT").fetchall()
    except BaseException:
        # the failed statement may already have ended the transaction
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK").fetchall()
        raise
    if sealer is not None and signed is not None:
        sealer.queue(signed, ChainHead(seq, prev))
    return before, ChainHead(seq, prev, last[0], last[1], committed_at)


def commit_records(
    con: duckdb.DuckDBPyConnection,
    table: ChainedTable,
    columns: dict[str, list[Any]],
    sealer: Sealer | None = None,
    run_id: str | None = None,
) -> ChainHead:
    """Chain rows of one table after the current head (see `commit_chained`), sealed like a
    run when a `sealer` is given, so the anchors cover them."""
    _, head = commit_chained(
        con,
        lambda _: [(table, columns)],
        sealer=sealer,
        run_id=run_id,
        signature_id=lambda seq: f"{run_id}/{table.name}@{seq}",
    )
    return head


def commit_run(
    con: duckdb.DuckDBPyConnection, run: RunWriter, sealer: Sealer | None = None
) -> RunSummary:
    """Write a run in one transaction (see `commit_chained`): its run record, context,
    results and findings, then (with a `sealer`) the signed statement of its head."""
    committed_at = to_utc_naive(utc_now())
    finished_at = to_utc_naive(run.finished_at) if run.finished_at else committed_at
    run_columns = run.run_row(finished_at)
    results, findings = run.buffered()

    def tables(_: ChainHead) -> Tables:
        if con.execute("SELECT count(*) FROM runs WHERE run_id = ?", [run.run_id]).fetchall()[0][0]:
            raise LedgerError(
                f"run {run.run_id} is already in the ledger",
                field="run_id",
                hint="leave RunInfo.run_id unset for a new id",
            )
        return [
            (RUNS, run_columns),
            (RUN_CONTEXT, run.context_row()),
            (RESULTS, results),
            (FINDINGS, findings),
        ]

    before, head = commit_chained(con, tables, sealer=sealer, run_id=run.run_id, at=committed_at)
    counts = run_columns
    return RunSummary(
        run_id=run.run_id,
        started_at=counts["started_at"][0],
        finished_at=finished_at,
        result_count=counts["result_count"][0],
        pass_count=counts["pass_count"][0],
        fail_count=counts["fail_count"][0],
        error_count=counts["error_count"][0],
        skipped_count=counts["skipped_count"][0],
        finding_count=counts["finding_count"][0],
        first_seq=before.seq + 1,
        head=head,
    )


def append_decision(
    con: duckdb.DuckDBPyConnection,
    fingerprint: str,
    decision: str,
    reason: str,
    until: datetime | None,
    actor: str | None,
) -> ChainHead:
    """Chain one decision on a finding after the current head, in its own transaction;
    returns the new head."""
    decided_at = to_utc_naive(utc_now())
    columns: dict[str, list[Any]] = {
        "seq": [None],
        "decision_id": [f"{decided_at:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"],
        "fingerprint": [fingerprint],
        "decision": [decision],
        "reason": [reason],
        "until": [to_utc_naive(until) if until else None],
        "actor": [actor],
        "decided_at": [decided_at],
    }
    _, head = commit_chained(con, lambda _: [(FINDING_DECISIONS, columns)], at=decided_at)
    return head
