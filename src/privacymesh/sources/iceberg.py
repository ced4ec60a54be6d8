"""Apache Iceberg tables (`format: iceberg`) through `pyiceberg`, found in a catalog the
workspace names.

    [sources.lakehouse]
    catalog_type = "sql"                # pyiceberg's catalog type (sql, rest, glue, ...)
    catalog_db = "lake/catalog.db"      # a SQL catalog in a SQLite file (or `uri = "..."`)
    warehouse = "lake/warehouse"        # a folder, or s3://bucket/path with the S3 keys
    namespace = "sales"                 # unless the contract's server gives `schema`

The contract's server names the source (`server: lakehouse`, `format: iceberg`) and the table
is the object's `physicalName`. The table's current snapshot is read for the whole run and
recorded as evidence. Deleting rows is one Iceberg delete (`Table.delete`), run only when
Iceberg's own scan of the translated predicate counts the same rows DuckDB does; blanking cells
too is one overwrite snapshot. Earlier snapshots keep their files until they are expired.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.fs as pafs

from privacymesh.sources.base import Connector, DeleteOutcome
from privacymesh.sources.object_store import s3_access
from privacymesh.sources.pushdown import Untranslatable, count_matching, rewritten, to_iceberg
from privacymesh.sources.registry import register

try:
    from pyiceberg.catalog import load_catalog
    from pyiceberg.exceptions import NoSuchNamespaceError, NoSuchTableError
    from pyiceberg.table import Table
except ImportError as exc:  # the registry reports the extra to install
    raise ImportError(exc.msg, name="pyiceberg") from exc


class _IcebergConnector(Connector):
    formats = ("iceberg",)
    read = "dataset"
    read_only = None

    @cached_property
    def identifier(self) -> tuple[str, str]:
        server = self.product.server
        namespace = (server.schema if server else None) or (
            self.settings.get("namespace") if self.settings else None
        )
        if not namespace:
            raise self.fail(
                "no Iceberg namespace",
                "give the server a schema, or the source a namespace",
            )
        return str(namespace), self.product.table

    @property
    def name(self) -> str:
        return ".".join(self.identifier)

    def _properties(self) -> dict[str, str]:
        if self.settings is None:
            raise self.fail(
                "an Iceberg table needs its catalog in the workspace",
                "[sources.NAME] catalog_db = ..., warehouse = ...",
            )
        root = Path(self.settings.file).parent if self.settings.file else Path.cwd()
        props: dict[str, str] = {"type": str(self.settings.get("catalog_type", "sql"))}
        db = self.settings.get("catalog_db")
        if db:
            path = Path(str(db))
            props["uri"] = f"sqlite:///{path if path.is_absolute() else root / path}"
        elif self.settings.get("uri"):
            props["uri"] = str(self.settings.get("uri"))
        warehouse = self.settings.get("warehouse")
        if warehouse:
            text = str(warehouse)
            if "://" not in text:
                path = Path(text)
                text = (path if path.is_absolute() else root / path).as_uri()
            props["warehouse"] = text
        if str(props.get("warehouse", "")).startswith("s3://") or self.settings.get("endpoint"):
            access = self.access
            props.update(
                {
                    k: v
                    for k, v in {
                        "s3.endpoint": access.endpoint,
                        "s3.region": access.region,
                        "s3.access-key-id": access.access_key,
                        "s3.secret-access-key": access.secret_key,
                        "s3.session-token": access.session_token,
                    }.items()
                    if v
                }
            )
        return props

    @cached_property
    def access(self) -> Any:
        return s3_access(self)

    def fail(self, reason: str, hint: str | None = None) -> Any:
        access = self.__dict__.get("access")
        return super().fail(access.scrub(reason) if access else reason, hint)

    def _load(self) -> Table:
        properties, identifier = self._properties(), self.identifier
        try:
            catalog = load_catalog(self.source_name, **properties)
            return catalog.load_table(identifier)
        except (NoSuchTableError, NoSuchNamespaceError) as exc:
            raise self.fail(f"no Iceberg table {self.name} in the catalog") from exc
        except Exception as exc:  # catalogs raise driver errors of every kind
            raise self.fail(f"cannot open the Iceberg table {self.name}: {_first(exc)}") from exc

    @cached_property
    def table(self) -> Table:
        """The table at the snapshot read for this run."""
        return self._load()

    def dataset(self) -> pads.Dataset:
        return self._dataset(self.table)

    def _dataset(self, table: Table) -> pads.Dataset:
        """The snapshot's data files as one lazy Parquet dataset; a snapshot with delete files
        or an evolved schema is read through pyiceberg's own scan instead (it applies them)."""
        try:
            tasks = list(table.scan().plan_files())
            schema = table.schema().as_arrow()
            if not tasks:
                return pads.dataset(schema.empty_table())
            if any(t.delete_files for t in tasks) or len(table.schemas()) > 1:
                return pads.dataset(table.scan().to_arrow())
            fs, paths = self._filesystem(table), [t.file.file_path for t in tasks]
            return pads.dataset([_fs_path(p) for p in paths], filesystem=fs, format="parquet")
        except (OSError, pa.ArrowInvalid, ValueError) as exc:
            raise self.fail(f"cannot read the Iceberg table {self.name}: {_first(exc)}") from exc

    def _filesystem(self, table: Table) -> pafs.FileSystem:
        if table.location().startswith(("s3://", "s3a://")):
            return self.access.filesystem()
        return pafs.LocalFileSystem()

    def spark_frame(self, spark: Any) -> Any:
        """The same rows for the Spark engine, through Arrow (copied once into the session;
        a cluster with its own Iceberg reader can read the table there instead)."""
        return spark.createDataFrame(self.dataset().to_table())

    def identity(self) -> dict[str, Any]:
        return self._identity(self.table)

    def _identity(self, table: Table) -> dict[str, Any]:
        snapshot = table.current_snapshot()
        summary = snapshot.summary if snapshot else None
        files = int(summary["total-data-files"]) if summary and "total-data-files" in summary else 0
        return {
            "source": self.source_name,
            "type": self.type,
            "table": self.name,
            "format": "iceberg",
            "snapshot": snapshot.snapshot_id if snapshot else None,
            "files": files,
            "rows": self._dataset(table).count_rows(),
        }

    def count(self, predicate: str) -> int:
        return count_matching(self.dataset(), predicate)

    def delete(
        self, predicate: str | None, null_cells: Mapping[str, str] | None = None
    ) -> DeleteOutcome:
        table = self._load()  # the latest snapshot: the change commits on top of it
        before = self._identity(table)
        cells: dict[str, int] = {}
        if null_cells:
            outcome = self._rewrite(table, before, predicate, null_cells)
            if outcome is not None:
                return outcome
            cells = dict.fromkeys(null_cells, 0)  # no cell to blank: rows only, deleted below
        if not predicate:
            return DeleteOutcome(0, before, before, cells)
        expected = count_matching(self._dataset(table), predicate)
        if expected == 0:
            return DeleteOutcome(0, before, before, cells)
        try:
            condition = to_iceberg(predicate)
            counted = table.scan(row_filter=condition).to_arrow().num_rows
        except Untranslatable as exc:
            raise self.fail(f"cannot delete in Iceberg: {exc}") from exc
        except (ValueError, TypeError) as exc:
            raise self.fail(f"Iceberg cannot evaluate the delete: {_first(exc)}") from exc
        if counted != expected:
            raise self.fail(
                f"Iceberg counts {counted} rows to delete where privacymesh counts {expected}: "
                "nothing deleted"
            )
        try:
            table.delete(condition)
        except Exception as exc:  # a commit conflict or a storage error
            raise self.fail(f"the Iceberg delete failed: {_first(exc)}") from exc
        return self._done(expected, before, cells)

    def _rewrite(
        self,
        table: Table,
        before: dict[str, Any],
        predicate: str | None,
        null_cells: Mapping[str, str],
    ) -> DeleteOutcome | None:
        """Blanking cells is one overwrite snapshot of the table as DuckDB computes it; None
        when no cell is to be blanked."""
        new, rows, cells = rewritten(table.scan().to_arrow(), predicate, null_cells)
        if not any(cells.values()):
            return None
        try:
            table.overwrite(new)
        except Exception as exc:  # a commit conflict or a storage error
            raise self.fail(f"the Iceberg overwrite failed: {_first(exc)}") from exc
        return self._done(rows, before, cells)

    def _done(self, rows: int, before: dict[str, Any], cells: dict[str, int]) -> DeleteOutcome:
        after_table = self._load()
        self.__dict__["table"] = after_table
        return DeleteOutcome(rows, before, self._identity(after_table), cells)


def _fs_path(uri: str) -> str:
    """A data file's URI as a pyarrow file system names it."""
    for scheme in ("file://", "s3://", "s3a://"):
        if uri.startswith(scheme):
            return uri[len(scheme) :]
    return uri


def _first(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@register
class CustomIcebergConnector(_IcebergConnector):
    """`type: custom` with `format: iceberg` (ODCS's server for catalogs it does not list)."""

    type = "custom"


@register
class LocalIcebergConnector(_IcebergConnector):
    """`type: local` with `format: iceberg`: the catalog still comes from the workspace."""

    type = "local"


@register
class S3IcebergConnector(_IcebergConnector):
    """`type: s3` with `format: iceberg`: a table whose warehouse is on object storage."""

    type = "s3"
