"""What the newest run of a scope recorded beside its results: the product records (owners,
purposes, categories, retention), the accountable parties and each contract's GX suite. The
packs quote these, so a pack says what was true when the data were checked."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from privacymesh.ledger import Ledger
from privacymesh.ledger.records import RECORDED_OPTION
from privacymesh.views.scope import Scope


@dataclass(frozen=True)
class RecordedContext:
    """One run's recorded context; empty parts when the run recorded none."""

    run_id: str
    products: list[dict[str, Any]] = field(default_factory=list)
    accountability: dict[str, Any] | None = None
    gx_suites: dict[str, Any] = field(default_factory=dict)


def recorded_context(ledger: Ledger, scope: Scope) -> RecordedContext | None:
    """The context of the newest run before the scope's end (by reference time, then recording
    order) that recorded one; None when no run did (a ledger older than the recording)."""
    query = f"""
        WITH {scope.state_tables()}
        SELECT run_id, CAST(json_extract(options, '$.{RECORDED_OPTION}') AS VARCHAR) AS context
        FROM runs
        WHERE json_extract(options, '$.{RECORDED_OPTION}') IS NOT NULL
        ORDER BY run_at DESC, seq DESC
        LIMIT 1
    """
    rows = ledger.sql(query, scope.params(query))
    if rows.height == 0:
        return None
    run_id, text = rows.row(0)
    context = json.loads(text)
    return RecordedContext(
        run_id=run_id,
        products=list(context.get("products") or []),
        accountability=context.get("accountability"),
        gx_suites=dict(context.get("gx_suites") or {}),
    )
