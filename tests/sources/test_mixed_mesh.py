"""`privacymesh run` on the mixed sample mesh (PostgreSQL, S3, Delta, Iceberg) gives, product
by product, the results of the all-Parquet sample."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from lake_servers import S3Server
from mixed_mesh import PLACEMENT, copy_sample, mix

pytestmark = pytest.mark.slow

SRC = Path(__file__).parents[2] / "src"


def _run(root: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "privacymesh", "run", "--workers", "1"]
    for product_id in PLACEMENT:
        args += ["--product", product_id]
    return subprocess.run(
        args,
        cwd=root,
        env={**os.environ, **env, "PYTHONPATH": str(SRC)},
        capture_output=True,
        text=True,
        timeout=900,
    )


def _results(root: Path) -> dict[tuple[str, str], tuple[str, int | None, int | None]]:
    con = duckdb.connect(str(root / "evidence" / "ledger.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "SELECT check_id, coalesce(product_id, domain), status, population, exceptions "
            "FROM results"
        ).fetchall()
    finally:
        con.close()
    return {(r[0], r[1]): (r[2], r[3], r[4]) for r in rows}


def test_the_mixed_mesh_gives_the_results_of_the_parquet_sample(
    tmp_path: Path, s3_server: S3Server, postgres
) -> None:
    parquet = copy_sample(tmp_path / "parquet")
    mixed = copy_sample(tmp_path / "mixed")
    env = mix(
        mixed, s3_server, f"mixed-{secrets.token_hex(4)}", postgres, "mixed_" + secrets.token_hex(4)
    )
    plain = _run(parquet, {})
    moved = _run(mixed, env)
    assert plain.returncode == moved.returncode, moved.stdout + moved.stderr
    expected, got = _results(parquet), _results(mixed)
    for product_id in PLACEMENT:  # every moved product was read and checked
        assert any(k[1] == product_id for k in got), product_id
    assert got == expected
    assert not [k for k, v in got.items() if v[0] == "error"]
    ledger = (mixed / "evidence" / "ledger.duckdb").read_bytes()
    for secret in env.values():
        assert secret not in moved.stdout + moved.stderr
        assert secret.encode() not in ledger
