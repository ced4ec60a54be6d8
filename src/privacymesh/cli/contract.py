"""`privacymesh contract draft`: propose a contract from a product, for its owner to review."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from privacymesh.cli.output import console, fail, handle_errors

contract_app = typer.Typer(no_args_is_help=True, help="Draft data-product contracts.")

NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@contract_app.command("draft")
@handle_errors
def draft_command(
    source: str = typer.Argument(..., help="The product: a Parquet or CSV file."),
    domain: str = typer.Option(..., "--domain", help="The owning domain, e.g. crm."),
    product: str = typer.Option(..., "--product", help="The product's name, e.g. customers."),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Contract file (default: DOMAIN/PRODUCT.odcs.yaml here)."
    ),
    sample_rows: int = typer.Option(
        10_000, "--sample-rows", min=1, help="Rows the detector reads."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing contract file."),
) -> None:
    """Write a draft ODCS contract: schema, the detector's categories, proposed
    classifications, a retention placeholder and a subject-key guess. It fails the gate
    (PM-CAT-001, -006, -011, -016) until its owner has reviewed and completed it."""
    from privacymesh.detect import ScanOptions
    from privacymesh.draft import draft_contract, open_product_source

    for flag, value in (("--domain", domain), ("--product", product)):
        if not NAME.match(value):
            raise fail(f"{flag} {value!r}: expected lower-case letters, digits and _")
    target = out or Path(domain) / f"{product}.odcs.yaml"
    if target.exists() and not force:
        raise fail(f"{target} exists: pass --force to overwrite it, or --out another file")
    draft = draft_contract(
        open_product_source(source),
        domain,
        product,
        target.parent,
        ScanOptions(sample_rows=sample_rows),
    )
    draft.write(target)
    personal = ", ".join(f"{f.column} ({f.category})" for f in draft.personal) or "none"
    console.print(f"wrote draft {target}", highlight=False)
    console.print(
        f"{len(draft.fields)} columns, personal: {personal}; subject key guess: "
        f"{draft.subject_key or 'none'}",
        highlight=False,
        soft_wrap=True,
    )
    console.print(
        "next: set the owner and retention, review each classification, remove the draft "
        f"mark; then `privacymesh gate {target}`",
        highlight=False,
        soft_wrap=True,
    )
