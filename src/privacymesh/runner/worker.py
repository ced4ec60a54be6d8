"""A worker process of `WorkerPool`: reads pickled jobs on stdin, writes (ok, value) on stdout,
until its parent closes the pipe (or dies)."""

from __future__ import annotations

import os
import pickle
import sys
import warnings

# An import a worker never needs that costs a second: jsonschema compiles the rfc3987 grammar
# for an `iri` format check nothing here uses.
BLOCKED = ("rfc3987_syntax",)


def _die_with_parent() -> None:
    """On Linux, ask the kernel to kill this worker when its parent dies (otherwise it would
    notice only after its current job, at the next read)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def serve() -> None:
    _die_with_parent()
    for name in BLOCKED:
        sys.modules.setdefault(name, None)  # type: ignore[assignment]
    warnings.simplefilter("ignore")
    from privacymesh.runner.pool import receive, send

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    # whatever a library prints goes to the log, never into the result pipe
    sys.stdout = sys.stderr
    for spec in sys.argv[1:]:
        _warm(spec)
    shared: dict[str, object] = {}
    while True:
        try:
            message = receive(stdin)
        except EOFError:
            return
        if message[0] == "init":
            shared = message[1]
            continue
        _, fn, args = message
        try:
            reply = (True, fn(shared, *args))
        except Exception as exc:
            reply = (False, exc)
        try:
            send(stdout, reply)
        except (TypeError, AttributeError, pickle.PicklingError):  # an unpicklable value
            send(stdout, (False, RuntimeError(f"{type(reply[1]).__name__}: {reply[1]}")))


def _warm(spec: str) -> None:
    """Run a "module:function" warm-up; a failure only costs the time it would have saved."""
    import importlib
    import traceback

    module, _, function = spec.partition(":")
    try:
        target = importlib.import_module(module)
        if function:
            getattr(target, function)()
    except Exception:
        traceback.print_exc()


if __name__ == "__main__":
    serve()
    # every reply is sent: skip the interpreter's teardown (freeing every module imported),
    # which the parent's run would wait for
    sys.stderr.flush()
    os._exit(0)
