"""One small generated sample shared by every test of the sample generator."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import yaml

from privacymesh.sample import SampleManifest, generate

SCALE = 0.05
SEED = 42


@dataclass
class Sample:
    root: Path
    manifest: SampleManifest
    findings: dict
    progress: list[tuple[str, int, int]]

    def finding(self, check: str, **match) -> dict:
        hits = [
            f
            for f in self.findings["findings"]
            if f["check"] == check and all(f.get(k) == v for k, v in match.items())
        ]
        assert len(hits) == 1, f"expected one {check} {match}, found {len(hits)}"
        return hits[0]

    def product(self, product_id: str) -> str:
        domain, name = product_id.split(".")
        return f"read_parquet('{self.root / 'products' / domain / (name + '.parquet')}')"

    def platform(self, table: str) -> str:
        return f"read_parquet('{self.root / 'platform' / (table + '.parquet')}')"

    def contract(self, product_id: str) -> dict:
        domain, name = product_id.split(".")
        path = self.root / "contracts" / domain / f"{name}.odcs.yaml"
        return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    root = tmp_path_factory.mktemp("sample_a")
    calls: list[tuple[str, int, int]] = []
    manifest = generate(
        root,
        scale=SCALE,
        seed=SEED,
        progress=lambda step, done, total: calls.append((step, done, total)),
    )
    findings = yaml.safe_load((root / "expected_findings.yaml").read_text(encoding="utf-8"))
    return Sample(root, manifest, findings, calls)


class Db:
    """A DuckDB connection with two shortcuts: `one` (first value) and `all` (rows)."""

    def __init__(self) -> None:
        self.con = duckdb.connect()

    def one(self, sql: str):
        return self.con.execute(sql).fetchone()[0]

    def all(self, sql: str) -> list[tuple]:
        return self.con.execute(sql).fetchall()


@pytest.fixture(scope="session")
def db() -> Db:
    con = Db()
    yield con
    con.con.close()
