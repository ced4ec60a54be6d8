"""`Ledger.sql` reads; it never writes, checkpoints or runs a second statement."""

from __future__ import annotations

from pathlib import Path

import pytest
from ledger_support import record_run

from privacymesh.ledger import Ledger, LedgerError


@pytest.mark.parametrize(
    "query",
    [
        "CHECKPOINT",
        "UPDATE results SET status = 'pass'",
        "DELETE FROM results",
        "SELECT 1; DELETE FROM results",
        "SET checkpoint_threshold = '1KB'",
        "ATTACH 'other.duckdb' AS other",
        "",
    ],
)
def test_only_one_select_runs(ledger_path: Path, query: str) -> None:
    with Ledger(ledger_path) as ledger:
        record_run(ledger, 0, results=3)
        before = ledger.sql("SELECT count(*) AS n, min(status) AS s FROM results").row(0)
        with pytest.raises(LedgerError, match="one SELECT"):
            ledger.sql(query)
        assert ledger.sql("SELECT count(*) AS n, min(status) AS s FROM results").row(0) == before
        assert ledger.verify().ok


def test_a_select_with_parameters_reads(ledger_path: Path) -> None:
    with Ledger(ledger_path) as ledger:
        record_run(ledger, 0, results=3)
        frame = ledger.sql(
            "WITH r AS (SELECT * FROM results) SELECT count(*) AS n FROM r WHERE check_id <> $x",
            {"x": "none"},
        )
        assert frame["n"].to_list() == [3]


def test_a_malformed_query_is_a_ledger_error(ledger_path: Path) -> None:
    with Ledger(ledger_path) as ledger, pytest.raises(LedgerError, match="not a valid query"):
        ledger.sql("SELEC nothing")
