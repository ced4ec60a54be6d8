"""Console output shared by every command, and the one place errors become an exit code."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from privacymesh.cli.exit_codes import ExitCode
from privacymesh.errors import PrivacyMeshError
from privacymesh.workspace import Workspace, load_workspace

console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: ExitCode = ExitCode.ERROR) -> typer.Exit:
    # one line, never wrapped: scripts and people grep for it
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(int(code))


def handle_errors(func: F) -> F:
    """Turn privacymesh's typed errors into one readable line and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PrivacyMeshError as exc:
            raise fail(str(exc)) from None

    return wrapper  # type: ignore[return-value]


def workspace_from(ctx: typer.Context) -> Workspace:
    """The workspace named by the root `--workspace` option, or found upward from here."""
    root = ctx.find_root()
    path: Path | None = (root.obj or {}).get("workspace") if isinstance(root.obj, dict) else None
    return load_workspace(path)


@contextmanager
def progress_bar(transient: bool = True) -> Iterator[Progress]:
    """A Rich progress bar on stderr, hidden when output is not a terminal."""
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=transient,
    ) as progress:
        yield progress
