"""`privacymesh init [DIR]`: start a workspace of your own."""

from __future__ import annotations

from pathlib import Path

import typer

from privacymesh.cli.output import console, handle_errors
from privacymesh.scaffold import init_workspace


@handle_errors
def init_command(
    folder: Path = typer.Argument(Path("."), help="Folder of the new workspace (default: here)."),
    name: str | None = typer.Option(None, "--name", help="Workspace name (default: the folder's)."),
) -> None:
    """Start a workspace: a commented privacymesh.toml, an empty catalog with an annotated example
    contract, the evidence folder, a .gitignore and a README with the next commands. Refuses to
    overwrite an existing workspace (exit 2)."""
    written = init_workspace(folder, name)
    root = written[0].parent
    console.print(f"workspace created in {root}", highlight=False)
    for path in written:
        console.print(f"  {path.relative_to(root)}", highlight=False)
    console.print("next: see README.md (gate a contract, run the checks, build the pack)")
