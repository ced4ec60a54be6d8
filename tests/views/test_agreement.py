"""One read model: the dashboard's data functions, the audit pack, the leadership report and
`privacymesh findings --json` agree figure by figure on a ledger that holds full runs, partial
runs (`--product`, `--check`) and a scheduled run, with a finding fixed between them."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from privacymesh.cli import app
from privacymesh.ledger import Ledger
from privacymesh.packs import PackOptions
from privacymesh.packs.build import open_model
from privacymesh.packs.leadership import leadership_html
from privacymesh.packs.model import PackModel
from privacymesh.runner import run_checks
from privacymesh.runner.schedule import run_scheduled
from privacymesh.views import Scope, checks, posture
from privacymesh.views.findings import finding_table
from privacymesh.workspace import load_workspace

REPO = Path(__file__).resolve().parents[2]
CHECKS = ["contract.gate", "retention.missing_policy", "pii.restricted_unmasked"]
TEAM = "team:\n  name: shop-data\n  members:\n    - {username: lead@example.com, role: owner}\n"
JUNE = Scope.for_dates(date(2026, 6, 1), date(2026, 6, 30))


@pytest.fixture
def history(shop_workspace: Path) -> Path:
    """The shop mesh checked five times in June 2026: full (06-01), one product (06-08),
    one check (06-15), a scheduled run of one check (06-22, the pinned reference time), and,
    after the export product got its owning team, full again (06-29)."""
    root = shop_workspace
    for spec in (root / "checks").glob("*.yaml"):
        if spec.stem not in CHECKS:
            spec.unlink()
    # the built-in checks run unless disabled: keep the three this history is about
    builtin = sorted(p.stem for p in (REPO / "checks").glob("*.yaml") if p.stem not in CHECKS)
    (root / "privacymesh.toml").write_text(
        'name = "shop"\n[paths]\ncatalog = "contracts"\nplatform = "platform"\n'
        f'checks = "checks"\nreports = "{(REPO / "reports").as_posix()}"\n'
        '[engine]\nkind = "duckdb"\n[run]\nas_of = "2026-06-22T00:00:00"\n'
        f"[checks]\ndisable = {json.dumps(builtin)}\n"
    )
    ws = load_workspace(root)
    assert run_checks(ws, as_of=datetime(2026, 6, 1)).run_id
    assert run_checks(ws, products=["shop.orders"], as_of=datetime(2026, 6, 8)).run_id
    assert run_checks(ws, ["contract.gate"], as_of=datetime(2026, 6, 15)).run_id
    assert run_scheduled(ws, ["retention.missing_policy"]) in (0, 1)
    export = root / "contracts" / "shop.order_export.odcs.yaml"
    export.write_text(export.read_text().replace("servers:\n", TEAM + "servers:\n", 1))
    assert run_checks(load_workspace(root), as_of=datetime(2026, 6, 29)).run_id
    # today's check file says something else: packs quote what the runs executed
    gate = root / "checks" / "contract.gate.yaml"
    gate.write_text(gate.read_text().replace("  id: PM-GOV-01", "  id: PM-CHANGED-99", 1))
    return root


@pytest.fixture
def model(history: Path) -> PackModel:
    return open_model(load_workspace(history), PackOptions(period="2026-06"))


def _cli_findings(ws: Path, *args: str) -> list[dict[str, object]]:
    done = CliRunner().invoke(app, ["-w", str(ws), "findings", "--json", *args])
    assert done.exit_code == 0, done.output
    return json.loads(done.output)


def test_runs_record_their_reference_time_coverage_and_specs(model: PackModel) -> None:
    runs = model.runs
    assert [d.day for d in runs["as_of"].to_list()] == [1, 8, 15, 22, 29]
    assert runs["coverage"].to_list() == ["full", "partial", "partial", "partial", "full"]
    # the trend draws the two full runs only, and keeps the partial ones, marked, in its data
    assert model.trend["coverage"].to_list() == runs["coverage"].to_list()
    # the control text comes from the recorded specs, not from the checks folder
    gate = model.controls["contract.gate"]
    assert gate.control_id == "PM-GOV-01" and gate.statement and gate.in_catalog
    assert gate.sql or gate.method.startswith("measure")


def test_pack_dashboard_leadership_and_cli_agree(history: Path, model: PackModel) -> None:
    ws = load_workspace(history)
    with Ledger(ws.ledger_path, read_only=True) as ledger:
        by_domain = posture.posture_by_domain(ledger, JUNE)
        overall = posture.posture_overall(ledger, JUNE)
        open_by_severity = posture.open_findings_by_severity(ledger, JUNE)
        trend = posture.posture_trend(ledger, JUNE)
        table = finding_table(ledger, JUNE)
    cli = _cli_findings(history)
    cli_open = [r for r in cli if r["lifecycle"] in ("opened", "still open")]
    fig = model.fig

    # open findings: pack, leadership, dashboard, findings --json
    assert fig["open_findings"] == int(open_by_severity["findings"].sum()) == len(cli_open)
    assert fig["open_findings"] == table.filter(pl.col("lifecycle") != "closed").height
    html = leadership_html(model, ws.reports)
    assert f"<b>{fig['open_findings']}</b>open findings" in html
    # the gate finding on the export was fixed in the last full run: closed everywhere
    closed = [r for r in cli if r["lifecycle"] == "closed"]
    assert any(r["product_id"] == "shop.order_export" for r in closed)
    assert model.findings.filter(pl.col("state") == "remediated").height == len(closed)

    # posture: one score, the read model's, in the pack and on the dashboard
    assert fig["posture_score"] == overall["score"].item()
    pack_scores = dict(model.posture.select("domain", "score").iter_rows())
    assert pack_scores == dict(by_domain.select("domain", "score").iter_rows())

    # the latest results the pack shows are the dashboard's, carried forward
    latest = model.latest
    assert latest.height == int(by_domain["checks"].sum())
    assert latest.filter(pl.col("status") == "pass").height == int(by_domain["passing"].sum())
    assert latest.filter(pl.col("status") == "fail").height == int(by_domain["failing"].sum())
    assert int(latest.filter(pl.col("status") == "fail")["exceptions"].fill_null(0).sum()) == int(
        by_domain["exceptions"].sum()
    )
    # top risks: one definition, the dashboard's, in the leadership summary and the pack's data
    with Ledger(ws.ledger_path, read_only=True) as ledger:
        risks = posture.top_risks(ledger, JUNE, limit=8)
    assert model.tables()["top_risks"].equals(risks)
    for row in risks.iter_rows(named=True):
        assert row["check_id"] in html
    # trend points exist only where a full run happened
    assert sorted({p.day for p in trend["point"].to_list()}) == [1, 29]


def test_the_figures_the_text_quotes_are_a_data_table(model: PackModel) -> None:
    figures = model.tables()["figures"]
    values = dict(figures.select("name", "value").iter_rows())
    assert values["runs"] == "5" and values["full_runs"] == "2" and values["partial_runs"] == "3"
    assert values["open_findings"] == str(model.fig["open_findings"])
    assert set(figures["source_table"]) <= set(model.tables())


def test_per_check_trends_draw_complete_runs_and_mark_partial_ones(
    history: Path, model: PackModel
) -> None:
    ws = load_workspace(history)
    with Ledger(ws.ledger_path, read_only=True) as ledger:
        trend = checks.metric_trend(ledger, "contract.gate", "exceptions", JUNE)
    points: dict[int, set[tuple[str, str]]] = {}
    for row in trend.iter_rows(named=True):
        points.setdefault(row["day"].day, set()).add((row["product_id"], row["coverage"]))
    # the one-product run is a partial point; the one-check run read every product: complete
    assert points[8] == {("shop.orders", "partial")}
    for day in (1, 15, 29):
        assert {c for _, c in points[day]} == {"full"} and len(points[day]) == 3
    assert 22 not in points  # the scheduled run checked retention only

    blocks = {b.control.check_id: b for s in model.sections for b in s.blocks}
    gate = blocks["contract.gate"]
    # the pack's sparkline sums over products: only runs that read every product are drawn
    assert gate.partial_runs == 1 and "1 partial run(s) not drawn" in gate.trend_svg
    drawn = re.search(r'points="([^"]*)"', gate.trend_svg)
    assert drawn is not None and len(drawn.group(1).split()) == 3
    assert blocks["retention.missing_policy"].partial_runs == 1
