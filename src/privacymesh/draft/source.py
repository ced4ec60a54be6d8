"""Where a drafted product is read from. A draft needs four things of a product: its columns
with physical types, its row count, a reproducible sample and a server block for the contract.
A file gives them here; a workspace source (`[sources.NAME]`) plugs in by implementing the same
`ProductSource` protocol."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import duckdb
import polars as pl

from privacymesh.errors import SourceError

FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".tsv": "csv"}


class ProductSource(Protocol):
    """A product a contract can be drafted from."""

    def columns(self) -> list[tuple[str, str]]:
        """(column, physical type) in table order."""
        ...

    def rows(self) -> int: ...

    def sample(self, rows: int | None, seed: int) -> pl.DataFrame:
        """A reproducible sample of `rows` rows (every row when None)."""
        ...

    def server(self, contract_dir: Path) -> dict[str, Any]:
        """The ODCS server entry of a contract written into `contract_dir`."""
        ...


@dataclass(frozen=True)
class FileProduct:
    """A Parquet or CSV file, read with DuckDB (the file is never loaded whole)."""

    path: Path
    format: str

    def _query(self, sql: str) -> pl.DataFrame:
        con = duckdb.connect()
        try:
            reader = con.read_parquet if self.format == "parquet" else con.read_csv
            con.register("product", reader(str(self.path)))
            return pl.from_arrow(con.sql(sql).to_arrow_table())  # type: ignore[return-value]
        except duckdb.Error as exc:
            raise SourceError(
                f"cannot read the product: {str(exc).splitlines()[0]}",
                file=self.path,
                hint=f"a readable {self.format} file",
            ) from None
        finally:
            con.close()

    def columns(self) -> list[tuple[str, str]]:
        described = self._query("DESCRIBE SELECT * FROM product")
        return list(zip(described["column_name"], described["column_type"], strict=True))

    def rows(self) -> int:
        return int(self._query("SELECT count(*) AS n FROM product")["n"][0])

    def sample(self, rows: int | None, seed: int) -> pl.DataFrame:
        if rows is None:
            return self._query("SELECT * FROM product")
        clause = f" USING SAMPLE reservoir({int(rows)} ROWS) REPEATABLE ({int(seed)})"
        return self._query("SELECT * FROM product" + clause)

    def server(self, contract_dir: Path) -> dict[str, Any]:
        path = Path(os.path.relpath(self.path.resolve(), contract_dir.resolve()))
        return {"server": "local", "type": "local", "path": path.as_posix(), "format": self.format}


def open_product_source(text: str | Path) -> ProductSource:
    """The product a `contract draft` argument names: a Parquet or CSV file."""
    path = Path(text)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise SourceError(
            f"unknown product format {path.suffix or '(none)'}",
            file=path,
            hint="a .parquet or .csv file",
        )
    if not path.is_file():
        raise SourceError("no such file", file=path, hint="the product's Parquet or CSV file")
    return FileProduct(path, fmt)
