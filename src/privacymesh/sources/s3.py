"""Files on object storage over the S3 protocol (`type: s3`, format parquet, csv or json).

The contract's `location` (`s3://bucket/path/*.parquet`, a folder or one object) is listed once
when the product is registered; the engine then scans exactly those objects through a lazy
pyarrow dataset, so a query reads only the columns and (Parquet) row groups it needs. The
evidence names the objects by a digest of their keys, sizes and times.

Erasure rewrites Parquet objects with an atomic swap: every affected object is first written
anew beside itself (a hidden temporary key), and only when all are written is each copied over
its original (a copy replaces an object whole, so a reader sees the old rows or the new, never
a part) and the temporaries removed. A failure while writing leaves every object as it was.
Object storage has no transaction over several objects: a failure between two swaps leaves
the objects swapped so far changed, and the erasure is reported failed (running it again
finishes it). CSV and JSON objects are read-only.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Mapping
from functools import cached_property
from typing import Any

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from privacymesh.sources.base import Connector, DeleteOutcome
from privacymesh.sources.object_store import (
    S3Access,
    S3Location,
    confine_location,
    list_objects,
    objects_version,
    s3_access,
)
from privacymesh.sources.pushdown import count_matching, rewritten
from privacymesh.sources.registry import register

FORMATS = ("parquet", "csv", "json")


def _file_format(fmt: str) -> pads.FileFormat:
    if fmt == "csv":
        return pads.CsvFileFormat()
    if fmt == "json":
        return pads.JsonFileFormat()
    return pads.ParquetFileFormat()


@register
class S3FilesConnector(Connector):
    """Parquet, CSV or JSON objects under an S3 location."""

    type = "s3"
    read = "dataset"  # any format of the type; Delta and Iceberg register their own

    def __init__(self, product: Any, settings: Any) -> None:
        super().__init__(product, settings)
        self._files: list[pafs.FileInfo] | None = None

    @property
    def format(self) -> str:
        server = self.product.server
        return (server.format or "parquet").lower() if server else "parquet"

    @property
    def read_only(self) -> str | None:  # type: ignore[override]
        if self.format != "parquet":
            return f"{self.format} objects are read-only: rewrite them at the source"
        return None

    @cached_property
    def location(self) -> S3Location:
        raw = self.product.server.options.get("location") if self.product.server else None
        if not isinstance(raw, str):
            raise self.fail("the contract's s3 server has no location", "location: s3://b/k")
        try:
            location = S3Location.parse(raw)
        except ValueError as exc:
            raise self.fail(str(exc)) from exc
        return confine_location(self, location)

    @cached_property
    def access(self) -> S3Access:
        return s3_access(self)

    @cached_property
    def fs(self) -> pafs.S3FileSystem:
        return self.access.filesystem()

    def _error(self, exc: BaseException, doing: str) -> Exception:
        reason = self.access.scrub(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        if isinstance(exc, FileNotFoundError):
            reason = f"not found: {reason}"
        return self.fail(f"cannot {doing} {self.location.url}: {reason}")

    def files(self, refresh: bool = False) -> list[pafs.FileInfo]:
        """The objects read (listed once, so every query sees the same objects)."""
        if self._files is None or refresh:
            try:
                files = list_objects(self.fs, self.location)
            except (OSError, ValueError) as exc:
                raise self._error(exc, "list") from exc
            if not files:
                raise self.fail(f"no object matches {self.location.url}")
            self._files = files
        return self._files

    def dataset(self) -> pads.Dataset:
        if self.format not in FORMATS:
            raise self.fail(f"format {self.format!r} is not read", f"one of {', '.join(FORMATS)}")
        try:
            return pads.dataset(
                [f.path for f in self.files()], filesystem=self.fs, format=_file_format(self.format)
            )
        except (OSError, pa.ArrowInvalid) as exc:
            raise self._error(exc, "read") from exc

    def spark_frame(self, spark: Any) -> Any:
        """The same rows for the Spark engine, through Arrow (copied once into the session;
        a cluster with its own S3 reader can read the table there instead)."""
        return spark.createDataFrame(self.dataset().to_table())

    def identity(self) -> dict[str, Any]:
        files = self.files()
        try:
            rows = self.dataset().count_rows()
        except (OSError, pa.ArrowInvalid) as exc:
            raise self._error(exc, "count the rows of") from exc
        return {
            "source": self.source_name,
            "type": self.type,
            "location": self.location.url,
            "format": self.format,
            "files": len(files),
            "version": objects_version(files),
            "rows": rows,
        }

    def count(self, predicate: str) -> int:
        return count_matching(self.dataset(), predicate)

    def delete(
        self, predicate: str | None, null_cells: Mapping[str, str] | None = None
    ) -> DeleteOutcome:
        if self.read_only:
            raise self.fail(self.read_only)
        self.files(refresh=True)  # every object there is now, not only those read earlier
        before = self.identity()
        staged: list[str] = []  # temporaries, in the order of `swaps`
        swaps: list[str] = []
        rows, cells = 0, dict.fromkeys(null_cells or {}, 0)
        try:
            for info in self.files():
                table = pq.read_table(info.path, filesystem=self.fs)
                kept, deleted, blanked = rewritten(table, predicate, null_cells)
                if not deleted and not any(blanked.values()):
                    continue
                folder, _, name = info.path.rpartition("/")
                temp = f"{folder}/.{name}.{secrets.token_hex(4)}.tmp"
                staged.append(temp)
                pq.write_table(kept, temp, filesystem=self.fs, compression="zstd")
                swaps.append(info.path)
                rows += deleted
                cells = {c: cells[c] + n for c, n in blanked.items()}
            # every new object is written: now each replaces its original whole
            for temp, path in zip(staged, swaps, strict=True):
                self.fs.copy_file(temp, path)
        except OSError as exc:
            raise self._error(exc, "rewrite") from exc
        finally:
            for temp in staged:
                with contextlib.suppress(OSError):
                    self.fs.delete_file(temp)
        self.files(refresh=True)
        return DeleteOutcome(rows, before, self.identity(), cells)
