"""The workspace's declared markets reach the PII checks: a contact column of German numbers
as Germans write them is undeclared personal data in a mesh that serves Germany. One real run
over a Parquet file."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import yaml
from checks_mesh import build, contract

from privacymesh.runner import run_checks
from privacymesh.workspace import load_workspace

GERMAN = [
    "030 8914177", "089 1317066", "040 1439150", "0221 180636", "069 4377835", "0160 5158683",
    "0151 2384471", "0170 9911023", "0176 4452810", "030 2261894", "089 5512078", "040 7781230",
]  # fmt: skip


def _mesh(root: Path) -> Path:
    root = build(root)
    doc = contract(
        "sales",
        "leads",
        "source",
        [{"name": "lead_id", "pii": "user.unique_id"}, {"name": "kontakt"}],
        None,
    )
    (root / "contracts" / "sales.leads.odcs.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    pl.DataFrame(
        {"lead_id": [f"L{i:04d}" for i in range(len(GERMAN) * 4)], "kontakt": GERMAN * 4}
    ).write_parquet(root / "data" / "sales.leads.parquet")
    return root


def _undeclared(root: Path) -> int:
    outcome = run_checks(
        load_workspace(root), ["pii.undeclared"], products=["sales.leads"], record=False
    )
    (result,) = outcome.results
    return result.exceptions


def test_declared_markets_reach_the_pii_checks(tmp_path: Path) -> None:
    root = _mesh(tmp_path / "ws")
    assert _undeclared(root) == 0
    file = root / "privacymesh.toml"
    file.write_text('markets = ["DE"]\n' + file.read_text())
    assert _undeclared(root) == 1
