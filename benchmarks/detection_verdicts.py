"""Every verdict of the detector on the labelled corpus and on the generated set, written to a
JSON file or compared with one: a change meant to make the detector faster must leave them all
as they were.

    .venv/bin/python benchmarks/detection_verdicts.py --save /tmp/before.json   # old tree
    .venv/bin/python benchmarks/detection_verdicts.py --check /tmp/before.json  # new tree

Per column: each category with its score and calibrated confidence, hit rate, hits, methods,
recognizers and reasons (exact floats), a digest of its masked examples, and the
quasi-identifier sets of each table. No value of any table is written or printed. Exits 1
when a verdict differs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from detection_corpus.corpus import load_corpus  # noqa: E402
from detection_eval.generate import REFERENCE_DATE as GEN_DATE  # noqa: E402
from detection_eval.generate import load  # noqa: E402
from detection_quality import REFERENCE_DATE  # noqa: E402

from privacymesh.detect import ScanOptions, TableScan, scan_frame  # noqa: E402


def table_verdicts(scan: TableScan) -> dict[str, Any]:
    columns = {}
    for col in scan.columns:
        hits = []
        for hit in (*col.categories, *col.accepted):
            entry = hit.to_dict()
            # exact, not the rounded display values; the verdict is decided on the score, and
            # the confidence is the score through the calibration map (a refit moves it alone)
            entry["score"] = hit.score
            entry["confidence"] = hit.confidence
            entry["hit_rate"] = hit.hit_rate
            examples = "\n".join(entry.pop("examples")).encode()
            entry["examples"] = hashlib.sha256(examples).hexdigest()[:16]
            hits.append(entry)
        columns[col.column] = hits
    quasi = [q.to_dict() for q in scan.quasi_identifiers]
    return {"rows_scanned": scan.rows_scanned, "columns": columns, "quasi": quasi}


def verdicts(guard_rows: int) -> dict[str, Any]:
    """Verdicts of the corpus (as detection_quality scans it, and with its rows reversed) and of
    the generated set (as detection_speed scans it, at default settings and in full)."""
    out: dict[str, Any] = {}
    corpus = load_corpus()
    options = ScanOptions(reference_date=REFERENCE_DATE)
    for t in corpus.tables:
        out[f"corpus/{t.name}"] = table_verdicts(scan_frame(t.frame, t.name, options=options))
        again = scan_frame(t.frame.reverse(), t.name, options=options)
        out[f"corpus-reversed/{t.name}"] = table_verdicts(again)
    for label, rows in (("default", ScanOptions().sample_rows), ("full", None)):
        options = ScanOptions(sample_rows=rows, reference_date=GEN_DATE)
        for t in load(guard_rows, 7):
            known = set(t.known_hashes) or None
            scan = scan_frame(t.frame, t.name, options=options, known_hashes=known)
            out[f"generated-{label}/{t.name}"] = table_verdicts(scan)
    return out


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Table and column names whose verdicts differ (names only, never values)."""
    out = []
    for table in sorted(set(before) | set(after)):
        a, b = before.get(table), after.get(table)
        if a is None or b is None:
            out.append(f"{table}: only in {'after' if a is None else 'before'}")
            continue
        for column in sorted(set(a["columns"]) | set(b["columns"])):
            if a["columns"].get(column) != b["columns"].get(column):
                out.append(f"{table}.{column}")
        if a["quasi"] != b["quasi"]:
            out.append(f"{table}: quasi-identifiers")
        if a["rows_scanned"] != b["rows_scanned"]:
            out.append(f"{table}: rows scanned")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", type=Path, help="write the verdicts to this JSON file")
    group.add_argument("--check", type=Path, help="compare the verdicts with this JSON file")
    parser.add_argument("--guard-rows", type=int, default=2000)
    args = parser.parse_args()
    found = json.loads(json.dumps(verdicts(args.guard_rows)))  # tuples as lists, as saved
    if args.save:
        args.save.write_text(json.dumps(found, indent=1, sort_keys=True))
        columns = sum(len(t["columns"]) for t in found.values())
        print(f"saved the verdicts of {len(found)} table scans, {columns} columns")
        return
    diff = differences(json.loads(args.check.read_text()), found)
    columns = sum(len(t["columns"]) for t in found.values())
    if diff:
        print(f"{len(diff)} of {columns} column verdicts differ:")
        print("\n".join(f"  {d}" for d in diff))
        sys.exit(1)
    print(f"identical: {len(found)} table scans, {columns} column verdicts")


if __name__ == "__main__":
    main()
