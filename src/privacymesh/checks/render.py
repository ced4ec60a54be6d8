"""Render a check's SQL template for one product (or for the whole mesh) with Jinja2."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import jinja2

from privacymesh.catalog import DataProduct, quote_ident, quote_literal
from privacymesh.checks.spec import CheckSpec
from privacymesh.errors import CheckError

_env = jinja2.Environment(
    undefined=jinja2.StrictUndefined,
    autoescape=False,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
)
_env.filters["ident"] = quote_ident
_env.filters["literal"] = lambda v: quote_literal(str(v))


def timestamp_literal(value: datetime) -> str:
    return f"TIMESTAMP '{value.strftime('%Y-%m-%d %H:%M:%S')}'"


def product_context(product: DataProduct) -> dict[str, Any]:
    """What a template may use about a product: names are pre-quoted where they are SQL."""
    retention = product.retention
    return {
        "product": {
            "id": product.id,
            "view": product.view,
            "domain": product.domain,
            "name": product.name,
            "kind": product.kind,
            "table": product.table,
            "subject_key": quote_ident(product.subject_key) if product.subject_key else None,
            "subject_key_form": product.subject_key_form,
            "personal_fields": [quote_ident(f.name) for f in product.personal_fields],
        },
        "retention": None
        if retention is None
        else {
            "element": quote_ident(retention.element),
            "element_name": retention.element,
            "days": retention.days,
            "value": retention.value,
            "unit": retention.unit,
        },
    }


def render_sql(
    spec: CheckSpec,
    product: DataProduct | None,
    as_of: datetime,
    params: dict[str, Any] | None = None,
    engine_dialect: str = "duckdb",
) -> str:
    """The SQL a check runs for a product (or mesh-wide when product is None)."""
    template = spec.sql
    if engine_dialect != "duckdb" and spec.spark_sql:
        template = spec.spark_sql
    if not template:
        raise CheckError("check has no SQL template", file=spec.file, field="sql")
    context: dict[str, Any] = {
        "as_of": timestamp_literal(as_of),
        "params": {**spec.params, **(params or {})},
        "check": {"id": spec.id},
    }
    if product is not None:
        context.update(product_context(product))
    try:
        return _env.from_string(template).render(context).strip()
    except jinja2.TemplateError as exc:
        raise CheckError(f"template does not render: {exc}", file=spec.file, field="sql") from exc
