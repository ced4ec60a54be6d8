"""Files on object storage over the S3 protocol (`type: s3`, format parquet, csv or json).

The contract's `location` (`s3://bucket/path/*.parquet`, a folder or one object) is listed once
when the product is registered; the engine then scans exactly those objects through a lazy
pyarrow dataset, so a query reads only the columns and (Parquet) row groups it needs. The
evidence names the objects by a digest of their keys, sizes and times.

Erasure rewrites Parquet objects in three steps, with a journal, because object storage has no
transaction over several objects:

1. stage: every affected object is written anew under a hidden key beside it
   (`.part-0.parquet.<id>.staged`), and each staged object's row count is read back and checked;
   then a journal (`.privacymesh-erasure-<id>.json` in the location's folder: keys, sizes,
   counts, never a value) records every planned swap. A failure here removes what was staged
   and leaves every object as it was.
2. swap: each staged object is copied over its original (a copy replaces an object whole, so a
   reader sees the old rows or the new, never a part), and the journal records each swap.
3. finish: the staged objects and the journal are removed.

A failure between two swaps leaves every object either old or new, and the journal says which.
The next erasure of the product first resumes any journal it finds: it finishes the swaps whose
staged object is still there and whose original is unchanged since (same size and time), then
computes the erasure afresh over the objects as they are, so an object whose staged copy was lost
is rewritten again. Readers between the failure and the resume see some objects erased and
others not; the erasure was reported failed. CSV and JSON objects are read-only.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
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
JOURNAL_PREFIX = ".privacymesh-erasure-"


@dataclass
class Swap:
    """One object of an erasure: its key, its staged replacement, what the replacement changes,
    and the original's size and time when staged (a resume swaps only an unchanged original)."""

    target: str
    staged: str
    rows_kept: int
    rows_deleted: int
    cells: dict[str, int]
    size: int | None
    mtime_ns: int | None
    done: bool = False


@dataclass
class Journal:
    """The planned swaps of one erasure, kept as a hidden JSON object until it finishes."""

    key: str
    swaps: list[Swap] = field(default_factory=list)

    def dumps(self) -> bytes:
        return json.dumps({"swaps": [asdict(s) for s in self.swaps]}, indent=1).encode()

    @classmethod
    def loads(cls, key: str, data: bytes) -> Journal:
        return cls(key, [Swap(**s) for s in json.loads(data)["swaps"]])


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
        resumed = self.resume()
        journal = self.stage(predicate, null_cells)
        if journal is not None:
            self.swap(journal)
        swapped = [
            s for j in (*resumed, *([journal] if journal else [])) for s in j.swaps if s.done
        ]
        cells = dict.fromkeys(null_cells or {}, 0)
        for s in swapped:
            cells = {c: n + s.cells.get(c, 0) for c, n in cells.items()}
        self.files(refresh=True)
        return DeleteOutcome(sum(s.rows_deleted for s in swapped), before, self.identity(), cells)

    # the three steps of an erasure (see the module docstring) --------------------------------
    @cached_property
    def folder(self) -> str:
        """Where journals are kept: the folder the location names or lies in."""
        location = self.location
        if location.has_glob:
            return location.prefix
        info = self.fs.get_file_info(location.path)
        return (
            location.path.rpartition("/")[0] if info.type == pafs.FileType.File else location.path
        )

    def stage(
        self, predicate: str | None, null_cells: Mapping[str, str] | None = None
    ) -> Journal | None:
        """Write every affected object anew under a hidden key, check each one's row count,
        and record the journal; None when no object changes."""
        token = secrets.token_hex(6)
        journal = Journal(f"{self.folder}/{JOURNAL_PREFIX}{token}.json")
        try:
            for info in self.files():
                table = pq.read_table(info.path, filesystem=self.fs)
                kept, deleted, blanked = rewritten(table, predicate, null_cells)
                if not deleted and not any(blanked.values()):
                    continue
                folder, _, name = info.path.rpartition("/")
                staged = f"{folder}/.{name}.{token}.staged"
                journal.swaps.append(
                    Swap(
                        info.path, staged, kept.num_rows, deleted, blanked, info.size, info.mtime_ns
                    )
                )
                pq.write_table(kept, staged, filesystem=self.fs, compression="zstd")
                written = pq.read_metadata(staged, filesystem=self.fs).num_rows
                if written != kept.num_rows:
                    raise OSError(f"{staged} holds {written} rows, {kept.num_rows} were written")
            if not journal.swaps:
                return None
            self._write_journal(journal)
        except OSError as exc:
            self._remove(s.staged for s in journal.swaps)
            raise self._error(exc, "stage the rewrite of") from exc
        return journal

    def swap(self, journal: Journal) -> None:
        """Copy each staged object over its original, recording each swap, then finish."""
        try:
            for s in journal.swaps:
                if s.done:
                    continue
                self.fs.copy_file(s.staged, s.target)
                s.done = True
                self._write_journal(journal)
        except OSError as exc:
            done = sum(s.done for s in journal.swaps)
            raise self.fail(
                f"the rewrite stopped after {done} of {len(journal.swaps)} objects "
                f"({self.access.scrub(str(exc).splitlines()[0] if str(exc) else 'error')}); "
                f"each object is old or new, the journal {journal.key} says which",
                "run the erasure again: it resumes the journal",
            ) from exc
        self._remove([*(s.staged for s in journal.swaps), journal.key])

    def journals(self) -> list[Journal]:
        """The journals of erasures that did not finish, oldest key first."""
        try:
            infos = self.fs.get_file_info(pafs.FileSelector(self.folder, allow_not_found=True))
            found = [i.path for i in infos if i.base_name.startswith(JOURNAL_PREFIX)]
            out = []
            for key in sorted(found):
                with self.fs.open_input_stream(key) as stream:
                    out.append(Journal.loads(key, stream.read()))
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise self._error(exc, "read the erasure journals of") from exc
        return out

    def resume(self) -> list[Journal]:
        """Finish every journal left by an erasure that stopped: the swaps whose staged object
        is there and whose original is unchanged; the others are left to the fresh erasure
        that follows. The journals and staged objects are removed."""
        journals = self.journals()
        for journal in journals:
            for s in journal.swaps:
                if s.done:
                    continue
                staged, target = self.fs.get_file_info([s.staged, s.target])
                unchanged = target.size == s.size and target.mtime_ns == s.mtime_ns
                if staged.type == pafs.FileType.File and unchanged:
                    try:
                        self.fs.copy_file(s.staged, s.target)
                    except OSError as exc:
                        raise self._error(exc, "resume the rewrite of") from exc
                    s.done = True
            self._remove([*(s.staged for s in journal.swaps), journal.key])
        if journals:
            self.files(refresh=True)
        return journals

    def _write_journal(self, journal: Journal) -> None:
        with self.fs.open_output_stream(journal.key) as out:
            out.write(journal.dumps())

    def _remove(self, keys: Any) -> None:
        for key in keys:
            with contextlib.suppress(OSError):
                self.fs.delete_file(key)
