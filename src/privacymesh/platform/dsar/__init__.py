"""Data subject requests: open one, plan one task per product that holds the subject, track
the deadline, and carry out access (an export package) and erasure (with a verification that
nothing is left).

    req = open_request(ws, "jane@example.com", "erasure", "GDPR")   # resolves every identifier
    erase_request(ws, req.request_id)                  # dry run: what would go, per product
    erase_request(ws, req.request_id, apply=True)      # erase, verify, record in the ledger
    export_request(ws, other_id, Path("out/pkg"))      # access package: JSON per product
    list_requests(ws)                                  # requests with their deadlines

The request, its tasks, deadlines and how a subject is matched are in `model`; opening and
tracking in `intake`; where a subject is held in `holdings`; the access package in `export`;
erasure and its verification in `erasure`.

Requests and tasks live in the platform tables `dsar_requests` and `dsar_tasks` (the sample's
shape). A subject is found through the identity map by any identifier form; a product holds
them when its subject key has their identifier in the product's form, or when one of its text
columns carries one of their identifiers (user id, customer reference, e-mail and its base64,
base64url, hex and URL encodings, e-mail hash, device and advertising ids, phone number) at a
word boundary. Products downstream of a holder (lineage) get a task too: to review.

Erasure deletes the subject's rows and blanks the cells that carry their identifiers in other
rows, in every product it can write (all or nothing, see `sources`), turns the identity-map
entry into a tombstone (keys and e-mail hash kept, so checks can prove absence), then searches
every product again for the identifiers captured before: the erasure-residue check. Products
exempt by the policy (`dsar.erasure_exempt`, e.g. records kept under a legal obligation) keep
their rows and say why. The ledger gets one run: per product a `platform.dsar.erasure` result
(rows and cells erased) and a `platform.dsar.erasure_verification` result (residue found).
No record carries the subject's identifiers: only the request id and the audit pseudonym.
Every search and export reads the products through the workspace's engine (DuckDB or Spark);
the ledger run is recorded through the ledger's one writer (`ledger.operations`).
"""

from privacymesh.platform.dsar.erasure import erase_request
from privacymesh.platform.dsar.export import export_request
from privacymesh.platform.dsar.holdings import find_holdings
from privacymesh.platform.dsar.intake import get_request, list_requests, move_task, open_request
from privacymesh.platform.dsar.model import (
    CONTROL_ID,
    ERASURE_CHECK,
    REQUEST_SCHEMA,
    REQUESTS_FILE,
    TASK_MOVES,
    TASK_SCHEMA,
    TASKS_FILE,
    TYPES,
    VERIFY_CHECK,
    DsarRequest,
    ErasureItem,
    ErasureOutcome,
    ExportResult,
    Holding,
    deadline_for,
    identifier_tokens,
    key_predicate,
    token_pattern,
)

__all__ = [
    "CONTROL_ID",
    "ERASURE_CHECK",
    "REQUESTS_FILE",
    "REQUEST_SCHEMA",
    "TASKS_FILE",
    "TASK_MOVES",
    "TASK_SCHEMA",
    "TYPES",
    "VERIFY_CHECK",
    "DsarRequest",
    "ErasureItem",
    "ErasureOutcome",
    "ExportResult",
    "Holding",
    "deadline_for",
    "erase_request",
    "export_request",
    "find_holdings",
    "get_request",
    "identifier_tokens",
    "key_predicate",
    "list_requests",
    "move_task",
    "open_request",
    "token_pattern",
]
