"""Benchmark the dashboard on a year of daily runs: time until the overview page is drawn.

Builds a ledger of RUNS daily runs (default 365) on a small sample mesh: the check families'
real results on the sample (one run of the checks, not recorded) are written through the Ledger
API at RUNS consecutive reference times, with the figures drifting from day to day (expired rows
growing, checks failing and recovering, findings opening and closing). Then serves the dashboard
with `privacymesh dashboard` on a free loopback port and, in headless Chromium, times from
navigation until the overview is drawn: its three Vega-Lite charts have drawn, its two tables,
its posture score and the header's chain status are on the page.

- first visit: the server has just started (imports, ledger snapshot, every query and figure
  cold) and the browser cache is empty;
- later visits: new tabs of the same browser, as a returning leadership user opens the
  dashboard: a new Streamlit session each (the tab is closed after it), warm server caches, and
  the browser's HTTP cache warm (Streamlit's static files are served immutable);
- new browser: a first visit with an empty HTTP cache on the warm server (someone else);
- floor: a one-metric, one-chart Streamlit page served the same way, interleaved with the
  later visits, so both see the same machine load: what Streamlit and Vega-Lite cost alone;
  and the same page with a Plotly chart, which the other pages draw with;
- full Chromium: the later visits again in Debian's full browser, when the headless shell
  (Playwright's default headless browser, Debian package chromium-headless-shell) is the one
  measured.

Also times the overview's queries directly, and reports what the server sends. Target: later
visits under 2 seconds. Prints a table and writes benchmarks/results/dashboard_load.md.

    .venv/bin/python benchmarks/dashboard_load.py [--runs 365] [--visits 7] [--app OLD/app.py]

`--app` serves another copy of the dashboard's script (e.g. an older one exported with
`git archive`) to compare on the same machine. Needs Debian's chromium (apt-get install
chromium chromium-headless-shell) and playwright (pip).
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
from dataclasses import dataclass
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
from dashboard_server import CHROMIUM, browser, dashboard, streamlit_app  # noqa: E402

RESULTS_FILE = Path(__file__).parent / "results" / "dashboard_load.md"
FAMILIES = ["retention", "pii.undeclared", "pii.quasi_identifiers", "contract.gate", "consent",
            "dsar", "rotation", "cost"]  # fmt: skip
LAST_DAY = datetime(2026, 11, 1)
TARGET_S = 2.0
HEADLESS_SHELL = Path("/usr/lib/chromium/chromium-headless-shell")
BROWSER = str(HEADLESS_SHELL) if HEADLESS_SHELL.exists() else CHROMIUM
BROWSER_NOTE = (
    "Debian's full Chromium, headless"
    if BROWSER == CHROMIUM
    else "Debian's Chromium headless shell, the browser Playwright runs headless by default"
)


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


FLOOR_APP = """import altair as alt
import polars as pl
import streamlit as st


@st.cache_resource
def chart():
    return alt.Chart(pl.DataFrame({"x": ["a", "b"], "y": [1, 2]})).mark_bar().encode(x="x", y="y")


st.metric("Posture score (mesh)", 87.3)
st.altair_chart(chart())
"""
"""The least a Streamlit page with one chart costs, drawn with the overview's chart engine
(Vega-Lite), on the same machine at the same time (built once, as the dashboard's are)."""

PLOTLY_FLOOR_APP = """import plotly.express as px
import streamlit as st


@st.cache_resource
def figure():
    return px.bar(x=["a", "b"], y=[1, 2])


st.metric("Posture score (mesh)", 87.3)
st.plotly_chart(figure())
"""
"""The same page with one Plotly chart: what Plotly alone costs in the browser."""


@dataclass(frozen=True)
class Expect:
    """What a page shows once it is drawn: charts (Plotly or Vega-Lite), static tables, texts."""

    charts: int
    tables: int = 0
    texts: tuple[str, ...] = ()


OVERVIEW = Expect(
    charts=3,  # score per domain, trend over runs, open findings by severity
    tables=2,  # domains, top risks
    texts=("Posture score (mesh)", "Top risks this week", "Evidence chain"),
)
FLOOR = Expect(charts=1, texts=("Posture score (mesh)",))

DRAWN = """([charts, tables, texts]) => {
    const drawn = [...document.querySelectorAll('.js-plotly-plot, .vega-embed')];
    if (drawn.length < charts || !drawn.every(p => p.querySelector('.main-svg, canvas, svg')))
        return false;
    if (document.querySelectorAll('[data-testid=stTable]').length < tables) return false;
    const text = document.body.textContent;
    return texts.every(t => text.includes(t));
}"""
"""True once every chart (Plotly or Vega-Lite) has drawn and every table and text is on the
page."""


FIRST = """(texts) => {
    const text = document.body.textContent;
    return texts.every(t => text.includes(t));
}"""
"""True once the page's first content is there: its title and headline number as text."""
OVERVIEW_FIRST = ("Compliance posture", "Posture score (mesh)")


@dataclass
class Visit:
    seconds: float  # navigation until the page is drawn (see DRAWN)
    first_s: float  # navigation until the first content is on the page (see FIRST)
    server_s: float | None  # navigation until the server's first script run finished
    ws_bytes: int  # what the server sent over the websocket
    chart_bytes: int  # of which chart specs and their data
    http_bytes: int  # what came over HTTP (not from the browser's cache)


def visit(page: object, url: str, expect: Expect, first: tuple[str, ...] = OVERVIEW_FIRST) -> Visit:
    """Open `url` in a new tab, wait until it is drawn, close the tab (its session ends)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    started = time.perf_counter()
    seen = {"finished": None, "ws": 0, "charts": 0}

    def frame(payload: bytes | str) -> None:
        seen["ws"] += len(payload)
        if isinstance(payload, str):
            return
        msg = ForwardMsg()
        msg.ParseFromString(payload)
        kind = msg.WhichOneof("type")
        if kind == "script_finished" and seen["finished"] is None:
            seen["finished"] = time.perf_counter() - started
        elif kind == "delta":
            element = msg.delta.new_element
            if element.WhichOneof("type") in ("plotly_chart", "vega_lite_chart"):
                seen["charts"] += element.ByteSize()

    page.on("websocket", lambda ws: ws.on("framereceived", frame))
    page.goto(url)
    page.wait_for_function(FIRST, arg=list(first), timeout=180_000)
    first_s = time.perf_counter() - started
    page.wait_for_function(
        DRAWN, arg=[expect.charts, expect.tables, list(expect.texts)], timeout=180_000
    )
    elapsed = time.perf_counter() - started
    assert page.locator("[data-testid=stException]").count() == 0
    http = page.evaluate(
        "performance.getEntriesByType('navigation').concat(performance.getEntriesByType"
        "('resource')).reduce((n, e) => n + e.transferSize, 0)"
    )
    page.close()
    return Visit(elapsed, first_s, seen["finished"], seen["ws"], seen["charts"], int(http))


def spread(values: list[float]) -> str:
    return f"min {min(values):.2f} s, max {max(values):.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=365)
    parser.add_argument("--visits", type=int, default=7)
    parser.add_argument("--new-browsers", type=int, default=3)
    parser.add_argument("--app", type=Path, help="serve this dashboard script instead")
    parser.add_argument("--out", type=Path, default=RESULTS_FILE)
    args = parser.parse_args()

    load_start = os.getloadavg()[0]
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
        plotly_script = Path(tmp) / "plotly_floor.py"
        plotly_script.write_text(PLOTLY_FLOOR_APP)
        viewport = {"width": 1400, "height": 1000}
        with (
            dashboard(root, timeout=120, app=args.app) as url,
            streamlit_app(floor_script, timeout=120) as floor_url,
            streamlit_app(plotly_script, timeout=120) as plotly_url,
        ):
            with browser(BROWSER) as chromium:
                # one returning user's browser: its HTTP cache lives across the visits (tabs)
                user = chromium.new_context(viewport=viewport)
                cold = visit(user.new_page(), url, OVERVIEW)
                for floor_app in (floor_url, plotly_url):  # the floor apps' own cold starts
                    visit(user.new_page(), floor_app, FLOOR, FLOOR.texts)
                warm: list[Visit] = []
                floor: list[Visit] = []
                plotly_floor: list[Visit] = []
                for _ in range(args.visits):  # interleaved, so all see the same machine load
                    warm.append(visit(user.new_page(), url, OVERVIEW))
                    floor.append(visit(user.new_page(), floor_url, FLOOR, FLOOR.texts))
                    plotly_floor.append(visit(user.new_page(), plotly_url, FLOOR, FLOOR.texts))
                user.close()
                fresh: list[Visit] = []
                for _ in range(args.new_browsers):  # someone else's first visit: empty cache
                    other = chromium.new_context(viewport=viewport)
                    fresh.append(visit(other.new_page(), url, OVERVIEW))
                    other.close()
            full: list[Visit] = []
            if BROWSER != CHROMIUM:  # the same later visits in the full browser, for comparison
                with browser(CHROMIUM) as chromium:
                    user = chromium.new_context(viewport=viewport)
                    visit(user.new_page(), url, OVERVIEW)
                    full = [visit(user.new_page(), url, OVERVIEW) for _ in range(args.visits)]
                    user.close()
    load = os.getloadavg()[0]
    secs = [v.seconds for v in warm]
    floor_secs = [v.seconds for v in floor]
    plotly_secs = [v.seconds for v in plotly_floor]
    fresh_secs = [v.seconds for v in fresh]
    server = [v.server_s for v in warm if v.server_s is not None]
    floor_server = [v.server_s for v in floor if v.server_s is not None]
    median = statistics.median(secs)
    ok = "yes" if median < TARGET_S else "NO"
    rows = [
        ("runs in the ledger", f"{args.runs:,}", "one per day, reference times a year apart"),
        ("records in the chain", f"{records:,}", f"{size_mb:,.1f} MB ledger file"),
        ("writing the ledger", f"{write_s:,.1f} s", "Ledger API, one transaction per run"),
        ("overview queries, last 90 days", f"{query_90 * 1000:,.0f} ms", "best of 3, no cache"),
        ("overview queries, all runs", f"{query_all * 1000:,.0f} ms", "best of 3, no cache"),
        ("chain verification", f"{verify.seconds:,.2f} s",
         "background, once per ledger state, after the first page run"),
        ("drawn, first visit", f"{cold.seconds:,.2f} s",
         "server just started (imports, snapshot, every query) and an empty browser cache"),
        ("drawn, later visits (median)", f"{median:,.2f} s",
         f"{args.visits} new tabs of the same browser (warm HTTP cache), each a new session "
         f"on warm server caches; {spread(secs)}"),
        ("  of which until the first content (median)",
         f"{statistics.median(v.first_s for v in warm):,.2f} s",
         "title and mesh posture score on the page (floor: "
         f"{statistics.median(v.first_s for v in floor):,.2f} s)"),
        ("  of which until the run ended (median)",
         f"{statistics.median(server):,.2f} s" if server else "-",
         "navigation until the end of the session's script run reached the browser (floor: "
         f"{statistics.median(floor_server):,.2f} s); the rest is the browser drawing"),
        ("drawn, new browser (median)", f"{statistics.median(fresh_secs):,.2f} s",
         f"{args.new_browsers} first visit(s) with an empty HTTP cache, warm server; "
         f"{spread(fresh_secs)}"),
        ("floor: one-chart Streamlit page (median)", f"{statistics.median(floor_secs):,.2f} s",
         f"one metric, one Vega-Lite chart; same browser, interleaved with the later visits; "
         f"{spread(floor_secs)}"),
        ("  the same with a Plotly chart (median)", f"{statistics.median(plotly_secs):,.2f} s",
         f"interleaved too; {spread(plotly_secs)}: what Plotly's start-up costs in the browser"),
        *([("drawn, later visits, full Chromium (median)",
            f"{statistics.median(v.seconds for v in full):,.2f} s",
            f"{len(full)} new tabs of Debian's full `chromium` (it also starts its own UI "
            f"renderer with each window, on the same two cores); "
            f"{spread([v.seconds for v in full])}")] if full else []),
        ("sent per visit", f"{warm[-1].ws_bytes / 1000:,.0f} kB",
         f"websocket; {OVERVIEW.charts} Vega-Lite charts, {warm[-1].chart_bytes / 1000:,.0f} kB "
         "of specs and data"),
        ("HTTP per visit", f"{cold.http_bytes / 1e6:,.1f} MB / {warm[-1].http_bytes / 1000:,.0f}"
         " kB", "empty / warm browser cache (Streamlit's static files are immutable, cached)"),
        (f"target: under {TARGET_S:g} s (later visits)", ok,
         f"median of the later visits; the floor alone takes "
         f"{statistics.median(floor_secs):,.2f} s here"),
    ]  # fmt: skip
    header = (
        f"# Dashboard load: the overview on {args.runs} daily runs\n\n"
        f"Run {datetime.now(UTC):%Y-%m-%d} on {platform.machine()}, Python "
        f"{platform.python_version()}, DuckDB {duckdb.__version__}, Streamlit "
        f"{streamlit.__version__}, {os.cpu_count()} cores shared with other work (load average "
        f"{load_start:.1f} at the start, {load:.1f} at the end); `{Path(BROWSER).name}` "
        f"({BROWSER_NOTE}) through Playwright; `.venv/bin/python benchmarks/dashboard_load.py`"
        f"{f' --app {args.app}' if args.app else ''}.\n\n"
        "Drawn = from navigation until the overview (default period: last 90 days) has drawn "
        "its three Vega-Lite charts, both tables, its posture score and the header's chain "
        "status. The floor is a page of one metric and one small chart served the same way: "
        "what Streamlit and its chart engine cost in this browser, on this machine, at this "
        "moment.\n\n"
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
