"""What each result read: the identity of the product state a check ran over.

A run records, per product it read, the source's identity (`runs.options.sources`, hashed with
the run): the source's name and type, the server and table or the location, the file, version
or snapshot, and the rows there were. A result belongs to a run and a product, so joining the
two says, result by result, which state of the data was tested. Nothing here is secret: a
connector never puts a credential in an identity.

    with Ledger(ws.ledger_path, read_only=True) as ledger:
        reads = result_reads(ledger, Scope())          # the latest result of every check
        one = result_read(ledger, result_id)           # one result's, as a dict
"""

from __future__ import annotations

from typing import Any

import polars as pl

from privacymesh.ledger import Ledger
from privacymesh.views.scope import Scope
from privacymesh.views.sql import latest

READ_COLUMNS = (
    "result_id",
    "run_id",
    "check_id",
    "product_id",
    "domain",
    "status",
    "run_at",
    "source",
    "source_type",
    "server",
    "table_name",
    "location",
    "format",
    "version",
    "snapshot",
    "files",
    "rows_read",
    "read_error",
)
"""The columns of `result_reads`: the result, then what it read (null where a source has no
such part, e.g. no server for a file, no snapshot for a PostgreSQL table)."""

# every product a run read, with its identity as the run recorded it
_READS = """reads AS (
    SELECT u.run_id, j.key AS product_id, j.value AS identity
    FROM runs u, json_each(u.options -> '$.sources') j
)"""

_SELECT = """
    SELECT r.result_id, r.run_id, r.check_id, r.product_id, r.domain, r.status, r.run_at,
           s.identity ->> '$.source' AS source,
           s.identity ->> '$.type' AS source_type,
           s.identity ->> '$.server' AS server,
           s.identity ->> '$.table' AS table_name,
           s.identity ->> '$.location' AS location,
           s.identity ->> '$.format' AS format,
           s.identity ->> '$.version' AS version,
           s.identity ->> '$.snapshot' AS snapshot,
           TRY_CAST(s.identity ->> '$.files' AS BIGINT) AS files,
           TRY_CAST(s.identity ->> '$.rows' AS BIGINT) AS rows_read,
           s.identity ->> '$.error' AS read_error
"""


def result_reads(ledger: Ledger, scope: Scope) -> pl.DataFrame:
    """The latest result of every check on every product in scope, with what it read
    (`READ_COLUMNS`); a result whose run recorded no identity for its product (a run before
    sources were recorded, a platform operation) has nulls there."""
    query = f"""
        WITH {scope.state_tables()}, {latest()}, {_READS}
        {_SELECT}
        FROM latest r LEFT JOIN reads s ON s.run_id = r.run_id AND s.product_id = r.product_id
        WHERE r.product_id IS NOT NULL
        ORDER BY r.product_id, r.check_id, r.result_id
    """
    return ledger.sql(query, scope.params(query)).select(READ_COLUMNS)


def result_read(ledger: Ledger, result_id: str) -> dict[str, Any] | None:
    """What one result read (`READ_COLUMNS` as a dict); None when the ledger has no such
    result of a product."""
    query = f"""
        WITH {Scope().state_tables()}, {_READS}
        {_SELECT}
        FROM results r LEFT JOIN reads s ON s.run_id = r.run_id AND s.product_id = r.product_id
        WHERE r.result_id = $result_id AND r.product_id IS NOT NULL
    """
    frame = ledger.sql(query, {"result_id": result_id})
    return frame.select(READ_COLUMNS).row(0, named=True) if frame.height else None


def with_reads(frame: pl.DataFrame, reads: pl.DataFrame) -> pl.DataFrame:
    """`frame` (rows with `check_id` and `product_id`, e.g. findings) with a `read` column: what
    the latest result of that check on that product read, as a struct of `READ_COLUMNS` (the
    result's own id and run included); null where there is none."""
    parts = [c for c in READ_COLUMNS if c not in ("check_id", "product_id", "domain", "status")]
    read = reads.select("check_id", "product_id", pl.struct(parts).alias("read")).unique(
        ["check_id", "product_id"], keep="first"
    )
    return frame.join(read, on=["check_id", "product_id"], how="left")
