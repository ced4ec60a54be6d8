"""Network identifiers: IPv4 and IPv6 addresses (validated by `ipaddress`) and MAC addresses."""

from __future__ import annotations

import ipaddress

from privacymesh.detect.recognizer import DIGITS, PatternRecognizer, words

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"


def valid_ipv4(value: str) -> bool:
    addr = ipaddress.IPv4Address(value)
    return not (addr.is_unspecified or addr.is_loopback or str(addr) == "255.255.255.255")


def valid_ipv6(value: str) -> bool:
    addr = ipaddress.IPv6Address(value.strip("[]"))
    return not (addr.is_unspecified or addr.is_loopback)


def valid_mac(value: str) -> bool:
    hexdigits = "".join(ch for ch in value.lower() if ch in "0123456789abcdef")
    return len(hexdigits) == 12 and hexdigits not in ("000000000000", "ffffffffffff")


_IP_WORDS = words("ip", "ipaddress", "ipv4", "ipv6", "addr", "remote", "client", "host", "source")

_NOT_IP_WORDS = words(
    "version", "release", "build", "oid", "sdk", "appversion", "phone", "tel", "fax",
    "mobile", "telephone",
)  # fmt: skip

IPV4 = PatternRecognizer(
    name="ipv4",
    category="user.device.ip_address",
    # not after a word character, dot, slash, tilde or `rv:`: `Chrome/52.0.2.1`, `v1.2.3.4`
    # and a package's `amd64~~6.1.1.0` are versions
    pattern=rf"(?:^|[^\w./:~]|[^\w.]:){_OCTET}(?:\.{_OCTET}){{3}}\b",
    prefilter=r"\d\.\d{1,3}\.\d{1,3}\.\d",
    normalize=lambda e: e.str.replace(r"^[^\d]+", ""),
    # four pairs of digits is how several countries write a phone number (`88.60.15.31`)
    reject=r"^\D{0,2}\d\d\.\d\d\.\d\d\.\d\d$",
    validator=valid_ipv4,
    base=0.85,
    context=_IP_WORDS,
    negative_context=_NOT_IP_WORDS,
)

IPV6 = PatternRecognizer(
    name="ipv6",
    category="user.device.ip_address",
    # whole addresses only: `std::cout` and `a::b` inside words are not addresses
    pattern=(
        r"\b(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}\b"
        r"|\b(?:[0-9A-Fa-f]{1,4}:){1,7}:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})?(?:\b|$)"
        r"|(?:^|[^\w:])::(?:[0-9A-Fa-f]{1,4}:){0,6}[0-9A-Fa-f]{1,4}\b"
    ),
    normalize=lambda e: e.str.replace(r"^[^0-9A-Fa-f:]+", ""),
    prefilter=r"[0-9A-Fa-f]:[0-9A-Fa-f:]*:",
    validator=valid_ipv6,
    base=0.85,
    context=_IP_WORDS,
)

MAC = PatternRecognizer(
    name="mac_address",
    category="user.device.device_id",
    pattern=r"\b[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}\b|\b[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}\b|\b[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\b",
    validator=valid_mac,
    base=0.8,
    context=words("mac", "macaddress", "hwaddr", "bssid", "wifi", "ethernet", "device"),
)


def valid_ipv4_integer(value: str) -> bool:
    """A whole number that is a public or private unicast IPv4 address (not 0.x, loopback,
    multicast or reserved): what `INET_ATON` and many log stores keep."""
    addr = ipaddress.IPv4Address(int(value))
    return not (addr.is_unspecified or addr.is_loopback or addr.is_multicast or addr.is_reserved)


IPV4_INTEGER = PatternRecognizer(
    kinds=DIGITS,
    name="ipv4_integer",
    category="user.device.ip_address",
    # 1.0.0.0 to 255.255.255.255 as a number: 8 to 10 digits
    pattern=r"[1-9]\d{7,9}",
    anchored=True,
    validator=valid_ipv4_integer,
    # any large number reads as an address: only a name, description or tag can say so
    base=0.3,
    full_coverage=0.9,
    context=words("ip", "ipaddress", "ipv4", "clientip", "remoteip", "sourceip", "srcip", "dstip"),
    negative_context=words("amount", "count", "total", "price", "created", "timestamp", "epoch"),
)

RECOGNIZERS = (IPV4, IPV6, MAC, IPV4_INTEGER)
