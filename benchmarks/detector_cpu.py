"""CPU cost of the PII detector on the sample mesh: first-call costs (imports, the default
registry, the name and street dictionaries, the first scan's extra) apart from the steady
state (every product scanned again), for this tree and, interleaved, for a baseline commit.

    .venv/bin/python benchmarks/detector_cpu.py [--baseline REF] [--rounds 3] [--passes 3]
    .venv/bin/python benchmarks/detector_cpu.py --record FILE   # every scan's result, as JSON
    .venv/bin/python benchmarks/detector_cpu.py --compare A B   # two such files are identical

Each measurement runs in a fresh process (as a worker of `privacymesh run` does), scanning
each product's 10,000-row sample (seed 42) drawn beforehand, so DuckDB's sampling is not
counted: the timed part is `scan_sample`, what the detector workers run. CPU seconds are
`time.process_time()` (every thread of the process, Polars' pool included), which other load
on a shared machine disturbs less than wall time. Rounds alternate the order of baseline and
tree (ABBA...), and the table gives the median of each and their ratio.

The baseline is `git archive REF` in a temporary folder, run with the same interpreter.
The workspace is `benchmarks/data/run_scale_1` when present (from benchmarks/run_scale.py),
else the sample mesh of this repository (the same data at scale 1, seed 42).

`--record` writes the full `TableScan.to_dict()` (less `seconds`) of every product at two
sample sizes and of every table of the labelled set (benchmarks/detection_eval; it needs the
`bench` extra's mimesis the first time), so a change can be checked to find exactly what the
detector found before, examples included; run it under different PYTHONHASHSEED values too.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results" / "detector_cpu.md"
SAMPLE_ROWS, SEED = 10_000, 42

CHILD = r"""
import json, sys, time
from pathlib import Path
clock = time.process_time
from privacymesh.catalog import load_catalog
from privacymesh.engine import open_engine
from privacymesh.workspace import load_workspace
ws = load_workspace(Path(sys.argv[1]))
rows, seed, passes = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
catalog = load_catalog(ws.catalog)
with open_engine(ws, catalog) as engine:
    products = list(catalog.products.values())
    samples = {p.id: engine.sample(p.view, rows, seed) for p in products}
    totals = {p.id: int(engine.scalar(f"SELECT count(*) FROM {p.view}")) for p in products}
    t = clock()
    from privacymesh.detect import ScanOptions
    from privacymesh.detect.product import known_email_hashes, scan_sample
    from privacymesh.detect.registry import default_registry
    default_registry()
    imports = clock() - t
    hashes = known_email_hashes(engine)
t = clock()
from privacymesh.detect import lexicon
for name in ("first_names", "last_names", "prose_words", "username_fragment_set",
             "street_suffixes"):
    getattr(lexicon, name)()
lexicons = clock() - t
options = ScanOptions(sample_rows=rows, seed=seed)
scans = []
for _ in range(passes):
    t = clock()
    for p in products:
        scan_sample(p, samples[p.id], totals[p.id], options, hashes)
    scans.append(clock() - t)
print(json.dumps({"imports": imports, "lexicons": lexicons, "scans": scans,
                  "products": len(products),
                  "columns": sum(s.width for s in samples.values())}))
"""


def workspace() -> Path:
    scaled = HERE / "data" / "run_scale_1"
    return scaled if (scaled / "privacymesh.toml").exists() else REPO


def export(ref: str, into: Path) -> str:
    """The tree of commit `ref` under `into`; returns the full commit id."""
    commit = subprocess.run(
        ["git", "rev-parse", ref], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout.strip()
    archive = subprocess.run(
        # the whole tree: the package reads its built-in checks and reports from the checkout
        ["git", "archive", commit],
        cwd=REPO,
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return commit


def measure(src: Path, ws: Path, passes: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(ws), str(SAMPLE_ROWS), str(SEED), str(passes)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    run = json.loads(out.strip().splitlines()[-1])
    steady = statistics.median(run["scans"][1:]) if len(run["scans"]) > 1 else run["scans"][0]
    run["steady"] = steady
    run["first_extra"] = run["scans"][0] - steady
    run["first_call"] = run["imports"] + run["lexicons"] + run["first_extra"]
    return run


ROWS = (
    ("steady", "steady state: all products scanned (CPU s)"),
    ("first_call", "first-call costs, total (CPU s)"),
    ("imports", "  import + default registry"),
    ("lexicons", "  name and street dictionaries"),
    ("first_extra", "  first scan beyond steady state"),
)


def table(label_a: str, a: list[dict[str, Any]], label_b: str, b: list[dict[str, Any]]) -> str:
    lines = [
        f"| measure | {label_a} | {label_b} | ratio |",
        "| --- | --- | --- | --- |",
    ]
    for key, title in ROWS:
        ma = statistics.median(r[key] for r in a)
        mb = statistics.median(r[key] for r in b)
        ratio = f"{ma / mb:.2f}x" if mb > 0.005 else "-"
        lines.append(f"| {title} | {ma:.2f} | {mb:.2f} | {ratio} |")
    return "\n".join(lines)


def benchmark(args: argparse.Namespace) -> None:
    ws = workspace()
    runs: dict[str, list[dict[str, Any]]] = {"base": [], "tree": []}
    with tempfile.TemporaryDirectory() as tmp:
        commit = export(args.baseline, Path(tmp))
        sources = {"base": Path(tmp) / "src", "tree": REPO / "src"}
        for i in range(args.rounds):
            order = ("base", "tree") if i % 2 == 0 else ("tree", "base")
            for name in order:
                run = measure(sources[name], ws, args.passes)
                runs[name].append(run)
                print(
                    f"round {i + 1} {name}: steady {run['steady']:.2f} s, "
                    f"first-call {run['first_call']:.2f} s",
                    flush=True,
                )
    first = runs["tree"][0]
    text = "\n".join(
        [
            "# Detector CPU",
            "",
            f"Machine: {os.cpu_count()} cores (shared with other work while this ran), python"
            f" {platform.python_version()}. Workspace: `{ws.relative_to(REPO)}`"
            f" ({first['products']} products, {first['columns']} columns), samples of"
            f" {SAMPLE_ROWS:,} rows (seed {SEED}) drawn before timing.",
            f"Baseline `{args.baseline}` = {commit[:10]}; {args.rounds} rounds in alternating"
            f" order, each a fresh process scanning every product {args.passes} times; medians"
            " of CPU seconds (`process_time`, all threads).",
            "",
            table(f"baseline {commit[:10]}", runs["base"], "this tree", runs["tree"]),
            "",
            "Ratio: baseline / this tree (above 1 is faster).",
            "",
        ]
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(text)


def record(path: Path) -> None:
    """Every scan result of the sample mesh (two sample sizes) and of the labelled set."""
    from datetime import date

    sys.path.insert(0, str(HERE))
    from detection_eval.generate import REFERENCE_DATE, load

    from privacymesh.catalog import load_catalog
    from privacymesh.detect import ScanOptions, scan_frame
    from privacymesh.detect.product import known_email_hashes, scan_product
    from privacymesh.engine import open_engine
    from privacymesh.workspace import load_workspace

    def clean(doc: dict[str, Any]) -> dict[str, Any]:
        doc.pop("seconds", None)
        return doc

    out: dict[str, Any] = {}
    ws = load_workspace(workspace())
    catalog = load_catalog(ws.catalog)
    with open_engine(ws, catalog) as engine:
        hashes = known_email_hashes(engine)
        for rows, seed in ((SAMPLE_ROWS, SEED), (3_000, 7)):
            options = ScanOptions(sample_rows=rows, seed=seed, reference_date=date(2026, 11, 1))
            for p in catalog.products.values():
                scan = scan_product(p, engine, options, hashes)
                out[f"mesh/{rows}/{seed}/{p.id}"] = clean(scan.to_dict())
    options = ScanOptions(reference_date=REFERENCE_DATE)
    for t in load(2000, 7):
        scan = scan_frame(
            t.frame, t.name, options=options, known_hashes=set(t.known_hashes) or None
        )
        out[f"eval/{t.name}"] = clean(scan.to_dict())
    path.write_text(json.dumps(out, indent=1, sort_keys=True))
    print(f"{len(out)} scans recorded in {path}")


def compare(a: Path, b: Path) -> int:
    left, right = json.loads(a.read_text()), json.loads(b.read_text())
    differ = sorted(k for k in left.keys() | right.keys() if left.get(k) != right.get(k))
    for key in differ[:20]:
        print(f"differs: {key}")
    print("identical" if not differ else f"{len(differ)} of {len(left)} scans differ")
    return 1 if differ else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="main", help="git ref to compare against")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--passes", type=int, default=3, help="scans of every product per run")
    parser.add_argument("--record", type=Path, metavar="FILE")
    parser.add_argument("--compare", type=Path, nargs=2, metavar=("A", "B"))
    args = parser.parse_args()
    if args.record:
        record(args.record)
    elif args.compare:
        sys.exit(compare(*args.compare))
    else:
        benchmark(args)


if __name__ == "__main__":
    main()
