"""The distributed engine: a Spark session in which every product is a temporary view.

Spark runs in-process in local mode (`local[2]`), against a cluster (`spark://`, `yarn`,
`k8s://` master URLs) or through Spark Connect (`sc://host:15002`, which is also how Databricks
is reached). Each engine gets a session of its own over one shared Spark application, so its
temp views and SQL settings are its own.

Queries arrive in the mesh's dialect (DuckDB's) and are translated with `dialect.to_spark`;
the two-part mesh names map to single-part temp views, `"payments"."transactions"` ->
`payments__transactions`, `meta.products` -> `meta__products`.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession

from privacymesh.catalog import DataProduct
from privacymesh.engine.base import Engine
from privacymesh.engine.dialect import spark_view_name, to_spark
from privacymesh.errors import SourceError, WorkspaceError, first_line
from privacymesh.sources.registry import is_known, is_native, spark_jars

# servers whose data Spark reads as files, and servers naming a table of Spark's catalog
FILE_SERVERS = ("local", "s3", "gcs", "azure", "hdfs", "sftp")
TABLE_SERVERS = ("databricks", "hive", "glue", "spark", "iceberg", "unity")
# SQL settings every privacymesh session runs with: DuckDB's naive timestamps, in UTC
SESSION_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.timestampType": "TIMESTAMP_NTZ",
}
# settings of the Spark application privacymesh starts itself in local mode
LOCAL_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.log.level": "ERROR",
    "spark.sql.shuffle.partitions": "2",
}

_app_lock = threading.Lock()


def spark_application(master: str, conf: Mapping[str, str] | None = None) -> SparkSession:
    """The process's Spark application (started on first use, then shared): local mode or a
    cluster master URL. An application already running in the process (a notebook's) is used
    as it is."""
    _quiet_query_errors()
    with _app_lock:
        builder = SparkSession.builder.master(master).appName("privacymesh")
        settings = {**(LOCAL_CONF if master.startswith("local") else {}), **(conf or {})}
        jars = spark_jars()
        if jars and master.startswith("local") and "spark.jars" not in settings:
            settings["spark.jars"] = ",".join(jars)  # the connectors' drivers (JDBC)
        for key, value in settings.items():
            builder = builder.config(key, str(value))
        try:
            return builder.getOrCreate()
        except Exception as exc:  # no Java, bad master URL: the engine cannot start
            raise WorkspaceError(
                f"cannot start Spark ({master}): {first_line(exc)}",
                field="engine.master",
                hint="Spark needs Java 17 or newer on PATH or JAVA_HOME",
            ) from exc


def connect_session(url: str, conf: Mapping[str, str] | None = None) -> SparkSession:
    """A new Spark Connect session on a remote cluster (`sc://host:port/;token=...`)."""
    _quiet_query_errors()
    # pyspark marks the whole process as Spark Connect before it connects; a failed attempt
    # must not turn a later local session in this process into a Connect one
    marked = "SPARK_CONNECT_MODE_ENABLED" in os.environ
    try:
        session = SparkSession.builder.remote(url).create()
    except ImportError as exc:  # pyspark's connect client names the package it could not import
        _unmark(marked)
        raise WorkspaceError(
            f"Spark Connect needs a client package that is missing: {first_line(exc)}",
            field="engine.master",
            hint="pip install -U 'privacymesh[spark]' (it brings pyspark[connect]: grpcio, "
            "grpcio-status, googleapis-common-protos, zstandard, pandas, pyarrow)",
        ) from exc
    except Exception as exc:
        _unmark(marked)
        raise WorkspaceError(
            f"cannot connect to Spark at {url.split(';')[0]}: {first_line(exc)}",
            field="engine.master",
            hint="is a Spark Connect server listening there, and is the token right?",
        ) from exc
    for key, value in (conf or {}).items():
        session.conf.set(key, str(value))
    return session


def _unmark(marked: bool) -> None:
    if not marked:
        os.environ.pop("SPARK_CONNECT_MODE_ENABLED", None)


class SparkEngine(Engine):
    """A Spark session holding the mesh as temp views. `master` is a master URL or an `sc://`
    Spark Connect URL; `session` an existing session to work in (e.g. a notebook's)."""

    name = "spark"
    dialect = "spark"

    def __init__(
        self,
        master: str = "local[2]",
        conf: Mapping[str, str] | None = None,
        session: SparkSession | None = None,
    ) -> None:
        super().__init__()
        self.master = master
        self._connect = session is None and master.startswith("sc://")
        if session is not None:
            self.spark = session
        elif self._connect:
            self.spark = connect_session(master, conf)
        else:
            self.spark = spark_application(master, conf).newSession()
        for key, value in SESSION_CONF.items():
            if key not in (conf or {}):
                self.spark.conf.set(key, value)
        # (schema, name) in the mesh -> the temp view standing for it
        self.views: dict[tuple[str, str], str] = {}
        self._persisted: dict[tuple[str, str], DataFrame] = {}

    # registration -------------------------------------------------------------------------

    def _register(self, schema: str, name: str, frame: DataFrame) -> None:
        view = spark_view_name(schema, name)
        key = (schema.lower(), name.lower())
        owner = next((k for k, v in self.views.items() if v == view and k != key), None)
        if owner is not None:
            raise SourceError(
                f"{schema}.{name} and {owner[0]}.{owner[1]} map to the same Spark view {view}",
                hint="rename one of them (names with '__' can collide)",
            )
        frame.createOrReplaceTempView(_quoted(view))
        self.views[key] = view

    def register_product(self, product: DataProduct) -> None:
        server = product.server
        if server is None:
            raise SourceError(
                "declared, not readable: the contract declares no server",
                file=product.file,
                field="servers",
            )
        raw = _raw_server(product)
        try:
            # a connector of the workspace's sources first (its settings hold the keys); then
            # files and tables Spark reads with its own configuration
            if not is_native(server.type, server.format) and is_known(server.type, server.format):
                frame = self._connected(product)
            elif server.type in FILE_SERVERS:
                location = server.path or raw.get("location") or raw.get("path")
                if not location:
                    raise SourceError(
                        "the server names no path or location",
                        file=product.file,
                        field="servers[0]",
                    )
                fmt = server.format or raw.get("format") or Path(str(location)).suffix.lstrip(".")
                frame = self._read_file(str(location), fmt or "parquet")
            elif server.type in TABLE_SERVERS:
                frame = self.spark.table(_table_name(product, raw))
            else:
                raise SourceError(
                    f"declared, not readable: Spark does not read a {server.type!r} server",
                    file=product.file,
                    field="servers[0].type",
                    hint=f"one of {', '.join(FILE_SERVERS + TABLE_SERVERS)}",
                )
            self._register(product.domain, product.name, frame)
        except SourceError as exc:
            exc.file = exc.file or product.file
            raise
        except Exception as exc:  # Spark's analysis errors: missing path, unreadable file
            raise SourceError(
                f"cannot read the product's data: {first_line(exc)}",
                file=product.file,
                field="servers[0]",
            ) from exc

    def _connected(self, product: DataProduct) -> DataFrame:
        """A product read through its connector's Spark reader (PostgreSQL: JDBC)."""
        connector = self.connector_for(product)
        try:
            frame = connector.spark_frame(self.spark)
        except SourceError:
            raise
        except Exception as exc:  # the reader's own error, the secret masked
            raise connector.fail(f"cannot read through Spark: {first_line(exc)}") from None
        if frame is None:
            raise SourceError(
                f"declared, not readable: Spark has no reader for a {connector.type!r} server",
                file=product.file,
                field="servers[0].type",
            )
        return frame

    def register_platform_table(self, name: str, path: Path) -> None:
        try:
            self._register("platform", name, self._read_file(str(path), path.suffix.lstrip(".")))
        except Exception as exc:
            raise SourceError(f"cannot read platform table: {first_line(exc)}", file=path) from exc

    def register_frame(self, schema: str, name: str, frame: pl.DataFrame) -> None:
        table = frame.to_arrow()
        # Spark's Arrow reader takes plain strings, not Polars' string views
        table = table.cast(
            pa.schema(
                pa.field(f.name, pa.large_string()) if _is_text(f.type) else f for f in table.schema
            )
        )
        self._register(schema, name, self.spark.createDataFrame(table))

    def _read_file(self, location: str, fmt: str) -> DataFrame:
        """A file (or glob) as a DataFrame; Spark reads its footer or header eagerly, so an
        unreadable file fails here, at registration."""
        if fmt.lower() == "csv":
            reader = self.spark.read.option("header", True).option("inferSchema", True)
            return reader.csv(location)
        return self.spark.read.format(fmt.lower()).load(location)

    # queries ------------------------------------------------------------------------------

    def translate(self, sql: str) -> str:
        """The Spark SQL that runs for a query written in the mesh's (DuckDB's) dialect."""
        return to_spark(sql, self.views)

    def materialize(self, schema: str, name: str, sql: str) -> None:
        frame = self.spark.sql(self.translate(sql)).persist()
        frame.count()  # computed here, once; later queries read the cached rows
        self._register(schema, name, frame)
        self._persisted[(schema.lower(), name.lower())] = frame

    def drop(self, schema: str, name: str) -> None:
        key = (schema.lower(), name.lower())
        view = self.views.pop(key, None)
        if view is not None:
            self.spark.catalog.dropTempView(_quoted(view))
        frame = self._persisted.pop(key, None)
        if frame is not None:
            frame.unpersist()

    def seal(self) -> None:
        """Spark SQL stops reading files by path (`parquet.`/etc/passwd``); Spark has no switch
        that confines a session further, so the check SQL guard (one SELECT over registered
        names, no file or reflection functions) is the main boundary on this engine."""
        self.spark.conf.set("spark.sql.runSQLOnFiles", "false")

    def arrow(self, sql: str) -> pa.Table:
        return _plain_numbers(self.spark.sql(self.translate(sql))).toArrow()

    def close(self) -> None:
        self.close_connectors()
        if self._connect:
            self.spark.stop()
            return
        for view in self.views.values():
            self.spark.catalog.dropTempView(_quoted(view))
        self.views.clear()


def _quiet_query_errors() -> None:
    """pyspark logs every failing query with its Java stack trace; a failing check is already
    an `error` result carrying the reason, so those logs are kept for critical only."""
    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _quoted(name: str) -> str:
    """A Spark identifier in backticks, any backtick inside doubled."""
    return "`" + name.replace("`", "``") + "`"


def _raw_server(product: DataProduct) -> dict[str, Any]:
    servers = product.raw.get("servers")
    first = servers[0] if isinstance(servers, list) and servers else {}
    return first if isinstance(first, dict) else {}


def _table_name(product: DataProduct, raw: dict[str, Any]) -> str:
    """`catalog.schema.table` of a catalog server: the server's catalog and schema (or
    database), the schema object's physical name (or its name)."""
    objects = product.raw.get("schema") or [{}]
    physical = objects[0].get("physicalName") if isinstance(objects[0], dict) else None
    parts = [
        raw.get("catalog"),
        raw.get("schema") or raw.get("database"),
        physical or product.table,
    ]
    return ".".join(_quoted(str(p)) for p in parts if p)


def _is_text(dtype: pa.DataType) -> bool:
    return pa.types.is_string(dtype) or pa.types.is_large_string(dtype) or dtype == pa.string_view()


def _plain_numbers(frame: DataFrame) -> DataFrame:
    """Spark answers many an expression DuckDB answers with a double (`sum` of a decimal,
    `round(x / 3600.0, 2)`) with a decimal: results carry doubles, nested ones too (cast by
    Spark, which converts decimals to the nearest double)."""
    from pyspark.sql import functions as F

    columns, changed = [], False
    for field in frame.schema.fields:
        plain = _no_decimals(field.dataType)
        changed = changed or plain != field.dataType
        columns.append(F.col(f"`{field.name}`").cast(plain).alias(field.name))
    return frame.select(*columns) if changed else frame


def _no_decimals(dtype: Any) -> Any:
    from pyspark.sql import types as T

    if isinstance(dtype, T.DecimalType):
        return T.DoubleType()
    if isinstance(dtype, T.StructType):
        return T.StructType(
            [T.StructField(f.name, _no_decimals(f.dataType), f.nullable) for f in dtype.fields]
        )
    if isinstance(dtype, T.ArrayType):
        return T.ArrayType(_no_decimals(dtype.elementType), dtype.containsNull)
    if isinstance(dtype, T.MapType):
        return T.MapType(
            _no_decimals(dtype.keyType), _no_decimals(dtype.valueType), dtype.valueContainsNull
        )
    return dtype
