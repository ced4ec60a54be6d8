"""Identifiers whose *values* say "an identifier" but not whose: UUIDs, opaque tokens, long
integers. Their category (a person's id, a device's, a cookie's) comes from context, so each is
weak alone; order, transaction and event ids are lowered by negative context. Cookie formats that
are unmistakable (Google Analytics, Meta pixel) are recognised from values alone."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from privacymesh.detect.recognizer import (
    DIGITS,
    ROW,
    VALUE,
    ColumnValues,
    Evidence,
    PatternRecognizer,
    Recognizer,
    words,
)
from privacymesh.detect.recognizers.government_ids import names_a_license

_ID_LIKE = (
    r"^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    # a bare number needs 6+ digits: shorter ones are counts and amounts (`users: 1745`)
    r"|[0-9a-fA-F]{16}|[0-9a-fA-F]{24}|[A-Za-z]{1,6}[-_]?\d{4,19}|\d{6,19}"
    r"|[A-Za-z0-9_-]*\d[A-Za-z0-9_-]*[A-Za-z][A-Za-z0-9_-]*|[A-Za-z0-9_-]*[A-Za-z][A-Za-z0-9_-]*\d[A-Za-z0-9_-]*)$"
)

# names of things that are not people: their identifiers are not personal data
NOT_PERSONAL_IDS = words(
    "order", "orders", "txn", "transaction", "invoice", "product", "sku", "item", "event",
    "request", "trace", "span", "batch", "run", "job", "message", "shipment", "ticket", "payment",
    "refund", "line", "catalog", "campaign", "store", "warehouse", "merchant", "vendor", "supplier",
    "category", "asset", "file", "build", "commit", "deployment", "release", "version", "tenant",
    "region", "partner", "report", "task", "workflow", "correlation", "idempotency", "nonce",
)  # fmt: skip

# (category, context words)
_WHOSE: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "user.unique_id",
        words(
            "user",
            "userid",
            "uid",
            "customer",
            "customerid",
            "cust",
            "member",
            "memberid",
            "account",
            "accountid",
            "subscriber",
            "client",
            "clientid",
            "patient",
            "person",
            "profile",
            "employee",
            "buyer",
            "rider",
            "driver",
            "guest",
            "player",
            "subject",
            "citizen",
            "student",
            "applicant",
            "holder",
            "beneficiary",
            "contact",
            "lead",
        ),
    ),
    (
        "user.device.device_id",
        words(
            "device",
            "deviceid",
            "idfa",
            "idfv",
            "gaid",
            "aaid",
            "adid",
            "advertising",
            "advertisingid",
            "maid",
            "androidid",
            "udid",
            "hardware",
            "installation",
            "install",
            "handset",
            "imei",
            "serial",
        ),
    ),
    (
        "user.device.cookie_id",
        words(
            "cookie",
            "cookieid",
            "visitor",
            "visitorid",
            "anonymous",
            "anonymousid",
            "ajs",
            "browser",
            "fbp",
            "ga",
            "gclid",
            "fingerprint",
        ),
    ),
)


DEVICE_ID = "user.device.device_id"
_DEVICE_WORDS = dict(_WHOSE)[DEVICE_ID]
_OPAQUE = (
    r"^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|[0-9a-fA-F]{16})$"
)
DEVICE_NEIGHBORS = 0.15


@dataclass
class IdentifierRecognizer(Recognizer):
    """A column of identifier-shaped values with identifier-like cardinality."""

    name: str = "identifier"
    strength: float = 0.3
    kinds: frozenset[str] = DIGITS
    min_share: float = 0.9

    def __post_init__(self) -> None:
        self.categories = tuple(c for c, _ in _WHOSE)
        self.negative_context = NOT_PERSONAL_IDS

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows < 2:
            return []
        frame = values.stripped()
        hits = frame.filter(pl.col(VALUE).str.contains(_ID_LIKE))
        share = hits.height / max(frame.height, 1)
        distinct = hits[VALUE].n_unique()
        if share < self.min_share or distinct < min(10, values.n_rows):
            return []
        examples = hits[VALUE].unique(maintain_order=True).head(values.options.max_examples)
        # opaque device ids (advertising UUIDs, Android hex ids) sit beside other device columns
        opaque = hits.filter(pl.col(VALUE).str.contains(_OPAQUE)).height >= 0.9 * hits.height
        beside_devices = opaque and bool(values.signals.neighbors & _DEVICE_WORDS)
        out = []
        license = names_a_license(values.signals.name)
        for category, ctx in _WHOSE:
            if license and category == "user.unique_id":
                continue  # a driver's licence number: the licence recognizer's
            strength = self.strength
            if beside_devices and category == DEVICE_ID:
                strength += DEVICE_NEIGHBORS
            ev = self.evidence(
                category,
                hits[ROW].unique(),
                strength,
                {"pattern", "cardinality"},
                examples.to_list(),
            )
            ev.words = ctx
            out.append(ev)
        return out


COOKIE_FORMATS = PatternRecognizer(
    name="cookie_id",
    category="user.device.cookie_id",
    pattern=(
        r"\bGA\d\.\d\.\d{5,10}\.\d{9,10}\b"  # Google Analytics _ga
        r"|\bfb\.\d\.\d{13}\.\d{5,20}\b"  # Meta pixel _fbp
        r"|\bAMCV_[0-9A-F]{24}%40AdobeOrg\b"  # Adobe
        r"|\b_ga=[^;\s]{10,}"
    ),
    prefilter=r"GA\d\.|fb\.\d\.|AMCV_|_ga=",
    base=0.9,
    context=words("cookie", "visitor", "ga", "fbp", "tracking"),
)

RECOGNIZERS = (IdentifierRecognizer(), COOKIE_FORMATS)
