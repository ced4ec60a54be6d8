"""`retention apply` SIGKILLed at moments spread over its whole run never deletes a row
unrecorded: after each kill and a rerun, every row gone is counted by a completion that names a
committed deletion intent, nothing due is left, no intent stays open, and the ledger verifies.

Each trial kills at a random moment of its own slice of the apply (TRIALS equal slices from
just after start-up to the end), so every phase of the apply is hit on every run, by fewer
trials than uniform random moments would need for the same cover."""

from __future__ import annotations

import json
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from platform_support import write_workspace

from privacymesh.ledger import Ledger
from privacymesh.platform import apply_retention
from privacymesh.platform.audit import open_log
from privacymesh.workspace import Workspace

DRIVER = Path(__file__).with_name("retention_apply_driver.py")
TRIALS = 8
FIRST = datetime(2026, 5, 20)  # shipments start in May 2025; 365 days of retention
STEP = timedelta(days=9)


@pytest.fixture
def logistics_ws(pristine: Path, tmp_path: Path) -> Workspace:
    """A workspace of the logistics domain only (a fast catalog), over a private copy."""
    sample = tmp_path / "sample"
    for part in ("contracts/logistics", "products/logistics", "platform"):
        shutil.copytree(pristine / part, sample / part)
    return write_workspace(tmp_path / "ws", sample)


def _line(proc: subprocess.Popen[str], timeout: float = 60) -> str:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    assert ready, "the driver did not answer"
    return proc.stdout.readline().strip()


def _send(proc: subprocess.Popen[str], text: str) -> None:
    assert proc.stdin is not None
    proc.stdin.write(text + "\n")
    proc.stdin.flush()


def _ledger_state(ws: Workspace) -> tuple[list[dict], set[str], list[str]]:
    """Completions (with the intent they name), committed intent ids, and open intent ids."""
    with Ledger(ws.ledger_path, read_only=True) as ledger:
        assert ledger.verify().ok
        completions = ledger.sql(
            """
            SELECT u.run_id, u.options ->> '$.intent' AS intent, r.product_id,
                   CAST(r.measured AS VARCHAR) AS measured
            FROM runs u JOIN results r USING (run_id)
            WHERE r.check_id = 'platform.retention.apply'
            """
        ).to_dicts()
        intents = set(
            ledger.sql(
                "SELECT run_id FROM runs WHERE options ->> '$.operation' = 'retention.intent'"
            )["run_id"].to_list()
        )
    named = {c["intent"] for c in completions if c["intent"]}
    return completions, intents, sorted(intents - named)


def _assert_covered_by_intents(
    ws: Workspace, original: pl.DataFrame, data: Path, where: str
) -> None:
    """Right after a kill: every row gone is one a committed intent announced (its cutoff
    covers it, and the intents expected at least as many rows)."""
    gone = original.filter(
        ~pl.col("shipment_id").is_in(pl.read_parquet(data)["shipment_id"].to_list())
    )
    if not ws.ledger_path.exists():
        assert gone.height == 0, f"{where}: rows gone with no ledger"
        return
    with Ledger(ws.ledger_path, read_only=True) as ledger:
        assert ledger.verify().ok, where
        intents = [
            json.loads(m)
            for m in ledger.results(check="platform.retention.intent")["measured"].to_list()
        ]
    latest = max((datetime.fromisoformat(i["cutoff"]) for i in intents), default=None)
    assert gone.height <= sum(i["rows_expected"] for i in intents), where
    if gone.height:
        assert latest is not None and gone["shipped_at"].max() < latest, where


@pytest.mark.slow
def test_sigkill_during_apply_never_leaves_a_deletion_unrecorded(logistics_ws: Workspace) -> None:
    ws = logistics_ws
    seed = int(os.environ.get("RETENTION_CRASH_SEED", time.time_ns() % 100_000))
    rng = random.Random(seed)
    data = ws.sample / "products" / "logistics" / "shipments.parquet"
    original = pl.read_parquet(data)
    driver = subprocess.Popen(
        [sys.executable, str(DRIVER)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    outcomes: dict[str, int] = {}
    killed = 0
    started = time.monotonic()
    try:
        # its imports are not what this test measures: a busy machine may take minutes
        assert _line(driver, timeout=300) == "ready"
        # two applies left alone say how long an apply takes on this machine now
        duration = 0.0
        for early in (FIRST - 2 * STEP, FIRST - STEP):
            calibration = time.monotonic()
            _send(driver, f"{ws.root} {early.isoformat()}")
            _line(driver)
            _send(driver, "reap")
            assert _line(driver) == "exit 0"
            duration = max(duration, time.monotonic() - calibration)
        for trial in range(TRIALS):
            as_of = FIRST + trial * STEP
            _send(driver, f"{ws.root} {as_of.isoformat()}")
            pid = int(_line(driver).removeprefix("pid "))
            # in this trial's slice of the apply, past its first moments (reading the catalog)
            time.sleep((0.15 + (trial + rng.random()) * 0.85 / TRIALS) * duration)
            os.kill(pid, signal.SIGKILL)  # a zombie if it had finished: no harm
            _send(driver, "reap")
            status = int(_line(driver).removeprefix("exit "))
            killed += os.WIFSIGNALED(status)
            _assert_covered_by_intents(ws, original, data, f"kill {trial} (seed {seed})")

            rerun = apply_retention(ws, as_of=as_of, dry_run=False, actor="rerun")
            for resumed in rerun.resumed:
                for a in resumed.applied:
                    outcomes[a.outcome] = outcomes.get(a.outcome, 0) + 1

            now = pl.read_parquet(data)
            gone = original.filter(~pl.col("shipment_id").is_in(now["shipment_id"].to_list()))
            cutoff = as_of - timedelta(days=365)
            where = f"trial {trial} (seed {seed})"
            assert now.filter(pl.col("shipped_at") < cutoff).height == 0, where
            assert gone.filter(pl.col("shipped_at") >= cutoff).height == 0, where
            completions, intents, still_open = _ledger_state(ws)
            assert still_open == [], where
            deleted = 0
            for c in completions:
                rows = json.loads(c["measured"])["rows_deleted"]
                if rows:
                    assert c["intent"] in intents, f"{where}: deletion without an intent"
                deleted += rows
            assert deleted == gone.height, f"{where}: {deleted} recorded, {gone.height} gone"
    finally:
        if driver.stdin:
            driver.stdin.close()
        try:
            driver.wait(timeout=30)
        except subprocess.TimeoutExpired:  # never hide the failure that brought us here
            driver.kill()
            driver.wait()
    audited = open_log(ws).frame().filter(pl.col("action") == "retention.delete")
    assert audited["rows"].sum() >= original.height - now.height
    print(
        f"{killed} of {TRIALS} applies killed (an apply: {duration:.1f} s); reruns: "
        f"{outcomes}; {time.monotonic() - started:.1f} s (seed {seed})"
    )
    assert killed > 0, f"no apply was ever killed (seed {seed})"
