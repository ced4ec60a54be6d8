"""Benchmark the dashboard on a year of daily runs: time to first render of the overview page.

Builds a ledger of RUNS daily runs (default 365) on a small sample mesh: the check families'
real results on the sample (one run of the checks, not recorded) are written through the Ledger
API at RUNS consecutive reference times, with the figures drifting from day to day (expired rows
growing, checks failing and recovering, findings opening and closing). Then serves the dashboard
with `privacymesh dashboard` on a free loopback port and, in headless Chromium, times from
navigation until the overview has drawn its charts and its numbers: the first visit (cold server
caches: ledger snapshot, catalog, every query) and later visits (new browser sessions, warm
caches). Also times the overview's queries directly. Target: first render under 2 seconds.
Prints a table and writes benchmarks/results/dashboard_load.md.

    .venv/bin/python benchmarks/dashboard_load.py [--runs 365] [--visits 5]

Needs Debian's chromium (apt-get install chromium) and playwright (pip).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import streamlit

from privacymesh.ledger import FindingRecord, Ledger, ResultRecord, RunInfo
from privacymesh.runner import run_checks
from privacymesh.sample import generate
from privacymesh.views import Scope, evidence, posture
from privacymesh.workspace import load_workspace

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "dashboard"))
from dashboard_server import browser, dashboard, streamlit_app  # noqa: E402

RESULTS_FILE = Path(__file__).parent / "results" / "dashboard_load.md"
FAMILIES = ["retention", "pii.undeclared", "pii.quasi_identifiers", "contract.gate", "consent",
            "dsar", "rotation", "cost"]  # fmt: skip
LAST_DAY = datetime(2026, 11, 1)
TARGET_S = 2.0


def workspace(root: Path) -> Path:
    generate(root / "sample", scale=0.05, seed=42)
    (root / "privacymesh.toml").write_text(
        'name = "benchmark mesh"\n[paths]\ncatalog = "sample/contracts"\n'
        f'platform = "sample/platform"\nchecks = "{REPO / "checks"}"\nevidence = "evidence"\n'
        '[run]\nas_of = "2026-11-01T00:00:00"\n'
    )
    return root


def drift(value: object, day: int) -> object:
    """A measured number as it might have read `day` days before the last run."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    scaled = value * (0.6 + 0.4 * ((365 - day) % 365) / 365)
    return round(scaled) if isinstance(value, int) else round(scaled, 4)


def record_year(ws_root: Path, runs: int) -> tuple[int, float]:
    """Write `runs` daily runs; returns (records in the chain, seconds spent writing)."""
    ws = load_workspace(ws_root)
    outcome = run_checks(ws, FAMILIES, record=False)
    ledger = Ledger(ws.ledger_path)
    started = time.perf_counter()
    try:
        for back in range(runs - 1, -1, -1):
            as_of = LAST_DAY - timedelta(days=back)
            info = RunInfo(
                started_at=(as_of + timedelta(hours=2)).replace(tzinfo=UTC),
                options={"as_of": as_of.isoformat(), "benchmark": True},
                engine="duckdb",
            )
            with ledger.begin_run(info) as run:
                for i, r in enumerate(outcome.results):
                    flip = r.status == "fail" and (back + i) % 9 == 0  # recovered that day
                    status = "pass" if flip else r.status
                    rid = run.add_result(
                        ResultRecord(
                            check_id=r.check_id,
                            status=status,
                            product_id=r.product,
                            domain=r.domain,
                            measured={k: drift(v, back) for k, v in _scalars(r.values).items()},
                            threshold=r.threshold,
                            population=r.population,
                            exceptions=0 if flip else drift(r.exceptions, back),
                            reason=r.reason,
                            query=r.query,
                            severity=r.severity,
                            control_id=r.control_id,
                        )
                    )
                    if r.findings and not flip:
                        run.add_findings(
                            rid,
                            [FindingRecord(kind=f.kind, column=f.column, detail=f.detail)
                             for f in r.findings],
                        )  # fmt: skip
        seconds = time.perf_counter() - started
        records = ledger.chain_head().seq
    finally:
        ledger.close()
    return records, seconds


def _scalars(values: dict) -> dict:
    """Measured values as the runner records them (lists and maps as JSON text)."""
    return {
        k: v if v is None or isinstance(v, str | int | float | bool) else json.dumps(v)
        for k, v in values.items()
    }


def overview_queries(path: Path, scope: Scope) -> float:
    """Seconds for every query the overview and its header run, on a fresh connection."""
    t0 = time.perf_counter()
    with Ledger(path, read_only=True) as ledger:
        for fn in (
            posture.posture_overall,
            posture.posture_by_domain,
            posture.posture_trend,
            posture.open_findings_by_severity,
            posture.top_risks,
            evidence.run_count,
        ):
            fn(ledger, scope)  # fmt: skip
        evidence.last_run(ledger)
        evidence.run_span(ledger)
        evidence.ledger_domains(ledger)
    return time.perf_counter() - t0


FLOOR_APP = """import plotly.express as px
import streamlit as st

st.metric("Posture score (mesh)", 87.3)
st.plotly_chart(px.bar(x=["a", "b"], y=[1, 2]))
"""
"""The least a Streamlit page with one Plotly chart costs, on the same machine at the same time."""


def first_render(page: object, url: str) -> float:
    """Seconds from navigation to the page's charts and posture score on screen."""
    t0 = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(".js-plotly-plot", timeout=120_000)
    page.get_by_text("Posture score (mesh)").wait_for(timeout=120_000)
    elapsed = time.perf_counter() - t0
    assert page.locator("[data-testid=stException]").count() == 0
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=365)
    parser.add_argument("--visits", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS_FILE)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = workspace(Path(tmp))
        records, write_s = record_year(root, args.runs)
        ledger_path = load_workspace(root).ledger_path
        size_mb = ledger_path.stat().st_size / 1e6
        last = Scope.for_dates((LAST_DAY - timedelta(days=89)).date(), LAST_DAY.date())
        query_90 = min(overview_queries(ledger_path, last) for _ in range(3))
        query_all = min(overview_queries(ledger_path, Scope()) for _ in range(3))
        with Ledger(ledger_path, read_only=True) as ledger:
            verify = ledger.verify()
        floor_script = Path(tmp) / "floor.py"
        floor_script.write_text(FLOOR_APP)
        with (
            dashboard(root, timeout=120) as url,
            streamlit_app(floor_script, timeout=120) as floor_url,
            browser() as chromium,
        ):
            context = chromium.new_context(viewport={"width": 1400, "height": 1000})
            cold = first_render(context.new_page(), url)
            first_render(context.new_page(), floor_url)  # the floor app's own cold start
            warm, floor = [], []
            for _ in range(args.visits):  # interleaved, so both see the same machine load
                warm.append(first_render(context.new_page(), url))
                floor.append(first_render(context.new_page(), floor_url))
    load = os.getloadavg()[0]
    ok = "yes" if statistics.median(warm) < TARGET_S else "NO"
    rows = [
        ("runs in the ledger", f"{args.runs:,}", "one per day, reference times a year apart"),
        ("records in the chain", f"{records:,}", f"{size_mb:,.1f} MB ledger file"),
        ("writing the ledger", f"{write_s:,.1f} s", "Ledger API, one transaction per run"),
        ("overview queries, last 90 days", f"{query_90 * 1000:,.0f} ms", "best of 3, no cache"),
        ("overview queries, all runs", f"{query_all * 1000:,.0f} ms", "best of 3, no cache"),
        ("chain verification", f"{verify.seconds:,.2f} s", "background, once per ledger state"),
        ("first render, first visit", f"{cold:,.2f} s", "cold server and browser caches"),
        ("first render, later visits (median)", f"{statistics.median(warm):,.2f} s",
         f"{args.visits} new sessions, warm caches; min {min(warm):.2f} s, max {max(warm):.2f} s"),
        ("floor: one-chart Streamlit page (median)", f"{statistics.median(floor):,.2f} s",
         "same browser and moment; what Streamlit + Plotly cost alone"),
        (f"target: under {TARGET_S:g} s (later visits)", ok, ""),
    ]  # fmt: skip
    header = (
        f"# Dashboard load: the overview on {args.runs} daily runs\n\n"
        f"Run {datetime.now(UTC):%Y-%m-%d} on {platform.machine()}, Python "
        f"{platform.python_version()}, DuckDB {duckdb.__version__}, Streamlit "
        f"{streamlit.__version__}, {os.cpu_count()} cores (load average {load:.1f} at the end); "
        "headless Debian Chromium through Playwright; `.venv/bin/python "
        "benchmarks/dashboard_load.py`. First render = from navigation until the overview's "
        "Plotly charts and its posture score are on screen (default period: last 90 days).\n\n"
    )
    width = max(len(r[0]) for r in rows)
    table = [
        f"| {'measure':<{width}} | value | note |",
        f"| {'-' * width} | ---: | --- |",
        *(f"| {a:<{width}} | {b} | {c} |" for a, b, c in rows),
    ]
    text = header + "\n".join(table) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)


if __name__ == "__main__":
    main()
