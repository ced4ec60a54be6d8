"""Each kind of source read by privacymesh, side by side with the same data as local Parquet.

Starts the test servers (PostgreSQL from Debian's binaries, moto's S3 server, both on
127.0.0.1), builds the mixed sample mesh of tests/sources/mixed_mesh.py (products in
PostgreSQL, on S3, in Delta and in Iceberg, written from the sample's Parquet by each source's
own client) beside an untouched copy of the sample, and opens the DuckDB engine on both. For
every moved product it compares, through the engine:

- a check's row counts: the population and the exceptions of `retention.expired_rows` (rows,
  and rows past retention by the one shared definition, `retention_due_sql`, on 2027-11-01,
  a year after the sample's reference day, so that rows are due);
- the sample the PII detector draws (`engine.sample`, 10,000 rows, seed 42), as a set of rows;

and times each on both sides (best of `--repeat`), with the ratio source / Parquet.

    .venv/bin/python benchmarks/sources.py [--repeat 3]

Writes benchmarks/results/sources.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS_FILE = HERE / "results" / "sources.md"
sys.path[:0] = [str(REPO / "tests" / "sources")]

from lake_servers import running_s3_server  # noqa: E402
from mixed_mesh import PLACEMENT, copy_sample, mix  # noqa: E402

from privacymesh.catalog import load_catalog, retention_due_sql  # noqa: E402
from privacymesh.engine import open_engine  # noqa: E402
from privacymesh.workspace import load_workspace  # noqa: E402

# a year after the sample's reference day, so that the retention count is not zero
AS_OF = "TIMESTAMP '2027-11-01 00:00:00'"
SAMPLE_ROWS, SEED = 10_000, 42


def best(fn: Callable[[], Any], repeat: int) -> tuple[Any, float]:
    """The result of `fn` and its best wall time over `repeat` calls."""
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return out, min(times)


def normal(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows as text, times at microseconds, sorted: equal frames hold the same rows whatever
    each source's column types (PostgreSQL and Iceberg store times in microseconds)."""
    cols = [
        pl.col(c).cast(pl.Datetime("us", frame.schema[c].time_zone)).cast(pl.String)
        if isinstance(frame.schema[c], pl.Datetime)
        else pl.col(c).cast(pl.String)
        for c in frame.columns
    ]
    out = frame.select(cols)
    return out.sort(out.columns, nulls_last=True)


def measure(root: Path, repeat: int) -> dict[str, dict[str, Any]]:
    ws = load_workspace(root)
    catalog = load_catalog(ws.catalog, ws)
    out: dict[str, dict[str, Any]] = {}
    start = time.perf_counter()
    with open_engine(ws, catalog) as engine:
        opened = time.perf_counter() - start
        for product_id in PLACEMENT:
            product = catalog.get(product_id)
            retention = product.retention
            due = (  # a product without a retention policy has nothing past it
                retention_due_sql(retention.element, retention.days, AS_OF) if retention else None
            )
            past = f"count(*) FILTER (WHERE {due})" if due else "NULL"
            sql = f"SELECT count(*) AS n_rows, {past} AS n_past FROM {product.view}"
            counts, t_count = best(lambda sql=sql: engine.arrow(sql).to_pylist()[0], repeat)
            sample, t_sample = best(
                lambda v=product.view: engine.sample(v, SAMPLE_ROWS, SEED), repeat
            )
            out[product_id] = {
                "counts": tuple(counts.values()),
                "sample": normal(sample),
                "t_count": t_count,
                "t_sample": t_sample,
            }
        out["_open"] = {"t": opened}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from postgres_server import PostgresServer, postgres_bin

    bindir = postgres_bin()
    if bindir is None:
        sys.exit("PostgreSQL is not installed (apt-get install postgresql)")
    postgres = PostgresServer(bindir, "pw-" + secrets.token_hex(12))
    postgres.start()
    try:
        with running_s3_server() as s3, tempfile.TemporaryDirectory() as tmp:
            parquet = copy_sample(Path(tmp) / "parquet")
            mixed = copy_sample(Path(tmp) / "mixed")
            os.environ.update(mix(mixed, s3, "bench-" + secrets.token_hex(4), postgres, "bench"))
            local = measure(parquet, args.repeat)
            moved = measure(mixed, args.repeat)
    finally:
        postgres.remove()
    lines = report(local, moved, args.repeat)
    print("\n".join(lines))
    RESULTS_FILE.write_text("\n".join(lines) + "\n")
    if any("**no**" in line for line in lines):
        sys.exit(1)


def report(local: dict, moved: dict, repeat: int) -> list[str]:
    lines = [
        "# Sources: each product read where it lives vs the same data as local Parquet",
        "",
        f"`python benchmarks/sources.py --repeat {repeat}` on {platform.machine()} "
        f"({os.cpu_count()} cores), DuckDB engine, sample scale 1. Counts: rows and rows "
        "past retention on 2027-11-01 (`retention.expired_rows`); sample: the detector's "
        "10,000-row sample (seed 42), compared as a set of rows. Times: best of the repeats.",
        "",
        "| product | source | rows | past retention | counts equal | sample rows | "
        "sample equal | count s (source / Parquet) | sample s (source / Parquet) |",
        "| --- | --- | ---: | ---: | :---: | ---: | :---: | ---: | ---: |",
    ]
    for product_id, place in PLACEMENT.items():
        a, b = local[product_id], moved[product_id]
        same_counts = a["counts"] == b["counts"]
        same_sample = a["sample"].equals(b["sample"])
        lines.append(
            f"| {product_id} | {place} | {b['counts'][0]:,} | {_count(b['counts'][1])} | "
            f"{'yes' if same_counts else '**no**'} | {b['sample'].height:,} | "
            f"{'yes' if same_sample else '**no**'} | "
            f"{b['t_count']:.3f} / {a['t_count']:.3f} ({b['t_count'] / a['t_count']:.1f}x) | "
            f"{b['t_sample']:.3f} / {a['t_sample']:.3f} "
            f"({b['t_sample'] / a['t_sample']:.1f}x) |"
        )
    lines += [
        "",
        f"Opening the engine (registering all {len(PLACEMENT)} moved products and the rest): "
        f"{moved['_open']['t']:.2f} s mixed vs {local['_open']['t']:.2f} s all-Parquet.",
    ]
    return lines


def _count(n: int | None) -> str:
    return "no policy" if n is None else f"{n:,}"


if __name__ == "__main__":
    main()
