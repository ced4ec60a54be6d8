"""Device identifiers whose values say what they are: IMEI and IMEISV numbers (GSMA reporting-body
prefixes, the Luhn check digit where the number carries one) and MEIDs, validated by
python-stdnum. They are found under any column name. Advertising ids and Android ids look like any
UUID or hex token; they are device ids when the column or its neighbours say so."""

from __future__ import annotations

import re

from stdnum import imei, meid

from privacymesh.detect.recognizer import DIGITS, PatternRecognizer, words

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

RECOGNIZERS = (DEVICE_NUMBER,)
