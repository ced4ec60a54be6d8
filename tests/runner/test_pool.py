"""The worker pool: real worker processes, shared values, failures, stealing, dying workers."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import worker_jobs

from privacymesh.checks.measures import WorkGroup
from privacymesh.checks.measures.jobs import InProcess
from privacymesh.runner.pool import (
    WorkerError,
    WorkerPool,
    _assign,
    auto_workers,
)

HERE = Path(__file__).parent


@pytest.fixture(autouse=True)
def _importable_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    # the workers import worker_jobs by module name, as this process does
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]))


def test_one_worker_runs_jobs_here_when_asked() -> None:
    pool = WorkerPool(1)
    pool.share("offset", 5)
    job = pool.submit(worker_jobs.square_plus, 3)
    pool.start()
    assert job.result() == (14, os.getpid())
    assert job.result() == (14, os.getpid())  # once, then kept
    pool.close()


def test_workers_compute_in_other_processes_with_shared_values() -> None:
    pool = WorkerPool(2)
    pool.share("offset", 100)
    jobs = [pool.submit(worker_jobs.square_plus, x, group="g") for x in range(12)]
    pool.start()
    try:
        values = [j.result() for j in jobs]
    finally:
        pool.close()
    assert [v for v, _ in values] == [x * x + 100 for x in range(12)]
    # one group gets both workers; the waiter (not stealable jobs) computed none
    assert os.getpid() not in {pid for _, pid in values}


def test_a_failing_job_raises_its_own_error_and_the_rest_go_on() -> None:
    pool = WorkerPool(2)
    bad = pool.submit(worker_jobs.fail, "no such column", group="g")
    good = pool.submit(worker_jobs.square_plus, 4, group="g")
    pool.start()
    try:
        with pytest.raises(ValueError, match="no such column"):
            bad.result()
        assert good.result()[0] == 16
    finally:
        pool.close()


def test_a_dead_worker_fails_its_job_and_its_groups_waiting_jobs() -> None:
    pool = WorkerPool(2)
    dead = pool.submit(worker_jobs.die, 7, group="doomed")
    after = [pool.submit(worker_jobs.square_plus, 2, group="doomed") for _ in range(3)]
    other = pool.submit(worker_jobs.square_plus, 3, group="fine")
    pool.start()
    try:
        with pytest.raises(WorkerError, match="exit code 7"):
            dead.result()
        for job in after:
            with pytest.raises(WorkerError):
                job.result()
        assert other.result()[0] == 9
    finally:
        pool.close()


def test_a_waiter_runs_stealable_jobs_nobody_took() -> None:
    pool = WorkerPool(2)
    # never started: nothing leaves this process, every stealable job runs here
    jobs = [pool.submit(worker_jobs.square_plus, x, stealable=True) for x in range(3)]
    assert [j.result() for j in jobs] == [(x * x, os.getpid()) for x in range(3)]
    pool.close()


def test_groups_get_their_own_workers() -> None:
    assert _assign(2, {"gx": 27, "detector": 27}) in (
        [["gx"], ["detector"]],
        [["detector"], ["gx"]],
    )
    assert sorted(map(tuple, _assign(3, {"gx": 5, "detector": 50}))) == [
        ("detector",),
        ("detector",),
        ("gx",),
    ]
    assert _assign(1, {"gx": 5, "detector": 50}) == [["detector", "gx"]]
    assert auto_workers(3) == 1


def test_a_script_without_main_guard_is_not_started_again(tmp_path: Path) -> None:
    script = tmp_path / "unguarded.py"
    script.write_text(
        textwrap.dedent(
            """
            import worker_jobs
            from privacymesh.runner.pool import WorkerPool
            print("script body ran")
            pool = WorkerPool(2)
            job = pool.submit(worker_jobs.square_plus, 6)
            pool.start()
            print("result", job.result()[0])
            pool.close()
            """
        )
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.splitlines() == ["script body ran", "result 36"]


def test_launched_workers_warm_up_before_their_first_job() -> None:
    pool = WorkerPool(2)
    pool.launch({WorkGroup("warm", warm="worker_jobs:warm"): 2, WorkGroup("cold"): 1})
    pool.share("offset", 1)  # still possible: launched workers get shared values at start()
    warm = pool.submit(worker_jobs.was_warmed, group="warm")
    cold = pool.submit(worker_jobs.was_warmed, group="cold")
    shared = pool.submit(worker_jobs.square_plus, 2, group="warm")
    pool.start()
    try:
        assert warm.result() is True
        assert cold.result() is False
        assert shared.result()[0] == 5
    finally:
        pool.close()
    assert worker_jobs.WARMED["done"] is False  # never here


def test_a_waiter_leaves_a_job_to_its_groups_worker_however_early_it_asks() -> None:
    # the worker reads its shared values only after its warm-up, and a megabyte does not fit
    # in the pipe: its feeding thread is still sending them when the job's result is asked
    pool = WorkerPool(2)
    pool.share("padding", bytes(1 << 20))
    job = pool.submit(worker_jobs.square_plus, 3, group="slow")
    pool.launch({WorkGroup("slow", warm="worker_jobs:slow_warm"): 1})
    pool.start()
    try:
        value, pid = job.result()
    finally:
        pool.close()
    assert value == 9
    assert pid != os.getpid()  # a GX job run here would import GX in this process too


def test_a_value_shared_with_one_group_reaches_only_its_workers() -> None:
    pool = WorkerPool(2)
    pool.share("offset", 3)
    pool.share("big", list(range(1000)), group="a")
    in_a = pool.submit(worker_jobs.shared_names, group="a")
    in_b = pool.submit(worker_jobs.shared_names, group="b")
    pool.start()
    try:
        assert in_a.result() == ["big", "offset"]
        assert in_b.result() == ["offset"]
    finally:
        pool.close()
    # jobs run here (one worker) see every value
    alone = WorkerPool(1)
    alone.share("big", [1], group="a")
    assert alone.submit(worker_jobs.shared_names, group="b").result() == ["big"]


def test_without_a_runner_jobs_run_here_once_when_asked() -> None:
    here = InProcess()
    here.share("offset", 7)
    job = here.submit(worker_jobs.square_plus, 2)
    bad = here.submit(worker_jobs.fail, "no such column")
    assert job.result() == (11, os.getpid())
    assert job.result() == (11, os.getpid())
    with pytest.raises(ValueError, match="no such column"):
        bad.result()
    with pytest.raises(ValueError, match="no such column"):  # the same failure, not a rerun
        bad.result()


def test_shared_values_are_pickled_once_for_every_worker_of_the_same_groups() -> None:
    worker_jobs.Pickled.times = 0
    pool = WorkerPool(2)
    pool.share("big", worker_jobs.Pickled(41))
    jobs = [pool.submit(worker_jobs.shared_payload, "big") for _ in range(8)]
    pool.start()
    try:
        results = [job.result() for job in jobs]
    finally:
        pool.close()
    assert {payload for payload, _ in results} == {41}
    assert os.getpid() not in {pid for _, pid in results}
    # each of the two workers was sent the value (before asking for a job), from one pickle
    assert worker_jobs.Pickled.times == 1
