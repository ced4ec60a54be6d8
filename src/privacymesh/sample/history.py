"""Twelve weeks of evidence for the sample mesh, so every trend has points on a first run.

The products are written once, with event timestamps spread over the year before the pinned
reference time; the history is the whole check catalog run at weekly reference times (`as_of`)
ending at that pin. What changes from week to week is what the checks measure against the
reference time: DSARs fall due and are answered, consent withdrawals are applied, rows pass
their retention, quarters close. One engine serves every week, so the products are registered
once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from privacymesh.catalog import Catalog, load_catalog
from privacymesh.sample.timeline import AS_OF
from privacymesh.workspace import Workspace, as_of_from

if TYPE_CHECKING:
    from privacymesh.runner import RunOutcome

HISTORY_WEEKS = 12
"""How many weekly reference times the sample's history covers (the pinned one included)."""

WeekProgress = Callable[[int, int, datetime], None]


def weekly_reference_times(end: datetime = AS_OF, weeks: int = HISTORY_WEEKS) -> list[datetime]:
    """`weeks` reference times one week apart, oldest first, the last one `end`."""
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, got {weeks}")
    return [end - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def record_history(
    workspace: Workspace,
    reference_times: list[datetime] | None = None,
    *,
    catalog: Catalog | None = None,
    checks: list[str] | None = None,
    progress: WeekProgress | None = None,
) -> list[RunOutcome]:
    """Run the checks at each reference time (default: the twelve weeks ending at the
    workspace's pinned `[run] as_of`) and record every run in the ledger. Returns the run
    outcomes, oldest first."""
    from privacymesh.engine import open_engine
    from privacymesh.runner import run_checks

    times = reference_times or weekly_reference_times(as_of_from(workspace))
    catalog = catalog or load_catalog(workspace.catalog)
    outcomes: list[RunOutcome] = []
    with open_engine(workspace, catalog) as engine:
        for week, when in enumerate(times, start=1):
            if progress is not None:
                progress(week, len(times), when)
            outcomes.append(
                run_checks(workspace, checks, as_of=when, catalog=catalog, engine=engine)
            )
    return outcomes
