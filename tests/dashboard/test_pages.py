"""Every dashboard page, rendered by Streamlit's AppTest: on the sample ledger it shows the
ledger's own numbers, and on an empty ledger it says how to record a first run."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import dashboard_expected as expected
import polars as pl
import pyarrow as pa
import pytest
from dashboard_expected import APP
from streamlit.testing.v1 import AppTest

from privacymesh.families import family_named
from privacymesh.workspace import Workspace, load_workspace

PAGES = [
    "overview", "pii_exposure", "retention", "consent", "dsars", "rotation_support",
    "cost_headcount", "evidence",
]  # fmt: skip


def render(ws: Path, page: str, monkeypatch: pytest.MonkeyPatch, **sidebar: object) -> AppTest:
    """Run the app (entry point, sidebar filters given by widget key, header), then the page;
    fails on any exception the app raised. AppTest reruns only the page after the first run,
    so filters are set as the widgets' session state before it."""
    monkeypatch.setenv("PRIVACYMESH_WORKSPACE", str(ws))
    at = AppTest.from_file(str(APP), default_timeout=120)
    for key, value in sidebar.items():
        at.session_state[key] = value
    at.run()
    if page != "overview":
        at.switch_page(f"pages/{page}.py")
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def verified(
    ws: Path,
    page: str,
    monkeypatch: pytest.MonkeyPatch,
    verifying: Callable[[AppTest], bool],
    timeout: float = 120.0,
) -> AppTest:
    """The page once the ledger's chain verification, which runs in the background, has
    answered. Until then the page says it is verifying (a browser polls the header's badge, a
    fragment AppTest never reruns), so open the page again, as a reader's reload would, while
    `verifying` says so, for up to `timeout` seconds."""
    deadline = time.monotonic() + timeout
    at = render(ws, page, monkeypatch)
    while verifying(at) and time.monotonic() < deadline:
        at = render(ws, page, monkeypatch)  # each waits a moment for the verification
    return at


def badge_verifying(at: AppTest) -> bool:
    return metric(at, "Evidence chain") == "verifying…"


def frame_with(at: AppTest, column: str) -> pl.DataFrame:
    """The first table on the page that has `column`."""
    for element in [*at.dataframe, *at.table]:
        if column in element.value.columns:
            return pl.from_pandas(element.value)
    raise AssertionError(f"no table with a {column!r} column")


def test_overview_on_the_sample_history(
    history_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo's twelve weekly runs: the header gives the data's reference time and when the
    last run happened, and the default period (90 days) holds every week."""
    at = render(history_ws.root, "overview", monkeypatch)
    assert metric(at, "Data as of (UTC)") == "2026-11-01"
    assert any(
        c.value.startswith("last run ") and c.value.endswith("UTC (full coverage)")
        for c in at.caption
    )
    assert metric(at, "Runs in period") == "12"


def test_overview_shows_the_ledger(sample_ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = verified(sample_ws, "overview", monkeypatch, badge_verifying)
    latest = expected.latest(sample_ws)
    assert metric(at, "Checks counted") == str(latest.height)
    assert metric(at, "Failing") == str(latest.filter(pl.col("status") == "fail").height)
    assert metric(at, "Could not run") == str(latest.filter(pl.col("status") == "error").height)
    assert metric(at, "Data as of (UTC)") == "2026-11-01"
    # when the run happened, beside the data's reference time (the last run chose its checks)
    assert any(
        c.value.startswith("last run ") and c.value.endswith("UTC (partial coverage)")
        for c in at.caption
    )
    assert metric(at, "Runs in period") == str(expected.runs(sample_ws).height)
    assert metric(at, "Evidence chain") == "verified"
    domains = frame_with(at, "score")
    assert set(domains["domain"]) == set(latest["domain"].fill_null("(mesh)"))
    hr = latest.filter(pl.col("domain") == "hr")
    row = domains.filter(pl.col("domain") == "hr").row(0, named=True)
    assert row["failing"] == hr.filter(pl.col("status") == "fail").height
    assert row["checks"] == hr.height


def test_a_new_session_reuses_the_overview_figures(
    sample_ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Charts are built once per data and shared: a second session builds none (Altair would
    raise), and shows the same Vega-Lite charts, with the ledger's scores in them. Both runs of
    the fixture chose their checks (partial), so the trend, drawn from full runs only, says so
    instead of drawing a chart."""
    import altair as alt

    first = render(sample_ws, "overview", monkeypatch)

    def no_build(*args: object, **kwargs: object) -> None:
        raise AssertionError("a chart was built again")

    monkeypatch.setattr(alt, "Chart", no_build)
    second = render(sample_ws, "overview", monkeypatch)
    charts = [at.get("vega_lite_chart") for at in (first, second)]
    assert len(charts[0]) == 2
    assert any(c.value.startswith("No full run inside this period") for c in first.caption)
    assert [c.proto.spec for c in charts[0]] == [c.proto.spec for c in charts[1]]
    # the score bars carry each domain's score as the domains table shows it
    bars = charts[0][0].proto
    data = pl.from_arrow(pa.ipc.open_stream(bars.datasets[0].data.data).read_all())
    shown = frame_with(first, "score")
    assert dict(zip(data["domain"], data["score"], strict=True)) == dict(
        zip(shown["domain"], shown["score"], strict=True)
    )


def test_the_dashboard_reads_no_catalog_until_a_page_needs_one() -> None:
    """The catalog's schema validator takes seconds to import: only the PII page loads it."""
    script = (
        f"import sys; sys.path.insert(0, {str(APP.parent)!r}); import ledger_access, layout; "
        "print('privacymesh.catalog' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_pii_page_lists_undeclared_fields(sample_ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = render(sample_ws, "pii_exposure", monkeypatch)
    with expected.ledger_of(sample_ws) as ledger:
        found = ledger.findings(check="pii.undeclared")
    newest = found.filter(pl.col("run_id") == found["run_id"].max())
    assert metric(at, "Undeclared personal fields") == str(
        newest.select("product_id", "column_name").unique().height
    )
    shown = frame_with(at, "masked_examples")
    assert ("growth.web_events", "ip_address") in set(
        zip(shown["product_id"], shown["column_name"], strict=True)
    )


def test_retention_page_shows_expired_rows(
    sample_ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = render(sample_ws, "retention", monkeypatch)
    latest = expected.latest(sample_ws, "retention.expired_rows")
    assert metric(at, "Expired rows") == str(int(latest["exceptions"].sum()))
    assert metric(at, "Products checked") == str(latest.height)
    shipments = latest.filter(pl.col("product_id") == "logistics.shipments")["exceptions"][0]
    assert shipments > 0
    table = frame_with(at, "expired_rows")
    row = table.filter(pl.col("product_id") == "logistics.shipments")
    assert row["expired_rows"][0] == shipments
    without = frame_with(at, "personal_categories")
    assert without["product_id"].to_list() == ["hr.employees"]


@pytest.mark.parametrize(
    ("page", "key"),
    [("consent", "consent"), ("dsars", "dsar"), ("rotation_support", "operations"),
     ("cost_headcount", "cost")],
)  # fmt: skip
def test_family_pages_count_the_ledger(
    sample_ws: Path, monkeypatch: pytest.MonkeyPatch, page: str, key: str
) -> None:
    """A family's page takes its title and check prefixes from the FAMILIES table."""
    family = family_named(key)
    at = render(sample_ws, page, monkeypatch)
    assert at.title[0].value == family.title
    latest = pl.concat([expected.latest(sample_ws, p) for p in family.prefixes])
    assert latest.height > 0
    assert metric(at, "Results (latest)") == str(latest.height)
    assert metric(at, "Failing") == str(latest.filter(pl.col("status") == "fail").height)


def test_consent_values_equal_the_measurements(
    sample_ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = render(sample_ws, "consent", monkeypatch)
    table = frame_with(at, "p95_lag_hours")
    row = table.filter(
        (pl.col("check_id") == "consent.propagation_lag") & (pl.col("domain") == "marketing")
    )
    value = expected.measured(sample_ws, "consent.propagation_lag", "marketing", "p95_lag_hours")
    assert float(row["p95_lag_hours"][0]) == pytest.approx(value)
    assert value > 24  # the seeded late marketing withdrawals


def test_evidence_page_lists_every_run(sample_ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = verified(
        sample_ws,
        "evidence",
        monkeypatch,
        lambda at: any("Verifying the chain" in i.value for i in at.info),
    )
    runs = frame_with(at, "run_id")
    assert set(runs["run_id"]) == set(expected.runs(sample_ws)["run_id"])
    assert any("Chain intact" in s.value for s in at.success)
    assert not any("pack" in b.label.lower() for b in at.button)  # read-only


def test_the_evidence_page_builds_no_pack_and_offers_the_built_ones(
    sample_ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read-only: no button writes a pack; the page gives the CLI command for the period and
    domains, and offers the packs already built (newest version first) for download."""
    at = render(sample_ws, "evidence", monkeypatch, pm_domains=["crm"])
    assert not [b for b in at.button if "build" in b.label.lower()]
    assert any(
        "privacymesh pack --from" in c.value and "--to 2026-11-01 --domain crm" in c.value
        for c in at.code
    )
    assert not at.get("download_button")
    base = sample_ws / "evidence" / "packs" / "2026-Q4"
    try:
        for version, age in (("v1", 100), ("v2", 0)):
            folder = base / version
            folder.mkdir(parents=True)
            (folder / "manifest.json").write_text("{}")
            (folder / "pack.zip").write_bytes(f"zip of {version}".encode())
            os.utime(folder / "manifest.json", (time.time() - age, time.time() - age))
        at = render(sample_ws, "evidence", monkeypatch)
        picker = at.selectbox(key="pm_pack_pick")
        assert picker.options == ["2026-Q4 v2", "2026-Q4 v1"]
        assert [d.label for d in at.get("download_button")] == ["Download the pack"]
    finally:
        shutil.rmtree(base.parent)


def test_domain_filter_applies_across_pages(
    sample_ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = render(sample_ws, "retention", monkeypatch, pm_domains=["logistics"])
    latest = expected.latest(sample_ws, "retention.expired_rows")
    logistics = latest.filter(pl.col("domain") == "logistics")
    assert metric(at, "Products checked") == str(logistics.height)
    assert metric(at, "Products without a policy") == "0"  # hr.employees is filtered out


def test_period_filter_moves_the_state_back(
    sample_ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A custom range ending before the newest run shows the runs and state of that time."""
    day = expected.EARLIER_DAY
    at = render(sample_ws, "evidence", monkeypatch, pm_period="Custom range", pm_range=(day, day))
    runs = frame_with(at, "run_id")
    assert runs.height == 1
    assert str(runs["run_at"][0]).startswith("2026-10-01")
    at = render(sample_ws, "retention", monkeypatch, pm_period="Custom range", pm_range=(day, day))
    with expected.ledger_of(sample_ws) as ledger:
        earlier = ledger.results(run_id=runs["run_id"][0], check="retention.expired_rows")
    assert metric(at, "Expired rows") == str(int(earlier["exceptions"].sum()))
    now = expected.latest(sample_ws, "retention.expired_rows")["exceptions"].sum()
    assert earlier["exceptions"].sum() < now  # rows age past retention between the two runs


@pytest.mark.parametrize("ws_fixture", ["no_ledger_ws", "blank_ledger_ws"])
def test_empty_ledger_says_how_to_run(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, ws_fixture: str
) -> None:
    at = render(request.getfixturevalue(ws_fixture), "overview", monkeypatch)
    assert metric(at, "Data as of (UTC)") == "none yet"
    for page in PAGES:
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert any("privacymesh run" in i.value for i in at.info), page


def test_overview_opens_with_leadership_first_screen(
    sample_ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from privacymesh.packs import PackOptions, open_model
    from privacymesh.packs.leadership import first_screen
    from privacymesh.views import headline

    at = render(sample_ws, "overview", monkeypatch)
    leadership = first_screen(open_model(load_workspace(sample_ws), PackOptions(period="2026-Q4")))
    spend, fte = leadership.spend, leadership.fte
    assert spend.now is not None and spend.before is not None and spend.quarter == "2026-Q3"
    # the same figures, formatted as money, on the dashboard and in the leadership report
    assert metric(at, "Compliance cost 2026-Q3") == headline.money(spend.now)
    assert "e+" not in metric(at, "Compliance cost 2026-Q3")
    assert metric(at, "Compliance FTE 2026-Q3") == f"{fte.now:.1f}"
    exposure = metric(at, "Exposure: open findings")
    assert exposure.startswith(f"{leadership.exposure.open_now:,} (")
    worst = "".join(m.value for m in at.markdown if m.value.startswith("**Worst domains**"))
    for row in leadership.worst.iter_rows(named=True):
        assert f"{row['domain']}: {row['score']:.1f} ({row['band']})" in worst
    assert any(c.value.startswith("Bands: green from a posture score of 90") for c in at.caption)


def test_the_leadership_summary_opens_with_money_and_plain_titles(
    sample_ws: Path, tmp_path: Path
) -> None:
    from privacymesh.packs import PackOptions
    from privacymesh.packs.leadership import build_leadership, first_screen

    ws = load_workspace(sample_ws)
    options = PackOptions(period="2026-Q4", pdf=False, out=tmp_path / "lead")
    result = build_leadership(ws, options)
    html = (result.root / "leadership.html").read_text("utf-8").replace("<wbr>", "")
    screen = html[: html.index("<h2>Posture per domain</h2>")]
    from privacymesh.packs import open_model

    first = first_screen(open_model(ws, options))
    assert f"<b>EUR {first.spend.now:,.0f}</b>compliance cost 2026-Q3" in screen
    assert f"previous quarter EUR {first.spend.before:,.0f}" in screen
    assert f"<b>{first.fte.now:.1f} FTE</b>on compliance, 2026-Q3" in screen
    assert f"{first.exposure.direction}: " in screen and "Worst domains" in screen
    assert "Bands: green from a posture score of 90" in screen
    assert not re.search(r"\d\.\d+e[+-]\d", html)  # no 5.481e+04 anywhere
    costs = html[html.index("Cost and headcount of compliance") :]
    assert "compliance_spend: quarter_total_eur" not in costs  # metric names in plain words
