"""Drafting a data contract from a product: the detector proposes, an owner decides.

`draft_contract(source, domain, product)` reads a product through a `ProductSource` (a Parquet
or CSV file today; any object with the same four methods, such as a workspace source, plugs in),
scans a sample with the detector and returns a `Draft` whose `yaml()` is an ODCS v3.1.0 contract
marked as a draft: it registers, and fails the deployment gate (PM-CAT-016) until it is reviewed."""

from privacymesh.draft.contract import Draft, FieldProposal, draft_contract
from privacymesh.draft.policy import CLASSIFICATION_POLICY, PolicyRow, propose
from privacymesh.draft.source import FileProduct, ProductSource, open_product_source

__all__ = [
    "CLASSIFICATION_POLICY",
    "Draft",
    "FieldProposal",
    "FileProduct",
    "PolicyRow",
    "ProductSource",
    "draft_contract",
    "open_product_source",
    "propose",
]
