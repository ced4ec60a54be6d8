"""The sample's contracts carry ODCS quality rules; `contract.quality` judges them as
datacontract-cli 1.2.8's `datacontract test` does, on the data as generated (one seeded failure)
and on a damaged copy where most rules fail. `benchmarks/datacontract_parity.py` runs both tools
side by side and printed the verdicts held here."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from checks_support import SampleRun

from privacymesh.runner import run_checks
from privacymesh.sample.quality import damage
from privacymesh.workspace import load_workspace


def p(i: int, j: int) -> str:
    return f"schema[0].properties[{i}].quality[{j}]"


# datacontract-cli's failed rules on the damaged sample, by product (every other rule passed);
# a failed rule of severity `warning` it reports as a warning, counted here as failed
DATACONTRACT_CLI_DAMAGED = {
    "finance.invoices": {p(0, 0), p(0, 1), p(3, 0)},
    "fraud.device_signals": {p(5, 0), p(6, 0)},
    "growth.experiments": {p(1, 0)},
    "hr.employees": {p(0, 0), p(0, 1), p(6, 0)},
    "identity.users": {p(0, 0), p(0, 1), p(1, 0)},
    "lending.credit_scores": set(),
    "logistics.shipments": {p(0, 0), p(0, 1), p(6, 0), p(6, 1)},
    "payments.transactions": {p(0, 0), p(0, 1), p(3, 0)},
    "support.tickets": {p(0, 0), p(0, 1)},
}
RULES = {
    "finance.invoices": 3,
    "fraud.device_signals": 2,
    "growth.experiments": 2,
    "hr.employees": 3,
    "identity.users": 5,
    "lending.credit_scores": 1,
    "logistics.shipments": 4,
    "payments.transactions": 5,
    "support.tickets": 4,
}


def quality(workspace: Path) -> dict[str, tuple[int, int, set[str]]]:
    outcome = run_checks(load_workspace(workspace), ["contract.quality"], record=False)
    assert not [r for r in outcome.results if r.status == "error"]
    return {
        r.product or "": (
            r.values["rules"],
            r.values["rules_skipped"],
            {f.detail["rule"] for f in r.findings},
        )
        for r in outcome.results
    }


def test_the_seeded_rule_fails_and_nothing_else(sample_run: SampleRun) -> None:
    results = quality(sample_run.root.parent)
    assert {k: v[0] for k, v in results.items()} == RULES
    assert all(skipped == 0 for _, skipped, _ in results.values())
    seeded = sample_run.finding("contract.quality")
    failed = {k: v[2] for k, v in results.items() if v[2]}
    assert failed == {seeded["product"]: {seeded["rule"]}}
    outcome = run_checks(
        load_workspace(sample_run.root.parent),
        ["contract.quality"],
        ["logistics.shipments"],
        record=False,
    )
    (finding,) = outcome.results[0].findings
    assert finding.detail["observed"] == seeded["rows"] > 0
    assert finding.detail["severity"] == "error"


@pytest.fixture(scope="module")
def damaged(sample_run: SampleRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("damaged")
    shutil.copytree(sample_run.root, root / "mesh")
    text = (sample_run.root.parent / "privacymesh.toml").read_text()
    (root / "privacymesh.toml").write_text(text)
    for product in RULES:
        domain, name = product.split(".")
        data = root / "mesh" / "products" / domain / f"{name}.parquet"
        damage(pl.read_parquet(data)).write_parquet(data)
    return root


def test_same_verdicts_as_datacontract_cli_on_damaged_data(damaged: Path) -> None:
    results = quality(damaged)
    assert {k: v[2] for k, v in results.items()} == DATACONTRACT_CLI_DAMAGED
