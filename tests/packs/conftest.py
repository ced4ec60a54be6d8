"""Fixtures of the pack tests: a small sample mesh in tmp, four recorded runs (one in 2026-Q2,
three in 2026-Q3; a gate finding fixed between the second and third), and a pack built once."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

from privacymesh.ledger.signing import generate_key
from privacymesh.packs import PackOptions, PackResult, build_pack
from privacymesh.platform.principals import os_user
from privacymesh.runner import run_checks
from privacymesh.workspace import Workspace, load_workspace

REPO = Path(__file__).parents[2]
CHECKS = ["retention", "contract.gate", "pii.restricted_unmasked", "dsar.pack_fixture_open_tasks"]
AS_OF = [datetime(2026, 6, 20), datetime(2026, 7, 10), datetime(2026, 8, 10), datetime(2026, 9, 10)]

# A mesh-wide check of the test's own: one result per domain, so packs show mesh results.
MESH_CHECK = """\
id: dsar.pack_fixture_open_tasks
title: Open DSAR tasks per domain (pack test fixture)
control: {id: PM-TEST-01, statement: Each domain closes its DSAR tasks.}
regulations: ["GDPR Art. 12(3)"]
severity: low
schedule: "0 6 * * *"
scope: mesh
procedure: Count each domain's DSAR tasks and the open ones.
sql: |
  SELECT domain, count(*) AS population,
         count(*) FILTER (WHERE status = 'open') AS exceptions
  FROM platform.dsar_tasks GROUP BY domain ORDER BY domain
metric: exceptions
threshold: {max: 1000000}
"""


def _fix_gate_finding(catalog: Path) -> None:
    """Give crm.customer_360's restricted `phone` a masking rule (PM-CAT-005 then holds)."""
    path = catalog / "crm" / "customer_360.odcs.yaml"
    text = path.read_text("utf-8")
    anchor = "    - {property: piiCategory, value: user.contact.phone_number}\n"
    assert anchor in text
    path.write_text(
        text.replace(anchor, anchor + "    - {property: maskingRule, value: partial}\n", 1),
        "utf-8",
    )


@pytest.fixture(scope="session")
def pack_ws(tmp_path_factory: pytest.TempPathFactory, generated_sample: Path) -> Workspace:
    root = tmp_path_factory.mktemp("packws")
    shutil.copytree(generated_sample, root / "sample")
    checks = root / "checks"
    checks.mkdir()
    for spec in (REPO / "checks").glob("*.yaml"):
        (checks / spec.name).write_bytes(spec.read_bytes())
    (checks / "dsar.pack_fixture_open_tasks.yaml").write_text(MESH_CHECK, "utf-8")
    (root / "privacymesh.toml").write_text(
        'name = "pack test mesh"\n[paths]\ncatalog = "sample/contracts"\n'
        'platform = "sample/platform"\nchecks = "checks"\nevidence = "evidence"\n'
        f'reports = "{(REPO / "reports").as_posix()}"\nsample = "sample"\n'
        '[engine]\nkind = "duckdb"\n',
        "utf-8",
    )
    ws = load_workspace(root)
    for i, as_of in enumerate(AS_OF):
        if i == 3:
            _fix_gate_finding(ws.catalog)
        outcome = run_checks(ws, CHECKS, as_of=as_of)
        assert outcome.run_id
    return ws


@pytest.fixture(scope="session")
def built_pack(pack_ws: Workspace) -> PackResult:
    return build_pack(pack_ws, PackOptions(period="2026-Q3"))


ACCOUNTABILITY = """\
[accountability]
controller = "Test Bank plc"
dpo = { name = "Data Protection Office", email = "dpo-office@bank.example" }
preparer = "Privacy engineering"
reviewers = [{ principal = "%s", name = "Internal audit" }]
approvers = [{ principal = "someone-else", name = "The board" }]
"""


@pytest.fixture(scope="session")
def acc_ws(pack_ws: Workspace, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = tmp_path_factory.mktemp("signoffws") / "ws"
    shutil.copytree(pack_ws.root, root, ignore=shutil.ignore_patterns("packs"))
    with (root / "privacymesh.toml").open("a", encoding="utf-8") as handle:
        handle.write(ACCOUNTABILITY % os_user())
    ws = load_workspace(root)
    generate_key(ws.evidence / "signing.key")
    return ws


@pytest.fixture(scope="session")
def draft_pack(acc_ws: Workspace) -> PackResult:
    return build_pack(acc_ws, PackOptions(period="2026-Q3", pdf=False))
