"""Every command on bad input exits 2 with one clear line on stderr, never a traceback: run as a
user runs them, in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from privacymesh.ledger import Ledger, ResultRecord

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture(scope="module")
def junk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Files no command should choke on."""
    root = tmp_path_factory.mktemp("junk")
    (root / "garbage.parquet").write_bytes(bytes(range(256)) * 16)
    (root / "empty.parquet").write_bytes(b"")
    (root / "empty.csv").write_bytes(b"")
    (root / "binary.csv").write_bytes(b"\xff\xfe\x00\x01garbage\x00\x00" * 50)
    (root / "quoting.csv").write_text('id,note\n1,"never closed\n2,b,c,d\n"3\n')
    (root / "folder.parquet").mkdir()
    (root / "not_a_pack").mkdir()
    (root / "not_a_pack" / "notes.txt").write_text("hello")
    (root / "garbage.duckdb").write_bytes(bytes(range(256)) * 12)
    with Ledger(root / "ledger.duckdb") as ledger:
        for _ in range(3):
            with ledger.begin_run() as run:
                run.add_result(ResultRecord("c", "pass"))
    data = (root / "ledger.duckdb").read_bytes()
    (root / "truncated.duckdb").write_bytes(data[: len(data) // 2])
    return root


def run(workspace: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "COLUMNS": "60"}
    env.pop("PRIVACYMESH_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "privacymesh.cli", "--workspace", str(workspace), *args],
        capture_output=True, text=True, env=env, timeout=180, stdin=subprocess.DEVNULL,
    )  # fmt: skip


CASES = [
    (["scan", "{junk}/garbage.parquet"], "cannot read it as PARQUET"),
    (["scan", "{junk}/empty.parquet"], "not a readable data file"),
    (["scan", "{junk}/empty.csv"], "not a readable data file"),
    (["scan", "{junk}/binary.csv"], "cannot read it as CSV"),
    (["scan", "{junk}/folder.parquet"], "is a folder"),
    (["scan", "{junk}"], "is a folder"),
    (["scan", "{junk}/missing.csv"], "file not found"),
    (["evidence", "verify", "--ledger", "{junk}/truncated.duckdb"], "damaged"),
    (["evidence", "verify", "--ledger", "{junk}/garbage.duckdb"], "cannot open the ledger"),
    (["evidence", "verify", "--expect-head", "twelve"], "SEQ:HASH"),
    (["pack", "verify", "{junk}/not_a_pack"], "not an audit pack"),
    (["pack", "verify", "{junk}/nowhere"], "not an audit pack"),
    (["consent", "check", "c1", "marketing", "--at", "yesterday"], "not an ISO time"),
    (["consent", "grant", "c1", "marketing", "--at", "2026-13-45"], "not an ISO time"),
    (["consent", "revoke", "nobody-at-all", "marketing"], "unknown subject"),
    (["consent", "ack", "ce-9999999", "shop.orders"], "no pending notice"),
    (["dsar", "status", "dsar-99999"], "unknown request"),
    (["dsar", "erase", "not-an-id"], "unknown request"),
    (["dsar", "export", "dsar-00001", "--out", "{junk}/pkg"], "unknown request"),
    (["dsar", "open", "-s", "c1", "-t", "erasure", "--received-at", "soon"], "not an ISO time"),
    (["dsar", "open", "-s", "c1", "-t", "teleport"], "teleport"),
    (["retention", "plan", "--as-of", "someday"], "not an ISO time"),
    (["query", "-r", "analyst", "-p", "x", "SELECT 1", "--actor", "anyone"], "--actor"),
    (["principals", "hash-token"], "no token on stdin"),
]


@pytest.mark.parametrize(("args", "words"), CASES, ids=[" ".join(a[:3]) for a, _ in CASES])
def test_bad_input_is_one_line_and_exit_2(
    shop_workspace: Path, junk: Path, args: list[str], words: str
) -> None:
    done = run(shop_workspace, [a.format(junk=junk) for a in args])
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, (done.returncode, done.stderr, done.stdout[-500:])
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert words in lines[0]
    assert "unexpected" not in lines[0]  # each of these is a known kind of bad input


def test_a_csv_with_broken_quoting_is_read_or_refused_never_a_traceback(
    shop_workspace: Path, junk: Path
) -> None:
    # DuckDB's reader falls back to unquoted fields, so this file is scanned as text
    done = run(shop_workspace, ["scan", str(junk / "quoting.csv")])
    assert "Traceback" not in done.stderr + done.stdout
    assert done.returncode in (0, 2) and len(done.stderr.strip().splitlines()) <= 1


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        ("the moon is made of cheese", "unexpected ValueError: the moon is made of cheese"),
        ("cannot parse +1 415 555 0134", "its message quotes personal data and is withheld"),
    ],
)
def test_an_unanticipated_error_is_one_line_and_never_leaks(message: str, shown: str) -> None:
    import typer
    from typer.testing import CliRunner

    from privacymesh.cli.output import handle_errors

    app = typer.Typer()

    @app.command()
    @handle_errors
    def boom() -> None:
        raise ValueError(message)

    result = CliRunner().invoke(app, [])
    assert result.exit_code == 2 and "Traceback" not in result.output
    (line,) = result.output.strip().splitlines()
    assert line.startswith("error: ") and shown in line and "415 555" not in line
