"""contract.conformance's two backends side by side on the same products: the contract's rules
as one SQL query over every row (the default) and as a Great Expectations suite over the same
rows (`backend = "gx"`), with the verdicts they reach.

    .venv/bin/python benchmarks/gx_cost.py [--workspace benchmarks/data/run_scale_1]

GX is imported and its context made before the clock starts, and each product is read into
memory for GX outside its clock, so the GX column is validation alone. Prints a table and
writes benchmarks/results/gx_cost.md."""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime
from pathlib import Path

from privacymesh.catalog import load_catalog
from privacymesh.checks import gx_suite
from privacymesh.checks.conformance import rules_for
from privacymesh.checks.measures import MeasureContext
from privacymesh.checks.measures.conformance import measure_sql, product_rules
from privacymesh.engine import open_engine
from privacymesh.workspace import load_workspace

HERE = Path(__file__).parent
RESULTS = HERE / "results" / "gx_cost.md"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, default=HERE / "data" / "run_scale_1")
    args = parser.parse_args()
    if not (args.workspace / "privacymesh.toml").is_file():
        raise SystemExit(f"no workspace at {args.workspace}: run benchmarks/run_scale.py first")
    ws = load_workspace(args.workspace)
    catalog = load_catalog(ws.catalog)
    gx_suite._batch_definition()  # GX imported, context made
    rows = []
    with open_engine(ws, catalog) as engine:
        ctx = MeasureContext(ws, catalog, engine, as_of=datetime.now())
        for product in sorted(catalog.products.values(), key=lambda p: p.id):
            rules = product_rules(ctx, product)
            start = time.perf_counter()
            sql = measure_sql(ctx, rules)
            sql_s = time.perf_counter() - start
            frame = engine.polars(f"SELECT * FROM {product.view}")
            start = time.perf_counter()
            broken = gx_suite.validate(rules_for(product), frame)
            gx_s = time.perf_counter() - start
            same = {(f.detail["rule"], f.column) for f in sql.findings} == {
                (b["rule"], b["column"]) for b in broken
            }
            rows.append((product.id, sql.population or 0, sql_s, gx_s, same))
    total_sql = sum(r[2] for r in rows)
    total_gx = sum(r[3] for r in rows)
    lines = [
        "# contract.conformance: SQL over every row vs the same rules in GX",
        "",
        f"{len(rows)} products of `{args.workspace.name}`; {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f} at the end; `{' '.join(sys.argv)}`; "
        f"{time.strftime('%Y-%m-%d')}. Both over every row; GX warm, its input already in "
        "memory.",
        "",
        "| product | rows | SQL s | GX s | GX / SQL | same broken rules |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
        *(
            f"| {p} | {n:,} | {s:.3f} | {g:.3f} | {g / s:.1f}x | {'yes' if same else 'NO'} |"
            for p, n, s, g, same in rows
        ),
        f"| all | {sum(r[1] for r in rows):,} | {total_sql:.2f} | {total_gx:.2f} | "
        f"{total_gx / total_sql:.1f}x | {sum(r[4] for r in rows)} of {len(rows)} |",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.write_text(text)


if __name__ == "__main__":
    main()
