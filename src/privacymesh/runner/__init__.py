"""The runner: plans checks over products, runs them fail-closed, records results."""

from privacymesh.runner.plan import Task, applies, plan_tasks
from privacymesh.runner.run import RunOutcome, as_of_from, run_checks, select_checks

__all__ = [
    "RunOutcome",
    "Task",
    "applies",
    "as_of_from",
    "plan_tasks",
    "run_checks",
    "select_checks",
]
