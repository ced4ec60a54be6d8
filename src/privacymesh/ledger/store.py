"""The `Ledger`: opens (or creates) the evidence file, records runs, answers readers."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from privacymesh.ledger import durable, queries
from privacymesh.ledger.chain import GENESIS
from privacymesh.ledger.errors import LedgerBusyError, LedgerError
from privacymesh.ledger.export import Format, empty_select, export_tables
from privacymesh.ledger.records import ChainHead, RunInfo, RunSummary
from privacymesh.ledger.schema import (
    ADDED_TABLES,
    ALL_TABLES,
    CHAIN_ALGORITHM,
    CHAINED_TABLES,
    SCHEMA_VERSION,
    ChainedTable,
    ddl_statements,
)
from privacymesh.ledger.verify import VerifyReport, read_chain_head, verify_chain
from privacymesh.ledger.writer import RunWriter, append_decision, commit_records, commit_run

if TYPE_CHECKING:
    from privacymesh.ledger.seal import Sealer
    from privacymesh.workspace import Workspace

log = logging.getLogger("privacymesh.ledger")

LOCK_HINT = (
    "one process writes the ledger at a time, and not while others read it: wait for the"
    " running `privacymesh run` (or the reader) to finish, or raise [ledger] lock_timeout"
)

DEFAULT_LOCK_TIMEOUT = 120.0
"""Seconds a writer waits for the ledger when the workspace sets no `[ledger] lock_timeout`."""

WaitNotice = Callable[[str | None], None]
"""Called once when the ledger is held elsewhere and the opener starts to wait; it receives
the holder's process id when DuckDB names it."""


def lock_timeout_for(workspace: Workspace | None) -> float:
    """The workspace's `[ledger] lock_timeout` in seconds (default 120)."""
    if workspace is None:
        return DEFAULT_LOCK_TIMEOUT
    value = workspace.section("ledger").get("lock_timeout", DEFAULT_LOCK_TIMEOUT)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise LedgerError(
            f"lock_timeout must be a number of seconds (0 or more), not {value!r}",
            file=workspace.file,
            field="ledger.lock_timeout",
            hint="e.g. [ledger] lock_timeout = 120",
        )
    return float(value)


def _open_hint(text: str) -> str | None:
    if "WAL does not match" in text:
        return (
            "the write-ahead log beside the ledger belongs to another database file; nothing"
            " was changed: restore the ledger and its .wal together from a backup"
        )
    lowered = text.lower()
    # a bad block checksum, or a file cut short (DuckDB reads past its end)
    if any(
        sign in lowered for sign in ("checksum", "corrupt", "could not read", "attempted to read")
    ):
        return "the file is damaged; restore it from a backup or an export"
    return None


def _connect_once(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection | str:
    """One attempt to open the DuckDB file: the connection, or DuckDB's lock message."""
    try:
        return durable.connect(path, read_only)
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" not in text.lower():
            raise LedgerError(
                f"cannot open the ledger: {text}", file=path, hint=_open_hint(text)
            ) from exc
        return text
    except duckdb.ConnectionException as exc:
        raise LedgerError(
            f"this process already has the ledger open in another mode: {exc}",
            file=path,
            hint="reuse that Ledger or close it before opening another",
        ) from exc
    except duckdb.Error as exc:
        raise LedgerError(
            f"cannot open the ledger: {exc}", file=path, hint=_open_hint(str(exc))
        ) from exc


_WRITERS: Counter[Path] = Counter()
"""Writable Ledgers open in this process, per file: DuckDB shares one database between them,
so one of them may not swap the file away under the others."""
_WRITERS_LOCK = threading.Lock()


def _count_writer(path: Path, change: int) -> int:
    with _WRITERS_LOCK:
        _WRITERS[path.resolve()] += change
        return _WRITERS[path.resolve()]


def _connect(
    path: Path, read_only: bool, lock_timeout: float, on_wait: WaitNotice | None = None
) -> tuple[duckdb.DuckDBPyConnection, str | None]:
    """Open the DuckDB file, waiting up to `lock_timeout` seconds for another process's lock.
    A new ledger file is made first, and a compaction a kill interrupted is undone or finished
    (`durable`); returns the connection and what such a recovery did."""
    deadline = time.monotonic() + lock_timeout
    swap_wait = max(lock_timeout, durable.SWAP_WAIT)
    waiting = False
    recovered: str | None = None
    while True:
        with durable.swap_lock(path, exclusive=False, timeout=swap_wait):
            prepare = durable.interrupted(path) or (not read_only and not path.exists())
            outcome = None if prepare else _connect_once(path, read_only)
            if not read_only and isinstance(outcome, duckdb.DuckDBPyConnection):
                _count_writer(path, +1)  # before a compaction elsewhere may look
        if prepare:
            try:
                with durable.swap_lock(path, exclusive=True, timeout=swap_wait):
                    recovered = durable.recover(path) or recovered
                    if not read_only:
                        durable.create_empty(path)
            except OSError as exc:
                raise LedgerError(f"cannot prepare the ledger file: {exc}", file=path) from exc
            continue
        if not isinstance(outcome, str):
            return outcome, recovered
        pid = re.search(r"PID (\d+)", outcome)
        if time.monotonic() >= deadline:
            holder = f" (process {pid.group(1)})" if pid else ""
            raise LedgerBusyError(
                f"the ledger is in use by another process{holder}", file=path, hint=LOCK_HINT
            )
        if not waiting and on_wait is not None:
            on_wait(pid.group(1) if pid else None)
        waiting = True
        time.sleep(0.05)


class Ledger:
    """The append-only, hash-chained evidence store (one DuckDB file).

    `Ledger(path)` opens the file for writing, creating it and its tables when missing.
    `Ledger(path, read_only=True)` is for readers. DuckDB locks the file per process: one
    writer and no reader, or any number of readers. So hold it briefly: readers (a dashboard)
    open, query and close, and writers open it when they are about to record; both may pass
    `lock_timeout=` seconds to wait for the other side to let go (`on_wait` is told once
    when the wait starts). With a `sealer`, each run closes with a signed head record, pushed
    to the anchors when the ledger is closed."""

    def __init__(
        self,
        path: Path | str,
        *,
        read_only: bool = False,
        lock_timeout: float = 0.0,
        sealer: Sealer | None = None,
        on_wait: WaitNotice | None = None,
    ) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.sealer = sealer
        if read_only and not self.path.is_file():
            raise LedgerError(
                "no ledger here",
                file=self.path,
                hint="a ledger is created by the first `privacymesh run`",
            )
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._prepared = False
        self._con: duckdb.DuckDBPyConnection | None
        self._con, recovered = _connect(self.path, read_only, lock_timeout, on_wait)
        self._counted = not read_only
        try:
            self.schema_version = self._prepare()
            self._prepared = True
            if not read_only:
                durable.discard_copy(self.path)  # left by a compaction killed before its swap
            if recovered is not None:
                self._verify_after_recovery(recovered)
        except BaseException:
            self.close()
            raise

    # -- opening -------------------------------------------------------------------------

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            raise LedgerError("the ledger is closed", file=self.path)
        return self._con

    def _prepare(self) -> int:
        tables = {
            row[0]
            for row in self.con.sql(
                "SELECT table_name FROM duckdb_tables() "
                "WHERE database_name = current_database() AND schema_name = 'main'"
            ).fetchall()
        }
        if not tables and self.read_only:
            raise LedgerError(
                "the ledger file holds no tables yet",
                file=self.path,
                hint="it is created by the first `privacymesh run`",
            )
        if "meta" not in tables:
            if self.read_only or tables:
                raise LedgerError(
                    "not a privacymesh ledger (no meta table)",
                    file=self.path,
                    hint="point at the evidence ledger, e.g. evidence/ledger.duckdb",
                )
            self._create()
            return SCHEMA_VERSION
        meta = dict(self.con.sql("SELECT key, value FROM meta").fetchall())
        try:
            version = int(meta.get("schema_version", ""))
        except ValueError:
            raise LedgerError(
                f"unreadable schema_version {meta.get('schema_version')!r}",
                file=self.path,
                field="meta.schema_version",
            ) from None
        if version > SCHEMA_VERSION:
            raise LedgerError(
                f"the ledger has schema version {version}; this privacymesh reads up to "
                f"{SCHEMA_VERSION}",
                file=self.path,
                field="meta.schema_version",
                hint="upgrade privacymesh to read this ledger",
            )
        missing = sorted(set(ALL_TABLES) - tables)
        added = [name for name in missing if ADDED_TABLES.get(name, 0) > version]
        if missing and added == missing:
            self._add_tables(added)
            return version if self.read_only else SCHEMA_VERSION
        if missing:
            raise LedgerError(
                f"the ledger is missing tables: {', '.join(missing)}",
                file=self.path,
                hint="the file is damaged; restore it from a backup or an export",
            )
        return version

    def _create(self) -> None:
        """Create every table in one transaction, so a crash leaves no half-made ledger."""
        from privacymesh import __version__

        now = datetime.now(UTC).replace(tzinfo=None)
        con = self.con
        con.execute("BEGIN TRANSACTION").fetchall()
        try:
            for statement in ddl_statements():
                con.execute(statement).fetchall()
            con.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [
                    ["schema_version", str(SCHEMA_VERSION)],
                    ["chain", CHAIN_ALGORITHM],
                    ["created_at", now.isoformat() + "Z"],
                    ["created_by", f"privacymesh {__version__}"],
                ],
            )
            con.execute(
                "INSERT INTO chain_head VALUES (0, ?, NULL, NULL, ?)", [GENESIS, now]
            ).fetchall()
            con.execute("COMMIT").fetchall()
        except BaseException:
            con.execute("ROLLBACK").fetchall()
            raise

    def _add_tables(self, names: list[str]) -> None:
        """An older ledger: add the (empty) tables later versions added, or, read-only, empty
        views of them, so the chain reads the same either way."""
        con = self.con
        added = [t for t in CHAINED_TABLES if t.name in names]
        if self.read_only:
            for table in added:
                con.execute(f"CREATE TEMP VIEW {table.name} AS {empty_select(table)}").fetchall()
            return
        con.execute("BEGIN TRANSACTION").fetchall()
        try:
            for table in added:
                con.execute(table.ddl()).fetchall()
            con.execute(
                "UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION)]
            ).fetchall()
            con.execute("COMMIT").fetchall()
        except BaseException:
            con.execute("ROLLBACK").fetchall()
            raise

    def _verify_after_recovery(self, recovered: str) -> None:
        """Verify the chain once a compaction killed mid-swap was undone or finished, and log
        the outcome beside what was done (a broken chain stays for `evidence verify` to name)."""
        report = self.verify()
        if report.ok:
            log.warning("%s: chain verified after recovery: %s", self.path, report)
        else:
            log.error("%s: after recovery (%s) the chain is %s", self.path, recovered, report)

    def close(self) -> None:
        """Compact the file when its write-ahead log has grown (`durable`), release the file
        (and its lock), then push any signed heads to the anchors."""
        with self._lock:
            if self._con is not None and self._compacts_on_close():
                try:
                    self._compact(reopen=False)
                except (LedgerError, duckdb.Error, OSError) as exc:
                    log.warning("%s: not compacted: %s", self.path, exc)
            if self._con is not None:
                self._con.close()
                self._con = None
            if self._counted:
                _count_writer(self.path, -1)
                self._counted = False
        if self.sealer is not None:
            self.sealer.publish()

    def _compacts_on_close(self) -> bool:
        """The last writer of this process to close compacts, once the log has grown."""
        return (
            not self.read_only
            and self._prepared
            and _count_writer(self.path, 0) == 1
            and durable.needs_compaction(self.path)
        )

    def compact(self) -> VerifyReport:
        """Rewrite the ledger into a fresh file and swap it in for the file and its write-ahead
        log (closing does so once the log has grown; see `privacymesh.ledger.durable`). Returns
        the verified chain of the new file; raises LedgerError, leaving the ledger as it was,
        when the copy differs or the chain does not verify."""
        if self.read_only:
            raise LedgerError("the ledger is open read-only", file=self.path)
        with self._lock:
            return self._compact(reopen=True)

    def _compact(self, reopen: bool) -> VerifyReport:
        started = time.perf_counter()
        self._check_sole_writer()
        report = durable.write_copy(self.con, self.path)
        with durable.swap_lock(self.path, exclusive=True):
            try:
                self._check_sole_writer()
            except LedgerError:
                durable.discard_copy(self.path)
                raise
            try:
                durable.swap_in(self.path, self._release)
            except OSError as exc:
                raise LedgerError(
                    f"compaction stopped while swapping the file in: {exc}",
                    file=self.path,
                    hint="the next open undoes or finishes it",
                ) from exc
            finally:
                if reopen:  # before anyone else connects to the new file
                    durable.recover(self.path)
                    self._con = durable.connect(self.path, read_only=False)
        log.info(
            "%s: compacted to %d bytes in %.2f s; %s",
            self.path,
            self.path.stat().st_size,
            time.perf_counter() - started,
            report,
        )
        return report

    def _check_sole_writer(self) -> None:
        if _count_writer(self.path, 0) > 1:
            raise LedgerError(
                "not compacted: another Ledger in this process has the file open for writing",
                file=self.path,
                hint="the last writer to close compacts it",
            )

    def _release(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = "read-only" if self.read_only else "read-write"
        return f"Ledger({str(self.path)!r}, {mode})"

    # -- writing -------------------------------------------------------------------------

    def begin_run(self, info: RunInfo | None = None) -> RunWriter:
        """Start recording a run: `with ledger.begin_run(info) as run: run.add_result(...)`.
        Nothing is written until the block exits without an exception."""
        if self.read_only:
            raise LedgerError(
                "the ledger is open read-only",
                file=self.path,
                hint="open it with Ledger(path) to record runs",
            )
        return RunWriter(self, info or RunInfo())

    def append(
        self, table: ChainedTable, columns: dict[str, list[Any]], run_id: str | None = None
    ) -> ChainHead:
        """Chain rows of a table a run does not write (e.g. `alerts`, about run `run_id`)
        after the head, in one transaction, sealed like a run; returns the new head."""
        if self.read_only:
            raise LedgerError("the ledger is open read-only", file=self.path)
        with self._lock:
            return commit_records(self.con, table, columns, self.sealer, run_id)

    def _commit(self, run: RunWriter) -> RunSummary:
        with self._lock:
            return commit_run(self.con, run, self.sealer)

    # -- verifying and exporting ---------------------------------------------------------

    def verify(
        self, expect_head: ChainHead | tuple[int, str] | None = None, batch_size: int = 100_000
    ) -> VerifyReport:
        """Recompute the whole chain; the report names the first broken record, if any.
        `expect_head` is a (seq, hash) published earlier, which the chain must still hold."""
        with self._lock:
            return verify_chain(
                self.con,
                stored_head=read_chain_head(self.con),
                expect_head=expect_head,
                batch_size=batch_size,
            )

    def hashes_at(self, seqs: list[int]) -> dict[int, str]:
        """The hash the chain holds at each of `seqs` (absent seqs are left out)."""
        wanted = sorted({int(s) for s in seqs if int(s) > 0})
        if not wanted:
            return {}
        union = " UNION ALL ".join(f"SELECT seq, hash FROM {t.name}" for t in CHAINED_TABLES)
        with self._lock:
            rows = self.con.execute(
                f"SELECT seq, hash FROM ({union}) WHERE list_contains(?, seq)", [wanted]
            ).fetchall()
        return {int(seq): str(digest) for seq, digest in rows}

    def copy_upto(self, seq: int, dest: Path | str) -> Ledger:
        """A new ledger file at `dest` holding this chain up to `seq` (the ledger as it was
        when its head was there), with its chain head set to that record; returns it open."""
        copy = Ledger(dest)
        try:
            for table in CHAINED_TABLES:
                with self._lock:
                    rows = self.con.sql(
                        f"SELECT * FROM {table.name} WHERE seq <= {int(seq)}"
                    ).to_arrow_table()
                copy.con.register("_privacymesh_copy", rows)
                try:
                    copy.con.execute(
                        f"INSERT INTO {table.name} BY NAME SELECT * FROM _privacymesh_copy"
                    ).fetchall()
                finally:
                    copy.con.unregister("_privacymesh_copy")
            found = self.hashes_at([seq]).get(int(seq), GENESIS)
            copy.con.execute(
                "UPDATE chain_head SET seq = ?, hash = ?", [int(seq) if seq > 0 else 0, found]
            ).fetchall()
        except BaseException:
            copy.close()
            raise
        return copy

    def export(self, out_dir: Path | str, format: Format = "parquet") -> dict[str, Path]:
        """Write each table to `out_dir` as Parquet or CSV, plus a manifest; returns the paths."""
        with self._lock:
            return export_tables(self.con, out_dir, format)

    # -- reading -------------------------------------------------------------------------

    def chain_head(self) -> ChainHead:
        """The last record of the chain (seq 0 and the genesis hash when empty)."""
        with self._lock:
            head = read_chain_head(self.con)
        if head is None:
            raise LedgerError(
                "the chain_head table does not hold exactly one row",
                file=self.path,
                hint="run `privacymesh evidence verify`",
            )
        return head

    def runs(
        self, since: queries.Moment | None = None, until: queries.Moment | None = None
    ) -> pl.DataFrame:
        """Every run, oldest first, with its summary counts."""
        with self._lock:
            return queries.runs(self.con, since, until)

    def results(
        self,
        run_id: str | None = None,
        check: str | None = None,
        product: str | None = None,
        since: queries.Moment | None = None,
        until: queries.Moment | None = None,
        domain: str | None = None,
        status: str | list[str] | None = None,
    ) -> pl.DataFrame:
        """Check results, filtered; since/until bound the run's start (until exclusive)."""
        with self._lock:
            return queries.results(self.con, run_id, check, product, since, until, domain, status)

    def measurements(
        self,
        run_id: str | None = None,
        check: str | None = None,
        product: str | None = None,
        since: queries.Moment | None = None,
        until: queries.Moment | None = None,
        metric: str | None = None,
    ) -> pl.DataFrame:
        """Measured values, one row per result and metric (`value` numeric, `text` string)."""
        with self._lock:
            return queries.measurements(self.con, run_id, check, product, since, until, metric)

    def findings(
        self,
        run_id: str | None = None,
        check: str | None = None,
        product: str | None = None,
        since: queries.Moment | None = None,
        until: queries.Moment | None = None,
        fingerprint: str | None = None,
    ) -> pl.DataFrame:
        """Findings, filtered like `results`."""
        with self._lock:
            return queries.findings(self.con, run_id, check, product, since, until, fingerprint)

    def decide_finding(
        self,
        fingerprint: str,
        decision: str,
        reason: str,
        until: datetime | None = None,
        actor: str | None = None,
    ) -> ChainHead:
        """Record a decision on a finding (`accept` with a reason until a day, or `reopen`),
        chained like every record. The fingerprint must be one the ledger recorded."""
        if self.read_only:
            raise LedgerError("the ledger is open read-only", file=self.path)
        if decision not in ("accept", "reopen"):
            raise LedgerError(f"unknown decision {decision!r}", hint="accept or reopen")
        if not reason.strip():
            raise LedgerError("a decision needs a reason", field="reason")
        with self._lock:
            known = self.con.execute(
                "SELECT count(*) FROM findings WHERE fingerprint = ?", [fingerprint]
            ).fetchall()[0][0]
            if not known:
                raise LedgerError(
                    f"no finding with fingerprint {fingerprint}",
                    field="fingerprint",
                    hint="`privacymesh findings --json` lists them",
                )
            return append_decision(self.con, fingerprint, decision, reason.strip(), until, actor)

    def sql(self, query: str, params: dict[str, Any] | None = None) -> pl.DataFrame:
        """One query over the ledger's tables, as a Polars DataFrame (for notebooks and views).
        Only a single SELECT runs: records are written through the ledger's own methods, and a
        statement such as CHECKPOINT would rewrite the live file in place, which the ledger never
        does (a kill during it could leave a file that no longer opens)."""
        with self._lock:
            try:
                statements = self.con.extract_statements(query)
            except duckdb.Error as exc:
                raise LedgerError(f"not a valid query: {exc}", field="query") from exc
            kinds = [s.type for s in statements]
            if kinds != [duckdb.StatementType.SELECT]:
                raise LedgerError(
                    "the ledger answers one SELECT at a time, got "
                    + (", ".join(k.name for k in kinds) or "no statement"),
                    field="query",
                    hint="write through the ledger's own methods; read with a single SELECT",
                )
            return queries.frame(self.con, query, params)
