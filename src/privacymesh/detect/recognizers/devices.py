"""Device identifiers whose values say what they are: IMEI and IMEISV numbers (GSMA reporting-body
prefixes, the Luhn check digit where the number carries one) and MEIDs, validated by
python-stdnum. They are found under any column name. Advertising ids and Android ids look like any
UUID or hex token; they are device ids when the column or its neighbours say so."""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl
from stdnum import imei, meid

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

DEVICE = "user.device"
DEVICE_ID = "user.device.device_id"
# reporting bodies that allocate type-allocation codes: the first two digits of an IMEI
_REPORTING_BODIES = frozenset(("01", "35", "86", "99", "30", "33", "44", "45", "49", "50"))
_SEPARATORS = re.compile(r"[\s./-]")


def valid_device_number(value: str) -> bool:
    """An IMEI (15 digits, Luhn), IMEISV (16 digits) or 14-digit IMEI body with a known
    reporting-body prefix, or an MEID (14 hex digits starting A0-FF, or 18 decimal digits)."""
    compact = _SEPARATORS.sub("", value)
    if compact.isdigit():
        if len(compact) == 18:
            return bool(meid.is_valid(compact))
        return compact[:2] in _REPORTING_BODIES and bool(imei.is_valid(compact))
    return len(compact) == 14 and compact[:2].lower() >= "a0" and bool(meid.is_valid(compact))


DEVICE_NUMBER = PatternRecognizer(
    kinds=DIGITS,
    name="device_number",
    category=DEVICE_ID,
    pattern=r"\d(?:[ .-]?\d){13,17}|[A-Fa-f][0-9A-Fa-f]{13}",
    anchored=True,
    validator=valid_device_number,
    base=0.6,
    # 14- and 16-digit bodies carry no check digit: a prefix alone passes 1 in 50 by chance
    chance=0.05,
    full_coverage=0.6,
    context=words("imei", "meid", "device", "deviceid", "handset", "imeisv", "esn", "hardware"),
    negative_context=words("card", "credit", "pan", "account", "order", "invoice", "phone"),
)

# a user-agent string: a product token with its version (`Mozilla/5.0`, `curl/7.68.0`) and, in a
# browser's, the engine or platform words it always carries
USER_AGENT = (
    r"^(?:Mozilla|Opera|Dalvik|UCWEB|Lynx|Links|curl|Wget|okhttp|python-requests|Java|Go-http"
    r"-client|[A-Za-z][\w.-]{1,40}(?:bot|Bot|crawler|Crawler|spider|Spider|Reader|reader))/\d"
    r"|\((?:compatible|Windows|Macintosh|X11|Linux|iPhone|iPad|Android)[;)]"
)
USER_AGENT_SHARE = 0.6  # of a column's values that are user-agent strings
AGENT_MIN_DISTINCT = 20  # distinct strings of a population's browsers, at the least
AGENT_DISTINCT_SHARE = 0.05  # and of the rows holding one


def user_agents(values: ColumnValues) -> pl.DataFrame:
    """(row, value) of the values that are user-agent strings."""
    if "user_agents" not in values.memo:
        stripped = values.stripped()
        values.memo["user_agents"] = stripped.filter(pl.col(VALUE).str.contains(USER_AGENT))
    return values.memo["user_agents"]


def mostly_user_agents(values: ColumnValues) -> bool:
    """Whether the column is one of user-agent strings: an address a crawler's string carries
    is its operator's, not the requester's."""
    if "/" not in values.chars():
        return False
    probe = values.probe()
    if (
        probe.filter(pl.col(VALUE).str.contains(USER_AGENT)).height
        < USER_AGENT_SHARE * probe.height
    ):
        return False  # decided on about one value in eight of a long column
    return user_agents(values).height >= USER_AGENT_SHARE * max(values.n_rows, 1)


@dataclass
class UserAgentRecognizer(Recognizer):
    """A column of browsers' and clients' user-agent strings: what the requester's device and
    software are, a large part of a browser fingerprint (`user.device`)."""

    name: str = "user_agent"
    # alone, a browser's string is shared by millions and says little of one person's device:
    # a name that says agent or browser raises it to a verdict
    strength: float = 0.35

    def __post_init__(self) -> None:
        self.categories = (DEVICE,)
        self.context = words("agent", "useragent", "ua", "browser", "client", "httpuseragent")
        self.negative_context = words("pattern", "regex", "rule", "blocklist", "allowlist")

    def ruled_out(self, values: ColumnValues) -> bool:
        return "/" not in values.chars()  # as `mostly_user_agents` asks first

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows < 3 or not mostly_user_agents(values):
            return []
        found = user_agents(values)
        if found[VALUE].n_unique() < max(AGENT_MIN_DISTINCT, AGENT_DISTINCT_SHARE * found.height):
            # a handful of strings shared by the whole table (a fleet of the same phones, a
            # service's own clients) singles no one out; a population's browsers vary
            return []
        examples = found[VALUE].unique(maintain_order=True).head(2).to_list()
        return [self.evidence(DEVICE, found[ROW].unique(), self.strength, {"pattern"}, examples)]


RECOGNIZERS = (DEVICE_NUMBER, UserAgentRecognizer())
