"""Apache Iceberg tables (`format: iceberg`) through `pyiceberg`, found in a catalog the
workspace names.

    [sources.lakehouse]
    catalog_type = "sql"                # pyiceberg's catalog type (sql, rest, glue, ...)
    catalog_db = "lake/catalog.db"      # a SQL catalog in a SQLite file (or `uri = "..."`)
    warehouse = "lake/warehouse"        # a folder, or s3://bucket/path with the S3 keys
    namespace = "sales"                 # unless the contract's server gives `schema`

The contract's server names the source (`server: lakehouse`, `format: iceberg`) and the table
is the object's `physicalName`. The table's current snapshot is read for the whole run and
recorded as evidence. Deleting rows is one Iceberg delete (`Table.delete`) of the translated
predicate; blanking cells too is one overwrite snapshot (see `sources.lake_table`). Earlier
snapshots keep their files until they are expired: with `purge_history = true` on the source,
each erasure expires every earlier snapshot (not those a branch or tag holds) through
pyiceberg, then deletes the data files, manifests and manifest lists that only the expired
snapshots used (pyiceberg's expiry removes the snapshots from the metadata, not the files).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.fs as pafs

from privacymesh.errors import first_line
from privacymesh.sources.lake_table import LakeTableConnector
from privacymesh.sources.object_store import s3_access
from privacymesh.sources.pushdown import Untranslatable, to_iceberg
from privacymesh.sources.registry import register

try:
    from pyiceberg.catalog import load_catalog
    from pyiceberg.exceptions import NoSuchNamespaceError, NoSuchTableError
    from pyiceberg.table import Table
except ImportError as exc:  # the registry reports the extra to install
    raise ImportError(exc.msg, name="pyiceberg") from exc


class _IcebergConnector(LakeTableConnector):
    formats = ("iceberg",)
    label = "Iceberg"

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

    def _latest(self) -> Table:
        properties, identifier = self._properties(), self.identifier
        try:
            catalog = load_catalog(self.source_name, **properties)
            return catalog.load_table(identifier)
        except (NoSuchTableError, NoSuchNamespaceError) as exc:
            raise self.fail(f"no Iceberg table {self.name} in the catalog") from exc
        except Exception as exc:  # catalogs raise driver errors of every kind
            reason = f"cannot open the Iceberg table {self.name}: {first_line(exc)}"
            raise self.fail(reason) from exc

    def _dataset_of(self, table: Table, snapshot_id: int | None = None) -> pads.Dataset:
        """A snapshot's data files (the current one by default) as one lazy Parquet dataset;
        a snapshot with delete files or an evolved schema is read through pyiceberg's own scan
        instead (it applies them)."""
        try:
            scan = table.scan(snapshot_id=snapshot_id)
            tasks = list(scan.plan_files())
            schema = table.schema().as_arrow()
            if not tasks:
                return pads.dataset(schema.empty_table())
            if any(t.delete_files for t in tasks) or len(table.schemas()) > 1:
                return pads.dataset(scan.to_arrow())
            fs, paths = self._filesystem(table), [t.file.file_path for t in tasks]
            return pads.dataset([_fs_path(p) for p in paths], filesystem=fs, format="parquet")
        except (OSError, pa.ArrowInvalid, ValueError) as exc:
            reason = f"cannot read the Iceberg table {self.name}: {first_line(exc)}"
            raise self.fail(reason) from exc

    def _filesystem(self, table: Table) -> pafs.FileSystem:
        if table.location().startswith(("s3://", "s3a://")):
            return self.access.filesystem()
        return pafs.LocalFileSystem()

    def _identity_of(self, table: Table) -> dict[str, Any]:
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
            "rows": self._dataset_of(table).count_rows(),
        }

    def _count_at_source(self, table: Table, predicate: str) -> tuple[Any, int]:
        try:
            condition = to_iceberg(predicate)
            return condition, table.scan(row_filter=condition).to_arrow().num_rows
        except Untranslatable as exc:
            raise self.fail(f"cannot delete in Iceberg: {exc}") from exc
        except (ValueError, TypeError) as exc:
            raise self.fail(f"Iceberg cannot evaluate the delete: {first_line(exc)}") from exc

    def _delete_at_source(self, table: Table, condition: Any, expected: int) -> int:
        table.delete(condition)
        return expected

    def _overwrite(self, table: Table, data: pa.Table) -> None:
        table.overwrite(data)

    def _earlier_versions(self, table: Table) -> list[tuple[str, Callable[[], pads.Dataset]]]:
        current = table.current_snapshot()
        earlier = [
            s for s in table.snapshots() if current is None or s.snapshot_id != current.snapshot_id
        ]
        earlier.sort(key=lambda s: s.timestamp_ms, reverse=True)

        def reader(snapshot_id: int) -> Callable[[], pads.Dataset]:
            return lambda: pads.dataset(table.scan(snapshot_id=snapshot_id).to_arrow())

        return [(f"snapshot {s.snapshot_id}", reader(s.snapshot_id)) for s in earlier]

    def _purge(self, table: Table) -> dict[str, Any]:
        current = table.current_snapshot()
        held = {ref.snapshot_id for ref in table.metadata.refs.values()}  # branch and tag heads
        expired = [s for s in table.snapshots() if s.snapshot_id not in held]
        if current is None or not expired:
            return {"method": "iceberg snapshot expiry", "snapshots_expired": 0, "files_removed": 0}
        kept = [s for s in table.snapshots() if s.snapshot_id in held]
        before = set().union(*(_files_of(table, s, live_only=False) for s in table.snapshots()))
        still = set().union(*(_files_of(table, s, live_only=True) for s in kept))
        table.maintenance.expire_snapshots().by_ids([s.snapshot_id for s in expired]).commit()
        removed = sorted(before - still)
        for path in removed:
            table.io.delete(path)
        return {
            "method": "iceberg snapshot expiry and removal of the files only they used",
            "snapshots_expired": len(expired),
            "snapshots_kept": len(kept),
            "files_removed": len(removed),
        }


def _files_of(table: Table, snapshot: Any, *, live_only: bool) -> set[str]:
    """The files a snapshot uses: its manifest list, its manifests and their data and delete
    files (`live_only`: without the entries the snapshot marks deleted)."""
    files = {snapshot.manifest_list}
    for manifest in snapshot.manifests(table.io):
        files.add(manifest.manifest_path)
        entries = manifest.fetch_manifest_entry(table.io, discard_deleted=live_only)
        files.update(e.data_file.file_path for e in entries)
    return files


def _fs_path(uri: str) -> str:
    """A data file's URI as a pyarrow file system names it."""
    for scheme in ("file://", "s3://", "s3a://"):
        if uri.startswith(scheme):
            return uri[len(scheme) :]
    return uri


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
