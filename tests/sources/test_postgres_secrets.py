"""Secrets stay out of contracts and out of every output: the password is named in
`[sources.NAME]` (an environment variable or an owner-only file) and never reaches the ledger,
the packs, the logs or the terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from postgres_server import PASSWORD_ENV, pg_source

from privacymesh.errors import WorkspaceError
from privacymesh.runner.run import run_checks
from privacymesh.workspace import load_workspace

CHECKS = ["retention.expired_rows", "pii.undeclared"]


def _cli(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run(
        [sys.executable, "-m", "privacymesh", "--workspace", str(workspace), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=workspace,
    )


@pytest.mark.slow
def test_the_password_reaches_no_output(pg_workspace: Path, postgres) -> None:
    secret = postgres.password
    runs = [_cli(pg_workspace, "run", *(a for c in CHECKS for a in ("-c", c)), "--workers", "1")]
    # a failing source too: its error message must not carry the secret either
    postgres.stop()
    try:
        runs.append(_cli(pg_workspace, "run", "-c", CHECKS[0]))
    finally:
        postgres.start()
    assert runs[0].returncode in (0, 1), runs[0].stderr
    assert runs[1].returncode == 2 and "shop_pg" in runs[1].stdout + runs[1].stderr
    toml = pg_workspace / "privacymesh.toml"
    reports = Path(__file__).parents[2] / "reports"
    toml.write_text(
        toml.read_text().replace(
            'checks = "checks"\n', f'checks = "checks"\nreports = "{reports}"\n'
        )
    )
    runs.append(_cli(pg_workspace, "pack", "--no-pdf"))
    assert runs[-1].returncode == 0, runs[-1].stderr
    runs.append(_cli(pg_workspace, "findings"))
    for run in runs:
        assert secret not in run.stdout and secret not in run.stderr
    outputs = [p for p in (pg_workspace / "evidence").rglob("*") if p.is_file()]
    assert any(p.name == "ledger.duckdb" for p in outputs)
    assert any(p.suffix == ".html" for p in outputs)
    for path in outputs:
        assert secret.encode() not in path.read_bytes(), path
    # nor the server's own log of what privacymesh sent it
    assert secret not in postgres.log.read_text()


def test_a_secret_written_in_the_workspace_file_is_refused(pg_workspace: Path) -> None:
    toml = pg_workspace / "privacymesh.toml"
    toml.write_text(toml.read_text().replace('password_env = "', 'password = "'))
    with pytest.raises(WorkspaceError, match=r"a secret is written in the file \(password\)"):
        run_checks(load_workspace(pg_workspace), CHECKS[:1], record=False)
    result = _cli(pg_workspace, "run", "-c", CHECKS[0])
    assert result.returncode == 2
    assert "sources.shop_pg.password" in result.stderr + result.stdout


def test_password_file_readable_only_by_its_owner(
    pg_workspace: Path, postgres, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PASSWORD_ENV)
    secret = pg_workspace / "pg.secret"
    secret.write_text(postgres.password + "\n")
    toml = pg_workspace / "privacymesh.toml"
    text = toml.read_text().split("[sources.shop_pg]")[0]
    toml.write_text(text + pg_source(postgres, password_file="pg.secret"))
    secret.chmod(0o640)
    outcome = run_checks(load_workspace(pg_workspace), CHECKS[:1], record=False)
    (refused,) = [r for r in outcome.results if r.product == "shop.orders"]
    assert refused.status == "error"
    assert "is open to group or others (mode 640): refusing it" in refused.reason
    secret.chmod(0o600)
    outcome = run_checks(load_workspace(pg_workspace), CHECKS[:1], record=False)
    (read,) = [r for r in outcome.results if r.product == "shop.orders"]
    assert read.status == "pass" and read.population == 5
