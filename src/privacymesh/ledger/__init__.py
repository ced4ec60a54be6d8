"""The evidence ledger: an append-only, hash-chained DuckDB file of every check run.

Every check run writes here (default `<workspace>/evidence/ledger.duckdb`); the dashboard, the
audit packs and the notebooks read from here and never recompute checks.

Recording a run
---------------
    ledger = Ledger(path)                          # creates the file and tables when missing
    with ledger.begin_run(RunInfo(engine="duckdb")) as run:
        rid = run.add_result(ResultRecord(check_id="retention.overdue", status="fail",
                                          product_id="payments.transactions", ...))
        run.add_findings(rid, [FindingRecord(kind="overdue_rows", column="created_at",
                                             detail={"rows": 42})])
    # on a clean exit: one transaction writes the run, its results and findings, and the new
    # chain head; on an exception, or a crash at any point, nothing of the run is kept.

A kill at any moment leaves a ledger that opens: the file is never checkpointed in place;
commits live in DuckDB's write-ahead log (`ledger.duckdb.wal`, part of the ledger) until a
writer compacts it into a new, checked file swapped in by a journalled rename
(`privacymesh.ledger.durable`; `Ledger.compact()`; closing compacts once the log has grown).

Only one process may hold the file for writing (DuckDB locks it; a second waits, then gets a
LedgerBusyError naming the holder). Runs take their turn: `pending.commit_or_spool` commits a
detached run, waiting up to the workspace's `[ledger] lock_timeout` (`lock_timeout_for`), and
keeps it in `<evidence>/pending/` when the ledger stays busy, for the next writer (or
`privacymesh evidence recover`) to commit. Readers open it with `Ledger(path, read_only=True)`
briefly, or read a private copy (`snapshot.read_snapshot`) for anything long.

Tables
------
`runs` (one row per run: who, where, which code and configuration, summary counts),
`results` (one row per check and product: status pass|fail|error|skipped, measured values,
threshold, population, exceptions, reason, the query that measured it), `findings` (what a
failing check found, at column or row-group level: masked samples and counts only, and a
`fingerprint` of check+product+column+kind to follow a finding across runs), `chain_head`
(the last record's seq and hash) and `meta` (schema_version; a newer one is refused).

The chain
---------
The tables `runs`, `run_context`, `results`, `findings`, `head_signatures`,
`finding_decisions` and `alerts` form ONE chain,
ordered by the `seq` column (1, 2, 3, ... with no gaps across the tables; a run writes its run
record, then its context (reference time `as_of`, coverage, the check specs it executed), then
its results, then its findings, then, when the workspace signs or anchors its heads, the signed
statement of the head they end at: see `privacymesh.ledger.seal`; decisions on findings and the
alerts sent about a run follow in transactions of their own: see `privacymesh.alerts`). For each
record:

    content   = every column of the row except prev_hash and hash, plus "table": <table name>
    canonical = JSON of content with sorted keys, no whitespace, ASCII only (non-ASCII as
                \\uXXXX), NULL as null, timestamps as "YYYY-MM-DDTHH:MM:SS.ffffffZ" (UTC),
                the JSON columns (options, checks, measured, threshold, detail, statement) embedded
                as JSON values
    hash      = hex(sha256(prev_hash + canonical))       # UTF-8 (here ASCII) bytes
    prev_hash = the hash of the record with seq - 1, or 64 zeros for seq 1

and `chain_head` holds the seq and hash of the last record. Changing any value, deleting a
record or swapping seqs breaks the chain at that record; `Ledger.verify()` recomputes it and
names the first broken record (table, seq, id and why: content changed, link broken,
reordered, missing seq, ...). Someone able to rewrite the whole file could recompute the whole
chain, so publish the head (`Ledger.chain_head()`, printed in every audit pack): a later
`verify(expect_head=(seq, hash))` proves the chain up to that point is the one published. The
workspace's anchors do that for every run (`privacymesh evidence verify --anchors`).

An examiner can re-verify without privacymesh, from the DuckDB file or an export
(`privacymesh evidence export --format parquet`), with any SQL engine and a few lines of
Python's standard library:

    import duckdb, hashlib, json
    con = duckdb.connect("ledger.duckdb", read_only=True)       # or views over the Parquet
    tables = ("runs", "run_context", "results", "findings", "head_signatures",
              "finding_decisions")
    json_columns = ("options", "checks", "measured", "threshold", "detail", "statement")
    rows = []
    for table in tables:
        cur = con.execute(f"SELECT * FROM {table}")
        names = [d[0] for d in cur.description]
        rows += [(table, dict(zip(names, r))) for r in cur.fetchall()]
    prev = "0" * 64
    for table, row in sorted(rows, key=lambda tr: tr[1]["seq"]):
        content = {k: v for k, v in row.items() if k not in ("prev_hash", "hash")}
        content["table"] = table
        for k, v in content.items():
            if hasattr(v, "isoformat"):                          # TIMESTAMP columns
                content[k] = v.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            elif k in json_columns and v is not None:
                content[k] = json.loads(v)
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
        assert row["prev_hash"] == prev, (table, row["seq"])
        prev = hashlib.sha256((prev + canonical).encode()).hexdigest()
        assert prev == row["hash"], (table, row["seq"])

(JSON columns are stored as that same canonical text, so they may also be spliced in as is.)
`privacymesh.ledger.chain` holds the canonical JSON and chaining code; it knows nothing of these
tables, so other append-only logs reuse it.

No raw personal data
--------------------
The ledger stores what it is given: masking is the detector's job, upstream. As a last guard it
refuses a finding detail (or a result's measured values) holding an unmasked e-mail address
(`RawPersonalDataError`), so such a slip never becomes permanent, chained evidence.
"""

from privacymesh.ledger.chain import BreakReason, ChainBreak, canonical_json, record_hash
from privacymesh.ledger.errors import LedgerBusyError, LedgerError, RawPersonalDataError
from privacymesh.ledger.export import verify_export
from privacymesh.ledger.pending import CommitOutcome, commit_or_spool, commit_pending
from privacymesh.ledger.records import (
    ChainHead,
    FindingRecord,
    ResultRecord,
    RunInfo,
    RunSummary,
    finding_fingerprint,
)
from privacymesh.ledger.schema import SCHEMA_VERSION
from privacymesh.ledger.snapshot import read_snapshot
from privacymesh.ledger.store import Ledger, lock_timeout_for
from privacymesh.ledger.verify import VerifyReport
from privacymesh.ledger.writer import RunWriter

__all__ = [
    "SCHEMA_VERSION",
    "BreakReason",
    "ChainBreak",
    "ChainHead",
    "CommitOutcome",
    "FindingRecord",
    "Ledger",
    "LedgerBusyError",
    "LedgerError",
    "RawPersonalDataError",
    "ResultRecord",
    "RunInfo",
    "RunSummary",
    "RunWriter",
    "VerifyReport",
    "canonical_json",
    "commit_or_spool",
    "commit_pending",
    "finding_fingerprint",
    "lock_timeout_for",
    "read_snapshot",
    "record_hash",
    "verify_export",
]
