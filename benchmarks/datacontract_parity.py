"""privacymesh's `contract.quality` against datacontract-cli's `test`, rule by rule, on the sample
mesh's contracts (which carry ODCS quality rules), side by side in one run.

datacontract-cli is not a dependency of privacymesh (its pins clash with ours), so it lives in a
virtual environment of its own:

    python3 -m venv /tmp/dcvenv
    /tmp/dcvenv/bin/pip install "datacontract-cli[duckdb,parquet]==1.2.8"
    python benchmarks/datacontract_parity.py --datacontract /tmp/dcvenv/bin/datacontract

Each contract's quality rules map to datacontract-cli's checks of category `quality`: a
property's rules to its checks on that field, in order; the object's rules to the checks that
name no field, in order. The table lists every rule with both verdicts and both run times, and
is saved in benchmarks/results/datacontract_parity.md. The verdicts it prints are the ones
tests/checks/test_sample_quality.py holds privacymesh to.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
import yaml

from privacymesh.runner import run_checks
from privacymesh.sample import generate
from privacymesh.sample.quality import damage
from privacymesh.workspace import load_workspace

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "datacontract_parity.md"


def rule_paths(contract: dict) -> list[tuple[str | None, str]]:
    """(field or None for the object, rule path) of every quality rule, in contract order."""
    (table,) = contract["schema"]
    paths = [(None, f"schema[0].quality[{j}]") for j in range(len(table.get("quality", [])))]
    for i, prop in enumerate(table.get("properties", [])):
        for j in range(len(prop.get("quality", []))):
            paths.append((prop["name"], f"schema[0].properties[{i}].quality[{j}]"))
    return paths


def rule_at(contract: dict, path: str) -> dict:
    """The rule a path such as `schema[0].properties[6].quality[0]` names."""
    node: object = contract
    for part in path.split("."):
        name, index = part[:-1].split("[")
        node = node[name][int(index)]  # type: ignore[index]
    return node  # type: ignore[return-value]


def datacontract_verdicts(binary: str, contract: Path) -> tuple[dict[str, str], float]:
    """Rule path -> 'pass' | 'fail' | another result, from `datacontract test` (JSON output)."""
    out = contract.with_suffix(".dc.json")
    started = time.perf_counter()
    subprocess.run(
        [binary, "test", contract.name, "--output", str(out), "--output-format", "json"],
        cwd=contract.parent,
        capture_output=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    checks = [c for c in json.loads(out.read_text())["checks"] if c["category"] == "quality"]
    doc = yaml.safe_load(contract.read_text())
    verdicts: dict[str, str] = {}
    queues: dict[str | None, list[dict]] = {}
    for check in checks:
        queues.setdefault(check.get("field"), []).append(check)
    for field, path in rule_paths(doc):
        queue = queues.get(field, [])
        result = queue.pop(0)["result"] if queue else "missing"
        # datacontract-cli reports a failed rule of severity `warning` as a warning
        if result == "warning" and rule_at(doc, path).get("severity") == "warning":
            result = "failed"
        verdicts[path] = {"passed": "pass", "failed": "fail"}.get(result, result)
    return verdicts, seconds


def privacymesh_verdicts(root: Path) -> tuple[dict[str, dict[str, str]], float]:
    started = time.perf_counter()
    outcome = run_checks(load_workspace(root), ["contract.quality"], record=False)
    seconds = time.perf_counter() - started
    verdicts: dict[str, dict[str, str]] = {}
    for result in outcome.results:
        failed = {f.detail["rule"] for f in result.findings}
        product = result.product or ""
        domain, name = product.split(".")
        contract = root / "mesh" / "contracts" / domain / f"{name}.odcs.yaml"
        doc = yaml.safe_load(contract.read_text())
        verdicts[product] = {
            path: "fail" if path in failed else "pass" for _, path in rule_paths(doc)
        }
    return verdicts, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datacontract", default=shutil.which("datacontract"))
    parser.add_argument("--scale", type=float, default=0.05)
    args = parser.parse_args()
    if not args.datacontract:
        print("datacontract-cli not found: pass --datacontract PATH (see the docstring)")
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root / "mesh", scale=args.scale, seed=42)
        as_of = yaml.safe_load((root / "mesh" / "expected_findings.yaml").read_text())["as_of"]
        (root / "privacymesh.toml").write_text(
            'name = "parity"\n[paths]\ncatalog = "mesh/contracts"\nplatform = "mesh/platform"\n'
            f'checks = "{REPO / "checks"}"\nevidence = "evidence"\n[run]\nas_of = "{as_of}"\n'
        )
        rows = []
        ours: dict[str, dict[str, str]] = {}
        our_seconds = their_seconds = 0.0
        for variant in ("as generated", "damaged"):
            if variant == "damaged":
                for product in ours:
                    domain, name = product.split(".")
                    data = root / "mesh" / "products" / domain / f"{name}.parquet"
                    damage(pl.read_parquet(data)).write_parquet(data)
            ours, seconds = privacymesh_verdicts(root)
            our_seconds += seconds
            for product in sorted(ours):
                domain, name = product.split(".")
                contract = root / "mesh" / "contracts" / domain / f"{name}.odcs.yaml"
                theirs, seconds = datacontract_verdicts(args.datacontract, contract)
                their_seconds += seconds
                for path, verdict in ours[product].items():
                    rows.append((variant, product, path, verdict, theirs.get(path, "missing")))
    same = sum(1 for r in rows if r[3] == r[4])
    lines = [
        "# contract.quality against datacontract-cli `test`",
        "",
        f"Sample mesh at scale {args.scale:g}, seed 42; {len(ours)} contracts with quality rules, "
        f"{len(rows) // 2} rules, each judged on two states of the data. Command: "
        "`python benchmarks/datacontract_parity.py --datacontract /tmp/dcvenv/bin/datacontract`.",
        "",
        "The damaged variant rewrites each product's Parquet with `sample.quality.damage` "
        "(repeated rows, blanked values, unlisted strings), so that rules fail.",
        "",
        "| data | product | rule | privacymesh | datacontract-cli |",
        "| --- | --- | --- | --- | --- |",
        *(f"| {v} | {p} | {path} | {a} | {b} |" for v, p, path, a, b in rows),
        "",
        f"Same verdict: {same} of {len(rows)} rules.",
        "",
        "| tool | seconds (all contracts) | ratio |",
        "| --- | ---: | ---: |",
        f"| privacymesh (one run, one engine) | {our_seconds:.2f} | 1.00 |",
        f"| datacontract-cli (one process per contract) | {their_seconds:.2f} | "
        f"{their_seconds / our_seconds:.2f} |",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.write_text(text)
    return 0 if same == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
