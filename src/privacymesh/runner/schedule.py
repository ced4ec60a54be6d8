"""Run each check on its own cron schedule (APScheduler), logging every run and surviving
failures: a run that raises is logged and the next one still fires."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger

from privacymesh.checks.catalog import load_check_catalog
from privacymesh.checks.spec import CheckSpec
from privacymesh.checks.spec import cron_trigger as trigger_of
from privacymesh.runner.run import run_checks
from privacymesh.verdict import Status
from privacymesh.workspace import Workspace

log = logging.getLogger("privacymesh.schedule")

Runner = Callable[[Workspace, list[str]], int]


def run_scheduled(workspace: Workspace, check_ids: list[str]) -> int:
    """One scheduled run of some checks; returns the run's exit code."""
    outcome = run_checks(workspace, check_ids)
    log.info(
        "run %s: %s -> %d pass, %d fail, %d error",
        outcome.run_id,
        ",".join(check_ids),
        outcome.count(Status.PASS),
        outcome.count(Status.FAIL),
        outcome.count(Status.ERROR),
    )
    return outcome.exit_code


def safe_job(workspace: Workspace, check_ids: list[str], runner: Runner) -> int | None:
    """Run a job; log and swallow any failure so the scheduler keeps going."""
    try:
        return runner(workspace, check_ids)
    except Exception:
        log.exception("scheduled run of %s failed; the schedule continues", ",".join(check_ids))
        return None


def cron_trigger(spec: CheckSpec) -> BaseTrigger:
    return trigger_of(spec.schedule)


def build_scheduler(
    workspace: Workspace,
    scheduler: BaseScheduler | None = None,
    runner: Runner = run_scheduled,
    trigger_for: Callable[[CheckSpec], BaseTrigger] = cron_trigger,
    checks: list[str] | None = None,
) -> BaseScheduler:
    """A scheduler with one job per cron expression (checks sharing a schedule run together,
    so the ledger gets one run for them)."""
    scheduler = scheduler or BlockingScheduler(timezone="UTC")
    found = load_check_catalog(workspace)
    specs, errors = found.specs, found.errors
    for error in errors:
        log.error("check file skipped: %s", error)
    groups: dict[str, list[CheckSpec]] = {}
    for spec in specs:
        if not checks or spec.id in checks:
            groups.setdefault(spec.schedule, []).append(spec)
    for schedule, group in sorted(groups.items()):
        ids = [s.id for s in group]
        scheduler.add_job(
            safe_job,
            trigger_for(group[0]),
            args=[workspace, ids, runner],
            id=f"checks@{schedule}",
            name=f"{', '.join(ids)} ({schedule})",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=3600,
        )
    return scheduler


def next_runs(scheduler: BaseScheduler, now: datetime) -> list[tuple[str, datetime]]:
    """Each job's name and its next fire time after `now`."""
    out = []
    for job in scheduler.get_jobs():
        fire = job.trigger.get_next_fire_time(None, now)
        out.append((job.name, fire))
    return sorted(out, key=lambda x: x[1])
