"""Runs `privacymesh retention apply --no-dry-run --yes` in child processes forked from this
one after the imports are done, so the crash test can kill each apply during its work, not
during start-up (used by test_retention_crash.py).

Protocol on stdin/stdout: prints `ready`; for each line `WORKSPACE AS_OF` it forks a child
running the command and prints `pid N`; on the next line `reap` it waits for that child and
prints `exit STATUS` (the child stays a zombie until then, so its pid cannot be reused)."""

from __future__ import annotations

import os
import sys

import pandas  # noqa: F401  (imported lazily by the apply's libraries: once, here)

import privacymesh.platform.retention  # noqa: F401  (the apply's imports, done once, here)
from privacymesh.catalog.odcs_schema import fideslang_categories, odcs_validator
from privacymesh.cli import main

# pure-Python caches every apply fills first; nothing here starts a thread before the forks
fideslang_categories()
odcs_validator()


def child(workspace: str, as_of: str) -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    sys.argv = ["privacymesh", "--workspace", workspace, "retention", "apply", "--no-dry-run"]
    sys.argv += ["--yes", "--as-of", as_of]
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    os._exit(code)


def serve() -> None:
    print("ready", flush=True)
    for line in sys.stdin:
        workspace, as_of = line.split()
        pid = os.fork()
        if pid == 0:
            child(workspace, as_of)
        print(f"pid {pid}", flush=True)
        assert sys.stdin.readline().strip() == "reap"
        _, status = os.waitpid(pid, 0)
        print(f"exit {status}", flush=True)


if __name__ == "__main__":
    serve()
