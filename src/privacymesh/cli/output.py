"""Console output shared by every command, and the one place errors become an exit code."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import click
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
from rich.table import Table

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


DEBUG_ENV = "PRIVACYMESH_DEBUG"


def handle_errors(func: F) -> F:
    """Turn privacymesh's typed errors into one readable line and exit code 2; anything else
    that escapes a command is also one line and exit 2, never a traceback (set
    PRIVACYMESH_DEBUG=1 to see it)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PrivacyMeshError as exc:
            raise fail(str(exc)) from None
        except (typer.Exit, typer.Abort, click.exceptions.Exit, click.ClickException):
            raise
        except Exception as exc:
            if os.environ.get(DEBUG_ENV):
                raise
            raise fail(unexpected(exc)) from None

    return wrapper  # type: ignore[return-value]


def unexpected(exc: Exception) -> str:
    """One line for an error no check anticipated. Its message may quote the data that caused
    it, so it is shown only when the PII detector finds nothing personal in it."""
    from privacymesh.detect.guard import find_personal
    from privacymesh.errors import first_line

    line = first_line(exc, 300)
    if find_personal([line]):
        line = "its message quotes personal data and is withheld"
    return f"unexpected {type(exc).__name__}: {line} (set {DEBUG_ENV}=1 for the traceback)"


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
        disable=not err_console.is_terminal,
    ) as progress:
        yield progress


def cell(value: Any) -> str:
    """A value as a table cell: "-" for none, yes/no, minutes for times."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def print_rows(
    title: str,
    rows: list[dict[str, Any]],
    columns: Sequence[str],
    *,
    as_json: bool = False,
    styles: dict[str, Callable[[dict[str, Any]], str | None]] | None = None,
) -> None:
    """One listing, three ways: `--json` prints the rows as a JSON array of objects (every
    column, ISO times); on a terminal a Rich table; piped, plain aligned text that never wraps,
    one row per line, so `grep` and `cut` see whole rows."""
    if as_json:
        payload = [{k: _jsonable(v) for k, v in row.items()} for row in rows]
        sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")
        return
    cells = [[cell(row.get(c)) for c in columns] for row in rows]
    if not console.is_terminal:
        widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
        lines = [title, "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
        lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
        sys.stdout.write("\n".join(line.rstrip() for line in lines) + "\n")
        return
    table = Table(title=escape(title))
    for c in columns:
        table.add_column(c, overflow="fold")
    for row, texts in zip(rows, cells, strict=True):
        shown = []
        for c, text in zip(columns, texts, strict=True):
            style = (styles or {}).get(c, lambda _r: None)(row)
            shown.append(f"[{style}]{escape(text)}[/]" if style else escape(text))
        table.add_row(*shown)
    console.print(table)


JSON_OPTION_HELP = "Print the rows as JSON (an array of objects) instead of a table."
