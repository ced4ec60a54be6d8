"""Benchmark how fast the command line answers: `privacymesh --help` and one command group's
`--help`, beside `python -c pass` (the interpreter's own start, the floor).

Each command runs REPEAT times as a child process; the table gives the median wall time, the
median CPU time (user + system, from the children's resource usage) and both as a ratio to the
floor. Wall time depends on what else the machine is doing; CPU time much less so.

Prints a table and writes it to benchmarks/results/cli_start.md.

    .venv/bin/python benchmarks/cli_start.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
REPO = HERE.parent
RESULTS_FILE = HERE / "results" / "cli_start.md"
CASES: dict[str, list[str]] = {
    "python -c pass (floor)": ["-c", "pass"],
    "privacymesh --help": ["-m", "privacymesh", "--help"],
    "privacymesh checks --help": ["-m", "privacymesh", "checks", "--help"],
    "privacymesh scan --help": ["-m", "privacymesh", "scan", "--help"],
    "privacymesh run --help": ["-m", "privacymesh", "run", "--help"],
}


@dataclass(frozen=True)
class Timing:
    case: str
    wall_s: float
    cpu_s: float


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(case: str, args: list[str], repeat: int) -> Timing:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    walls, cpus = [], []
    for _ in range(repeat):
        cpu0, wall0 = children_cpu(), time.perf_counter()
        subprocess.run([sys.executable, *args], env=env, capture_output=True, check=True)
        walls.append(time.perf_counter() - wall0)
        cpus.append(children_cpu() - cpu0)
    return Timing(case, statistics.median(walls), statistics.median(cpus))


def table(timings: list[Timing]) -> str:
    floor = timings[0]
    lines = [
        "| command | wall (median) | CPU (median) | wall / floor | CPU / floor |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for t in timings:
        lines.append(
            f"| `{t.case}` | {t.wall_s * 1000:.0f} ms | {t.cpu_s * 1000:.0f} ms | "
            f"{t.wall_s / floor.wall_s:.1f}x | {t.cpu_s / max(floor.cpu_s, 1e-3):.1f}x |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    for argv in CASES.values():  # warm the file cache and the bytecode
        subprocess.run(
            [sys.executable, *argv],
            env={**os.environ, "PYTHONPATH": str(REPO / "src")},
            capture_output=True,
            check=True,
        )
    timings = [measure(case, argv, args.repeat) for case, argv in CASES.items()]
    load = os.getloadavg()[0]
    text = (
        "# CLI start-up\n\n"
        f"`benchmarks/cli_start.py --repeat {args.repeat}`: Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average {load:.2f} at the start.\n\n"
        f"{table(timings)}\n\n"
        "Target: `privacymesh --help` under 0.3 s wall on an idle machine. The root listing "
        "imports Typer and Click only; a group's `--help` also imports Rich and its module.\n"
    )
    print(text)
    RESULTS_FILE.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
