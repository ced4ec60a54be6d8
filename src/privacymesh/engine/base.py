"""The engine interface: a SQL session in which every registered product is a view named
`<domain>.<product>` and every platform table is `platform.<table>`. Checks talk only to this
interface; engine differences live in its implementations."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pyarrow as pa

from privacymesh.catalog import Catalog, DataProduct, quote_ident, quote_literal
from privacymesh.sources.base import Connector, SourceSettings


@dataclass
class Registration:
    """What got registered, and what could not be (product id or table -> reason)."""

    products: list[str] = field(default_factory=list)
    platform: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def first_rows_query(source: str, column: str, values: Sequence[str], order: Sequence[str]) -> str:
    """The first row of `source` by `order` (nulls last) holding each of `values` in
    `column`."""
    ties = ", ".join(quote_ident(c) for c in order)
    return (
        f"SELECT * FROM {source} WHERE {quote_ident(column)} IN "
        f"({', '.join(quote_literal(v) for v in values)}) "
        f"QUALIFY row_number() OVER (PARTITION BY {quote_ident(column)} ORDER BY {ties}) = 1"
    )


PART = "__privacymesh_part"  # which part of a stacked result a row belongs to


def split_parts(frame: pl.DataFrame, columns: list[str]) -> dict[str, pl.DataFrame]:
    """A result stacked with a `PART` column (the index of a column in `columns`) split into
    one frame per column, without that marker."""
    return {column: frame.filter(pl.col(PART) == i).drop(PART) for i, column in enumerate(columns)}


def catalog_tables(catalog: Catalog) -> dict[str, pl.DataFrame]:
    """The catalog as tables checks can join: `meta.products` (with each contract's own `id`,
    often a UUID, beside the `domain.product` address), `meta.product_purposes`,
    `meta.fields` and `meta.lineage` (every upstream-downstream pair, transitive)."""
    products = sorted(catalog.products.values(), key=lambda p: p.id)
    return {
        "products": pl.DataFrame(
            [
                {
                    "product_id": p.id,
                    "contract_id": p.contract_id,
                    "domain": p.domain,
                    "name": p.name,
                    "product_kind": p.product_kind,
                    "processing_mode": p.processing_mode,
                    "subject_key": p.subject_key,
                    "subject_key_form": p.subject_key_form,
                    "has_personal_data": p.has_personal_data,
                    "retention_days": p.retention.days if p.retention else None,
                }
                for p in products
            ],
            schema={
                "product_id": pl.String,
                "contract_id": pl.String,
                "domain": pl.String,
                "name": pl.String,
                "product_kind": pl.String,
                "processing_mode": pl.String,
                "subject_key": pl.String,
                "subject_key_form": pl.String,
                "has_personal_data": pl.Boolean,
                "retention_days": pl.Int64,
            },
        ),
        "product_purposes": pl.DataFrame(
            [{"product_id": p.id, "purpose": purpose} for p in products for purpose in p.purposes],
            schema={"product_id": pl.String, "purpose": pl.String},
        ),
        "fields": pl.DataFrame(
            [
                {
                    "product_id": p.id,
                    "field": f.name,
                    "classification": f.classification,
                    "pii_category": f.pii_category,
                    "masking_rule": f.masking_rule,
                }
                for p in products
                for f in p.fields
            ],
            schema={
                "product_id": pl.String,
                "field": pl.String,
                "classification": pl.String,
                "pii_category": pl.String,
                "masking_rule": pl.String,
            },
        ),
        "lineage": pl.DataFrame(
            [
                {"upstream_id": p.id, "downstream_id": d}
                for p in products
                for d in catalog.downstream(p.id)
            ],
            schema={"upstream_id": pl.String, "downstream_id": pl.String},
        ),
    }


class Engine(ABC):
    """A SQL engine holding the mesh's products as views."""

    name: str = "abstract"
    dialect: str = "duckdb"

    def __init__(self) -> None:
        self.registration = Registration()
        # the workspace's [sources.NAME] settings, and the connector of each product read
        # through one (product id -> connector)
        self.sources: dict[str, SourceSettings] = {}
        self.connectors: dict[str, Connector] = {}

    def connector_for(self, product: DataProduct) -> Connector:
        """Open the connector of a product whose server the engine does not read natively."""
        from privacymesh.sources import open_connector

        assert product.server is not None
        settings = self.sources.get(product.server.name or "")
        previous = self.connectors.pop(product.id, None)
        if previous is not None:
            previous.close()
        connector = open_connector(product, settings)
        self.connectors[product.id] = connector
        return connector

    def source_identities(self, product_ids: list[str]) -> dict[str, dict[str, object]]:
        """What each product read through a connector is, now (evidence: source, table or
        location, version, rows); a source that cannot say records why."""
        from privacymesh.errors import PrivacyMeshError, first_line

        out: dict[str, dict[str, object]] = {}
        for pid in product_ids:
            connector = self.connectors.get(pid)
            if connector is None:
                continue
            try:
                out[pid] = connector.identity()
            except (PrivacyMeshError, OSError) as exc:
                out[pid] = {
                    "source": connector.source_name,
                    "type": connector.type,
                    "error": first_line(exc),
                }
        return out

    def data_version(self, product_id: str) -> str | None:
        """What the data behind a product is now, as a fingerprint that changes when it does
        (the source's own version or snapshot, with its rows); None when the source cannot
        say. A result computed from the data may be reused while this stays the same."""
        connector = self.connectors.get(product_id)
        if connector is None:
            return None
        from privacymesh.errors import PrivacyMeshError

        try:
            identity = connector.identity()
        except (PrivacyMeshError, OSError):
            return None
        if not identity.get("version") and not identity.get("snapshot"):
            return None
        return json.dumps(identity, sort_keys=True, default=str)

    def view_version(self, view: str) -> str | None:
        """The files behind a registered view, as `data_version` says (None: unknown)."""
        return None

    def close_connectors(self) -> None:
        for connector in self.connectors.values():
            connector.close()

    @abstractmethod
    def register_product(self, product: DataProduct) -> None:
        """Expose one product as the view `product.view`; raise SourceError when unreadable."""

    @abstractmethod
    def register_platform_table(self, name: str, path: Path) -> None:
        """Expose one platform table file as `platform.<name>`."""

    @abstractmethod
    def register_frame(self, schema: str, name: str, frame: pl.DataFrame) -> None:
        """Expose an in-memory table as `<schema>.<name>`."""

    @abstractmethod
    def materialize(self, schema: str, name: str, sql: str) -> None:
        """Compute a query (in the mesh's dialect) now, once, into the table `<schema>.<name>`
        that later queries read."""

    @abstractmethod
    def drop(self, schema: str, name: str) -> None:
        """Forget a table `materialize` made (nothing when there is none)."""

    @abstractmethod
    def seal(self) -> None:
        """Confine the session to its registered relations before untrusted SQL (a check
        file's) runs in it: from then on it reads no other file and writes, attaches or
        installs nothing. Registering more after sealing is not supported."""

    @abstractmethod
    def arrow(self, sql: str) -> pa.Table:
        """Run a query and return its result as Arrow."""

    @abstractmethod
    def close(self) -> None: ...

    def polars(self, sql: str) -> pl.DataFrame:
        """Run a query and return its result as Polars."""
        return pl.from_arrow(self.arrow(sql))  # type: ignore[return-value]

    def scalar(self, sql: str) -> object:
        table = self.arrow(sql)
        return table.column(0)[0].as_py() if table.num_rows else None

    def translate(self, sql: str) -> str:
        """The SQL this engine runs for a query written in the mesh's (DuckDB's) dialect."""
        return sql

    def sample(self, view: str, rows: int, seed: int) -> pl.DataFrame:
        """A reproducible uniform sample without replacement of min(rows, count) rows of a view
        (its quoted mesh name), for measures that read data into Python (the detector, GX).
        The same seed gives the same rows on the same engine and data; every row when the
        view has no more than `rows`, whatever the engine."""
        return self.polars(self.sample_query(view, rows, seed))

    def sample_query(self, view: str, rows: int, seed: int) -> str:
        """The query `sample` runs, in the mesh's dialect (evidence records it)."""
        sample = f"reservoir({int(rows)} ROWS) REPEATABLE ({int(seed)})"
        return f"SELECT * FROM {view} USING SAMPLE {sample}"

    def first_rows(
        self, view: str, drawn: Mapping[str, Sequence[str]], order: Sequence[str]
    ) -> dict[str, pl.DataFrame]:
        """Per column of `drawn`, the first row of `view` holding each of its values, rows
        ordered by the `order` columns (nulls last): rows chosen by content, whatever their
        order in storage. One query for every column."""
        drawn = {c: v for c, v in drawn.items() if v}
        if not drawn:
            return {}
        frame = self.polars(
            " UNION ALL ".join(
                f"SELECT {i} AS {PART}, * FROM ({first_rows_query(view, column, values, order)})"
                for i, (column, values) in enumerate(drawn.items())
            )
        )
        return split_parts(frame, list(drawn))

    def few_valued_columns(self, view: str) -> set[str] | None:
        """Columns of `view` whose storage shows few distinct values (cheap to group), when
        the engine reads `sample_with_first_rows` in one pass; None when it does not, and
        reading the sample first costs nothing more."""
        return None

    def sample_with_first_rows(
        self,
        view: str,
        rows: int,
        seed: int,
        drawn: Mapping[str, Sequence[str]],
        order: Sequence[str],
    ) -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
        """`sample(view, rows, seed)` and `first_rows(view, drawn, order)` together: an
        engine that can read both in one pass over the data overrides this."""
        return self.sample(view, rows, seed), self.first_rows(view, drawn, order)

    def register_catalog(self, catalog: Catalog, platform_dir: Path | None = None) -> Registration:
        """Register every valid product and platform table; failures are recorded, not raised,
        so one unreadable product never stops the others."""
        from privacymesh.errors import SourceError

        for product in catalog.products.values():
            try:
                self.register_product(product)
                self.registration.products.append(product.id)
            except SourceError as exc:
                self.registration.failed[product.id] = exc.message
        for name, frame in catalog_tables(catalog).items():
            self.register_frame("meta", name, frame)
        if platform_dir is not None and platform_dir.is_dir():
            for path in sorted([*platform_dir.glob("*.parquet"), *platform_dir.glob("*.csv")]):
                try:
                    self.register_platform_table(path.stem, path)
                    self.registration.platform.append(path.stem)
                except SourceError as exc:
                    self.registration.failed[f"platform.{path.stem}"] = exc.message
        return self.registration

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
