"""Where a subject is held: per product, the rows found by its subject key and the text cells
carrying one of their identifiers, read through the engine; downstream products to review."""

from __future__ import annotations

from privacymesh.catalog import Catalog, DataProduct, quote_ident, quote_literal
from privacymesh.engine import Engine
from privacymesh.platform.dsar.model import (
    Holding,
    key_predicate,
    token_pattern,
)
from privacymesh.platform.identity import Subject


def _text_columns(engine: Engine, product: DataProduct) -> list[str]:
    schema = engine.arrow(f"SELECT * FROM {product.view} LIMIT 0").schema
    return [f.name for f in schema if str(f.type) in ("string", "large_string", "string_view")]


def find_holdings(
    engine: Engine, catalog: Catalog, subject: Subject, tokens: list[str]
) -> dict[str, Holding]:
    """For every product: the subject's rows by key and the cells carrying an identifier."""
    pattern = quote_literal(token_pattern(tokens)) if tokens else None
    out: dict[str, Holding] = {}
    for product in sorted(catalog.products.values(), key=lambda p: p.id):
        if product.id in engine.registration.failed:
            from privacymesh.errors import SourceError

            raise SourceError(
                f"{product.id} could not be read: {engine.registration.failed[product.id]}",
                file=product.file,
            )
        key = key_predicate(product, subject)
        columns = _text_columns(engine, product) if pattern else []
        cell_preds = {c: f"regexp_matches({quote_ident(c)}, {pattern})" for c in columns}
        any_pred = " OR ".join([*([key] if key else []), *cell_preds.values()]) or "FALSE"
        items = [
            f"count(*) FILTER (WHERE {key or 'FALSE'}) AS k",
            f"count(*) FILTER (WHERE {any_pred}) AS a",
        ]
        items += [
            f"count(*) FILTER (WHERE {p}) AS {quote_ident('c_' + c)}" for c, p in cell_preds.items()
        ]
        row = engine.arrow(f"SELECT {', '.join(items)} FROM {product.view}").to_pylist()[0]
        cells = {c: int(row["c_" + c]) for c in columns if row["c_" + c]}
        out[product.id] = Holding(product.id, int(row["k"]), cells, int(row["a"]))
    holders = [pid for pid, h in out.items() if h.holds]
    for pid in holders:
        for down in catalog.downstream(pid):
            h = out[down]
            if not h.holds:
                out[down] = Holding(down, 0, {}, 0, (*h.downstream_of, pid))
    return out


def task_products(holdings: dict[str, Holding]) -> list[str]:
    return sorted(pid for pid, h in holdings.items() if h.holds or h.downstream_of)
