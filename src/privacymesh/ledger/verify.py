"""Recompute the ledger's hash chain and say where, if anywhere, it breaks.

Verification is sequential by nature (each hash depends on the one before), so it runs in
Python, but over rows fetched in bulk: one query gives every seq in order, then each window of
`batch_size` records is fetched with one query per table, canonicalized column by column and
hashed in one loop.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from privacymesh.ledger.chain import (
    GENESIS,
    BreakReason,
    ChainBreak,
    ChainWalker,
)
from privacymesh.ledger.records import ChainHead
from privacymesh.ledger.schema import CHAINED_TABLES, ChainedTable, canonicalizer_for


@dataclass(frozen=True)
class VerifyReport:
    """The outcome of re-verifying a chain. `head` is the last record that verified."""

    ok: bool
    records_checked: int
    records_total: int
    head: ChainHead
    stored_head: ChainHead | None
    first_break: ChainBreak | None
    table_counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def head_hash(self) -> str:
        return self.head.hash

    def __str__(self) -> str:
        if self.ok:
            return f"ok: {self.records_checked} records verified, head {self.head}"
        return f"BROKEN at {self.first_break} ({self.records_checked} records verified before it)"


def _union(tables: Sequence[ChainedTable], select: str) -> str:
    return " UNION ALL ".join(
        f"SELECT {select.format(table=t.name, id=t.id_column)} FROM {t.name}" for t in tables
    )


def _all_seqs(con: duckdb.DuckDBPyConnection, tables: Sequence[ChainedTable]) -> list[int]:
    query = _union(tables, "seq")
    rel = con.sql(f"SELECT seq FROM ({query}) WHERE seq IS NOT NULL ORDER BY seq")
    return rel.to_arrow_table().column("seq").to_pylist()


def _record_without_seq(
    con: duckdb.DuckDBPyConnection, tables: Sequence[ChainedTable]
) -> ChainBreak | None:
    for t in tables:
        rows = con.sql(f"SELECT {t.id_column} FROM {t.name} WHERE seq IS NULL LIMIT 1").fetchall()
        if rows:
            return ChainBreak(0, t.name, rows[0][0], BreakReason.MISSING_SEQ, "record has no seq")
    return None


Window = tuple[
    list[int], list[str], list[str | None], list[str | None], list[str | None], list[str]
]


def _fetch_window(
    con: duckdb.DuckDBPyConnection, tables: Sequence[ChainedTable], lo: int, hi: int
) -> Window:
    """The records with lo <= seq <= hi of every table, merged in seq order: seqs, tables,
    ids, prev_hashes, hashes and canonical texts."""
    parts = []
    for t in tables:
        arrow = con.sql(
            f"SELECT {t.content_select()} FROM {t.name} "
            f"WHERE seq BETWEEN {int(lo)} AND {int(hi)} ORDER BY seq"
        ).to_arrow_table()
        if arrow.num_rows == 0:
            continue
        parts.append(
            pa.table(
                {
                    "seq": arrow.column("seq").cast(pa.int64()),
                    "table": pa.array([t.name] * arrow.num_rows, pa.string()),
                    "id": arrow.column(t.id_column).cast(pa.string()),
                    "prev_hash": arrow.column("prev_hash").cast(pa.string()),
                    "hash": arrow.column("hash").cast(pa.string()),
                    "canonical": canonicalizer_for(t).encode_arrow(arrow),
                }
            )
        )
    if not parts:
        return [], [], [], [], [], []
    merged = pa.concat_tables(parts)
    if len(parts) > 1:
        merged = merged.sort_by("seq")
    return tuple(merged.column(i).to_pylist() for i in range(6))  # type: ignore[return-value]


def _explain_link(
    con: duckdb.DuckDBPyConnection,
    tables: Sequence[ChainedTable],
    found: ChainBreak,
    prev_hash: str | None,
) -> ChainBreak:
    """A broken link whose prev_hash is another record's hash means records were moved."""
    if prev_hash is None:
        return found
    query = _union(tables, "seq, '{table}' AS table_name, hash")
    rows = con.sql(
        f"SELECT seq, table_name FROM ({query}) WHERE hash = $h ORDER BY seq LIMIT 1",
        params={"h": prev_hash},
    ).fetchall()
    if not rows or rows[0][0] == found.seq - 1:
        return found
    row = rows[0]
    return ChainBreak(
        found.seq,
        found.table,
        found.record_id,
        BreakReason.REORDERED,
        f"its prev_hash is the hash of {row[1]} seq {row[0]}, not of seq {found.seq - 1}: "
        "records were moved",
    )


def _name_gap(
    con: duckdb.DuckDBPyConnection,
    tables: Sequence[ChainedTable],
    found: ChainBreak,
    after_seq: int,
) -> ChainBreak:
    """Which table lost the record at a gap. A run writes its run record, then its results,
    then its findings, and declares how many of each: a gap inside one table of one run is in
    that table; else, if the run before the gap is short of results or findings, they are what
    is missing; else a run record is."""
    names = {t.name for t in tables}
    if not {"runs", "results", "findings"} <= names:
        return found
    union = " UNION ALL ".join(  # a decision on a finding belongs to no run
        f"SELECT seq, '{t.name}' AS table_name, "
        f"{'run_id' if 'run_id' in t.column_names else 'NULL'} AS run_id FROM {t.name}"
        for t in tables
    )
    rows = con.sql(
        f"SELECT seq, table_name, run_id FROM ({union}) "
        f"WHERE seq IN ({int(found.seq) - 1}, {int(after_seq)}) ORDER BY seq"
    ).fetchall()
    by_seq = {seq: (table, run_id) for seq, table, run_id in rows}
    before, after = by_seq.get(found.seq - 1), by_seq.get(after_seq)
    table = found.table
    if before is not None and after is not None and before == after:
        table = before[0]
    elif before is not None:
        declared = con.sql(
            "SELECT result_count, finding_count FROM runs WHERE run_id = $r",
            params={"r": before[1]},
        ).fetchall()
        present = [
            con.sql(
                f"SELECT count(*) FROM {name} WHERE run_id = $r", params={"r": before[1]}
            ).fetchall()[0][0]
            for name in ("results", "findings")
        ]
        if declared and present[0] < declared[0][0]:
            table = "results"
        elif declared and present[1] < declared[0][1]:
            table = "findings"
        elif _lost_signature(con, names, before[1]):
            table = "head_signatures"
        else:
            table = "runs"
    else:
        table = "runs"
    return ChainBreak(found.seq, table, found.record_id, found.reason, found.detail)


def _lost_signature(con: duckdb.DuckDBPyConnection, names: set[str], run_id: str) -> bool:
    """Whether a run lacks its signed-head record while the ledger signs its runs."""
    if "head_signatures" not in names:
        return False
    signed, own = con.sql(
        "SELECT count(*), count(*) FILTER (WHERE run_id = $r) FROM head_signatures",
        params={"r": run_id},
    ).fetchall()[0]
    return signed > 0 and own == 0


def read_chain_head(con: duckdb.DuckDBPyConnection) -> ChainHead | None:
    """The stored chain head, or None when the table is missing or not exactly one row."""
    try:
        rows = con.sql(
            "SELECT seq, hash, table_name, record_id, updated_at FROM chain_head"
        ).fetchall()
    except duckdb.CatalogException:
        return None
    return ChainHead(*rows[0]) if len(rows) == 1 else None


def verify_chain(
    con: duckdb.DuckDBPyConnection,
    *,
    tables: Sequence[ChainedTable] = CHAINED_TABLES,
    stored_head: ChainHead | None = None,
    check_head: bool = True,
    expect_head: ChainHead | tuple[int, str] | None = None,
    batch_size: int = 100_000,
) -> VerifyReport:
    """Recompute the chain over `tables` (tables or views with the ledger's columns) on `con`.

    With `check_head`, the last record must be `stored_head` (a truncated tail or records
    added behind the ledger's back break it). `expect_head` is a head published earlier
    (e.g. in an audit pack): the chain must still hold that hash at that seq."""
    started = time.perf_counter()
    counts = {t.name: con.sql(f"SELECT count(*) FROM {t.name}").fetchall()[0][0] for t in tables}
    total = sum(counts.values())
    walker = ChainWalker(1, GENESIS)
    broken = _record_without_seq(con, tables)
    seqs = [] if broken else _all_seqs(con, tables)
    start = 0
    while broken is None and start < len(seqs):
        end = min(start + batch_size, len(seqs)) - 1
        window = _fetch_window(con, tables, seqs[start], seqs[end])
        broken = walker.feed(*window)
        if broken is not None and broken.reason is BreakReason.LINK_BROKEN:
            index = window[0].index(broken.seq)
            broken = _explain_link(con, tables, broken, window[3][index])
        elif broken is not None and broken.reason is BreakReason.MISSING_SEQ:
            after = next(s for s in window[0] if s > broken.seq)
            broken = _name_gap(con, tables, broken, after)
        start = end + 1
    head = ChainHead(walker.expected_seq - 1, walker.last_hash, walker.last_table)
    if broken is None and check_head:
        broken = _check_head(head, stored_head)
    if broken is None and expect_head is not None:
        broken = _check_anchor(con, tables, head, expect_head)
    return VerifyReport(
        ok=broken is None,
        records_checked=walker.checked,
        records_total=total,
        head=head,
        stored_head=stored_head,
        first_break=broken,
        table_counts=counts,
        seconds=time.perf_counter() - started,
    )


def _check_head(head: ChainHead, stored: ChainHead | None) -> ChainBreak | None:
    if stored is None:
        return ChainBreak(
            head.seq,
            "chain_head",
            None,
            BreakReason.HEAD_MISMATCH,
            "the chain_head table is missing or does not hold exactly one row",
        )
    if stored.seq > head.seq:
        return ChainBreak(
            head.seq + 1,
            stored.table,
            stored.record_id,
            BreakReason.MISSING_SEQ,
            f"the chain head is seq {stored.seq} ({stored.hash}) but the last record is seq "
            f"{head.seq}: records at the end were deleted",
        )
    if stored.seq != head.seq or stored.hash != head.hash:
        return ChainBreak(
            head.seq,
            head.table,
            None,
            BreakReason.HEAD_MISMATCH,
            f"the chain head says seq {stored.seq} ({stored.hash}) but the chain ends at seq "
            f"{head.seq} ({head.hash})",
        )
    return None


def _check_anchor(
    con: duckdb.DuckDBPyConnection,
    tables: Sequence[ChainedTable],
    head: ChainHead,
    expect: ChainHead | tuple[int, str],
) -> ChainBreak | None:
    seq, expected_hash = (expect.seq, expect.hash) if isinstance(expect, ChainHead) else expect
    if seq > head.seq:
        return ChainBreak(
            seq,
            None,
            None,
            BreakReason.ANCHOR_MISMATCH,
            f"the published head is seq {seq} but the chain ends at seq {head.seq}",
        )
    if seq == 0:
        found: tuple[str, str | None, str | None] | None = (GENESIS, None, None)
    else:
        query = _union(tables, "seq, hash, '{table}' AS table_name, {id} AS record_id")
        rows = con.sql(
            f"SELECT hash, table_name, record_id FROM ({query}) WHERE seq = {int(seq)}"
        ).fetchall()
        found = rows[0] if rows else None
    if found is None or found[0] != expected_hash:
        stored = found[0] if found else "nothing"
        return ChainBreak(
            seq,
            found[1] if found else None,
            found[2] if found else None,
            BreakReason.ANCHOR_MISMATCH,
            f"the published head hash is {expected_hash} but the chain holds {stored}",
        )
    return None
