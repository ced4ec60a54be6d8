"""Runs wait their turn: two `privacymesh run` processes beside a reader that holds the ledger
both wait (saying who holds it) and are both recorded; a run that waits past the workspace's
`[ledger] lock_timeout` is kept in the spool and recorded later, whole, by the next run or
`privacymesh evidence recover`."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from privacymesh.cli.app import app
from privacymesh.ledger import Ledger, read_snapshot
from privacymesh.ledger.pending import pending_runs
from privacymesh.runner import run_checks
from privacymesh.workspace import load_workspace

CHECK = "retention.expired_rows"
RUN = ("run", "--check", CHECK)
READER = (
    "import sys\n"
    "from privacymesh.ledger import Ledger\n"
    "ledger = Ledger(sys.argv[1], read_only=True)\n"
    "print('ready', flush=True)\n"
    "sys.stdin.readline()\n"
    "ledger.close()\n"
)
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}


def _reader(ledger_path: Path) -> subprocess.Popen[str]:
    """A process holding the ledger open read-only until it is sent a line."""
    proc = subprocess.Popen(
        [sys.executable, "-c", READER, str(ledger_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def _release(reader: subprocess.Popen[str]) -> None:
    assert reader.stdin is not None
    reader.stdin.write("go\n")
    reader.stdin.close()
    reader.wait(timeout=30)


def _start_run(workspace: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "privacymesh.cli", "--workspace", str(workspace), *RUN],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**ENV, "COLUMNS": "200"},
    )


def _wait_for_text(procs: list[subprocess.Popen[str]], text: str, timeout: float) -> list[str]:
    """Read the processes' stderr until each has said `text`; returns what each said."""
    said = ["" for _ in procs]
    deadline = time.monotonic() + timeout
    while not all(text in s for s in said) and time.monotonic() < deadline:
        streams = [p.stderr for p in procs if p.stderr is not None]
        ready, _, _ = select.select(streams, [], [], 0.2)
        for stream in ready:
            i = streams.index(stream)
            said[i] += os.read(stream.fileno(), 4096).decode()
    return said


def _recorded(ledger_path: Path) -> dict[str, int]:
    with Ledger(ledger_path, read_only=True) as ledger:
        assert ledger.verify().ok
        runs = ledger.sql(
            "SELECT u.run_id, count(r.result_id) AS n FROM runs u "
            "LEFT JOIN results r USING (run_id) GROUP BY u.run_id"
        )
    return dict(zip(runs["run_id"].to_list(), runs["n"].to_list(), strict=True))


@pytest.mark.slow
def test_two_runs_beside_a_reader_both_wait_and_are_both_recorded(shop_workspace: Path) -> None:
    ws = load_workspace(shop_workspace)
    Ledger(ws.ledger_path).close()  # an empty ledger for the reader to hold
    reader = _reader(ws.ledger_path)
    runs = [_start_run(shop_workspace), _start_run(shop_workspace)]
    try:
        said = _wait_for_text(runs, "waiting for the ledger", timeout=90)
    finally:
        _release(reader)
    outputs = [p.communicate(timeout=90) for p in runs]
    for (_, err), early in zip(outputs, said, strict=True):
        assert f"waiting for the ledger (held by process {reader.pid})" in early + err
    assert [p.returncode for p in runs] == [0, 0], outputs
    ids = [re.search(r"recorded as run (\S+?);", out.replace("\n", " ")) for out, _ in outputs]
    assert all(ids), outputs
    recorded = _recorded(ws.ledger_path)
    assert {m.group(1) for m in ids if m} == set(recorded)  # both, and nothing else
    assert list(recorded.values()) == [1, 1]  # shop.orders, the one product with retention


def test_a_run_past_the_lock_timeout_is_spooled_then_recorded_whole(shop_workspace: Path) -> None:
    file = shop_workspace / "privacymesh.toml"
    file.write_text(file.read_text() + "[ledger]\nlock_timeout = 0.5\n")
    ws = load_workspace(shop_workspace)
    Ledger(ws.ledger_path).close()
    reader = _reader(ws.ledger_path)
    try:
        spooled = run_checks(ws, [CHECK, "contract.gate"])
    finally:
        _release(reader)
    assert spooled.spooled is not None and spooled.exit_code == 2
    assert "in use by another process" in (spooled.spool_reason or "")
    assert pending_runs(ws.ledger_path) == [spooled.spooled]
    assert spooled.spooled.stat().st_mode & 0o077 == 0  # results are evidence: owner only
    assert _recorded(ws.ledger_path) == {}

    # the next run records the spooled one first, then itself
    later = run_checks(ws, [CHECK])
    assert later.spooled is None and later.recovered == (spooled.run_id,)
    assert pending_runs(ws.ledger_path) == []
    recorded = _recorded(ws.ledger_path)
    assert recorded == {spooled.run_id: len(spooled.results), later.run_id: 1}
    with Ledger(ws.ledger_path, read_only=True) as ledger:
        kept = ledger.results(run_id=spooled.run_id)
        runs = {r["run_id"]: r for r in ledger.runs().to_dicts()}
    expected = sorted((r.check_id, r.product, r.status, r.exceptions) for r in spooled.results)
    assert (
        sorted(
            zip(
                kept["check_id"],
                kept["product_id"],
                kept["status"],
                kept["exceptions"],
                strict=True,
            )
        )
        == expected
    )
    with Ledger(ws.ledger_path, read_only=True) as ledger:
        findings = ledger.findings(run_id=spooled.run_id)
    assert findings.height == sum(len(r.findings) for r in spooled.results) > 0
    assert sorted(findings["column_name"].to_list()) == sorted(
        f.column for r in spooled.results for f in r.findings
    )
    # it keeps its own times: it finished before the run that recorded it had started
    assert runs[spooled.run_id]["finished_at"] <= runs[later.run_id]["started_at"]
    assert CHECK in runs[spooled.run_id]["options"]


def test_evidence_recover_records_the_spool(shop_workspace: Path) -> None:
    file = shop_workspace / "privacymesh.toml"
    file.write_text(file.read_text() + "[ledger]\nlock_timeout = 0\n")
    ws = load_workspace(shop_workspace)
    Ledger(ws.ledger_path).close()
    reader = _reader(ws.ledger_path)
    try:
        spooled = run_checks(ws, [CHECK])
    finally:
        _release(reader)
    assert spooled.spooled is not None
    runner = CliRunner()
    result = runner.invoke(app, ["--workspace", str(shop_workspace), "evidence", "recover"])
    assert result.exit_code == 0, result.output
    assert f"recorded run {spooled.run_id}" in result.output
    assert _recorded(ws.ledger_path) == {spooled.run_id: 1}
    again = runner.invoke(app, ["--workspace", str(shop_workspace), "evidence", "recover"])
    assert again.exit_code == 0 and "no spooled runs" in again.output


def test_a_verifying_reader_lets_a_writer_in(shop_workspace: Path) -> None:
    """`read_snapshot` (what `evidence verify` reads) holds the live file only while copying."""
    ws = load_workspace(shop_workspace)
    first = run_checks(ws, [CHECK])
    with read_snapshot(ws.ledger_path) as copy:
        # a writer takes the live ledger at once while the reader works on its copy
        second = run_checks(ws, [CHECK])
        assert second.spooled is None and second.run_id
        assert copy.runs()["run_id"].to_list() == [first.run_id]
        assert copy.verify().ok
    assert set(_recorded(ws.ledger_path)) == {first.run_id, second.run_id}


def test_a_bad_lock_timeout_is_a_workspace_error(shop_workspace: Path) -> None:
    file = shop_workspace / "privacymesh.toml"
    file.write_text(file.read_text() + '[ledger]\nlock_timeout = "soon"\n')
    runner = CliRunner()
    result = runner.invoke(app, ["--workspace", str(shop_workspace), *RUN])
    assert result.exit_code == 2
    assert "[ledger.lock_timeout]: lock_timeout must be a number of seconds" in result.output
