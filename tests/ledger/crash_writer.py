"""Writes runs into a ledger forever, until killed (used by test_ledger_crash.py).

    crash_writer.py LEDGER RESULTS [COMPACT_EVERY]

With COMPACT_EVERY (default 2), the ledger is compacted after every that many runs, so kills
land in compactions too: in the copy, its check, or the swap.
"""

from __future__ import annotations

import sys

from privacymesh.ledger import FindingRecord, Ledger, ResultRecord, RunInfo


def main(path: str, results: int, compact_every: int) -> None:
    ledger = Ledger(path, lock_timeout=10)
    print("ready", flush=True)
    n = 0
    while True:
        n += 1
        with ledger.begin_run(RunInfo(options={"n": n})) as run:
            for i in range(results):
                rid = run.add_result(
                    ResultRecord(
                        "c.crash",
                        "fail" if i % 3 else "pass",
                        product_id=f"d.p{i}",
                        measured={"i": i, "n": n},
                        population=i,
                        exceptions=i % 3,
                    )
                )
                if i % 3:
                    run.add_findings(rid, [FindingRecord(kind="k", column="c", detail={"n": i})])
        print("committed", flush=True)
        if compact_every and n % compact_every == 0:
            ledger.compact()
            print("compacted", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 2)
