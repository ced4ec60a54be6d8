"""Writing products' sources: delete rows and blank cells in the Parquet files and DuckDB tables
the contracts point at, all or nothing.

A `SourceRewrite` stages every change first (each Parquet file is rewritten to a temporary file
beside it, every count is taken), and only when all staged cleanly commits them: temporary files
replace the originals (`os.replace`, atomic on one file system) and DuckDB tables change in one
transaction per database. A failure while staging leaves every source as it was.

Writable: a local Parquet file (one file, not a glob) that the process may write, a table in
a DuckDB database file, or a product whose connector writes (PostgreSQL: one transaction at the
server, its version before and after recorded). Read-only: CSV files, globs, server types with
no writing connector, sources the workspace marks `read_only`, and every product the policy
lists under `retention.read_only`; for those, callers report what would be deleted.

DuckDB here is the writing tool for local files and DuckDB tables, whatever the workspace's
engine; what is due or held, and whether anything is left, is read through the engine.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from privacymesh.catalog import DataProduct, quote_ident, quote_literal
from privacymesh.errors import SourceError
from privacymesh.platform.errors import PlatformError, ReadOnlySourceError
from privacymesh.platform.policy import Policy
from privacymesh.sources.base import Connector, SourceSettings
from privacymesh.sources.registry import is_known, is_native, open_connector


@dataclass(frozen=True)
class SourceInfo:
    """Where a product's rows live and whether privacymesh may rewrite them."""

    product_id: str
    storage: str | None  # parquet | duckdb | connector | None: how a rewrite reaches it
    path: Path | None
    table: str | None
    reason: str | None = None  # why it is read-only
    connector: Connector | None = field(default=None, compare=False, repr=False)

    @property
    def writable(self) -> bool:
        return self.reason is None

    @property
    def reader(self) -> str:
        """SQL reading the current rows (for a connection of its own)."""
        if self.storage == "parquet":
            return f"read_parquet({quote_literal(str(self.path))})"
        return f"_src.{self.table}"


def source_info(
    product: DataProduct,
    policy: Policy,
    sources: Mapping[str, SourceSettings] | None = None,
) -> SourceInfo:
    """The product's source and, when it cannot be written, why. `sources` (the workspace's
    `[sources.NAME]`) lets a product in a database be written through its connector."""
    server = product.server
    pid = product.id
    if pid in policy.read_only:
        return SourceInfo(pid, None, None, None, "read-only by policy (retention.read_only)")
    if server is None:
        return SourceInfo(pid, None, None, None, "the contract declares no server")
    native = is_native(server.type, server.format)  # Delta or Iceberg in a folder: a connector
    if server.type == "local" and native:
        path = server.path
        if path is None or any(ch in str(path) for ch in "*?["):
            return SourceInfo(pid, None, path, None, "a glob of files: rewrite them at the source")
        if (server.format or "parquet") != "parquet":
            return SourceInfo(pid, None, path, None, f"a {server.format} file: read-only")
        if not path.is_file():
            return SourceInfo(pid, None, path, None, "the data file does not exist")
        if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
            return SourceInfo(pid, None, path, None, "the file or its folder is not writable")
        return SourceInfo(pid, "parquet", path, None)
    if server.type == "duckdb":
        db = server.database
        if db is None or not db.is_file():
            return SourceInfo(pid, None, db, None, "the DuckDB database does not exist")
        if not os.access(db, os.W_OK):
            return SourceInfo(pid, None, db, None, "the DuckDB database is not writable")
        parts = [*([server.schema] if server.schema else []), product.table]
        return SourceInfo(pid, "duckdb", db, ".".join(quote_ident(p) for p in parts))
    if sources is not None and not native and is_known(server.type, server.format):
        try:
            connector = open_connector(product, sources.get(server.name or ""))
        except SourceError as exc:
            return SourceInfo(pid, None, None, None, exc.message)
        if connector.read_only:
            connector.close()
            return SourceInfo(pid, None, None, None, connector.read_only)
        return SourceInfo(pid, "connector", None, product.table, connector=connector)
    return SourceInfo(pid, None, None, None, f"server type {server.type!r}: read-only")


def require_writable(
    product: DataProduct, policy: Policy, sources: Mapping[str, SourceSettings] | None = None
) -> SourceInfo:
    info = source_info(product, policy, sources)
    if not info.writable:
        raise ReadOnlySourceError(
            f"{product.id} cannot be written: {info.reason}",
            file=product.file,
            field="servers[0]",
        )
    return info


@dataclass(frozen=True)
class RowChange:
    """Rows to delete (`delete_where`, an SQL predicate over the source's columns) and cells to
    blank (`null_cells`: column -> predicate), in one product."""

    product: DataProduct
    delete_where: str | None = None
    null_cells: dict[str, str] = field(default_factory=dict)


@dataclass
class StagedChange:
    """A change ready to commit, with what it will do."""

    change: RowChange
    info: SourceInfo
    rows_before: int = 0
    rows_deleted: int = 0
    cells_nulled: dict[str, int] = field(default_factory=dict)
    temp: Path | None = None
    # a connector's source: its version (snapshot, log position) before and after the change
    version_before: str | None = None
    version_after: str | None = None
    # a source with earlier versions (Delta, Iceberg): what its `purge_history` removed, and
    # what the versions still readable hold of the changed rows
    history: dict[str, object] | None = None
    history_residue: dict[str, object] | None = None

    @property
    def product_id(self) -> str:
        return self.change.product.id

    @property
    def changes_anything(self) -> bool:
        return self.rows_deleted > 0 or any(self.cells_nulled.values())


def _true(predicate: str) -> str:
    return f"(({predicate}) IS TRUE)"


@contextlib.contextmanager
def _connection(info: SourceInfo) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    try:
        if info.storage == "duckdb":
            con.execute(f"ATTACH {quote_literal(str(info.path))} AS _src (READ_ONLY)").fetchall()
        yield con
    finally:
        con.close()


class SourceRewrite:
    """Stage row changes across products, then commit them all (see the module docstring)."""

    def __init__(self, policy: Policy, sources: Mapping[str, SourceSettings] | None = None):
        self.policy = policy
        self.sources = sources
        self.staged: list[StagedChange] = []
        self.committed = False

    def __enter__(self) -> SourceRewrite:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.committed:
            self.rollback()
        for s in self.staged:
            if s.info.connector is not None:
                s.info.connector.close()

    def stage(self, change: RowChange) -> StagedChange:
        """Count what the change does and, for Parquet, write the new file beside the old."""
        info = require_writable(change.product, self.policy, self.sources)
        staged = StagedChange(change, info)
        delete = _true(change.delete_where) if change.delete_where else "FALSE"
        keep = f"NOT {delete}"
        if info.connector is not None:  # counted at the source; changed there on commit
            c = info.connector
            staged.rows_before = c.count("TRUE")
            staged.rows_deleted = c.count(delete) if change.delete_where else 0
            staged.cells_nulled = {
                column: c.count(f"{keep} AND {_true(p)} AND {quote_ident(column)} IS NOT NULL")
                for column, p in change.null_cells.items()
            }
            self.staged.append(staged)
            return staged
        counts = [f"count(*) FILTER (WHERE {delete})"] + [
            f"count(*) FILTER (WHERE NOT {delete} AND {_true(p)})"
            for p in change.null_cells.values()
        ]
        with _connection(info) as con:
            row = con.execute(f"SELECT count(*), {', '.join(counts)} FROM {info.reader}").fetchone()
            assert row is not None
            staged.rows_before, staged.rows_deleted = int(row[0]), int(row[1])
            staged.cells_nulled = {
                c: int(n) for c, n in zip(change.null_cells, row[2:], strict=True)
            }
            if info.storage == "parquet" and staged.changes_anything:
                assert info.path is not None
                temp = info.path.with_name(f".{info.path.name}.{secrets.token_hex(4)}.tmp")
                replace = ", ".join(
                    f"CASE WHEN {_true(p)} THEN NULL ELSE {quote_ident(c)} END AS {quote_ident(c)}"
                    for c, p in change.null_cells.items()
                )
                select = f"* REPLACE ({replace})" if replace else "*"
                try:
                    con.execute(
                        f"COPY (SELECT {select} FROM {info.reader} WHERE {keep}) TO "
                        f"{quote_literal(str(temp))} (FORMAT parquet, COMPRESSION zstd)"
                    ).fetchall()
                    _fsync(temp)
                except BaseException:
                    temp.unlink(missing_ok=True)
                    raise
                staged.temp = temp
        self.staged.append(staged)
        return staged

    def commit(self) -> list[StagedChange]:
        """Apply every staged change: replace the Parquet files, change the DuckDB tables."""
        by_db: dict[Path, list[StagedChange]] = {}
        for s in self.staged:
            if s.info.storage == "duckdb" and s.changes_anything:
                assert s.info.path is not None
                by_db.setdefault(s.info.path, []).append(s)
        for db, items in by_db.items():
            _commit_duckdb(db, items)
        for s in self.staged:
            if s.info.connector is not None and s.changes_anything:
                done = s.info.connector.delete(s.change.delete_where, s.change.null_cells)
                s.rows_deleted, s.cells_nulled = done.rows, done.cells or s.cells_nulled
                s.version_before = _version(done.before)
                s.version_after = _version(done.after)
                s.history = done.history
        for s in self.staged:  # time travel must not bring back what was just removed
            if s.info.connector is not None:
                s.history_residue = s.info.connector.residue_in_history(_changed_rows(s.change))
        for s in self.staged:
            if s.temp is not None and s.info.path is not None:
                os.replace(s.temp, s.info.path)
                _fsync_dir(s.info.path.parent)
                s.temp = None
        self.committed = True
        return self.staged

    def rollback(self) -> None:
        for s in self.staged:
            if s.temp is not None:
                s.temp.unlink(missing_ok=True)
                s.temp = None


def _changed_rows(change: RowChange) -> str:
    """A predicate true for every row the change deletes or blanks a cell of."""
    parts = [_true(change.delete_where)] if change.delete_where else []
    parts += [
        f"({_true(p)} AND {quote_ident(c)} IS NOT NULL)" for c, p in change.null_cells.items()
    ]
    return " OR ".join(parts) or "FALSE"


def _version(identity: Mapping[str, object]) -> str | None:
    value = identity.get("version", identity.get("snapshot"))  # Iceberg: its snapshot id
    return None if value is None else str(value)


def _commit_duckdb(db: Path, items: list[StagedChange]) -> None:
    try:
        con = duckdb.connect(str(db))
    except duckdb.Error as exc:
        raise PlatformError(f"cannot open the DuckDB source for writing: {exc}", file=db) from exc
    try:
        con.execute("BEGIN TRANSACTION").fetchall()
        for s in items:
            table = s.info.table
            if s.change.delete_where:
                con.execute(f"DELETE FROM {table} WHERE {_true(s.change.delete_where)}").fetchall()
            for column, predicate in s.change.null_cells.items():
                con.execute(
                    f"UPDATE {table} SET {quote_ident(column)} = NULL WHERE {_true(predicate)}"
                ).fetchall()
        con.execute("COMMIT").fetchall()
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK").fetchall()
        raise
    finally:
        con.close()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        _fsync(path)


def write_parquet_atomic(frame: pl.DataFrame, path: Path) -> None:
    """Write a platform table: a temporary file beside it, synced, then renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        frame.write_parquet(temp, compression="zstd")
        _fsync(temp)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    _fsync_dir(path.parent)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock on `<path>.lock` for read-modify-write of a platform table."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
