"""`privacymesh checks ...`: list the check catalog, show a test procedure, export GX suites."""

from __future__ import annotations

from pathlib import Path

import typer

from privacymesh.cli.exit_codes import ExitCode
from privacymesh.cli.output import (
    JSON_OPTION_HELP,
    console,
    err_console,
    fail,
    handle_errors,
    print_rows,
    workspace_from,
)

# the catalog, the checks and the runner load when a command runs, so `checks --help` is quick
checks_app = typer.Typer(
    help="List the check catalog and show a check's test procedure.", no_args_is_help=True
)


@checks_app.command("list")
@handle_errors
def list_checks(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """Every check: control, severity, schedule, how it tests and where it comes from
    (built-in, a workspace folder, overridden in privacymesh.toml)."""
    from privacymesh.checks.catalog import load_check_catalog

    ws = workspace_from(ctx)
    found = load_check_catalog(ws)
    specs, errors = found.specs, found.errors
    rows = [
        {
            "check": s.id,
            "title": s.title,
            "control": s.control.id,
            "severity": s.severity,
            "schedule": s.schedule,
            "scope": s.scope,
            "procedure": "SQL" if s.sql else f"measure {s.measure}",
            "pass when": f"{s.metric} {s.threshold.describe()}",
            "source": found.origins[s.id].describe(),
        }
        for s in specs
    ]
    columns = ("check", "control", "severity", "schedule", "procedure", "pass when", "source")
    disabled = f", {len(found.disabled)} disabled" if found.disabled else ""
    print_rows(f"{len(specs)} checks{disabled} in {ws.root}", rows, columns, as_json=as_json)
    for error in errors:
        err_console.print(f"[red]error[/] {error}", highlight=False)
    if errors:
        raise typer.Exit(int(ExitCode.ERROR))


@checks_app.command("show")
@handle_errors
def show_check(
    ctx: typer.Context,
    check_id: str = typer.Argument(..., help="Check id, e.g. retention.expired_rows."),
    product: str | None = typer.Option(
        None,
        "--product",
        "-p",
        help="Render the SQL for this product (default: the first product the check applies to).",
    ),
) -> None:
    """Show a check's control, procedure and the SQL it runs for a product, like `dbt compile`."""
    from rich.syntax import Syntax

    from privacymesh.catalog import load_catalog
    from privacymesh.checks import render_sql
    from privacymesh.checks.catalog import load_check_catalog
    from privacymesh.checks.measures import params_for
    from privacymesh.checks.render import render_shared, shared_statements
    from privacymesh.runner import applies, as_of_from, select_checks

    ws = workspace_from(ctx)
    specs = load_check_catalog(ws).specs
    (spec,) = select_checks([s for s in specs if s.id == check_id] or specs, [check_id])
    console.print(f"[bold]{spec.id}[/]: {spec.title}")
    console.print(f"control {spec.control.id}: {spec.control.statement}")
    console.print(f"regulations: {', '.join(spec.regulations)}")
    console.print(
        f"severity {spec.severity}, schedule '{spec.schedule}', scope {spec.scope}, "
        f"passes when {spec.metric} {spec.threshold.describe()}"
    )
    console.print(f"\n[bold]test procedure[/]\n{spec.procedure}\n")
    if not spec.sql:
        console.print(f"built-in measure: [bold]{spec.measure}[/]")
        return
    target = None
    if spec.scope == "product":
        catalog = load_catalog(ws.catalog)
        candidates = [catalog.get(product)] if product else list(catalog.products.values())
        target = next((p for p in candidates if applies(spec, p)), None)
        if target is None:
            raise fail(f"{check_id} does not apply to {product or 'any registered product'}")
    params, as_of = params_for(ws, spec), as_of_from(ws)
    if spec.shared:
        console.print("[bold]shared queries[/] (computed once per run, before any product)")
        shared = shared_statements(spec, render_shared(spec, as_of, params))
        console.print(Syntax(shared, "sql", word_wrap=True, theme="ansi_dark"))
    if target is not None:
        console.print(f"[bold]rendered for {target.id}[/]")
    sql = render_sql(spec, target, as_of, params=params)
    console.print(Syntax(sql, "sql", word_wrap=True, theme="ansi_dark"))


@checks_app.command("export-gx")
@handle_errors
def export_gx(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", "-o", help="Folder to write the suites to."),
    product: list[str] | None = typer.Option(
        None, "--product", "-p", help="Only these products (default: every registered one)."
    ),
) -> None:
    """Write each contract's conformance rules as a Great Expectations suite (GX 1.x JSON), with
    a checkpoint script a GX project can run; needs no GX here."""
    from privacymesh.catalog import load_catalog
    from privacymesh.checks.conformance import rules_for
    from privacymesh.checks.gx_suite import export_suites

    ws = workspace_from(ctx)
    catalog = load_catalog(ws.catalog, ws)
    products = catalog.select(product or None, None)
    written = export_suites([rules_for(p) for p in products], out)
    console.print(
        f"{len(products)} suites written to {out / 'suites'}; run them with "
        f"python {out / 'run_checkpoint.py'}",
        highlight=False,
        soft_wrap=True,
    )
    if not written:
        raise typer.Exit(int(ExitCode.ERROR))
