"""What a run decided, to compare two versions of the code on the same workspace: every result's
(check, product, domain, status, measured values, population, exceptions) and its findings,
written as sorted JSON, and the difference between two such files.

    .venv/bin/python benchmarks/run_results.py dump WORKSPACE OUT.json [--check ID ...]
    .venv/bin/python benchmarks/run_results.py diff BEFORE.json AFTER.json

`dump` runs the checks as `privacymesh run --no-record` does (default workers) with the
workspace's scan cache emptied first, so the detector scans too. `diff` exits 1 when the two
runs differ and prints each differing result."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any


def dump(root: Path, out: Path, checks: list[str] | None) -> None:
    from privacymesh.runner import run_checks
    from privacymesh.workspace import load_workspace

    ws = load_workspace(root)
    shutil.rmtree(ws.evidence / "cache", ignore_errors=True)
    outcome = run_checks(ws, checks or None, record=False)
    rows = [
        {
            "check": r.check_id,
            "product": r.product,
            "domain": r.domain,
            "status": str(r.status),
            "values": r.values,
            "population": r.population,
            "exceptions": r.exceptions,
            "reason": r.reason,
            "findings": sorted(
                (json.dumps([f.kind, f.column, f.detail], sort_keys=True, default=str))
                for f in r.findings
            ),
        }
        for r in outcome.results
    ]
    rows.sort(key=lambda r: (r["check"], r["product"] or "", r["domain"] or ""))
    out.write_text(json.dumps(rows, indent=1, sort_keys=True, default=str) + "\n")
    print(f"{len(rows)} results written to {out}")


def _key(row: dict[str, Any]) -> tuple[str, str, str]:
    return (row["check"], row["product"] or "", row["domain"] or "")


def diff(before: Path, after: Path) -> int:
    a = {_key(r): r for r in json.loads(before.read_text())}
    b = {_key(r): r for r in json.loads(after.read_text())}
    differ = 0
    for key in sorted(a.keys() | b.keys()):
        if a.get(key) != b.get(key):
            differ += 1
            print(f"{' '.join(key)}:\n  before {a.get(key)}\n  after  {b.get(key)}")
    print(f"{len(a)} results before, {len(b)} after, {differ} differ")
    return 1 if differ else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump")
    d.add_argument("workspace", type=Path)
    d.add_argument("out", type=Path)
    d.add_argument("--check", action="append")
    c = sub.add_parser("diff")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "dump":
        dump(args.workspace, args.out, args.check)
    else:
        sys.exit(diff(args.before, args.after))


if __name__ == "__main__":
    main()
