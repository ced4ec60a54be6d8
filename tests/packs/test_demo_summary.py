"""The end of `privacymesh demo` says what it built, where, and what to run next."""

from __future__ import annotations

from privacymesh.cli.demo import built_summary
from privacymesh.packs import PackResult
from privacymesh.runner import RunOutcome
from privacymesh.workspace import Workspace


def test_the_demo_says_what_it_built_and_where(pack_ws: Workspace, built_pack: PackResult) -> None:
    outcome = RunOutcome(run_id="20261101T000000Z-abc123", results=[])
    lines = built_summary(pack_ws, True, outcome, built_pack)
    text = "\n".join(lines)
    assert lines[0] == "sample mesh      sample (generated now)"
    assert "evidence ledger  evidence/ledger.duckdb: run 20261101T000000Z-abc123, 0 results" in text
    pack = built_pack.root.relative_to(pack_ws.root)
    assert f"audit pack       {pack}/: {pack}/index.html, " in text
    pdf = f"{pack}/index.pdf" if built_pack.pdf_written else f"no PDF ({pack}/PDF-MISSING.txt"
    assert pdf in text
    assert "`privacymesh dashboard` serves the leadership dashboard on a free local port" in text
    assert f"`privacymesh pack sign {pack} --as reviewer`" in text


def test_a_first_demo_says_it_recorded_the_weeks(
    pack_ws: Workspace, built_pack: PackResult
) -> None:
    outcome = RunOutcome(run_id="20261101T000000Z-abc123", results=[])
    text = "\n".join(built_summary(pack_ws, True, outcome, built_pack, runs=12))
    assert "evidence/ledger.duckdb: 12 weekly runs, the last run 20261101T000000Z-abc123" in text
