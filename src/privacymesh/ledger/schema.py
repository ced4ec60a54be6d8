"""The ledger's tables: columns, their SQL types and how each enters the chained content.

Every chained table starts with `seq` and ends with `prev_hash` and `hash`; the content that is
hashed is every other column plus `"table": <table name>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pyarrow as pa

from privacymesh.ledger.chain import RowCanonicalizer, ValueType
from privacymesh.verdict import Status

SCHEMA_VERSION = 3
"""Bumped on any change to the tables or to what is hashed. A ledger with a newer version is
refused (an older privacymesh would misread it). Version 2 added `head_signatures`, version 3
`run_context`, `finding_decisions` and `alerts`; an older ledger gains the (empty) tables when it
is next opened for writing, and its records keep their hashes (no existing table changed)."""

CHAIN_ALGORITHM = "sha256(prev_hash || canonical_json(content)), canonical-json-v1"

_STATUS_LIST = ", ".join(f"'{s}'" for s in Status)

_SQL = {"str": "VARCHAR", "int": "BIGINT", "ts": "TIMESTAMP", "json": "JSON"}
_ARROW = {"str": pa.string(), "int": pa.int64(), "ts": pa.timestamp("us"), "json": pa.string()}


@dataclass(frozen=True)
class Column:
    """One column: its name, how it is hashed (and so its SQL type), and whether NULL is allowed."""

    name: str
    value_type: ValueType
    required: bool = False
    check: str | None = None

    @property
    def sql_type(self) -> str:
        return _SQL[self.value_type]

    def ddl(self) -> str:
        text = f"{self.name} {self.sql_type}"
        if self.required:
            text += " NOT NULL"
        if self.check:
            text += f" CHECK ({self.check})"
        return text


@dataclass(frozen=True)
class ChainedTable:
    """A table whose rows are links of the ledger's one hash chain."""

    name: str
    id_column: str
    columns: tuple[Column, ...]  # the content columns, seq first; prev_hash and hash follow

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns] + ["prev_hash", "hash"]

    def ddl(self) -> str:
        body = ",\n    ".join(
            [c.ddl() for c in self.columns]
            + ["prev_hash VARCHAR NOT NULL", "hash VARCHAR NOT NULL"]
        )
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n    {body}\n)"

    def arrow_schema(self) -> pa.Schema:
        fields = [pa.field(c.name, _ARROW[c.value_type]) for c in self.columns]
        return pa.schema(
            [*fields, pa.field("prev_hash", pa.string()), pa.field("hash", pa.string())]
        )

    def canonicalizer(self) -> RowCanonicalizer:
        return RowCanonicalizer({c.name: c.value_type for c in self.columns}, {"table": self.name})

    def content_select(self) -> str:
        """SELECT list of the content columns as the canonicalizer reads them (JSON as its
        text), plus prev_hash and hash."""
        items = [
            f"CAST({c.name} AS VARCHAR) AS {c.name}" if c.value_type == "json" else c.name
            for c in self.columns
        ]
        return ", ".join([*items, "prev_hash", "hash"])

    def content_schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, _ARROW[c.value_type]) for c in self.columns])


def _col(
    name: str, value_type: ValueType = "str", required: bool = False, check: str | None = None
) -> Column:
    return Column(name, value_type, required, check)


RUNS = ChainedTable(
    "runs",
    "run_id",
    (
        _col("seq", "int", True),
        _col("run_id", required=True),
        _col("started_at", "ts", True),
        _col("finished_at", "ts", True),
        _col("actor"),
        _col("host"),
        _col("code_version"),
        _col("workspace_config_hash"),
        _col("catalog_fingerprint"),
        _col("engine"),
        _col("options", "json"),
        _col("result_count", "int", True),
        _col("pass_count", "int", True),
        _col("fail_count", "int", True),
        _col("error_count", "int", True),
        _col("skipped_count", "int", True),
        _col("finding_count", "int", True),
    ),
)

RESULTS = ChainedTable(
    "results",
    "result_id",
    (
        _col("seq", "int", True),
        _col("result_id", required=True),
        _col("run_id", required=True),
        _col("check_id", required=True),
        _col("product_id"),
        _col("domain"),
        _col("status", required=True, check=f"status IN ({_STATUS_LIST})"),
        _col("measured", "json"),
        _col("threshold", "json"),
        _col("population", "int"),
        _col("exceptions", "int"),
        _col("reason"),
        _col("query"),
        _col("severity"),
        _col("control_id"),
        _col("started_at", "ts"),
        _col("finished_at", "ts"),
    ),
)

RUN_CONTEXT = ChainedTable(
    "run_context",
    "run_id",
    (
        _col("seq", "int", True),
        _col("run_id", required=True),
        _col("as_of", "ts", True),
        _col("coverage", required=True, check="coverage IN ('full', 'partial')"),
        _col("checks", "json", True),
        _col("checks_hash", required=True),
    ),
)
"""What a run measured against, right after its run record: the reference time, whether it
covered every check on every product (`full`) or a selection (`partial`), and the check specs
it executed (control text, SQL, parameters) with the SHA-256 of their canonical JSON. Packs read
control text from here, never from today's `checks/` folder."""

FINDINGS = ChainedTable(
    "findings",
    "finding_id",
    (
        _col("seq", "int", True),
        _col("finding_id", required=True),
        _col("result_id", required=True),
        _col("run_id", required=True),
        _col("check_id", required=True),
        _col("product_id"),
        _col("column_name"),
        _col("kind", required=True),
        _col("severity"),
        _col("detail", "json"),
        _col("fingerprint", required=True),
    ),
)

HEAD_SIGNATURES = ChainedTable(
    "head_signatures",
    "signature_id",
    (
        _col("seq", "int", True),
        _col("signature_id", required=True),
        _col("run_id"),
        _col("signed_seq", "int", True),
        _col("signed_hash", required=True),
        _col("audit_seq", "int"),
        _col("audit_hash"),
        _col("statement", "json", True),
        _col("signature"),
        _col("key_fingerprint"),
    ),
)
"""The signed head statement a run closes with (see `privacymesh.ledger.seal`): it follows the
run's last record in the chain and signs the head just before it."""

ALERTS = ChainedTable(
    "alerts",
    "alert_id",
    (
        _col("seq", "int", True),
        _col("alert_id", required=True),
        _col("run_id", required=True),
        _col("kind", required=True, check="kind IN ('new_failure', 'finding_due')"),
        _col("dedup_key", required=True),
        _col("check_id", required=True),
        _col("product_id"),
        _col("domain"),
        _col("owner"),
        _col("reference", required=True),
        _col("exceptions", "int"),
        _col("channel", required=True),
        _col("status", required=True, check="status IN ('sent', 'failed')"),
        _col("attempts", "int", True),
        _col("error"),
        _col("sent_at", "ts", True),
    ),
)
"""One delivery of one alert on one channel (see `privacymesh.alerts`): what it was about
(check, product, the result or finding it names, counts only), to whom, and whether it got
through. Appended after the run it concerns, in a transaction of its own."""

FINDING_DECISIONS = ChainedTable(
    "finding_decisions",
    "decision_id",
    (
        _col("seq", "int", True),
        _col("decision_id", required=True),
        _col("fingerprint", required=True),
        _col("decision", required=True, check="decision IN ('accept', 'reopen')"),
        _col("reason", required=True),
        _col("until", "ts"),
        _col("actor"),
        _col("decided_at", "ts", True),
    ),
)
"""A person's decision on a finding, outside any run: accept it (a recorded reason, until a
day) or reopen it. The newest decision on a fingerprint holds."""

CHAINED_TABLES: tuple[ChainedTable, ...] = (
    RUNS,
    RUN_CONTEXT,
    RESULTS,
    FINDINGS,
    HEAD_SIGNATURES,
    FINDING_DECISIONS,
    ALERTS,
)
"""In the order a run writes them: its run record, what it measured against, its results, its
findings, and the signed statement of the head they end at; decisions on findings and the
alerts sent about a run are written on their own."""

ADDED_TABLES: dict[str, int] = {
    HEAD_SIGNATURES.name: 2,
    RUN_CONTEXT.name: 3,
    FINDING_DECISIONS.name: 3,
    ALERTS.name: 3,
}
"""Tables a later schema version added, with that version: an older ledger gets them (empty)."""

META_DDL = "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)"

CHAIN_HEAD_DDL = """CREATE TABLE IF NOT EXISTS chain_head (
    seq BIGINT NOT NULL,
    hash VARCHAR NOT NULL,
    table_name VARCHAR,
    record_id VARCHAR,
    updated_at TIMESTAMP NOT NULL
)"""

ALL_TABLES = ("meta", "chain_head", *(t.name for t in CHAINED_TABLES))


@cache
def canonicalizer_for(table: ChainedTable) -> RowCanonicalizer:
    """The (cached) canonicalizer of a table's content."""
    return table.canonicalizer()


def ddl_statements() -> list[str]:
    """Every CREATE statement of a new ledger."""
    return [META_DDL, CHAIN_HEAD_DDL, *(t.ddl() for t in CHAINED_TABLES)]
