"""The whole check catalog over the sample mesh at scale 1 and 10: time and peak memory of a
recorded run, against the floor of one DuckDB scan of every product's columns.

    .venv/bin/python benchmarks/run_scale.py [--scales 1 10]

Samples are generated under benchmarks/data/ (git-ignored) when missing; each measurement runs
in a fresh process so peak memory (ru_maxrss) is its own."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

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
t = time.perf_counter()
if what == "floor":
    catalog = load_catalog(ws.catalog)
    with open_engine(ws, catalog) as engine:
        for p in catalog.products.values():
            cols = ", ".join(f"count({quote_ident(f.name)})" for f in p.fields)
            engine.arrow(f"SELECT {cols} FROM {p.view}")
        for t_ in engine.registration.platform:
            engine.arrow(f"SELECT count(*) FROM platform.{quote_ident(t_)}")
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
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


def measure_run(root: Path) -> dict[str, float]:
    """`privacymesh run` as a user runs it; peak memory of the child process."""
    import resource

    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "privacymesh.cli", "-w", str(root), "run"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"run failed ({done.returncode}): {done.stderr[-2000:]}")
    summary = next(line for line in done.stdout.splitlines() if " results: " in line)
    return {
        "seconds": seconds,
        "summary": summary.split(" (")[0],
        "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", nargs="+", type=float, default=[1.0, 10.0])
    args = parser.parse_args()
    rows = []
    for scale in args.scales:
        root = workspace(scale)
        floor = min((measure(root, "floor") for _ in range(2)), key=lambda m: m["seconds"])
        run = measure_run(root)
        rows.append((scale, floor, run))
    lines = [
        "# Full check run vs one DuckDB scan of every column",
        "",
        f"Machine: 2 cores; `{' '.join(sys.argv)}`; {time.strftime('%Y-%m-%d')}.",
        "",
        "| scale | results | run s | run peak MB | floor s | floor peak MB | run / floor |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for scale, floor, run in rows:
        lines.append(
            f"| {scale:g} | {run['summary']} | {run['seconds']:.1f} | "
            f"{run['peak_mb']:.0f} | {floor['seconds']:.2f} | {floor['peak_mb']:.0f} | "
            f"{run['seconds'] / floor['seconds']:.1f}x |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.write_text(text)


if __name__ == "__main__":
    main()
