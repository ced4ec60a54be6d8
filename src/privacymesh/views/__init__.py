"""Read-only views over the evidence ledger (and the catalog) for the dashboard and notebooks.

Each function takes an open `Ledger` (read-only is enough) and a `Scope` (a period of runs and
a set of domains) and answers one question with one DuckDB query, returning a small Polars
frame: aggregates, never whole tables. Nothing here recomputes a check; every number comes from
a recorded result, so it traces to a run, a check, a product and the query that measured it.

    from privacymesh.ledger import Ledger
    from privacymesh.views import Scope, posture

    with Ledger(ws.ledger_path, read_only=True) as ledger:
        posture.posture_by_domain(ledger, Scope.for_dates(date(2026, 10, 1), date(2026, 10, 31)))

Modules: `posture` (score, trend, open findings, top risks), `checks` (any check family by id
prefix: consent., dsar., rotation., cost., ...), `pii`, `retention`, `evidence` (runs, results,
chain verification), `findings` (every finding's lifecycle with its owner and due date: the one
home of the finding lifecycle), `failures` (the failing and unrunnable results of a run),
`snapshot` (consistent copies of the live ledger for long-lived readers).
"""

from privacymesh.views import checks, evidence, failures, findings, pii, posture, retention
from privacymesh.views.scope import Scope
from privacymesh.views.snapshot import Snapshot, SnapshotStore, ledger_stamp

__all__ = [
    "Scope",
    "Snapshot",
    "SnapshotStore",
    "checks",
    "evidence",
    "failures",
    "findings",
    "ledger_stamp",
    "pii",
    "posture",
    "retention",
]
