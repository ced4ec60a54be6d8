"""What Delta and Iceberg tables share: a table read at one version for the whole run, erasure
as one commit of the table format, and the earlier versions the format keeps.

A subclass (`sources.delta`, `sources.iceberg`) says how to open its latest version, read it,
count and delete a predicate with the format's own engine, overwrite it, list its earlier
versions and remove them. Deleting rows runs only when the format's count of the translated
predicate equals DuckDB's (a translation that drifts never deletes); blanking cells (DSAR
erasure, with patterns neither format's SQL shares) is one overwrite of the table as DuckDB
computes it.

Earlier versions still hold what a delete removed: time travel reads them until they are
removed (Delta `VACUUM`, Iceberg snapshot expiry). A source whose workspace table says
`purge_history = true` has them removed right after each erasure commit; the outcome records
what was removed. `residue_in_history` reads every earlier version still readable, so a
verification reports what is left there.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.dataset as pads

from privacymesh.errors import first_line
from privacymesh.sources.base import Connector, DeleteOutcome
from privacymesh.sources.pushdown import count_matching, rewritten

PURGE_SETTING = "purge_history"


class LakeTableConnector(Connector):
    """A table format with versions: read at one version, changed by commits."""

    read = "dataset"
    read_only = None
    label: ClassVar[str]  # the format's name in messages: Delta, Iceberg

    # what a format implements -----------------------------------------------------------------
    @abstractmethod
    def _latest(self) -> Any:
        """The table at its newest version (a change commits on top of it)."""

    @abstractmethod
    def _dataset_of(self, table: Any) -> pads.Dataset:
        """One version's rows as a lazy Arrow dataset."""

    @abstractmethod
    def _identity_of(self, table: Any) -> dict[str, Any]:
        """One version's identity (see `Connector.identity`)."""

    @abstractmethod
    def _count_at_source(self, table: Any, predicate: str) -> tuple[Any, int]:
        """The predicate in the format's own terms and the rows the format counts for it."""

    @abstractmethod
    def _delete_at_source(self, table: Any, condition: Any, expected: int) -> int:
        """One delete commit of `condition`; the rows deleted."""

    @abstractmethod
    def _overwrite(self, table: Any, data: pa.Table) -> None:
        """One commit replacing the table's rows with `data`."""

    @abstractmethod
    def _earlier_versions(self, table: Any) -> list[tuple[str, Callable[[], Any]]]:
        """Every earlier version the table's metadata names, newest first: (its label, a
        function reading its rows as Arrow data)."""

    @abstractmethod
    def _purge(self, table: Any) -> dict[str, Any]:
        """Remove every earlier version and the files only they use; what was removed."""

    # reading ---------------------------------------------------------------------------------
    @cached_property
    def table(self) -> Any:
        """The table at the version read for this run."""
        return self._latest()

    def dataset(self) -> pads.Dataset:
        return self._dataset_of(self.table)

    def spark_frame(self, spark: Any) -> Any:
        """The same rows for the Spark engine, through Arrow (copied once into the session; a
        cluster with its own reader of the format can read the table there instead)."""
        return spark.createDataFrame(self.dataset().to_table())

    def identity(self) -> dict[str, Any]:
        return self._identity_of(self.table)

    def count(self, predicate: str) -> int:
        return count_matching(self.dataset(), predicate)

    # writing ---------------------------------------------------------------------------------
    @property
    def purges_history(self) -> bool:
        """Whether the workspace asks for earlier versions to go with each erasure."""
        return bool(self.settings is not None and self.settings.get(PURGE_SETTING))

    def delete(
        self, predicate: str | None, null_cells: Mapping[str, str] | None = None
    ) -> DeleteOutcome:
        table = self._latest()
        before = self._identity_of(table)
        cells: dict[str, int] = {}
        if null_cells:
            data = self._dataset_of(table).to_table()
            new, rows, cells = rewritten(data, predicate, null_cells)
            if any(cells.values()):
                self._guarded(lambda: self._overwrite(table, new), "overwrite")
                return self._done(rows, before, cells)
            cells = dict.fromkeys(null_cells, 0)  # no cell to blank: rows only, deleted below
        if not predicate:
            return DeleteOutcome(0, before, before, cells)
        expected = count_matching(self._dataset_of(table), predicate)
        if expected == 0:
            return DeleteOutcome(0, before, before, cells)
        condition, counted = self._count_at_source(table, predicate)
        if counted != expected:
            raise self.fail(
                f"{self.label} counts {counted} rows to delete where privacymesh counts "
                f"{expected}: nothing deleted"
            )
        rows = self._guarded(lambda: self._delete_at_source(table, condition, expected), "delete")
        return self._done(rows, before, cells)

    def _guarded(self, step: Callable[[], Any], doing: str) -> Any:
        try:
            return step()
        except Exception as exc:  # a commit conflict or a storage error, of the format's types
            raise self.fail(f"the {self.label} {doing} failed: {first_line(exc)}") from exc

    def _done(self, rows: int, before: dict[str, Any], cells: dict[str, int]) -> DeleteOutcome:
        after = self._latest()
        history = None
        if self.purges_history:
            history = self._guarded(lambda: self._purge(after), "removal of earlier versions")
            after = self._latest()
        self.__dict__["table"] = after
        return DeleteOutcome(rows, before, self._identity_of(after), cells, history)

    # earlier versions ------------------------------------------------------------------------
    def residue_in_history(self, predicate: str) -> dict[str, Any]:
        """How many rows matching `predicate` the earlier versions still readable by time
        travel hold (a row kept by three versions counts three times), and which versions;
        a version whose files are gone counts as unreadable."""
        readable, unreadable, hits = 0, 0, {}
        for label, read in self._earlier_versions(self._latest()):
            try:
                found = count_matching(read(), predicate)
            except Exception:  # its files were removed (vacuum, expiry) or cannot be reached
                unreadable += 1
                continue
            readable += 1
            if found:
                hits[label] = found
        return {
            "versions_readable": readable,
            "versions_unreadable": unreadable,
            "versions_with_rows": sorted(hits),
            "rows": sum(hits.values()),
            "purge_setting": self.purges_history,
        }


def history_measures(
    removed: Mapping[str, Any] | None, residue: Mapping[str, Any] | None
) -> dict[str, str | int | bool | None]:
    """The purge record and the earlier-version residue as flat measured values of a ledger
    result (null where the source has no earlier versions or none were removed)."""
    removed, residue = removed or {}, residue or {}
    found = residue.get("versions_with_rows")
    return {
        "history_removed_by": removed.get("method"),
        "history_files_removed": removed.get("files_removed"),
        "history_snapshots_expired": removed.get("snapshots_expired"),
        "history_versions_readable": residue.get("versions_readable"),
        "history_versions_unreadable": residue.get("versions_unreadable"),
        "history_residue_rows": residue.get("rows"),
        "history_versions_with_rows": ", ".join(found) if found else None,
        "history_purge_setting": residue.get("purge_setting"),
    }
