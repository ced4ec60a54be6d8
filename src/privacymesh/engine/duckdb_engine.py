"""The embedded default engine: one DuckDB connection, products as views over their files."""

from __future__ import annotations

import glob
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from privacymesh.catalog import DataProduct, quote_ident, quote_literal
from privacymesh.engine.base import PART, Engine, first_rows_query, split_parts
from privacymesh.errors import SourceError, first_line
from privacymesh.sources.base import Connector, PushdownError
from privacymesh.sources.registry import is_native
from privacymesh.sources.sql import Plan, fetch_sql, plan, rewrite, view_key

_FILE = "__privacymesh_file"  # the file-name column a numbered Parquet read adds
_SAMPLED = "__privacymesh_sampled"  # one pass: whether the sample drew the row


def is_csv(path: Path, fmt: str | None) -> bool:
    """Whether a data file (or glob) is CSV, by its declared format or else its suffix; any
    other file is read as Parquet."""
    return (fmt or path.suffix.lstrip(".")).lower() == "csv"


def has_glob(path: Path) -> bool:
    return any(ch in str(path) for ch in "*?[")


def files_version(path: Path) -> str | None:
    """Path, size and modification time (ns) of a file or of each file a glob matches now;
    None when nothing is there."""
    paths = sorted(Path(p) for p in glob.glob(str(path))) if has_glob(path) else [path]
    try:
        stats = [(str(p.resolve()), p.stat()) for p in paths if p.is_file()]
    except OSError:
        return None
    if not stats:
        return None
    return "\n".join(f"{p} {st.st_size} {st.st_mtime_ns}" for p, st in stats)


def file_reader(path: Path | list[Path], fmt: str | None, options: str = "") -> str:
    """The DuckDB table function reading one data file (or glob, or list of files), with extra
    `options` of that function (`file_row_number = true`)."""
    if isinstance(path, list):
        literal = "[" + ", ".join(quote_literal(str(p)) for p in path) + "]"
        path = path[0]
    else:
        literal = quote_literal(str(path))
    if is_csv(path, fmt):
        return f"read_csv({literal}, header = true{options and ', ' + options})"
    return f"read_parquet({literal}{options and ', ' + options})"


class DuckDBEngine(Engine):
    """DuckDB session; `database` is a file path or `:memory:`."""

    name = "duckdb"
    dialect = "duckdb"

    def __init__(
        self,
        database: str = ":memory:",
        threads: int | None = None,
        memory_limit: str | None = None,
    ) -> None:
        super().__init__()
        self.database = database
        self.con = duckdb.connect(database)
        self._lock = threading.RLock()  # re-entrant: register_frame materializes
        self._schemas: set[str] = set()
        self._attached: dict[Path, str] = {}
        self._parquet: dict[str, Path | list[Path]] = {}  # view -> its Parquet, for sampling
        self._files: dict[str, tuple[Path, str | None]] = {}  # view -> its data file and format
        self.sealed = False
        self._numbered: dict[str, str | None] = {}  # view -> its row-numbered read, if it has one
        # products in a database: view key -> (connector, its columns); their views refuse to
        # be read, every query over them goes through `_remote_arrow`
        self._remote: dict[tuple[str, str], tuple[Connector, list[str]]] = {}
        self._remote_views: dict[str, tuple[str, str]] = {}  # quoted view -> view key
        self._fetched = 0
        self._native: dict[str, DataProduct] = {}  # product id -> a product read natively
        self.con.create_function(
            "privacymesh_remote_only", _refuse, ["VARCHAR"], "VARCHAR", side_effects=True
        )
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            self.con.execute(f"SET memory_limit = {quote_literal(memory_limit)}")

    def _schema(self, name: str) -> None:
        if name not in self._schemas:
            self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(name)}")
            self._schemas.add(name)

    def register_product(self, product: DataProduct) -> None:
        server = product.server
        if server is None:
            raise SourceError(
                "declared, not readable: the contract declares no server",
                file=product.file,
                field="servers",
            )
        native = is_native(server.type, server.format)
        if server.type == "local" and native:
            assert server.path is not None
            if not has_glob(server.path) and not server.path.exists():
                raise SourceError(
                    f"data file not found: {server.path}",
                    file=product.file,
                    field="servers[0].path",
                )
            source = file_reader(server.path, server.format)
            self._numbered.pop(product.view, None)
            if not is_csv(server.path, server.format):
                self._parquet[product.view] = server.path
            self._files[product.view] = (server.path, server.format)
        elif server.type == "duckdb":
            assert server.database is not None
            source = self._attached_table(server.database, server.schema, product.table)
        else:
            source = self._connected(product)
        if native:
            self._native[product.id] = product
        self._schema(product.domain)
        try:
            with self._lock:
                self.con.execute(f"CREATE OR REPLACE VIEW {product.view} AS SELECT * FROM {source}")
        except duckdb.Error as exc:
            raise SourceError(
                f"cannot read the product's data: {first_line(exc)}",
                file=product.file,
                field="servers[0]",
            ) from exc

    def _connected(self, product: DataProduct) -> str:
        """The relation a connector's product is read from: a registered Arrow dataset, or,
        for a database, a view whose every row read fails (queries go to the source)."""
        connector = self.connector_for(product)
        try:
            return self._connected_view(product, connector)
        except SourceError:
            raise
        except Exception as exc:  # a driver's own error: the product is unreadable, said why
            raise connector.fail(first_line(exc)) from None

    def _connected_view(self, product: DataProduct, connector: Connector) -> str:
        key = view_key(product.domain, product.name)
        self._remote.pop(key, None)
        if connector.read == "dataset":
            name = f"__privacymesh_source_{len(self.connectors)}"
            with self._lock:
                self.con.register(name, connector.dataset())
            return quote_ident(name)
        try:
            empty = connector.query(f"SELECT * FROM {connector.relation} LIMIT 0")
        except PushdownError as exc:
            raise connector.fail(str(exc)) from None
        with self._lock:
            self.con.register("_shape", empty)
            try:
                types = self.con.sql("DESCRIBE SELECT * FROM _shape").fetchall()
            finally:
                self.con.unregister("_shape")
        refuse = f"privacymesh_remote_only({quote_literal(product.id)})"
        columns = ", ".join(
            f"CAST({refuse} AS {dtype}) AS {quote_ident(name)}" for name, dtype, *_ in types
        )
        self._remote[key] = (connector, [t[0] for t in types])
        self._remote_views[product.view] = key
        return f"(SELECT {columns} FROM range(1) WHERE {refuse} IS NULL)"

    def _remote_arrow(self, sql: str) -> pa.Table | None:
        """A query over products in databases: sent down whole when it reads one of them and
        nothing else, else run here over only the columns it uses, fetched from each source.
        None when the query reads none of them."""
        remote = {
            key: (c.dialect, c.relation, columns) for key, (c, columns) in self._remote.items()
        }
        p = plan(sql, remote)
        if p is None:
            return None
        if p.pushed is not None:
            (key,) = p.refs
            try:
                return self._remote[key][0].query(p.pushed)
            except PushdownError:
                pass  # a function the source lacks: compute it here
        return self._fetched_arrow(p)

    def _fetched_arrow(self, p: Plan) -> pa.Table:
        names: dict[tuple[str, str], str] = {}
        with self._lock:
            try:
                for key, columns in p.fetch.items():
                    connector = self._remote[key][0]
                    try:
                        data = connector.query(fetch_sql(connector.relation, columns))
                    except PushdownError as exc:
                        raise connector.fail(str(exc)) from None
                    self._fetched += 1
                    names[key] = f"__privacymesh_fetched_{self._fetched}"
                    self.con.register(names[key], data)
                return self.con.sql(rewrite(p, names)).to_arrow_table()
            finally:
                for name in names.values():
                    self.con.unregister(name)

    def sample(self, view: str, rows: int, seed: int) -> pl.DataFrame:
        """A product in a database is sampled at the source: only the sample leaves it."""
        key = self._remote_views.get(view)
        if key is None:
            return super().sample(view, rows, seed)
        connector = self._remote[key][0]
        return pl.from_arrow(connector.query(connector.sample_sql(rows, seed)))  # type: ignore[return-value]

    def source_identities(self, product_ids: list[str]) -> dict[str, dict[str, object]]:
        """Also a natively read product's file or database: its location, size and modification
        time (the state read), and its rows now."""
        out = super().source_identities(product_ids)
        for pid in product_ids:
            product = self._native.get(pid)
            if pid in out or product is None or product.server is None:
                continue
            server = product.server
            where = server.path if server.type == "local" else server.database
            identity: dict[str, object] = {"type": server.type, "location": str(where)}
            if server.type == "duckdb":
                identity["table"] = ".".join(
                    [*([server.schema] if server.schema else []), product.table]
                )
            try:
                if where is not None and where.is_file():
                    stat = where.stat()
                    identity["version"] = f"{stat.st_size} bytes, modified {stat.st_mtime_ns}"
                identity["rows"] = int(self.scalar(f"SELECT count(*) FROM {product.view}") or 0)
            except (duckdb.Error, OSError) as exc:
                identity["error"] = first_line(exc)
            out[pid] = identity
        return out

    def data_version(self, product_id: str) -> str | None:
        """A natively read product's files (a glob's files as they are now) or DuckDB
        database file: each path, size and modification time; a connector's product as the
        source says."""
        product = self._native.get(product_id)
        if product is None or product.server is None:
            return super().data_version(product_id)
        server = product.server
        path = server.path if server.type == "local" else server.database
        if path is None:
            return None
        return files_version(path)

    def view_version(self, view: str) -> str | None:
        """The files behind a registered platform or product view, as `data_version` says."""
        files = self._files.get(view)
        return files_version(files[0]) if files else None

    def _attached_table(self, database: Path, schema: str | None, table: str) -> str:
        if not database.exists():
            raise SourceError(f"DuckDB database not found: {database}")
        alias = self._attached.get(database)
        if alias is None:
            alias = f"src_{len(self._attached)}"
            self.con.execute(
                f"ATTACH {quote_literal(str(database))} AS {quote_ident(alias)} (READ_ONLY)"
            )
            self._attached[database] = alias
        parts = [alias, *([schema] if schema else []), table]
        return ".".join(quote_ident(p) for p in parts)

    def register_platform_table(self, name: str, path: Path) -> None:
        self._schema("platform")
        view = f"platform.{quote_ident(name)}"
        try:
            with self._lock:
                self.con.execute(
                    f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM {file_reader(path, None)}"
                )
        except duckdb.Error as exc:
            raise SourceError(f"cannot read platform table: {first_line(exc)}", file=path) from exc
        self._files[view] = (path, None)

    def seal(self) -> None:
        """Confine the session to what is registered: it reads only the files behind the
        registered views (a glob's files as they are now), and writes, attaches, installs or
        loads nothing outside its own database; the configuration is locked, so no later
        statement lifts this. Tables in the session's own database (`materialize`) still work."""
        if self.sealed:
            return
        with self._lock:
            allowed: list[str] = []
            for view, (path, fmt) in self._files.items():
                files = self._pinned(view, path, fmt) if has_glob(path) else [path]
                allowed.extend(str(f) for f in files)
            for setting in (
                f"allowed_paths = [{', '.join(quote_literal(p) for p in sorted(set(allowed)))}]",
                "autoinstall_known_extensions = false",
                "autoload_known_extensions = false",
                "allow_community_extensions = false",
                "enable_external_access = false",
                "lock_configuration = true",
            ):
                self.con.execute(f"SET {setting}")
            self.sealed = True

    def _pinned(self, view: str, pattern: Path, fmt: str | None) -> list[Path]:
        """A glob-backed view re-created over the files the glob matches now: a sealed session
        may read named files only (a directory would also let it write there)."""
        rows = self.con.execute("SELECT file FROM glob(?) ORDER BY file", [str(pattern)]).fetchall()
        files = [Path(row[0]) for row in rows]
        if not files:  # the view already fails to read: leave it failing
            return []
        self.con.execute(
            f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM {file_reader(files, fmt)}"
        )
        if view in self._parquet:
            self._parquet[view] = files
            self._numbered.pop(view, None)
        return files

    def register_frame(self, schema: str, name: str, frame: pl.DataFrame) -> None:
        with self._lock:
            self.con.register("_frame", frame.to_arrow())
            try:
                self.materialize(schema, name, "SELECT * FROM _frame")
            finally:
                self.con.unregister("_frame")

    def materialize(self, schema: str, name: str, sql: str) -> None:
        self._schema(schema)
        with self._lock:
            self.con.execute(
                f"CREATE OR REPLACE TABLE {quote_ident(schema)}.{quote_ident(name)} AS {sql}"
            )

    def drop(self, schema: str, name: str) -> None:
        with self._lock:
            self.con.execute(f"DROP TABLE IF EXISTS {quote_ident(schema)}.{quote_ident(name)}")

    def sample_query(self, view: str, rows: int, seed: int) -> str:
        key = self._remote_views.get(view)
        if key is not None:  # drawn at the source, in its dialect
            return self._remote[key][0].sample_sql(rows, seed)
        return self._local_sample_query(view, rows, seed)

    def _local_sample_query(self, view: str, rows: int, seed: int) -> str:
        """Over Parquet of several row groups, the reservoir draws row numbers (two columns
        Parquet gives for free), then one pass reads those rows, a row group per thread, in
        file order: the same uniform sample the reservoir draws over whole rows, without it
        reading every column on one thread. A single row group cannot be read in parallel,
        and there the reservoir's one pass is cheaper. The drawn numbers are computed first
        (MATERIALIZED), so the pass over the rows is a join to a known, small set; over one
        file the row number alone names a row, and the join is on that one column."""
        drawing = self._sample_drawing(view, rows, seed)
        if drawing is None:
            return super().sample_query(view, rows, seed)
        picked, reader, keys = drawing
        return (
            f"{picked}SELECT * EXCLUDE ({keys}) FROM {reader} "
            f"SEMI JOIN picked USING ({keys}) ORDER BY {keys}"
        )

    def _sample_drawing(self, view: str, rows: int, seed: int) -> tuple[str, str, str] | None:
        """The `picked` CTE of the sampled row numbers, the reader their rows are read from,
        and the columns naming a row in it (None when the view is not numbered Parquet)."""
        numbered = self._numbered_reader(view)
        if numbered is None:
            return None
        picked = (
            f"WITH picked AS MATERIALIZED (SELECT {_FILE}, file_row_number FROM {numbered} "
            f"USING SAMPLE reservoir({int(rows)} ROWS) REPEATABLE ({int(seed)})) "
        )
        path = self._parquet[view]
        if isinstance(path, list) or has_glob(path):
            return picked, numbered, f"{_FILE}, file_row_number"
        return picked, file_reader(path, "parquet", "file_row_number = true"), "file_row_number"

    def sample_with_first_rows(
        self,
        view: str,
        rows: int,
        seed: int,
        drawn: Mapping[str, Sequence[str]],
        order: Sequence[str],
    ) -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
        """Over numbered Parquet, one pass decodes the data once for both: it keeps the rows
        the sample draws (the same row numbers `sample` reads) and the rows holding a drawn
        value, then chooses each value's first row among those it kept."""
        drawing = self._sample_drawing(view, rows, seed)
        drawn = {c: list(v) for c, v in drawn.items() if v}
        if drawing is None or not drawn:
            return super().sample_with_first_rows(view, rows, seed, drawn, order)
        picked, reader, keys = drawing
        values = "".join(
            f", d{i}(v) AS (VALUES {', '.join(f'({quote_literal(v)})' for v in vals)})"
            for i, vals in enumerate(drawn.values())
        )
        holds = " OR ".join(
            f"r.{quote_ident(c)} IN (SELECT v FROM d{i})" for i, c in enumerate(drawn)
        )
        kept = (
            f", kept AS MATERIALIZED (SELECT r.*, p.file_row_number IS NOT NULL AS {_SAMPLED} "
            f"FROM {reader} r LEFT JOIN picked p USING ({keys}) "
            f"WHERE p.file_row_number IS NOT NULL OR {holds}) "
        )
        parts = [f"SELECT -1 AS {PART}, * FROM kept WHERE {_SAMPLED}"] + [
            f"SELECT {i} AS {PART}, * FROM ({first_rows_query('kept', c, vals, order)})"
            for i, (c, vals) in enumerate(drawn.items())
        ]
        frame = self.polars(
            f"{picked}{values}{kept}{' UNION ALL '.join(parts)} ORDER BY {PART}, {keys}"
        ).select(PART, *self._columns(view))
        sample = frame.filter(pl.col(PART) < 0).drop(PART)
        return sample, split_parts(frame, list(drawn))

    def _numbered_reader(self, view: str) -> str | None:
        """The view's Parquet read with file names and row numbers, when it spans several row
        groups and has no column of those names; decided once per registration."""
        if view not in self._numbered:
            path, numbered = self._parquet.get(view), None
            if (
                path is not None
                and self._row_groups(path) >= 2
                and not {"file_row_number", _FILE} & set(self._columns(view))
            ):
                options = f"filename = {quote_literal(_FILE)}, file_row_number = true"
                numbered = file_reader(path, "parquet", options)
            self._numbered[view] = numbered
        return self._numbered[view]

    def few_valued_columns(self, view: str) -> set[str] | None:
        """Over numbered Parquet, the columns dictionary-encoded in every row group with
        dictionaries of under a byte per row (from the files' metadata, nothing decoded)."""
        if self._numbered_reader(view) is None:
            return None
        path = self._parquet[view]
        files = path if isinstance(path, list) else [path]
        literal = "[" + ", ".join(quote_literal(str(p)) for p in files) + "]"
        query = (
            f"SELECT path_in_schema FROM parquet_metadata({literal}) GROUP BY path_in_schema "
            "HAVING bool_and(dictionary_page_offset IS NOT NULL) "
            "AND sum(data_page_offset - dictionary_page_offset) < sum(num_values)"
        )
        try:
            with self._lock:
                return {str(row[0]) for row in self.con.sql(query).fetchall()}
        except duckdb.Error:  # unreadable metadata: the sample is read first, as elsewhere
            return None

    def _row_groups(self, path: Path | list[Path]) -> int:
        files = path if isinstance(path, list) else [path]
        literal = "[" + ", ".join(quote_literal(str(p)) for p in files) + "]"
        query = f"SELECT count(*) FROM parquet_metadata({literal}) WHERE column_id = 0"
        try:
            with self._lock:
                return int(self.con.sql(query).fetchall()[0][0])
        except duckdb.Error:  # unreadable metadata: the plain reservoir reports the error
            return 0

    def _columns(self, view: str) -> list[str]:
        with self._lock:
            return self.con.sql(f"SELECT * FROM {view} LIMIT 0").columns

    def arrow(self, sql: str) -> pa.Table:
        if self._remote:
            table = self._remote_arrow(sql)
            if table is not None:
                return table
        with self._lock:
            return self.con.sql(sql).to_arrow_table()

    def execute(self, sql: str, params: list[object] | None = None) -> None:
        """Run a statement with no result (DDL, writes)."""
        with self._lock:
            self.con.execute(sql, params or [])

    def close(self) -> None:
        self.close_connectors()
        self.con.close()


def _refuse(product: str) -> str:
    """The body of a remote product's view in DuckDB: reading it here is a planning mistake,
    and it fails rather than read as empty."""
    raise SourceError(f"{product} lives in a database and is read through its source only")
