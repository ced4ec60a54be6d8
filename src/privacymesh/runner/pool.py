"""The run's worker processes for the CPU-bound halves of built-in measures (the PII detector),
so a run keeps every core busy while this process runs the SQL checks. Measures see it through
`privacymesh.checks.measures.Workers`; the runner owns it.

A measure submits a job (a module-level function and picklable arguments); the job runs in a
worker process, or, with one worker, in this process when its result is first asked for. Values
every job needs (the identity map's hashes) are `share`d once and sent to each worker when it
starts, not with every job.

Workers are plain `python -m privacymesh.runner.worker` processes fed pickled jobs over
a pipe: unlike multiprocessing's spawn (and `concurrent.futures.ProcessPoolExecutor` over it)
they never re-import the caller's script (a script without a `__main__` guard would start
itself again), a worker skips the interpreter's teardown when the run ends, and the waiting
run may take a queued job itself; unlike fork they do not inherit DuckDB's threads. A worker
whose parent dies reads end-of-file and exits."""

from __future__ import annotations

import os
import pickle
import struct
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from privacymesh.checks.measures import WorkGroup

Shared = dict[str, Any]
JobFn = Callable[..., Any]
_HEADER = struct.Struct("!Q")


class WorkerError(RuntimeError):
    """A worker process died or could not be started."""


def send(stream: IO[bytes], message: object) -> None:
    """One length-prefixed pickle."""
    send_pickled(stream, pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


def send_pickled(stream: IO[bytes], data: bytes) -> None:
    """A message pickled already (one pickle sent to several workers)."""
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def receive(stream: IO[bytes]) -> Any:
    """The next message, or raise EOFError when the other side has gone."""
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError
    (size,) = _HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


class Job:
    """A submitted piece of work. `result()` waits for it. A waiter runs its job itself when
    it is not taken yet and may run here (see `WorkerPool.runs_here`); while its job runs
    elsewhere it runs other `stealable` jobs."""

    def __init__(
        self, pool: WorkerPool, fn: JobFn, args: tuple[Any, ...], group: str, stealable: bool
    ) -> None:
        self.pool, self.fn, self.args = pool, fn, args
        self.group, self.stealable = group, stealable
        self._claimed = False
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._value: Any = None
        self._error: BaseException | None = None

    def claim(self) -> bool:
        """Take the job to run it; False when someone already has."""
        with self._lock:
            if self._claimed:
                return False
            self._claimed = True
            return True

    def finish(self, value: Any = None, error: BaseException | None = None) -> None:
        self._value, self._error, self.args = value, error, ()
        self._done.set()

    def run_here(self) -> None:
        try:
            value = self.fn(self.pool.shared, *self.args)
        except Exception as exc:  # kept so every caller sees the same failure
            self.finish(error=exc)
        else:
            self.finish(value)

    def result(self) -> Any:
        if self.pool.runs_here(self) and self.claim():
            self.run_here()
        while not self._done.is_set():
            other = self.pool.steal()
            if other is None:
                self._done.wait()
            else:
                other.run_here()
        if self._error is not None:
            raise self._error
        return self._value


class _Worker(threading.Thread):
    """One worker process and the thread that feeds it jobs of its groups."""

    def __init__(self, pool: WorkerPool, groups: list[str], warm: list[str]) -> None:
        super().__init__(daemon=True, name="privacymesh-worker")
        self.pool, self.groups = pool, groups
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        package_root = str(Path(__file__).resolve().parents[3])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (package_root, env.get("PYTHONPATH", "")) if p
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "privacymesh.runner.worker", *warm],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env=env,
        )

    def run(self) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            send_pickled(self.process.stdin, self.pool.init_message(self.groups))
        except OSError:
            self.pool.worker_gone(self, None)
            return
        while True:
            job = self.pool.next_job(self.groups)
            if job is None:
                return
            try:
                send(self.process.stdin, ("job", job.fn, job.args))
                ok, value = receive(self.process.stdout)
            except Exception:  # a dead pipe or a garbled reply: this worker is done
                self.pool.worker_gone(self, job)
                return
            job.finish(value) if ok else job.finish(error=value)

    def crash_reason(self) -> str:
        try:
            code: int | None = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # alive but not answering: stop it
            self.process.kill()
            code = self.process.wait()
        self.log.seek(0)
        tail = self.log.read()[-600:].decode("utf-8", "replace").strip().splitlines()
        last = tail[-1] if tail else "no output"
        return f"worker process died (exit code {code}): {last}"

    def stop(self) -> None:
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


class WorkerPool:
    """`workers` processes (1: every job runs in this process, when its result is asked for).
    Jobs carry a group (work that shares imports: the detector); `start()` gives each group
    its own workers so each process pays one group's start-up, and passes the shared values."""

    def __init__(self, workers: int = 1) -> None:
        self.workers = max(1, int(workers))
        self.shared: Shared = {}
        self._shared_for: dict[str, str | None] = {}  # value name -> the one group it is for
        self._queues: dict[str, list[Job]] = {}
        self._threads: list[_Worker] = []
        self._alive = 0
        self._cond = threading.Condition()
        self._started = False
        self._closing = False
        self._launched: list[_Worker] = []
        self._pickling = threading.Lock()
        self._init_messages: dict[tuple[str, ...], bytes] = {}

    @property
    def parallel(self) -> bool:
        return self.workers > 1

    @property
    def started(self) -> bool:
        return self._started

    def share(self, name: str, value: Any, group: str | None = None) -> None:
        """A value every job may read (`shared[name]`); with `group`, only that group's
        workers receive it (a large value is then not copied to workers that never read
        it). Jobs run in this process see every value."""
        if self._started:
            raise RuntimeError("values are shared before the workers start")
        self.shared[name] = value
        self._shared_for[name] = group

    def shared_with(self, groups: list[str]) -> Shared:
        """The shared values a worker of these groups receives."""
        return {k: v for k, v in self.shared.items() if self._shared_for[k] in (None, *groups)}

    def init_message(self, groups: list[str]) -> bytes:
        """The pickled first message of a worker of these groups (its shared values): pickled
        once for every worker of the same groups, as the shared values can be large."""
        key = tuple(groups)
        with self._pickling:
            if key not in self._init_messages:
                self._init_messages[key] = pickle.dumps(
                    ("init", self.shared_with(groups)), protocol=pickle.HIGHEST_PROTOCOL
                )
            return self._init_messages[key]

    def submit(self, fn: JobFn, *args: Any, group: str = "default", stealable: bool = False) -> Job:
        """Queue `fn(shared, *args)` (`fn` a module-level function). `stealable` jobs may also
        run in this process while it waits for others (cheap to start here)."""
        job = Job(self, fn, args, group, stealable)
        if self.parallel:
            with self._cond:
                self._queues.setdefault(group, []).append(job)
                self._cond.notify_all()
        return job

    def launch(self, jobs: dict[WorkGroup, int]) -> None:
        """Start the worker processes now, for the jobs the run expects per group, so their
        imports overlap this process's own work (reading samples); they take jobs after
        `start()`. No-op with one worker or no jobs."""
        if not self.parallel or self._launched or self._started or not jobs:
            return
        by_name = {g.name: g for g in jobs}
        for groups in _assign(self.workers, {g.name: n for g, n in jobs.items()}):
            warm = [w for w in (by_name[g].warm for g in groups) if w]
            self._launched.append(_Worker(self, groups, warm))

    def start(self) -> None:
        """Hand the shared values and the queued jobs to the workers, launching them first if
        `launch` did not (no-op with one worker)."""
        if not self.parallel or self._started:
            return
        if not self._launched:
            if not self._queues:
                return
            for groups in _assign(self.workers, {g: len(q) for g, q in self._queues.items()}):
                self._launched.append(_Worker(self, groups, []))
        self._started = True
        for worker in self._launched:
            self._threads.append(worker)
            self._alive += 1
            worker.start()
        self._launched = []

    def next_job(self, groups: list[str]) -> Job | None:
        """The next unclaimed job of these groups, waiting for one; None when closing."""
        with self._cond:
            while True:
                for group in groups:
                    queue_ = self._queues.get(group, [])
                    while queue_:
                        job = queue_.pop(0)
                        if job.claim():
                            return job
                if self._closing:
                    return None
                self._cond.wait()

    def runs_here(self, job: Job) -> bool:
        """Whether a waiter may run `job` in this process: with one worker, when it is
        stealable, or when no live worker takes its group. Otherwise it waits for the job's
        worker: a job run here would pay its group's start-up a second time, in this process."""
        if not self.parallel or job.stealable:
            return True
        with self._cond:
            return not any(t.is_alive() and job.group in t.groups for t in self._threads)

    def steal(self) -> Job | None:
        """An unclaimed stealable job from the back of its queue, claimed for the caller."""
        with self._cond:
            for queue_ in self._queues.values():
                for i in range(len(queue_) - 1, -1, -1):
                    job = queue_[i]
                    if job.stealable and job.claim():
                        del queue_[i]
                        return job
        return None

    def worker_gone(self, worker: _Worker, current: Job | None) -> None:
        """A worker died: its job fails with the reason; when no worker is left for a group,
        its waiting jobs fail too."""
        error = WorkerError(worker.crash_reason())
        if current is not None:
            current.finish(error=error)
        with self._cond:
            self._alive -= 1
            orphaned = set(worker.groups) - {
                g for t in self._threads if t is not worker and t.is_alive() for g in t.groups
            }
            for group in orphaned:
                for job in self._queues.pop(group, []):
                    if job.claim():
                        job.finish(error=error)

    def close(self) -> None:
        """Stop the workers; jobs nobody took are dropped."""
        for worker in self._launched:  # launched, never started
            worker.stop()
        self._launched = []
        if not self._started:
            self._queues.clear()
            return
        with self._cond:
            self._closing = True
            self._queues.clear()
            self._cond.notify_all()
        for worker in self._threads:
            worker.join(timeout=60)
            worker.stop()
        self._threads.clear()
        self._init_messages.clear()
        self._started = self._closing = False


def _assign(workers: int, jobs: dict[str, int]) -> list[list[str]]:
    """Groups per worker: every group gets a worker of its own while there are enough (the
    extra ones go to the groups with most jobs); with fewer workers, groups share."""
    groups = sorted(jobs, key=lambda g: -jobs[g])
    if workers <= len(groups):
        return [groups[i::workers] for i in range(workers)]
    slots = {g: 1 for g in groups}
    for _ in range(workers - len(groups)):
        busiest = max(groups, key=lambda g: jobs[g] / slots[g])
        slots[busiest] += 1
    return [[g] for g in groups for _ in range(slots[g])]


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS has one)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return cores or 1


def auto_workers(jobs: int, minimum_jobs: int = 8) -> int:
    """Worker processes for a run with `jobs` heavy jobs: one per core (at most 4) when there
    are enough jobs to repay starting them, else 1 (in this process)."""
    return min(4, usable_cores()) if jobs >= minimum_jobs else 1
