"""Delta Lake tables (`format: delta` on a `local` or `s3` server) through `deltalake`.

The table is opened at its latest version when the product is registered, and every query of
the run reads that version (the evidence records it). Deleting rows is one Delta delete
commit: the mesh predicate is translated to Delta's own (see `sources.pushdown`), and it runs
only when Delta counts the same rows as DuckDB does. Blanking cells too (DSAR erasure) is one
overwrite commit of the table as DuckDB computes it. The files of earlier versions stay until
the table is vacuumed (`VACUUM` / `DeltaTable.vacuum`), which erasure at rest also needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

import pyarrow.dataset as pads

from privacymesh.sources.base import Connector, DeleteOutcome
from privacymesh.sources.object_store import S3Location, confine_location, s3_access
from privacymesh.sources.pushdown import Untranslatable, count_matching, rewritten, to_delta
from privacymesh.sources.registry import register

try:
    import deltalake
    from deltalake.exceptions import DeltaError, TableNotFoundError
except ImportError as exc:  # the registry reports the extra to install
    raise ImportError(exc.msg, name="deltalake") from exc


class _DeltaConnector(Connector):
    formats = ("delta",)
    read = "dataset"
    read_only = None

    @property
    def uri(self) -> str:
        raise NotImplementedError

    def storage_options(self) -> dict[str, str] | None:
        return None

    def _open(self) -> deltalake.DeltaTable:
        try:
            return deltalake.DeltaTable(self.uri, storage_options=self.storage_options())
        except TableNotFoundError as exc:
            raise self.fail(f"no Delta table at {self.uri}") from exc
        except (DeltaError, OSError) as exc:
            raise self.fail(f"cannot open the Delta table at {self.uri}: {_first(exc)}") from exc

    @cached_property
    def table(self) -> deltalake.DeltaTable:
        """The table at the version read for this run."""
        return self._open()

    def dataset(self) -> pads.Dataset:
        try:
            return self.table.to_pyarrow_dataset()
        except (DeltaError, OSError) as exc:
            raise self.fail(f"cannot read the Delta table at {self.uri}: {_first(exc)}") from exc

    def spark_frame(self, spark: Any) -> Any:
        """The same rows for the Spark engine, through Arrow (copied once into the session;
        a cluster with its own Delta reader can read the table there instead)."""
        return spark.createDataFrame(self.dataset().to_table())

    def identity(self) -> dict[str, Any]:
        return _identity(self, self.table)

    def count(self, predicate: str) -> int:
        return count_matching(self.dataset(), predicate)

    def delete(
        self, predicate: str | None, null_cells: Mapping[str, str] | None = None
    ) -> DeleteOutcome:
        table = self._open()  # the latest version: the change commits on top of it
        before = _identity(self, table)
        cells: dict[str, int] = {}
        if null_cells:
            outcome = self._rewrite(table, before, predicate, null_cells)
            if outcome is not None:
                return outcome
            cells = dict.fromkeys(null_cells, 0)  # no cell to blank: rows only, deleted below
        if not predicate:
            return DeleteOutcome(0, before, before, cells)
        expected = count_matching(table.to_pyarrow_dataset(), predicate)
        if expected == 0:
            return DeleteOutcome(0, before, before, cells)
        try:
            condition = to_delta(predicate)
        except Untranslatable as exc:
            raise self.fail(f"cannot delete in Delta: {exc}") from exc
        try:
            reader = (
                deltalake.QueryBuilder()
                .register("t", table)
                .execute(f"SELECT count(*) AS n FROM t WHERE {condition}")
            )
            counted = int(reader.read_all().column(0)[0].as_py())
        except Exception as exc:  # DataFusion raises its own error types
            raise self.fail(f"Delta cannot evaluate the delete: {_first(exc)}") from exc
        if counted != expected:
            raise self.fail(
                f"Delta counts {counted} rows to delete where privacymesh counts {expected}: "
                "nothing deleted"
            )
        try:
            metrics = table.delete(condition)
        except (DeltaError, OSError) as exc:
            raise self.fail(f"the Delta delete failed: {_first(exc)}") from exc
        return self._done(int(metrics.get("num_deleted_rows", expected)), before, cells)

    def _rewrite(
        self,
        table: deltalake.DeltaTable,
        before: dict[str, Any],
        predicate: str | None,
        null_cells: Mapping[str, str],
    ) -> DeleteOutcome | None:
        """Blanking cells (with their patterns, which Delta's SQL does not share) is one
        overwrite commit of the table as DuckDB computes it; None when no cell is to be blanked."""
        data = table.to_pyarrow_table()
        new, rows, cells = rewritten(data, predicate, null_cells)
        if not any(cells.values()):
            return None
        try:
            deltalake.write_deltalake(
                table, new, mode="overwrite", storage_options=self.storage_options()
            )
        except (DeltaError, OSError) as exc:
            raise self.fail(f"the Delta overwrite failed: {_first(exc)}") from exc
        return self._done(rows, before, cells)

    def _done(self, rows: int, before: dict[str, Any], cells: dict[str, int]) -> DeleteOutcome:
        after_table = self._open()
        self.__dict__["table"] = after_table
        return DeleteOutcome(rows, before, _identity(self, after_table), cells)


def _identity(connector: _DeltaConnector, table: deltalake.DeltaTable) -> dict[str, Any]:
    try:
        rows = table.to_pyarrow_dataset().count_rows()
        files = len(table.file_uris())
    except (DeltaError, OSError) as exc:
        raise connector.fail(f"cannot read the Delta table: {_first(exc)}") from exc
    return {
        "source": connector.source_name,
        "type": connector.type,
        "location": connector.uri,
        "format": "delta",
        "version": table.version(),
        "files": files,
        "rows": rows,
    }


def _first(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@register
class LocalDeltaConnector(_DeltaConnector):
    """A Delta table in a folder of the workspace (the contract's confined `path`)."""

    type = "local"

    @property
    def uri(self) -> str:
        server = self.product.server
        if server is None or server.path is None:
            raise self.fail("the contract's local server has no path")
        return str(server.path)


@register
class S3DeltaConnector(_DeltaConnector):
    """A Delta table under an S3 location."""

    type = "s3"

    @cached_property
    def access(self) -> Any:
        return s3_access(self)

    @property
    def uri(self) -> str:
        raw = self.product.server.options.get("location") if self.product.server else None
        try:
            location = S3Location.parse(str(raw))
        except ValueError as exc:
            raise self.fail(str(exc)) from exc
        return confine_location(self, location).url.rstrip("/")

    def storage_options(self) -> dict[str, str]:
        return self.access.storage_options()

    def fail(self, reason: str, hint: str | None = None) -> Any:
        access = self.__dict__.get("access")
        return super().fail(access.scrub(reason) if access else reason, hint)
