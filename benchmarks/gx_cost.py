"""What the GX contract suites cost: every product's generated suite validated on its sample,
at several sample sizes, so the fixed cost per expectation (GX's metric graph) stands apart
from the cost that grows with the rows.

    .venv/bin/python benchmarks/gx_cost.py [--workspace benchmarks/data/run_scale_10]

The samples are read once with our engine (as the `contract.conformance` check reads them)
and cut to each size; GX is imported and its context made before the clock starts. Prints a
table and writes benchmarks/results/gx_cost.md."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from privacymesh.catalog import load_catalog
from privacymesh.checks.measures import conformance
from privacymesh.engine import open_engine
from privacymesh.workspace import load_workspace

HERE = Path(__file__).parent
RESULTS = HERE / "results" / "gx_cost.md"
SIZES = (10_000, 1_000, 100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, default=HERE / "data" / "run_scale_10")
    args = parser.parse_args()
    if not (args.workspace / "privacymesh.toml").is_file():
        raise SystemExit(f"no workspace at {args.workspace}: run benchmarks/run_scale.py first")
    ws = load_workspace(args.workspace)
    catalog = load_catalog(ws.catalog)
    conformance.warm_up()
    with open_engine(ws, catalog) as engine:
        frames = {p.id: engine.sample(p.view, SIZES[0], 42) for p in catalog.products.values()}
    rows = []
    for size in SIZES:
        seconds, expectations = 0.0, 0
        for product in catalog.products.values():
            frame = frames[product.id].head(size)
            start = time.perf_counter()
            measured = conformance.validate_sample(product, frame, "benchmark")
            seconds += time.perf_counter() - start
            expectations += measured.values["expectations"]
        rows.append((size, seconds, expectations))
    lines = [
        "# GX contract suites: fixed and row-dependent cost",
        "",
        f"{len(catalog.products)} products of `{args.workspace.name}`; {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f} at the end; `{' '.join(sys.argv)}`; "
        f"{time.strftime('%Y-%m-%d')}. One process, GX warm.",
        "",
        "| sample rows | expectations | validate s | ms per expectation |",
        "| ---: | ---: | ---: | ---: |",
        *(f"| {n:,} | {e} | {s:.2f} | {1000 * s / e:.1f} |" for n, s, e in rows),
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.write_text(text)


if __name__ == "__main__":
    main()
