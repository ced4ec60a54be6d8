"""The pack's tables against the ledger and the catalog they come from."""

from __future__ import annotations

import re

import polars as pl

from privacymesh.catalog import load_catalog
from privacymesh.ledger import Ledger
from privacymesh.packs import PackResult
from privacymesh.workspace import Workspace

# The newest result in 2026-Q3 (by the run's as_of) of each check, product and domain, summed
# per check and domain: written independently of the pack builder.
LEDGER_MATRIX = """
WITH r AS (
    SELECT r.*, CAST(json_extract_string(u.options, '$.as_of') AS TIMESTAMP) AS as_of
    FROM results r JOIN runs u USING (run_id)
), newest AS (
    SELECT * FROM r WHERE as_of >= TIMESTAMP '2026-07-01' AND as_of < TIMESTAMP '2026-10-01'
    QUALIFY row_number() OVER (PARTITION BY check_id, product_id, domain
                               ORDER BY as_of DESC, seq DESC) = 1
)
SELECT check_id, domain, count(*) AS results, sum(exceptions) AS exceptions,
       sum(population) AS population, count(*) FILTER (WHERE status = 'fail') AS failed,
       string_agg(DISTINCT run_id, ' ' ORDER BY run_id) AS run_ids
FROM newest GROUP BY check_id, domain ORDER BY check_id, domain NULLS FIRST
"""


def _csv(pack: PackResult, name: str) -> pl.DataFrame:
    return pl.read_csv(pack.root / "data" / f"{name}.csv", infer_schema_length=None)


def test_pack_files_are_all_there(built_pack: PackResult) -> None:
    names = {p.relative_to(built_pack.root).as_posix() for p in built_pack.files}
    for required in (
        "index.html",
        "index.pdf",
        "oscal/assessment-results.json",
        "manifest.json",
        "pack.zip",
        "data/control_matrix.csv",
        "data/control_matrix.parquet",
        "data/findings_lifecycle.parquet",
        "data/results.csv",
        "data/ropa.csv",
    ):
        assert required in names
    assert built_pack.root.parent.name == "2026-Q3" and built_pack.root.name.startswith("v")
    assert built_pack.root.parent.parent.name == "packs"
    assert not list(built_pack.root.parent.glob(".*building"))


def test_only_runs_of_the_period_are_in_the_pack(
    pack_ws: Workspace, built_pack: PackResult
) -> None:
    runs = _csv(built_pack, "runs")
    assert runs.height == 3
    assert runs["as_of"].str.slice(0, 10).to_list() == ["2026-07-10", "2026-08-10", "2026-09-10"]
    with Ledger(pack_ws.ledger_path, read_only=True) as ledger:
        assert ledger.runs().height == 4  # the June run is left out
        q3 = ledger.sql(
            "SELECT count(*) AS n FROM results WHERE run_id IN (SELECT run_id FROM runs "
            "WHERE json_extract_string(options, '$.as_of') >= '2026-07')"
        ).item()
    assert _csv(built_pack, "results").height == q3


def test_control_matrix_rows_and_exceptions_equal_the_ledger(
    pack_ws: Workspace, built_pack: PackResult
) -> None:
    with Ledger(pack_ws.ledger_path, read_only=True) as ledger:
        expected = ledger.sql(LEDGER_MATRIX)
    matrix = _csv(built_pack, "control_matrix").sort(["check_id", "domain"], nulls_last=False)
    cols = ["check_id", "domain", "results", "exceptions", "population", "failed", "run_ids"]
    got = matrix.select(cols)
    assert got.height == expected.height > 20
    assert got.to_dicts() == expected.select(cols).to_dicts()
    # mesh-wide check: one row per domain, and its exceptions are the ledger's
    mesh = matrix.filter(pl.col("check_id") == "dsar.pack_fixture_open_tasks")
    assert mesh.height == len(set(mesh["domain"].to_list())) >= 5
    # the matrix carries the control, its statement, regulations, procedure and frequency
    gate = matrix.filter(pl.col("check_id") == "contract.gate").row(0, named=True)
    assert gate["control_id"] == "PM-GOV-01"
    assert "GDPR Art. 25" in gate["regulations"]
    assert gate["frequency"] == "hourly at minute 00"
    assert gate["method"] == "measure contract_gate"
    assert gate["runs_in_period"] == 3
    retention = matrix.filter(
        (pl.col("check_id") == "retention.expired_rows") & (pl.col("domain") == "logistics")
    ).row(0, named=True)
    assert retention["status"] == "fail" and retention["exceptions"] > 0


def test_every_row_traces_to_ledger_records(pack_ws: Workspace, built_pack: PackResult) -> None:
    latest = _csv(built_pack, "latest_results")
    assert latest["run_id"].null_count() == 0 and latest["check_id"].null_count() == 0
    with Ledger(pack_ws.ledger_path, read_only=True) as ledger:
        stored = ledger.sql("SELECT result_id, seq, hash, run_id, check_id FROM results")
    joined = latest.select("result_id", "seq", "hash", "run_id", "check_id").join(
        stored, on="result_id", suffix="_ledger"
    )
    assert joined.height == latest.height
    for col in ("seq", "hash", "run_id", "check_id"):
        assert (joined[col] == joined[f"{col}_ledger"]).all()
    assert _csv(built_pack, "control_matrix")["run_ids"].null_count() == 0
    html = (built_pack.root / "index.html").read_text("utf-8")
    for run_id in _csv(built_pack, "runs")["run_id"]:
        assert run_id in html


def test_ropa_rows_are_the_catalogs_products_with_personal_data(
    pack_ws: Workspace, built_pack: PackResult
) -> None:
    catalog = load_catalog(pack_ws.catalog)
    expected = sorted(p.id for p in catalog.products.values() if p.has_personal_data)
    ropa = _csv(built_pack, "ropa")
    assert ropa["product_id"].to_list() == expected
    users = ropa.filter(pl.col("product_id") == "identity.users").row(0, named=True)
    assert "user.contact.email" in users["data_categories"]
    assert users["retention"].startswith("1825 d")
    assert "analytics.user_profile_wide" in users["recipients"]  # downstream consumer
    assert "email: partial" in users["masking"]
    assert "@" not in " ".join(str(v) for v in ropa.row(0))  # owners by team, not by address


def test_findings_lifecycle_follows_successive_runs(built_pack: PackResult) -> None:
    life = _csv(built_pack, "findings_lifecycle")
    runs = _csv(built_pack, "runs")["run_id"].to_list()
    gate = life.filter(
        (pl.col("check_id") == "contract.gate") & (pl.col("product_id") == "crm.customer_360")
    ).row(0, named=True)
    # seen since the June run (before the period), fixed by the contract change of the last run
    assert gate["state"] == "remediated" and gate["remediated_run"] == runs[-1]
    assert gate["first_seen_at"].startswith("2026-06-20")
    expired = life.filter(pl.col("check_id") == "retention.expired_rows").row(0, named=True)
    assert expired["state"] == "open" and expired["last_seen_run"] == runs[-1]
    assert expired["product_id"] == "logistics.shipments"


def test_sections_are_built_from_check_prefixes(built_pack: PackResult) -> None:
    html = (built_pack.root / "index.html").read_text("utf-8")

    def section(key: str) -> str:
        match = re.search(rf'id="family-{key}">(.*?)</section>', html, re.S)
        assert match, key
        return match.group(1)

    assert "No results in this period" in section("consent")  # no consent.* check ran
    assert "No results in this period" in section("cost")
    assert "dsar.pack_fixture_open_tasks" in section("dsar")  # a check the code never named
    assert "No results in this period" not in section("retention")
    for heading in ("Scope and methodology", "Control matrix", "Integrity appendix",
                    "Record of processing activities"):  # fmt: skip
        assert f">{heading}" in html
    assert "<script" not in html and "<link" not in html  # self-contained, opens offline
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_pdf_text_has_the_headings(built_pack: PackResult) -> None:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(built_pack.root / "index.pdf"))
    try:
        text = "\n".join(page.get_textpage().get_text_range() for page in document)
        pages = len(document)
    finally:
        document.close()
    assert pages > 5
    for heading in ("Contents", "Control matrix", "Record of processing activities", "Findings"):
        assert heading in text
    assert built_pack.pack_id in text and "period 2026-Q3" in text  # running headers


def test_data_files_match_each_other(built_pack: PackResult) -> None:
    for csv in sorted((built_pack.root / "data").glob("*.csv")):
        parquet = pl.read_parquet(csv.with_suffix(".parquet"))
        assert pl.read_csv(csv, infer_schema_length=None).height == parquet.height, csv.name
