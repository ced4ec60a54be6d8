"""Render a check's SQL template for one product (or for the whole mesh) in Jinja2's sandbox:
a check file is untrusted input, so its template reaches no Python object beyond the values
it is given, and what it renders must be one read-only query (`checks.readonly`)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from privacymesh.catalog import (
    DataProduct,
    quote_ident,
    quote_literal,
    retention_due_sql,
    timestamp_literal,
)
from privacymesh.checks.overrides import OverrideText
from privacymesh.checks.readonly import require_read_only
from privacymesh.checks.spec import CheckSpec
from privacymesh.consent_rule import WITHDRAW, covers_sql, validity_intervals_sql
from privacymesh.errors import CheckError
from privacymesh.subjects import IDENTITY_FORMS, key_form, key_value_sql

# the longest text or list `*` may build, and the largest power `**` may take: a template that
# asks for more is refused before it fills the memory
_MAX_REPEAT = 100_000
_MAX_EXPONENT = 64


class _CheckTemplates(ImmutableSandboxedEnvironment):
    """The sandbox, refusing an unsafe attribute where it is named, with repetition and
    powers bounded."""

    intercepted_binops = frozenset({"*", "**"})

    def unsafe_undefined(self, obj: Any, attribute: str) -> jinja2.Undefined:
        # Jinja's sandbox hands back an undefined that fails only when used, and a chained
        # lookup on it then reads as a missing attribute: refuse at the first unsafe step
        raise SecurityError(
            f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe"
        )

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int | float) and abs(right) > _MAX_EXPONENT:
            raise SecurityError(f"a power above {_MAX_EXPONENT} is not allowed")
        sized, count = (left, right) if isinstance(right, int) else (right, left)
        if (
            operator == "*"
            and isinstance(sized, str | list | tuple)
            and isinstance(count, int)
            and len(sized) * count > _MAX_REPEAT
        ):
            raise SecurityError(f"a repetition longer than {_MAX_REPEAT} is not allowed")
        return super().call_binop(context, operator, left, right)


class _NoTemplates(jinja2.BaseLoader):
    """A check's template is its own text: `include`, `import` and `extends` reach no file."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, None, None]:
        raise SecurityError(f"a check template includes no other template ({template!r})")


def _finalize(value: Any) -> Any:
    """What `{{ ... }}` prints: a workspace override's text only ever as a quoted literal."""
    return quote_literal(value) if isinstance(value, OverrideText) else value


_env = _CheckTemplates(
    loader=_NoTemplates(),
    finalize=_finalize,
    undefined=jinja2.StrictUndefined,
    autoescape=False,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
)
_env.filters["ident"] = quote_ident
_env.filters["literal"] = lambda v: quote_literal(str(v))
_env.filters["key_value"] = key_value_sql  # a value as the identity map keeps its form


@lru_cache(maxsize=256)
def _template(source: str) -> jinja2.Template:
    """Compiled once per distinct template text: a run renders each check for every product."""
    return _env.from_string(source)


# identity-map columns a product's fields resolve to, by fideslang category
_FORM_BY_CATEGORY = {
    "user.contact.email": "email",
    "user.unique_id.pseudonymous": "email_hash",
    "user.device.device_id": "device_id",
}


def identifier_columns(product: DataProduct) -> list[dict[str, str]]:
    """The product's columns that name a subject, each with the `platform.identity_map` column
    it matches (`form`): the subject key in its declared form first, then personal fields by
    category (emails, email hashes, device ids; `user.unique_id` fields named like `user_id` or
    `customer_ref`). Names are pre-quoted in `column`, raw in `name`; `key` is the identity-map
    column a value is compared with (an email through its hash, `email_hash`)."""
    found: dict[str, str] = {}
    if product.subject_key and product.subject_key_form in IDENTITY_FORMS:
        found[product.subject_key] = product.subject_key_form
    for f in product.personal_fields:
        form = _FORM_BY_CATEGORY.get(f.pii_category or "")
        if form is None and f.pii_category == "user.unique_id":
            form = next((k for k in ("customer_ref", "user_id") if f.name.endswith(k)), None)
        if form is not None:
            found.setdefault(f.name, form)
    return [
        {
            "column": quote_ident(n),
            "name": n,
            "form": form,
            "key": key_form(form),
        }
        for n, form in found.items()
    ]


def product_context(product: DataProduct, as_of: str) -> dict[str, Any]:
    """What a template may use about a product: names are pre-quoted where they are SQL;
    `retention.due` is the retention rule at `as_of` (an SQL time literal)."""
    retention = product.retention
    return {
        "product": {
            "id": product.id,
            "view": product.view,
            "domain": product.domain,
            "name": product.name,
            "product_kind": product.product_kind,
            "table": product.table,
            "subject_key": quote_ident(product.subject_key) if product.subject_key else None,
            "subject_key_form": product.subject_key_form,
            "personal_fields": [quote_ident(f.name) for f in product.personal_fields],
            "identifier_columns": identifier_columns(product),
        },
        "retention": None
        if retention is None
        else {
            "element": quote_ident(retention.element),
            "element_name": retention.element,
            "days": retention.days,
            "value": retention.value,
            "unit": retention.unit,
            "due": retention_due_sql(retention.element, retention.days, as_of),
        },
    }


SHARED_SCHEMA = "shared"


def shared_table(spec: CheckSpec, name: str) -> tuple[str, str]:
    """(schema, table) of a check's shared query in the engine session."""
    return SHARED_SCHEMA, f"{spec.id.replace('.', '_')}__{name}"


def _shared_ref(spec: CheckSpec, name: str) -> str:
    """The quoted name a query reads a shared query's table by."""
    return ".".join(quote_ident(part) for part in shared_table(spec, name))


def consent_context(as_of: str) -> dict[str, Any]:
    """The consent rule for check SQL (`privacymesh.consent_rule`): `consent.intervals`, every
    consent event up to `as_of` as the interval it is in force, `consent.withdrawals`, the
    intervals of withdrawals alone (cheaper when only they are asked about), and
    `consent.covers(t, i)`, whether time `t` falls in interval `i` (a table alias of either)."""
    return {
        "intervals": validity_intervals_sql("platform.consent_events", as_of),
        "withdrawals": validity_intervals_sql("platform.consent_events", as_of, WITHDRAW),
        "covers": lambda time, alias: covers_sql(
            str(time), f"{alias}.valid_from", f"{alias}.valid_until"
        ),
    }


def _context(spec: CheckSpec, as_of: datetime, params: dict[str, Any] | None) -> dict[str, Any]:
    literal = timestamp_literal(as_of)
    return {
        "as_of": literal,
        "consent": consent_context(literal),
        "params": {**spec.params, **(params or {})},
        "check": {"id": spec.id},
        "shared": {name: _shared_ref(spec, name) for name in spec.shared},
    }


def _render(spec: CheckSpec, template: str, context: dict[str, Any], field: str) -> str:
    """The template rendered in the sandbox, refused unless it is one read-only query."""
    try:
        sql = _template(template).render(context).strip()
    except (SecurityError, OverflowError) as exc:  # the sandbox's range bound is an overflow
        raise CheckError(
            f"check template is not allowed: {exc}",
            file=spec.file,
            field=field,
            hint="templates read the values they are given; Python attributes are out of reach",
        ) from exc
    except jinja2.TemplateError as exc:
        raise CheckError(f"template does not render: {exc}", file=spec.file, field=field) from exc
    require_read_only(sql, spec.file, field)
    return sql


def render_sql(
    spec: CheckSpec,
    product: DataProduct | None,
    as_of: datetime,
    params: dict[str, Any] | None = None,
    engine_dialect: str = "duckdb",
) -> str:
    """The SQL a check runs for a product (or mesh-wide when product is None)."""
    template, field = spec.sql, "sql"
    if engine_dialect != "duckdb" and spec.spark_sql:
        template, field = spec.spark_sql, "spark_sql"
    if not template:
        raise CheckError("check has no SQL template", file=spec.file, field="sql")
    context = _context(spec, as_of, params)
    if product is not None:
        context.update(product_context(product, context["as_of"]))
    return _render(spec, template, context, field)


def render_shared(
    spec: CheckSpec, as_of: datetime, params: dict[str, Any] | None = None
) -> dict[str, str]:
    """Each shared query of a check, rendered for the run (no product in its context)."""
    context = _context(spec, as_of, params)
    return {
        name: _render(spec, template, context, f"shared.{name}")
        for name, template in spec.shared.items()
    }


def shared_statements(spec: CheckSpec, queries: dict[str, str]) -> str:
    """The statements that compute a check's shared queries, as recorded before each of its
    product queries: run them first and the product query runs as it did in the run."""
    statements = [f"CREATE SCHEMA IF NOT EXISTS {quote_ident(SHARED_SCHEMA)};"]
    for name, query in queries.items():
        statements.append(f"CREATE OR REPLACE TABLE {_shared_ref(spec, name)} AS\n{query};")
    return "\n".join(statements)
