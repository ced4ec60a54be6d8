"""Runs wait their turn, and a finished run is never lost.

    run = RunWriter.detached(info)          # buffer results while the checks run
    run.add_result(...)
    outcome = commit_or_spool(ledger_path, run, lock_timeout=120)

The ledger is locked only for the commit. When another process holds it (a run committing, a
reader), the writer waits up to `lock_timeout` seconds, telling `on_wait` once (by default a
line on stderr naming the holder's process). When the ledger stays busy, or cannot be opened or
written at all, the run is written whole to `<evidence>/pending/<run_id>.json` (mode 0600,
atomically) and the outcome says where. Whichever writer next takes the ledger (the next run, a
retention apply, `privacymesh evidence recover`) commits every spooled run first, oldest first,
and only then deletes its file. A spooled run keeps its run id and its start and finish times;
its records were checked by the ledger's guard when they were added, and a run id already in
the ledger is never committed twice (a crash between the commit and the delete is harmless).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from privacymesh.ledger.errors import LedgerError
from privacymesh.ledger.records import RunInfo, RunSummary, utc_now
from privacymesh.ledger.schema import FINDINGS, RESULTS, ChainedTable
from privacymesh.ledger.store import Ledger, WaitNotice
from privacymesh.ledger.writer import RunWriter

if TYPE_CHECKING:
    from privacymesh.ledger.seal import Sealer

SPOOL_FORMAT = "privacymesh-pending-run/1"
_INFO_FIELDS = (
    "engine",
    "workspace_config_hash",
    "catalog_fingerprint",
    "options",
    "actor",
    "host",
    "code_version",
    "run_id",
)


@dataclass(frozen=True)
class CommitOutcome:
    """Where a run went: committed (`summary`) or kept in the spool (`spooled`, `reason`); and
    the spooled runs of others that were committed before it."""

    run_id: str
    summary: RunSummary | None = None
    spooled: Path | None = None
    reason: str | None = None
    recovered: tuple[str, ...] = ()


@dataclass
class RecoverReport:
    """What `commit_pending` did: run ids committed, run ids already in the ledger (their
    files removed), and files it could not read or record (left in place, with why)."""

    committed: list[str] = field(default_factory=list)
    already_recorded: list[str] = field(default_factory=list)
    unreadable: list[tuple[Path, str]] = field(default_factory=list)


def spool_dir(ledger_path: Path | str) -> Path:
    """The folder of runs waiting to be recorded: `pending/` beside the ledger file."""
    return Path(ledger_path).parent / "pending"


def pending_runs(ledger_path: Path | str) -> list[Path]:
    """Spooled run files, oldest run id first."""
    folder = spool_dir(ledger_path)
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def print_wait_notice(pid: str | None) -> None:
    """The default `on_wait`: one line on stderr while a writer waits for the ledger."""
    holder = f"held by process {pid}" if pid else "held by another process"
    print(f"waiting for the ledger ({holder})...", file=sys.stderr, flush=True)


def commit_or_spool(
    ledger_path: Path | str,
    run: RunWriter,
    *,
    lock_timeout: float,
    on_wait: WaitNotice | None = print_wait_notice,
    sealer: Sealer | None = None,
) -> CommitOutcome:
    """Commit a detached run (and the spooled runs before it), or spool it. See the module.
    With a `sealer`, each run committed closes with its signed head, anchored on close."""
    if run.finished_at is None:
        run.finished_at = utc_now()
    try:
        ledger = Ledger(ledger_path, lock_timeout=lock_timeout, on_wait=on_wait, sealer=sealer)
    except LedgerError as exc:
        return CommitOutcome(run.run_id, spooled=spool_run(ledger_path, run), reason=str(exc))
    try:
        recovered = commit_pending(ledger)
        try:
            summary = ledger._commit(run)
        except (LedgerError, duckdb.Error) as exc:
            path = spool_run(ledger_path, run)
            return CommitOutcome(
                run.run_id, spooled=path, reason=str(exc), recovered=tuple(recovered.committed)
            )
    finally:
        ledger.close()
    run.summary = summary
    return CommitOutcome(run.run_id, summary, recovered=tuple(recovered.committed))


def commit_pending(ledger: Ledger) -> RecoverReport:
    """Commit every spooled run into an open (writable) ledger, oldest first."""
    report = RecoverReport()
    for path in pending_runs(ledger.path):
        try:
            run = _read(path)
        except FileNotFoundError:  # another writer committed it a moment ago
            continue
        except (OSError, ValueError, KeyError, TypeError) as exc:
            report.unreadable.append((path, str(exc)))
            continue
        known = ledger.con.execute(
            "SELECT count(*) FROM runs WHERE run_id = ?", [run.run_id]
        ).fetchall()[0][0]
        if known:
            report.already_recorded.append(run.run_id)
        else:
            try:
                ledger._commit(run)
            except (LedgerError, duckdb.Error) as exc:  # kept for a later try; others go on
                report.unreadable.append((path, f"not recorded: {exc}"))
                continue
            report.committed.append(run.run_id)
        path.unlink(missing_ok=True)
    return report


def spool_run(ledger_path: Path | str, run: RunWriter) -> Path:
    """Write a run whole to the spool (0600, temporary file then rename); returns its path."""
    folder = spool_dir(ledger_path)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = folder / f"{run.run_id}.json"
    results, findings = run.buffered()
    info = {name: getattr(run.info, name) for name in _INFO_FIELDS}
    info["options"] = dict(run.info.options)
    info["run_id"] = run.run_id
    info["started_at"] = run.info.started_at.isoformat()
    info["as_of"] = run.info.as_of.isoformat() if run.info.as_of else None
    info["checks"] = [dict(spec) for spec in run.info.checks]
    document = {
        "format": SPOOL_FORMAT,
        "run_id": run.run_id,
        "info": info,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "results": _encode(RESULTS, results),
        "findings": _encode(FINDINGS, findings),
    }
    temp = folder / f".{run.run_id}.{secrets.token_hex(4)}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(document, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return target


def _timestamp_columns(table: ChainedTable) -> set[str]:
    return {c.name for c in table.columns if c.value_type == "ts"}


def _encode(table: ChainedTable, columns: dict[str, list[Any]]) -> dict[str, list[Any]]:
    stamps = _timestamp_columns(table)
    return {
        name: [v.isoformat() if name in stamps and v is not None else v for v in values]
        for name, values in columns.items()
    }


def _decode(table: ChainedTable, columns: dict[str, list[Any]]) -> dict[str, list[Any]]:
    stamps = _timestamp_columns(table)
    return {
        c.name: [
            datetime.fromisoformat(v) if c.name in stamps and v is not None else v
            for v in columns[c.name]
        ]
        for c in table.columns
    }


def _read(path: Path) -> RunWriter:
    document = json.loads(path.read_text(encoding="utf-8"))
    if document.get("format") != SPOOL_FORMAT:
        raise ValueError(f"not a spooled run (format {document.get('format')!r})")
    raw = document["info"]
    info = RunInfo(
        **{name: raw[name] for name in _INFO_FIELDS},
        started_at=datetime.fromisoformat(raw["started_at"]),
        as_of=datetime.fromisoformat(raw["as_of"]) if raw.get("as_of") else None,
        checks=tuple(raw.get("checks") or ()),
    )
    finished = document.get("finished_at")
    return RunWriter.restore(
        info,
        _decode(RESULTS, document["results"]),
        _decode(FINDINGS, document["findings"]),
        datetime.fromisoformat(finished) if finished else None,
    )
