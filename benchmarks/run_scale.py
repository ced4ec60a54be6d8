"""The whole check catalog over the sample mesh at scale 1, 10 and 50: time and peak memory of
a recorded run, against the floor of one DuckDB scan of every product's columns.

    .venv/bin/python benchmarks/run_scale.py [--scales 1 10 50]

Scale 50 (1.2 GB of Parquet, about four minutes to generate the first time) shows where the
run's fixed cost stops mattering: the detector judges samples of a fixed size, so those
seconds do not grow with the data, and the ratio falls towards that of the SQL checks (and of
the detector's sparse pre-filter, one pass over every text value).

Wall times need an otherwise idle machine; CPU seconds (the run's, workers included, against
the floor's) are also given, since they hold when other work shares the cores.

The floor reads and hashes every value of every product and platform table column once
(`sum(hash(col))`; a bare `count(col)` is answered from Parquet metadata and reads nothing),
timed inside its process after DuckDB has its views. The run is `privacymesh run` as a user
starts it: the whole process, interpreter start and imports included. The SQL-only run is the
same command restricted to the checks that are SQL over whole tables (no detector), the part
of the run that grows with the data.

A second table times each part of the run alone (imports, reading the samples with the
detector's sparse pre-filter over every row, the detector, the SQL checks, contract conformance
among them)
and derives the least time any schedule of
those parts can take here: how far the run is from its own bound.

Samples are generated under benchmarks/data/ (git-ignored) when missing; each measurement runs
in a fresh process so peak memory (ru_maxrss) is its own."""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

from privacymesh.runner.pool import usable_cores

HERE = Path(__file__).parent
REPO = HERE.parent
RESULTS = HERE / "results" / "run_scale.md"

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from privacymesh.catalog import load_catalog, quote_ident
from privacymesh.engine import open_engine
from privacymesh.workspace import load_workspace
ws = load_workspace(Path(sys.argv[1]))
what = sys.argv[2]
t, cpu = time.perf_counter(), time.process_time()
if what == "floor":
    catalog = load_catalog(ws.catalog)
    with open_engine(ws, catalog) as engine:
        t, cpu = time.perf_counter(), time.process_time()
        for p in catalog.products.values():
            cols = ", ".join(f"sum(hash({quote_ident(f.name)}))" for f in p.fields)
            engine.arrow(f"SELECT {cols} FROM {p.view}")
        for t_ in engine.registration.platform:
            names = engine.arrow(f"SELECT * FROM platform.{quote_ident(t_)} LIMIT 0").column_names
            cols = ", ".join(f"sum(hash({quote_ident(n)}))" for n in names)
            engine.arrow(f"SELECT {cols} FROM platform.{quote_ident(t_)}")
seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
print(json.dumps({"seconds": seconds, "cpu": cpu,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

# The run's parts, one after the other in one fresh process, in the order the run meets them:
# CPU seconds of each (every thread of the process, DuckDB's and Polars' included).
PARTS = r"""
import json, sys, time
marks, last = {}, [time.process_time()]
def mark(name):
    now = time.process_time()
    marks[name] = now - last[0]
    last[0] = now
from privacymesh.runner.worker import BLOCKED
for name in BLOCKED:  # as in the run's worker processes, where the detector runs
    sys.modules.setdefault(name, None)
import privacymesh.cli  # noqa: F401 - what `privacymesh run` imports
from pathlib import Path
from privacymesh.catalog import load_catalog
from privacymesh.checks.measures import params_for
from privacymesh.checks.catalog import load_check_catalog
from privacymesh.engine import open_engine
from privacymesh.runner import run_checks
from privacymesh.runner.run import as_of_from
from privacymesh.workspace import load_workspace
ws = load_workspace(Path(sys.argv[1]))
catalog = load_catalog(ws.catalog)
engine = open_engine(ws, catalog)
# the sample the PII checks read
params = params_for(
    ws, next(s for s in load_check_catalog(ws).specs if s.id == "pii.undeclared")
)
rows, seed = int(params["sample_rows"]), int(params["seed"])
mark("start")
from privacymesh.detect import ScanOptions
from privacymesh.detect.product import (
    known_email_hashes, product_rows, product_sample, scan_sample,
)
products = list(catalog.products.values())
options = ScanOptions(sample_rows=rows, seed=seed, reference_date=as_of_from(ws).date())
totals = [product_rows(p, engine) for p in products]
known = known_email_hashes(engine)
# the sample and the sparse pre-filter's rows are read together, in one pass per product
frames, sparse = zip(*(product_sample(p, engine, options, t) for p, t in zip(products, totals)))
mark("samples")
from privacymesh.detect.product import warm_up
warm_up()
mark("detector_start")
for p, frame, total, rare in zip(products, frames, totals, sparse):
    scan_sample(p, frame, total, options, known, rare)
mark("detector")
checks = sys.argv[2].split(",")
run_checks(ws, checks, record=False, catalog=catalog, engine=engine, workers=1)
mark("sql")
print(json.dumps(marks))
"""

# CPU seconds of each check's tasks (every product's), in one fresh process without workers:
# where the SQL checks' time goes
PER_CHECK = r"""
import json, sys, time
from pathlib import Path
import privacymesh.runner.run as run
from privacymesh.catalog import load_catalog
from privacymesh.engine import open_engine
from privacymesh.workspace import load_workspace
spent = {}
task = run.run_task
def timed(t, ctx, domains=None):
    cpu = time.process_time()
    try:
        return task(t, ctx, domains)
    finally:
        key = f"{t.check.id} {t.product_id or '-'}"
        spent[key] = spent.get(key, 0.0) + time.process_time() - cpu
run.run_task = timed
ws = load_workspace(Path(sys.argv[1]))
catalog = load_catalog(ws.catalog)
engine = open_engine(ws, catalog)
run.run_checks(ws, sys.argv[2].split(","), record=False, catalog=catalog, engine=engine, workers=1)
print(json.dumps(spent))
"""


def workspace(scale: float) -> Path:
    root = HERE / "data" / f"run_scale_{scale:g}"
    sample = root / "sample"
    if not (sample / "sample.yaml").exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "privacymesh.cli",
                "sample",
                "--out",
                str(sample),
                "--scale",
                str(scale),
                "--seed",
                "42",
            ],
            check=True,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
        )
    (root / "privacymesh.toml").write_text(
        f'name = "run scale {scale:g}"\n[paths]\ncatalog = "sample/contracts"\n'
        f'platform = "sample/platform"\nchecks = "{REPO / "checks"}"\nevidence = "evidence"\n'
        '[run]\nas_of = "2026-11-01T00:00:00"\n'
    )
    return root


SQL_CHECKS = ["consent", "contract.conformance", "cost", "dsar", "retention", "rotation"]


def measure_run(root: Path, *options: str, cold: bool = True) -> dict[str, Any]:
    """`privacymesh run` as a user runs it (one fresh process); the peak of the summed memory
    of it and its worker processes, polled every 50 ms, and the CPU seconds they used. Cold:
    the workspace's scan cache is emptied first, so every product is scanned."""
    import psutil

    if cold:
        shutil.rmtree(root / "evidence" / "cache", ignore_errors=True)

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "privacymesh.cli", "-w", str(root), "run", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    watched = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            tree = [watched, *watched.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.05)
    stdout, stderr = proc.communicate()
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"run failed ({proc.returncode}): {stderr[-2000:]}")
    summary = next(line for line in stdout.splitlines() if " results: " in line)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # workers included: the run waits for them
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "seconds": seconds,
        "summary": summary.split(" (")[0],
        "peak_mb": peak / 2**20,
        "cpu": cpu,
    }


def measure(root: Path, what: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(root), what],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure_parts(root: Path) -> dict[str, float]:
    """CPU seconds of each part of the run (see PARTS), in one fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", PARTS, str(root), ",".join(SQL_CHECKS)],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure_checks(root: Path, checks: list[str]) -> dict[str, float]:
    """CPU seconds of each (check, product) task (see PER_CHECK), in one fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", PER_CHECK, str(root), ",".join(checks)],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def per_check_lines(scale: float, spent: dict[str, float], top: int = 12) -> list[str]:
    """Each check's CPU seconds summed over its products, then the costliest tasks."""
    checks: dict[str, float] = {}
    for key, cpu in spent.items():
        check = key.split(" ")[0]
        checks[check] = checks.get(check, 0.0) + cpu
    lines = [f"scale {scale:g}: {sum(spent.values()):.2f} CPU s in the checks' tasks", ""]
    lines += ["| check | CPU s |", "| --- | ---: |"]
    lines += [f"| `{c}` | {s:.2f} |" for c, s in sorted(checks.items(), key=lambda x: -x[1])]
    lines += ["", "| task (check, product) | CPU s |", "| --- | ---: |"]
    worst = sorted(spent.items(), key=lambda x: -x[1])[:top]
    lines += [f"| `{k}` | {s:.2f} |" for k, s in worst]
    return lines


# (key, heading) of each part PARTS times
PART_NAMES = (
    ("start", "imports, engine"),
    ("samples", "read samples and sparse pre-filter"),
    ("detector_start", "detector start"),
    ("detector", "detector scans"),
    ("sql", "SQL checks"),
)


def bound_lines(rows: list[tuple[Any, ...]], parts: list[dict[str, float]]) -> list[str]:
    """The parts table and the least time any run of them can take on this machine: their CPU
    seconds spread over every core, and never less than the process's start, one thread's
    work that nothing after it can begin without."""
    cores = usable_cores()
    lines = [
        "",
        "## What the run must do, part by part",
        "",
        "CPU seconds of each part in one fresh process, one part after the other "
        "(`PARTS` in this file; imports shared by two parts count once, so the sum is "
        f"less than the run's CPU). Lower bound: the sum spread over {cores} cores, or the "
        "start of the process when it is longer (one thread's work that must end before the "
        "parts after it begin).",
        "",
        "| scale | " + " | ".join(h for _, h in PART_NAMES) + " | sum | lower bound s "
        "| 3x floor s | lower bound / floor | run / floor |",
        "| --- |" + " ---: |" * (len(PART_NAMES) + 5),
    ]
    for (scale, floor, run, *_), part in zip(rows, parts, strict=True):
        total = sum(part[k] for k, _ in PART_NAMES)
        bound = max(total / cores, part["start"])
        lines.append(
            f"| {scale:g} | "
            + " | ".join(f"{part[k]:.2f}" for k, _ in PART_NAMES)
            + f" | {total:.2f} | {bound:.2f} | {3 * floor['seconds']:.2f} | "
            f"{bound / floor['seconds']:.1f}x | {run['seconds'] / floor['seconds']:.1f}x |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", nargs="+", type=float, default=[1.0, 10.0, 50.0])
    parser.add_argument(
        "--repeat", type=int, default=2, help="runs of each timing, the fastest kept (default 2)"
    )
    parser.add_argument(
        "--per-check",
        action="store_true",
        help="only the CPU seconds of each SQL check (and contract.quality) per product, in one "
        "process; printed, the results file is left as it is",
    )
    args = parser.parse_args()
    if args.per_check:
        for scale in args.scales:
            spent = measure_checks(workspace(scale), [*SQL_CHECKS, "contract.quality"])
            print("\n".join(per_check_lines(scale, spent)) + "\n")
        return
    load_start = os.getloadavg()[0]
    rows, parts = [], []
    for scale in args.scales:
        root = workspace(scale)
        repeat = range(max(1, args.repeat))
        floor = min((measure(root, "floor") for _ in repeat), key=lambda m: m["seconds"])
        run = min((measure_run(root) for _ in repeat), key=lambda m: m["seconds"])
        alone = measure_run(root, "--workers", "1", "--no-record")
        sql = min(
            (measure_run(root, "--no-record", *_checks(SQL_CHECKS)) for _ in repeat),
            key=lambda m: m["seconds"],
        )
        measure_run(root, "--no-record")  # fills the scan cache for the warm run
        warm = measure_run(root, "--no-record", cold=False)
        rows.append((scale, floor, run, alone, sql, warm))
        parts.append(min((measure_parts(root) for _ in repeat), key=lambda m: sum(m.values())))
    lines = [
        "# Full check run vs one DuckDB scan of every column",
        "",
        f"Machine: {os.cpu_count()} cores, load average {load_start:.1f} at the start and "
        f"{os.getloadavg()[0]:.1f} at the end; "
        f"`{' '.join(sys.argv)}`; {time.strftime('%Y-%m-%d')}.",
        "",
        f"run: `privacymesh run` (recorded, default workers; the fastest of {args.repeat}); "
        "every run "
        "is cold (the workspace's scan cache emptied before it) except warm: `--no-record` "
        "after a run that filled the cache (unchanged data: every scan is reused); 1 process: "
        "`--workers 1`; SQL only: "
        "`--check " + " --check ".join(SQL_CHECKS) + "`. Every run is the wall time of a fresh "
        "process, interpreter start and imports included. Floor: `sum(hash(col))` over every "
        "column of every product and platform table, inside an open DuckDB session. CPU: "
        "seconds of every thread of the run and its worker processes, against the floor's; "
        "unlike wall time, they hold when other work shares the machine.",
        "",
        "| scale | results | run s | run CPU s (cores busy) | run peak MB (all processes) "
        "| 1 process s | SQL only s | floor s | floor CPU s | run / floor | SQL only / floor "
        "| run CPU / floor CPU | warm run s | warm CPU s | warm / floor |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- "
        "| --- |",
    ]
    for scale, floor, run, alone, sql, warm in rows:
        lines.append(
            f"| {scale:g} | {run['summary']} | {run['seconds']:.1f} | "
            f"{run['cpu']:.1f} ({run['cpu'] / run['seconds']:.1f}) | {run['peak_mb']:.0f} | "
            f"{alone['seconds']:.1f} | {sql['seconds']:.1f} | {floor['seconds']:.2f} | "
            f"{floor['cpu']:.2f} | {run['seconds'] / floor['seconds']:.1f}x | "
            f"{sql['seconds'] / floor['seconds']:.1f}x | {run['cpu'] / floor['cpu']:.1f}x | "
            f"{warm['seconds']:.1f} | {warm['cpu']:.1f} | "
            f"{warm['seconds'] / floor['seconds']:.1f}x |"
        )
    lines += _growth(rows)
    lines += bound_lines(rows, parts)
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.write_text(text)


def _growth(rows: list[tuple[Any, ...]]) -> list[str]:
    """Between consecutive scales: how much the run grew per second the floor grew, the ratio
    of the part of the run that scales with the data (its fixed cost cancels out)."""
    out = []
    for (a, floor_a, run_a, *_), (b, floor_b, run_b, *_) in pairwise(rows):
        grown = floor_b["seconds"] - floor_a["seconds"]
        if grown <= 0:
            continue
        extra = run_b["seconds"] - run_a["seconds"]
        out.append(
            f"- scale {a:g} to {b:g}: the run grew {extra:.1f} s while the floor grew "
            f"{grown:.1f} s, {extra / grown:.1f}x; the rest, "
            f"{run_b['seconds'] - extra / grown * floor_b['seconds']:.1f} s, does not grow "
            "with the data."
        )
    return ["", *out] if out else []


def _checks(prefixes: list[str]) -> list[str]:
    return [arg for p in prefixes for arg in ("--check", p)]


if __name__ == "__main__":
    main()
