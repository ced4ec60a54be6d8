"""Delta Lake tables (`format: delta` on a `local` or `s3` server) through `deltalake`.

The table is opened at its latest version when the product is registered, and every query of
the run reads that version (the evidence records it). Deleting rows is one Delta delete
commit of the mesh predicate translated to Delta's own (see `sources.pushdown`); blanking cells
too is one overwrite commit (see `sources.lake_table`). Earlier versions keep their files until
the table is vacuumed: with `purge_history = true` on the source, each erasure vacuums with no
retention window right after its commit. The log's old commit entries hold column statistics
(minimum and maximum values) of the files they added, so the purge also checkpoints the table
and removes the log before the checkpoint, setting `delta.logRetentionDuration` to zero.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

import pyarrow as pa
import pyarrow.dataset as pads

from privacymesh.errors import first_line
from privacymesh.sources.lake_table import LakeTableConnector
from privacymesh.sources.object_store import S3Location, confine_location, s3_access
from privacymesh.sources.pushdown import Untranslatable, to_delta
from privacymesh.sources.registry import register

try:
    import deltalake
    from deltalake.exceptions import DeltaError, TableNotFoundError
except ImportError as exc:  # the registry reports the extra to install
    raise ImportError(exc.msg, name="deltalake") from exc


LOG_RETENTION = "delta.logRetentionDuration"
NO_RETENTION = "interval 0 seconds"


class _DeltaConnector(LakeTableConnector):
    formats = ("delta",)
    label = "Delta"

    @property
    def uri(self) -> str:
        raise NotImplementedError

    def storage_options(self) -> dict[str, str] | None:
        return None

    def _open(self, version: int | None = None) -> deltalake.DeltaTable:
        try:
            return deltalake.DeltaTable(
                self.uri, version=version, storage_options=self.storage_options()
            )
        except TableNotFoundError as exc:
            raise self.fail(f"no Delta table at {self.uri}") from exc
        except (DeltaError, OSError) as exc:
            reason = f"cannot open the Delta table at {self.uri}: {first_line(exc)}"
            raise self.fail(reason) from exc

    def _latest(self) -> deltalake.DeltaTable:
        return self._open()

    def _dataset_of(self, table: deltalake.DeltaTable) -> pads.Dataset:
        try:
            return table.to_pyarrow_dataset()
        except (DeltaError, OSError) as exc:
            reason = f"cannot read the Delta table at {self.uri}: {first_line(exc)}"
            raise self.fail(reason) from exc

    def _identity_of(self, table: deltalake.DeltaTable) -> dict[str, Any]:
        try:
            rows = table.to_pyarrow_dataset().count_rows()
            files = len(table.file_uris())
        except (DeltaError, OSError) as exc:
            raise self.fail(f"cannot read the Delta table: {first_line(exc)}") from exc
        return {
            "source": self.source_name,
            "type": self.type,
            "location": self.uri,
            "format": "delta",
            "version": table.version(),
            "files": files,
            "rows": rows,
        }

    def _count_at_source(self, table: deltalake.DeltaTable, predicate: str) -> tuple[str, int]:
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
            return condition, int(reader.read_all().column(0)[0].as_py())
        except Exception as exc:  # DataFusion raises its own error types
            raise self.fail(f"Delta cannot evaluate the delete: {first_line(exc)}") from exc

    def _delete_at_source(self, table: deltalake.DeltaTable, condition: str, expected: int) -> int:
        metrics = table.delete(condition)
        return int(metrics.get("num_deleted_rows", expected))

    def _overwrite(self, table: deltalake.DeltaTable, data: pa.Table) -> None:
        deltalake.write_deltalake(
            table, data, mode="overwrite", storage_options=self.storage_options()
        )

    def _earlier_versions(
        self, table: deltalake.DeltaTable
    ) -> list[tuple[str, Callable[[], pads.Dataset]]]:
        def reader(version: int) -> Callable[[], pads.Dataset]:
            return lambda: self._open(version).to_pyarrow_dataset()

        return [(f"version {v}", reader(v)) for v in range(table.version() - 1, -1, -1)]

    def _purge(self, table: deltalake.DeltaTable) -> dict[str, Any]:
        # retention 0 removes every file the newest version does not use: time travel to an
        # earlier version fails from then on, which is the point of erasure
        removed = table.vacuum(retention_hours=0, enforce_retention_duration=False, dry_run=False)
        # the log's earlier commit entries carry column statistics (minimum and maximum values)
        # of the files they added, erased rows included: a checkpoint, then the log before it
        # removed, with no log retention from now on (the table keeps no history by choice)
        if table.metadata().configuration.get(LOG_RETENTION) != NO_RETENTION:
            table.alter.set_table_properties({LOG_RETENTION: NO_RETENTION})
        latest = self._latest()
        latest.create_checkpoint()
        latest.cleanup_metadata()
        return {
            "method": "delta vacuum with retention 0 hours, log cleaned up to a checkpoint",
            "files_removed": len(removed),
            "log_from_version": latest.version(),
        }


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
