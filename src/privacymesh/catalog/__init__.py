"""The product catalog: ODCS v3 contracts, validated, with lineage between products."""

from privacymesh.catalog.catalog import Catalog, load_catalog
from privacymesh.catalog.issues import ContractIssue
from privacymesh.catalog.model import (
    CLASSIFICATIONS,
    DataProduct,
    Field,
    QualityRule,
    Retention,
    Role,
    Server,
    quote_ident,
    quote_literal,
    retention_due_sql,
    timestamp_literal,
)
from privacymesh.catalog.parse import ParsedContract, parse_contract

__all__ = [
    "CLASSIFICATIONS",
    "Catalog",
    "ContractIssue",
    "DataProduct",
    "Field",
    "ParsedContract",
    "QualityRule",
    "Retention",
    "Role",
    "Server",
    "load_catalog",
    "parse_contract",
    "quote_ident",
    "quote_literal",
    "retention_due_sql",
    "timestamp_literal",
]
