"""The runner: plans checks over products, runs them fail-closed, records results. Its names
are loaded when first used, so a worker process (`python -m privacymesh.runner.worker`) imports
only what its jobs need, not the whole run."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from privacymesh.runner.plan import Task, applies, plan_tasks
    from privacymesh.runner.run import RunOutcome, as_of_from, run_checks, select_checks

_HOMES = {
    "RunOutcome": "run",
    "Task": "plan",
    "applies": "plan",
    "as_of_from": "run",
    "plan_tasks": "plan",
    "run_checks": "run",
    "select_checks": "run",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"privacymesh.runner.{home}"), name)


__all__ = [
    "RunOutcome",
    "Task",
    "applies",
    "as_of_from",
    "plan_tasks",
    "run_checks",
    "select_checks",
]
