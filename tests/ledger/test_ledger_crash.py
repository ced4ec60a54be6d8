"""A writer SIGKILLed at random points never leaves a partial run, a broken chain or a file
that no longer opens, in a commit or in a compaction."""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from privacymesh.ledger import Ledger, LedgerError, durable

WRITER = Path(__file__).with_name("crash_writer.py")
KILLS = 20


def incomplete_runs(ledger: Ledger) -> list[dict]:
    return ledger.sql(
        """
        SELECT u.run_id, u.result_count, u.finding_count,
               (SELECT count(*) FROM results r WHERE r.run_id = u.run_id) AS results,
               (SELECT count(*) FROM findings f WHERE f.run_id = u.run_id) AS findings
        FROM runs u
        WHERE results <> u.result_count OR findings <> u.finding_count
        """
    ).to_dicts()


def wait_ready(proc: subprocess.Popen[str], timeout: float, line: str = "ready") -> bool:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    return bool(ready) and proc.stdout.readline().strip() == line


@pytest.mark.slow
def test_sigkill_at_random_points_leaves_only_complete_runs(ledger_path: Path) -> None:
    seed = int(os.environ.get("LEDGER_CRASH_SEED", time.time_ns() % 100_000))
    rng = random.Random(seed)
    ledger_path.parent.mkdir(parents=True)
    seen_runs = 0
    for kill in range(KILLS):
        proc = subprocess.Popen(
            [sys.executable, str(WRITER), str(ledger_path), str(rng.choice([20, 150, 600]))],
            stdout=subprocess.PIPE,
            text=True,
        )
        if kill == KILLS - 1 and seen_runs == 0:
            # on a slow machine every kill so far may have come before the first commit: the
            # last one comes after one, so committed runs are seen surviving a kill
            assert wait_ready(proc, 30), f"writer never got ready (seed {seed})"
            assert wait_ready(proc, 60, "committed"), f"writer never committed (seed {seed})"
            time.sleep(rng.uniform(0.0, 0.8))
        elif kill % 4 == 3:  # now and then, anywhere from start-up on
            time.sleep(rng.uniform(0.0, 0.8))
        else:
            assert wait_ready(proc, 30), f"writer never got ready (seed {seed})"
            time.sleep(rng.uniform(0.0, 0.8))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        try:
            with Ledger(ledger_path, read_only=True) as ledger:
                report = ledger.verify()
                assert report.ok, f"kill {kill} (seed {seed}): {report}"
                assert incomplete_runs(ledger) == [], f"kill {kill} (seed {seed})"
                runs = len(ledger.runs())
        except (LedgerError, duckdb.Error) as exc:  # a file DuckDB cannot read: which kill left it
            raise AssertionError(f"kill {kill} (seed {seed}): {exc}") from exc
        assert runs >= seen_runs, f"committed runs disappeared (seed {seed})"
        seen_runs = runs
    assert seen_runs > 0, f"no run ever committed (seed {seed})"
    print(f"{seen_runs} runs committed across {KILLS} kills (seed {seed})")


def test_sigkill_during_compactions_leaves_a_ledger_that_opens_and_verifies(
    ledger_path: Path,
) -> None:
    """A writer compacting after every run, killed at random moments (most land in a
    compaction: its copy, the copy's check, or the swap); each time the ledger opens, undoing
    or finishing a swap if need be, verifies, and keeps every run it had."""
    seed = int(os.environ.get("LEDGER_CRASH_SEED", time.time_ns() % 100_000))
    rng = random.Random(seed)
    ledger_path.parent.mkdir(parents=True)
    seen_runs, mid_compaction = 0, 0
    for kill in range(6):
        proc = subprocess.Popen(
            [sys.executable, str(WRITER), str(ledger_path), "20", "1"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert wait_ready(proc, 30), f"writer never got ready (seed {seed})"
        assert wait_ready(proc, 60, "committed"), f"writer never committed (seed {seed})"
        time.sleep(rng.uniform(0.0, 0.5))  # a compaction starts with each commit
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if durable.copy_path(ledger_path).exists() or durable.interrupted(ledger_path):
            mid_compaction += 1
        try:
            with Ledger(ledger_path, read_only=True) as ledger:
                report = ledger.verify()
                assert report.ok, f"kill {kill} (seed {seed}): {report}"
                assert incomplete_runs(ledger) == [], f"kill {kill} (seed {seed})"
                runs = len(ledger.runs())
        except (LedgerError, duckdb.Error) as exc:
            raise AssertionError(f"kill {kill} (seed {seed}): {exc}") from exc
        assert not durable.interrupted(ledger_path), "the open left the swap unfinished"
        assert runs >= seen_runs, f"committed runs disappeared (seed {seed})"
        seen_runs = runs
    assert seen_runs > 0, f"no run ever committed (seed {seed})"
    assert mid_compaction > 0, f"no kill landed in a compaction (seed {seed})"
    print(f"{seen_runs} runs, {mid_compaction} of 6 kills mid-compaction (seed {seed})")
