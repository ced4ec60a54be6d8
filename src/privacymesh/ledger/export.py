"""Export the ledger's tables to Parquet or CSV files, and re-verify such an export.

An export is a folder with one file per table (`runs`, `results`, `findings`,
`head_signatures`, `alerts`, `chain_head`, `meta`) and `manifest.json` (the chain head, the schema
version and each file's SHA-256 and row count). The chain can be re-checked from the files
alone: `verify_export(folder)`.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import duckdb

from privacymesh.ledger.errors import LedgerError
from privacymesh.ledger.schema import ADDED_TABLES, CHAINED_TABLES, ChainedTable
from privacymesh.ledger.verify import VerifyReport, read_chain_head, verify_chain

Format = Literal["parquet", "csv"]
FORMATS: tuple[str, ...] = ("parquet", "csv")
EXPORTED = (*(t.name for t in CHAINED_TABLES), "chain_head", "meta")
MANIFEST = "manifest.json"


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def export_tables(
    con: duckdb.DuckDBPyConnection, out_dir: Path | str, format: Format = "parquet"
) -> dict[str, Path]:
    """Write every ledger table to `out_dir/<table>.<format>` (rows in seq order) plus
    `manifest.json`; returns the written paths by table name (and "manifest")."""
    if format not in FORMATS:
        raise LedgerError(f"unknown export format {format!r}", hint="parquet or csv")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    options = "FORMAT parquet" if format == "parquet" else "FORMAT csv, HEADER true"
    paths: dict[str, Path] = {}
    files: dict[str, dict[str, object]] = {}
    for name in EXPORTED:
        order = "ORDER BY seq" if name != "meta" else "ORDER BY key"
        path = out / f"{name}.{format}"
        con.execute(f"COPY (SELECT * FROM {name} {order}) TO {_quote(path)} ({options})").fetchall()
        rows = con.sql(f"SELECT count(*) FROM {name}").fetchall()[0][0]
        paths[name] = path
        files[name] = {"file": path.name, "sha256": _file_sha256(path), "rows": rows}
    head = read_chain_head(con)
    manifest = {
        "format": format,
        "exported_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "schema_version": dict(con.sql("SELECT key, value FROM meta").fetchall()).get(
            "schema_version"
        ),
        "chain_head": {"seq": head.seq, "hash": head.hash} if head else None,
        "files": files,
    }
    paths["manifest"] = out / MANIFEST
    paths["manifest"].write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return paths


CHAIN_HEAD_TYPES = [
    ("seq", "BIGINT"),
    ("hash", "VARCHAR"),
    ("table_name", "VARCHAR"),
    ("record_id", "VARCHAR"),
    ("updated_at", "TIMESTAMP"),
]


def _csv_types(name: str) -> list[tuple[str, str]]:
    for table in CHAINED_TABLES:
        if table.name == name:
            return [(c.name, c.sql_type) for c in table.columns] + [
                ("prev_hash", "VARCHAR"),
                ("hash", "VARCHAR"),
            ]
    return CHAIN_HEAD_TYPES


def _csv_source(path: Path, name: str) -> str:
    """read_csv with the ledger's column types, so hashes and empty strings come back as
    written (a quoted "" is an empty string, an unquoted empty field NULL)."""
    types = ", ".join(f"'{column}': '{sql_type}'" for column, sql_type in _csv_types(name))
    return (
        f"read_csv({_quote(path)}, header = true, allow_quoted_nulls = false, "
        f"columns = {{{types}}})"
    )


def empty_select(table: ChainedTable) -> str:
    """A SELECT of no rows with the table's columns (a table missing from an older ledger)."""
    columns = [f"CAST(NULL AS {c.sql_type}) AS {c.name}" for c in table.columns]
    columns += ["CAST(NULL AS VARCHAR) AS prev_hash", "CAST(NULL AS VARCHAR) AS hash"]
    return f"SELECT {', '.join(columns)} WHERE false"


def verify_export(folder: Path | str, *, batch_size: int = 100_000) -> VerifyReport:
    """Re-verify the chain from an export folder (Parquet or CSV), without the ledger file."""
    folder = Path(folder)
    fmt = next((f for f in FORMATS if (folder / f"runs.{f}").is_file()), None)
    if fmt is None:
        raise LedgerError(
            f"no runs.parquet or runs.csv in {folder}",
            file=folder,
            hint="pass a folder written by `privacymesh evidence export`",
        )
    con = duckdb.connect()
    try:
        tables = {t.name: t for t in CHAINED_TABLES}
        for name in (*tables, "chain_head"):
            path = folder / f"{name}.{fmt}"
            if name in ADDED_TABLES and not path.is_file():  # an export of an older schema
                con.execute(f"CREATE VIEW {name} AS {empty_select(tables[name])}").fetchall()
                continue
            if not path.is_file():
                raise LedgerError(f"missing {path.name} in the export", file=folder)
            source = (
                f"read_parquet({_quote(path)})" if fmt == "parquet" else _csv_source(path, name)
            )
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM {source}").fetchall()
        return verify_chain(con, stored_head=read_chain_head(con), batch_size=batch_size)
    finally:
        con.close()
