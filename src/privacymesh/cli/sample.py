"""`privacymesh sample`: generate the deterministic sample mesh."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from privacymesh.cli.output import console, handle_errors, progress_bar, workspace_from
from privacymesh.errors import WorkspaceError


@handle_errors
def sample_command(
    ctx: typer.Context,
    out: Path | None = typer.Option(
        None, "--out", help="Folder to write (default: the workspace's paths.sample)."
    ),
    scale: float | None = typer.Option(
        None,
        "--scale",
        min=0.01,
        help="Size: 1 is about a million rows, 10 about ten "
        "million (default: the workspace's [sample] scale).",
    ),
    seed: int | None = typer.Option(
        None, "--seed", help="Random seed; the same seed and scale give byte-identical files."
    ),
) -> None:
    """Generate the sample data mesh: products, contracts, platform tables, expected findings."""
    from privacymesh.sample import generate

    try:
        ws = workspace_from(ctx)
        defaults = ws.section("sample")
        out = out or ws.sample
    except WorkspaceError:
        if out is None:
            raise
        defaults = {}
    scale = scale if scale is not None else float(defaults.get("scale", 1))
    seed = seed if seed is not None else int(defaults.get("seed", 42))
    with progress_bar() as progress:
        tasks: dict[str, int] = {}

        def report(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = progress.add_task(step, total=total)
            progress.update(tasks[step], completed=done, total=total)

        manifest = generate(out, scale=scale, seed=seed, progress=report)
    table = Table(title=f"sample mesh in {out} (scale {scale}, seed {seed})")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in sorted(manifest.row_counts.items()):
        table.add_row(name, f"{rows:,}")
    console.print(table)
    console.print(
        f"{sum(manifest.row_counts.values()):,} rows in {len(manifest.row_counts)} tables"
    )
