"""The connector interface: how the engines read a product where it lives.

One module per server type (`sources/postgres.py`, ...), one `Connector` subclass in it,
registered in `sources/registry.py` by the ODCS server `type` (and `format` where one type holds
several, e.g. `s3` + `delta`). The engines and the runner know no connector by name: adding a
server type is a module and one `register(...)` line.

A connector is built for one product from its contract's server (`product.server`, whose
`options` hold every key the contract wrote) and the workspace's `[sources.NAME]` settings
(`SourceSettings`, named by the server's `server:` field; secrets are resolved there, never read
from a contract). It offers the engine one of two ways to read:

- `read = "dataset"`: `dataset()` returns a lazy `pyarrow.dataset.Dataset` (object storage,
  Delta, Iceberg). DuckDB scans it with projection and filter pushdown; Spark reads it through
  `spark_frame()` when the connector gives one.
- `read = "sql"`: the source is a database. `query(sql)` runs SQL written in `dialect` against
  it and returns Arrow; `relation` is the quoted table name in that dialect. The DuckDB engine
  sends each query that reads only this product down whole (translated by sqlglot), and for
  other queries fetches only the columns they use.

Every connector gives `identity()`: what was read, recorded as evidence with each result (no
secret in it: server name, type, table or location, version/snapshot/file, rows). A connector
that can write implements `delete(predicate)` (one transaction; the identity before and after);
a read-only one says why in `read_only`, and callers report what would be deleted from
`count(predicate)`. A source that keeps earlier versions readable (Delta, Iceberg) says what
they still hold in `residue_in_history(predicate)`. Predicates are SQL boolean expressions
over the product's columns in the mesh's (DuckDB's) dialect.

Failures raise `SourceError` naming the source and the reason, never carrying a secret.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import pyarrow as pa

from privacymesh.errors import SourceError

if TYPE_CHECKING:
    import pyarrow.dataset as pads

    from privacymesh.catalog import DataProduct


@dataclass(frozen=True)
class SourceSettings:
    """One `[sources.NAME]` table of `privacymesh.toml`: `values` holds its keys as written
    (host, port, database, schema, user, path, ...). Secrets are not in it: a connector
    resolves them with `sources.settings.resolve_secret` when it connects."""

    name: str
    values: Mapping[str, Any] = field(default_factory=dict)
    file: str | None = None  # the workspace file, for errors

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


class PushdownError(Exception):
    """The source could not run a query as the engine translated it (a function or syntax its
    dialect lacks): not a fault of the source; the engine computes the query itself."""


@dataclass(frozen=True)
class DeleteOutcome:
    """What a delete at the source did: rows deleted, cells blanked per column, the source's
    identity (its version, snapshot or log position) before and after, and, when earlier
    versions were removed with it (`purge_history`), what was removed."""

    rows: int
    before: dict[str, Any]
    after: dict[str, Any]
    cells: dict[str, int] = field(default_factory=dict)
    history: dict[str, Any] | None = None


class Connector(ABC):
    """A product's data on one server type. Subclasses set `type` (the ODCS server type),
    optionally `formats`, `read` and `dialect`, and implement `identity` plus the read method
    of their `read` kind."""

    type: ClassVar[str]
    formats: ClassVar[tuple[str, ...]] = ()  # () = any format of the type
    read: ClassVar[Literal["dataset", "sql"]] = "dataset"
    dialect: ClassVar[str] = "duckdb"  # the SQL dialect of `query` (read = "sql")
    read_only: str | None = "this source type is read-only in privacymesh"

    def __init__(self, product: DataProduct, settings: SourceSettings | None) -> None:
        self.product = product
        self.settings = settings
        # the secret the connector logged in with, once resolved: masked in every error
        self.secret: str | None = None

    @property
    def source_name(self) -> str:
        """How results and errors name the source: the workspace's source name, else the
        server type."""
        return self.settings.name if self.settings else self.type

    def fail(self, reason: str, hint: str | None = None) -> SourceError:
        """A `SourceError` naming this source and the reason (the secret masked)."""
        if self.secret:
            reason = reason.replace(self.secret, "***")
        return SourceError(
            f"source {self.source_name!r} ({self.type}): {reason}",
            file=self.product.file,
            field="servers[0]",
            hint=hint,
        )

    # reading -------------------------------------------------------------------------------
    def dataset(self) -> pads.Dataset:
        """A lazy Arrow dataset of the product's rows (read = "dataset")."""
        raise NotImplementedError

    @property
    def relation(self) -> str:
        """The product's table, quoted in `dialect` (read = "sql")."""
        raise NotImplementedError

    def query(self, sql: str) -> pa.Table:
        """Run one read-only query in `dialect` at the source (read = "sql")."""
        raise NotImplementedError

    def sample_sql(self, rows: int, seed: int) -> str:
        """The query (in `dialect`) drawing a reproducible sample of min(rows, count) rows at
        the source: the same rows for the same seed and data (read = "sql"; dataset
        connectors are sampled by the engine)."""
        raise NotImplementedError

    def spark_frame(self, spark: Any) -> Any:
        """A Spark DataFrame over the product, or None when Spark cannot read this source."""
        return None

    # evidence ------------------------------------------------------------------------------
    @abstractmethod
    def identity(self) -> dict[str, Any]:
        """What is read, as evidence: `source` (name), `type`, `table` or `location`, the
        `version`/`snapshot`/`files` read where the source has one, and `rows`."""

    # writing -------------------------------------------------------------------------------
    def count(self, predicate: str) -> int:
        """Rows matching `predicate` (a mesh-dialect boolean over the product's columns)."""
        raise NotImplementedError

    def delete(
        self, predicate: str | None, null_cells: Mapping[str, str] | None = None
    ) -> DeleteOutcome:
        """Delete the rows matching `predicate` and blank each column's cells matching its
        predicate (DSAR erasure), all in one transaction; raise when read-only."""
        raise self.fail(self.read_only or "read-only")

    def residue_in_history(self, predicate: str) -> dict[str, Any] | None:
        """Rows matching `predicate` in the earlier versions the source still lets a reader
        travel back to (`sources.lake_table`); None for a source without readable versions."""
        return None

    def close(self) -> None:
        """Release connections (idempotent)."""
        return None
