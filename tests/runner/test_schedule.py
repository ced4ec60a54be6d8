from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from privacymesh.checks.catalog import load_check_catalog
from privacymesh.runner.schedule import build_scheduler, next_runs, run_scheduled
from privacymesh.workspace import Workspace, load_workspace


def test_one_job_per_cron_expression(shop_workspace: Path) -> None:
    ws = load_workspace(shop_workspace)
    scheduler = build_scheduler(ws, scheduler=BackgroundScheduler(timezone="UTC"))
    runs = dict(next_runs(scheduler, datetime(2026, 11, 25, 3, 10)))
    specs = load_check_catalog(ws).specs
    assert len(runs) == len({s.schedule for s in specs})  # one job per cron expression
    hourly = next(name for name in runs if name.endswith("(0 * * * *)"))
    assert "contract.gate" in hourly
    assert runs[hourly].hour == 4 and runs[hourly].minute == 0
    fire = runs["contract.conformance (30 2 * * *)"]
    assert (fire.day, fire.hour, fire.minute) == (26, 2, 30)


def test_the_workspace_schedule_and_disable_are_followed(shop_workspace: Path) -> None:
    toml = shop_workspace / "privacymesh.toml"
    toml.write_text(
        toml.read_text() + '[checks]\ndisable = ["contract.quality"]\n'
        '[checks."contract.conformance"]\nschedule = "45 5 1 * *"\n'
    )
    ws = load_workspace(shop_workspace)
    scheduler = build_scheduler(ws, scheduler=BackgroundScheduler(timezone="UTC"))
    runs = dict(next_runs(scheduler, datetime(2026, 11, 25, 3, 10)))
    fire = runs["contract.conformance (45 5 1 * *)"]
    assert (fire.month, fire.day, fire.hour, fire.minute) == (12, 1, 5, 45)
    assert not any("contract.quality" in name for name in runs)


def test_a_failing_run_is_logged_and_the_schedule_goes_on(shop_workspace: Path, caplog) -> None:
    ws = load_workspace(shop_workspace)
    calls: list[list[str]] = []

    def flaky(workspace: Workspace, ids: list[str]) -> int:
        calls.append(ids)
        if len(calls) == 1:
            raise RuntimeError("disk full")
        return run_scheduled(workspace, ids)

    scheduler = build_scheduler(
        ws,
        scheduler=BackgroundScheduler(timezone="UTC"),
        runner=flaky,
        trigger_for=lambda spec: IntervalTrigger(seconds=0.3),
        checks=["contract.gate"],
    )
    scheduler.start()
    try:
        deadline = time.monotonic() + 15
        while len(calls) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        scheduler.shutdown(wait=True)
    assert len(calls) >= 3
    assert "disk full" in caplog.text and "the schedule continues" in caplog.text
    from privacymesh.ledger import Ledger

    with Ledger(ws.ledger_path, read_only=True) as ledger:
        assert len(ledger.runs()) >= 2
        assert set(ledger.results()["check_id"].to_list()) == {"contract.gate"}


@pytest.mark.parametrize(
    ("expression", "fires"),
    [
        ("0 2 * * 1", "Mon 2026-11-30"),
        ("0 2 * * 0", "Sun 2026-11-29"),
        ("0 2 * * 7", "Sun 2026-11-29"),
        ("0 2 * * 5-7", "Fri 2026-11-27"),
        ("0 2 * * sat", "Sat 2026-11-28"),
        ("0 2 * * 1-5", "Wed 2026-11-25"),
    ],
)
def test_days_of_the_week_count_from_sunday_as_cron_does(expression: str, fires: str) -> None:
    from datetime import UTC, datetime

    from privacymesh.checks.spec import cron_trigger

    after = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)  # a Wednesday
    assert cron_trigger(expression).get_next_fire_time(None, after).strftime("%a %F") == fires
