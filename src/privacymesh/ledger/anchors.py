"""Anchors: places outside the ledger's folder that keep every signed head the workspace made.

A forger who can rewrite the ledger file can recompute all its hashes, but not take back a head
already copied elsewhere. Three methods, configured under `[evidence] anchors` in privacymesh.toml:

    anchors = [
        { file = "/mnt/worm/privacymesh-heads.jsonl" },        # append-only JSON lines
        { git = "/srv/evidence-heads", push = true },          # commit (and push) heads.jsonl
        { command = ["tsa-stamp", "--url", "https://tsa.example"] },   # head JSON on stdin
    ]

Every anchor receives the same entry (one line of canonical JSON). A command's standard output
is its receipt (e.g. an RFC 3161 timestamp token), kept with the entry in
`<evidence>/anchor-receipts.jsonl`; only file and git anchors can be read back by
`evidence verify --anchors`, a receipt is checked with the issuer's own tool.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from privacymesh.ledger.chain import canonical_json
from privacymesh.ledger.errors import LedgerError

GIT_FILE = "heads.jsonl"
RECEIPTS_FILE = "anchor-receipts.jsonl"
COMMAND_TIMEOUT = 60.0


class AnchorError(LedgerError):
    """An anchor could not be written or read."""


def _append_line(path: Path, line: str) -> None:
    """Append one line under an exclusive lock and sync it, so concurrent writers interleave
    whole lines and a crash loses at most the line being written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, (line + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)


def _parse_lines(text: str, where: str) -> list[dict[str, Any]]:
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError as exc:
            raise AnchorError(f"line {number} is not JSON ({exc.msg})", file=where) from exc
        if not isinstance(entry, dict) or not isinstance(entry.get("statement"), dict):
            raise AnchorError(f"line {number} is not a signed head entry", file=where)
        entries.append(entry)
    return entries


@dataclass(frozen=True)
class FileAnchor:
    """A JSON-lines file in another directory (ideally another disk, mount or machine)."""

    path: Path
    readable: bool = True

    @property
    def name(self) -> str:
        return f"file:{self.path}"

    def push(self, line: str) -> None:
        try:
            _append_line(self.path, line)
        except OSError as exc:
            raise AnchorError(f"cannot append: {exc.strerror}", file=self.path) from exc

    def read(self) -> list[dict[str, Any]]:
        if not self.path.is_file():
            return []
        try:
            text = self.path.read_text("ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise AnchorError(f"cannot read: {exc}", file=self.path) from exc
        return _parse_lines(text, str(self.path))


def _git(repo: Path, *args: str, stdin: str | None = None) -> str:
    git = shutil.which("git")
    if git is None:
        raise AnchorError("git is not installed", file=repo, hint="install git or drop the anchor")
    command = [git, "-C", str(repo), *args]
    done = subprocess.run(
        command, input=stdin, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False
    )
    if done.returncode != 0:
        first = (done.stderr.strip() or done.stdout.strip() or "no message").splitlines()[0]
        raise AnchorError(f"git {args[0]} failed: {first}", file=repo)
    return done.stdout


@dataclass(frozen=True)
class GitAnchor:
    """A git repository: each entry is appended to `heads.jsonl` and committed (and pushed to
    its upstream with `push = true`). Reading takes the committed file, not the work tree."""

    repo: Path
    push_upstream: bool = False
    readable: bool = True

    @property
    def name(self) -> str:
        return f"git:{self.repo}"

    def push(self, line: str) -> None:
        if not (self.repo / ".git").exists() and not (self.repo / "HEAD").is_file():
            raise AnchorError("not a git repository", file=self.repo, hint=f"git init {self.repo}")
        try:
            _append_line(self.repo / GIT_FILE, line)
        except OSError as exc:
            raise AnchorError(f"cannot append: {exc.strerror}", file=self.repo) from exc
        _git(self.repo, "add", GIT_FILE)
        statement = json.loads(line)["statement"]
        message = f"privacymesh head {statement.get('at')}"
        _git(
            self.repo,
            "-c",
            "user.name=privacymesh",
            "-c",
            "user.email=privacymesh@localhost",
            "-c",
            "commit.gpgsign=false",
            "commit",
            "--quiet",
            "--message",
            message,
        )
        if self.push_upstream:
            _git(self.repo, "push", "--quiet")

    def read(self) -> list[dict[str, Any]]:
        try:
            _git(self.repo, "rev-parse", "--verify", "--quiet", "HEAD")
        except AnchorError:
            return []  # no commit yet: nothing anchored here
        try:
            text = _git(self.repo, "show", f"HEAD:{GIT_FILE}")
        except AnchorError:
            return []
        return _parse_lines(text, f"{self.repo}:{GIT_FILE}")


@dataclass(frozen=True)
class CommandAnchor:
    """A command run with the entry on stdin; its stdout is the receipt (base64 in the
    receipts file). A non-zero exit is a failed anchor."""

    argv: tuple[str, ...]
    receipts: Path
    readable: bool = False

    @property
    def name(self) -> str:
        return f"command:{self.argv[0]}"

    def push(self, line: str) -> None:
        try:
            done = subprocess.run(
                list(self.argv),
                input=(line + "\n").encode("ascii"),
                capture_output=True,
                timeout=COMMAND_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise AnchorError(f"anchor command {self.argv[0]!r} did not run: {exc}") from exc
        if done.returncode != 0:
            text = done.stderr.decode("utf-8", "replace").strip() or "no message"
            raise AnchorError(
                f"anchor command {self.argv[0]!r} exited {done.returncode}: {text.splitlines()[0]}"
            )
        receipt = {
            "command": list(self.argv),
            "entry": json.loads(line),
            "receipt": base64.b64encode(done.stdout).decode("ascii"),
        }
        _append_line(self.receipts, canonical_json(receipt))

    def read(self) -> list[dict[str, Any]]:
        return []


Anchor = FileAnchor | GitAnchor | CommandAnchor


@dataclass(frozen=True)
class PushOutcome:
    """Which anchors took an entry, and why the others did not."""

    pushed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def push_all(anchors: tuple[Anchor, ...], entry: dict[str, Any]) -> PushOutcome:
    """Give one entry to every anchor; one anchor failing does not stop the others."""
    line = canonical_json(entry)
    outcome = PushOutcome()
    for anchor in anchors:
        try:
            anchor.push(line)
        except (AnchorError, OSError, subprocess.TimeoutExpired) as exc:
            outcome.failed[anchor.name] = str(exc)
        else:
            outcome.pushed.append(anchor.name)
    return outcome


def parse_anchor(value: Any, root: Path, receipts: Path, where: str) -> Anchor:
    """One `[evidence] anchors` item: `{file = PATH}`, `{git = PATH, push = BOOL}`,
    `{command = [ARGV...]}`, or the CLI's `file:PATH` / `git:PATH` text."""
    if isinstance(value, str):
        method, sep, rest = value.partition(":")
        if not sep or method not in ("file", "git") or not rest:
            raise AnchorError(
                f"anchor {value!r} is not file:PATH or git:PATH",
                field=where,
                hint="e.g. file:/mnt/worm/heads.jsonl",
            )
        value = {method: rest}
    if not isinstance(value, dict):
        raise AnchorError("an anchor must be a table", field=where, hint='{ file = "PATH" }')
    methods = [k for k in ("file", "git", "command") if k in value]
    unknown = sorted(set(value) - {"file", "git", "command", "push"})
    if len(methods) != 1 or unknown:
        raise AnchorError(
            "an anchor names exactly one of file, git or command"
            + (f" (unknown keys: {', '.join(unknown)})" if unknown else ""),
            field=where,
            hint='{ file = "/mnt/worm/heads.jsonl" }',
        )
    method = methods[0]
    if method == "command":
        argv = value["command"]
        if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
            raise AnchorError(
                "command must be a non-empty list of strings", field=f"{where}.command"
            )
        return CommandAnchor(tuple(argv), receipts)
    target = value[method]
    if not isinstance(target, str) or not target:
        raise AnchorError(f"{method} must be a path", field=f"{where}.{method}")
    path = Path(target).expanduser()
    path = path if path.is_absolute() else (root / path).resolve()
    if method == "file":
        return FileAnchor(path)
    return GitAnchor(path, push_upstream=bool(value.get("push", False)))
