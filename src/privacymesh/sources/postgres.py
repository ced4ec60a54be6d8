"""PostgreSQL (`type: postgres`): read through ADBC's libpq driver, which hands back Arrow.

The workspace's `[sources.NAME]` gives host, port, database and user, and the password by
`password_env` or `password_file`; the contract names the source (`server: NAME`) and may give
the schema; the table is the object's `physicalName`. A contract's own host or port is never
used: it would send the workspace's credentials wherever a contract points.

Queries run in a read-only transaction. Deletes run in one transaction and record the server's
WAL position before and after (`pg_current_wal_lsn`), the version of the data they changed.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pyarrow as pa
import pyarrow.compute as pc

from privacymesh.catalog import quote_ident, quote_literal
from privacymesh.errors import first_line
from privacymesh.sources.base import Connector, DeleteOutcome, PushdownError
from privacymesh.sources.registry import register
from privacymesh.sources.settings import resolve_secret, scrub, setting
from privacymesh.sources.sql import to_dialect

# SQLSTATE classes of a statement the server could not run as written (a function or syntax it
# lacks, a data conversion): the engine then reads the columns and computes itself
_NOT_PUSHABLE = ("42", "22", "0A")
_MISSING_TABLE = ("42P01", "3F000")  # undefined table, undefined schema: the product is gone


class PostgresConnector(Connector):
    """One table of a PostgreSQL database."""

    type = "postgres"
    read = "sql"
    dialect = "postgres"

    def __init__(self, product: Any, settings: Any) -> None:
        super().__init__(product, settings)
        if settings is None:
            raise self.fail(
                f"the contract names no source of the workspace (server: {self.server_name!r})",
                hint='declare it in privacymesh.toml: [sources.NAME] type = "postgres", '
                "host, port, database, user, password_env",
            )
        missing = [k for k in ("host", "database", "user") if not settings.get(k)]
        if missing:
            raise self.fail(
                f"[sources.{settings.name}] needs {', '.join(missing)}",
                hint='e.g. host = "db.internal", database = "sales", user = "privacymesh"',
            )
        options = product.server.options if product.server else {}
        self.host = str(settings.get("host"))
        self.port = int(settings.get("port", 5432))
        self.database = str(settings.get("database"))
        self.user = str(settings.get("user"))
        self.schema = str(setting(settings, "schema", options.get("schema") or "public"))
        self.table = product.table
        self.read_only = (
            "the workspace marks the source read-only ([sources.NAME] read_only = true)"
            if settings.get("read_only")
            else None
        )
        self._shared: _Shared | None = None

    @property
    def server_name(self) -> str | None:
        server = self.product.server
        return server.name if server else None

    # connection ----------------------------------------------------------------------------
    def _uri(self) -> str:
        auth = quote(self.user, safe="")
        if self.secret:
            auth += ":" + quote(self.secret, safe="")
        return f"postgresql://{auth}@{self.host}:{self.port}/{quote(self.database, safe='')}"

    def _share(self) -> _Shared:
        """The connection this connector shares with every other product of the same server,
        database and login (a mesh of many tables must not open a connection per table)."""
        if self._shared is None:
            assert self.settings is not None
            self.secret = resolve_secret(self.settings)
            key = (self.host, self.port, self.database, self.user, self.secret)
            with _SHARED_LOCK:
                shared = _SHARED.setdefault(key, _Shared(key))
                shared.users += 1
            self._shared = shared
        return self._shared

    @property
    def _con(self) -> Any:
        return self._shared.con if self._shared else None

    def _connection(self, shared: _Shared) -> Any:
        if shared.con is None:
            import adbc_driver_postgresql.dbapi as pg

            try:
                shared.con = pg.connect(self._uri())
            except Exception as exc:
                raise self._error(exc, "cannot connect") from None
        return shared.con

    def _error(self, exc: BaseException, doing: str) -> Exception:
        """The driver's error as a `SourceError` naming the source, the secret masked; a
        statement the server cannot run as written becomes a `PushdownError`."""
        text = scrub(_libpq_message(exc), self.secret)
        state = str(getattr(exc, "sqlstate", "") or "")
        if state in _MISSING_TABLE:
            return self.fail(f"table {self.schema}.{self.table} not found ({text})")
        if state[:2] in _NOT_PUSHABLE:
            return PushdownError(text)
        return self.fail(f"{doing}: {text}")

    @contextlib.contextmanager
    def _cursor(self, doing: str) -> Iterator[Any]:
        shared = self._share()
        with shared.lock:  # one libpq connection serves one statement at a time
            con = self._connection(shared)
            try:
                with con.cursor() as cur:
                    yield cur
            except Exception as exc:
                with contextlib.suppress(Exception):
                    con.rollback()
                if isinstance(exc, PushdownError):
                    raise
                _drop_if_broken(shared)
                raise self._error(exc, doing) from None

    # reading -------------------------------------------------------------------------------
    @property
    def relation(self) -> str:
        return f"{quote_ident(self.schema)}.{quote_ident(self.table)}"

    def query(self, sql: str) -> pa.Table:
        with self._cursor("cannot read") as cur:
            cur.execute("SET TRANSACTION READ ONLY")
            cur.execute(sql)
            table = cur.fetch_arrow_table()
            self._con.rollback()  # nothing to keep: end the read-only transaction
        return plain_arrow(table)

    def sample_sql(self, rows: int, seed: int) -> str:
        """The same rows for the same seed and data, whatever their physical order: rows are
        ranked by a hash of their content and the seed, and only `rows` of them leave the
        server."""
        return (
            f"SELECT * FROM {self.relation} AS _t "
            f"ORDER BY md5(_t::text || {quote_literal(str(int(seed)))}) LIMIT {int(rows)}"
        )

    def spark_frame(self, spark: Any) -> Any:
        assert self.settings is not None
        secret = resolve_secret(self.settings)
        reader = (
            spark.read.format("jdbc")
            .option("url", f"jdbc:postgresql://{self.host}:{self.port}/{self.database}")
            .option("dbtable", self.relation)
            .option("user", self.user)
            .option("driver", "org.postgresql.Driver")
            # filters, aggregates and limits run at the server, as on DuckDB
            .option("pushDownPredicate", "true")
            .option("pushDownAggregate", "true")
            .option("pushDownLimit", "true")
            .option("preferTimestampNTZ", "true")
        )
        if secret:
            reader = reader.option("password", secret)
        return reader.load()

    # evidence ------------------------------------------------------------------------------
    def identity(self) -> dict[str, Any]:
        row = self.query(
            f"SELECT count(*) AS rows, pg_current_wal_lsn()::text AS lsn FROM {self.relation}"
        ).to_pylist()[0]
        return {
            "source": self.source_name,
            "type": self.type,
            "server": f"{self.host}:{self.port}/{self.database}",
            "table": f"{self.schema}.{self.table}",
            "version": f"wal {row['lsn']}",
            "rows": int(row["rows"]),
        }

    # writing -------------------------------------------------------------------------------
    def count(self, predicate: str) -> int:
        where = to_dialect(predicate, self.dialect)
        sql = f"SELECT count(*) FROM {self.relation} WHERE ({where}) IS TRUE"
        return int(self.query(sql).column(0)[0].as_py())

    def delete(
        self, predicate: str | None, null_cells: Mapping[str, str] | None = None
    ) -> DeleteOutcome:
        """Delete the matching rows and blank the matching cells in one transaction."""
        if self.read_only:
            raise self.fail(self.read_only)
        before = self.identity()
        cells: dict[str, int] = {}
        rows = 0
        with self._cursor("cannot delete") as cur:
            if predicate:
                where = to_dialect(predicate, self.dialect)
                cur.execute(f"DELETE FROM {self.relation} WHERE ({where}) IS TRUE")
                rows = max(int(cur.rowcount), 0)
            for column, cell_predicate in (null_cells or {}).items():
                where = to_dialect(cell_predicate, self.dialect)
                cur.execute(
                    f"UPDATE {self.relation} SET {quote_ident(column)} = NULL "
                    f"WHERE ({where}) IS TRUE AND {quote_ident(column)} IS NOT NULL"
                )
                cells[column] = max(int(cur.rowcount), 0)
            self._con.commit()
        return DeleteOutcome(rows, before, self.identity(), cells)

    def close(self) -> None:
        shared, self._shared = self._shared, None
        if shared is None:
            return
        with _SHARED_LOCK:
            shared.users -= 1
            if shared.users > 0:
                return
            _SHARED.pop(shared.key, None)
        with shared.lock, contextlib.suppress(Exception):
            if shared.con is not None:
                shared.con.close()
        shared.con = None


@dataclass(eq=False)
class _Shared:
    """One connection and the lock that lets one statement through at a time."""

    key: tuple[Any, ...] = field(repr=False)
    con: Any = None
    lock: threading.RLock = field(default_factory=threading.RLock)
    users: int = 0


_SHARED: dict[tuple[Any, ...], _Shared] = {}
_SHARED_LOCK = threading.Lock()


def _drop_if_broken(shared: _Shared) -> None:
    """Forget a connection the server closed, so the next call reconnects or says why."""
    if shared.con is None:
        return
    with contextlib.suppress(Exception):
        with shared.con.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchall()
        return
    with contextlib.suppress(Exception):
        shared.con.close()
    shared.con = None


@register
class PostgresqlConnector(PostgresConnector):
    """ODCS also spells the type `postgresql`."""

    type = "postgresql"


register(PostgresConnector)


def plain_arrow(table: pa.Table) -> pa.Table:
    """The driver's Arrow with PostgreSQL's own types made plain: NUMERIC (sent as text) becomes
    a decimal of its declared precision, else a double; other opaque types their text."""
    columns, fields = [], []
    for f, column in zip(table.schema, table.columns, strict=True):
        if isinstance(f.type, pa.BaseExtensionType):
            storage = pa.chunked_array([c.storage for c in column.chunks], f.type.storage_type)
            target = _numeric_type(f) if _pg_type(f) == "numeric" else None
            column = pc.cast(storage, target) if target is not None else storage
            f = pa.field(f.name, column.type, f.nullable, f.metadata)
        columns.append(column)
        fields.append(f)
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


def _pg_type(f: pa.Field) -> str:
    meta = f.metadata or {}
    return meta.get(b"POSTGRESQL:type", b"").decode()


def _numeric_type(f: pa.Field) -> pa.DataType:
    typmod = int((f.metadata or {}).get(b"POSTGRESQL:typmod", b"-1"))
    if typmod < 4:
        return pa.float64()
    precision, scale = ((typmod - 4) >> 16) & 0xFFFF, (typmod - 4) & 0xFFFF
    return pa.decimal128(precision, scale) if precision <= 38 else pa.float64()


def _libpq_message(exc: BaseException) -> str:
    """The server's own words from a driver error (its first line, without the driver's
    status prefix)."""
    text = first_line(exc, 400)
    for marker in ("ERROR:  ", "FATAL:  "):
        if marker in text:
            return text.split(marker, 1)[1].strip()
    return text
