"""Vectorised generators of realistic identifiers with valid check digits.

Everything works on numpy arrays of digits or characters, a whole column at a time: US SSN,
UK National Insurance number, German tax id (Steuer-IdNr), Brazilian CPF, Indian Aadhaar
(Verhoeff) and PAN, Luhn-valid card numbers, mod-97 IBANs, UUIDs, customer references, E.164
mobile numbers and IPv4 addresses. The validators of python-stdnum and phonenumbers accept them
(the tests check every value of a generated sample).
"""

from __future__ import annotations

import numpy as np
import phonenumbers

from privacymesh.sample.locales import Market

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_HEX_UPPER = np.frombuffer(b"0123456789ABCDEF", dtype=np.uint8)
_LETTERS = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)


def chars_to_str(chars: np.ndarray) -> np.ndarray:
    """(n, k) uint8 ASCII codes -> n Python strings (as a numpy unicode array)."""
    chars = np.ascontiguousarray(chars, dtype=np.uint8)
    n, k = chars.shape
    if n == 0:
        return np.array([], dtype=str)
    return chars.view(f"S{k}").ravel().astype(f"U{k}")


def digits_to_str(digits: np.ndarray) -> np.ndarray:
    """(n, k) ints 0-9 -> n digit strings."""
    return chars_to_str(np.asarray(digits, dtype=np.uint8) + ord("0"))


def join_str(*parts: np.ndarray | str) -> np.ndarray:
    """Element-wise concatenation of string arrays and literals."""
    out = np.asarray(parts[0]).astype(object)
    for part in parts[1:]:
        out = out + (np.asarray(part).astype(object) if not isinstance(part, str) else part)
    return out.astype(str)


def random_digits(rng: np.random.Generator, n: int, k: int, low: int = 0) -> np.ndarray:
    return rng.integers(low, 10, size=(n, k), dtype=np.int64)


# -- payment cards ---------------------------------------------------------------------------


def luhn_check_digit(payload: np.ndarray) -> np.ndarray:
    """Luhn check digit for each row of a (n, k) digit matrix (payload without the check digit)."""
    payload = np.asarray(payload, dtype=np.int64)
    k = payload.shape[1]
    total = np.zeros(payload.shape[0], dtype=np.int64)
    for pos in range(k):
        d = payload[:, k - 1 - pos]
        if pos % 2 == 0:  # the rightmost payload digit is doubled
            d = d * 2
            d = np.where(d > 9, d - 9, d)
        total += d
    return (10 - total % 10) % 10


def card_numbers(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Luhn-valid card numbers (Visa 16, Mastercard 16, Amex 15 digits) and their brand."""
    brand = rng.choice(np.array(["visa", "mastercard", "amex"]), size=n, p=[0.55, 0.35, 0.10])
    body = random_digits(rng, n, 15)
    body[:, 0] = 4
    mc = brand == "mastercard"
    body[mc, 0] = 5
    body[mc, 1] = rng.integers(1, 6, size=int(mc.sum()))
    amex = brand == "amex"
    body[amex, 0] = 3
    body[amex, 1] = rng.choice([4, 7], size=int(amex.sum()))
    out = np.empty(n, dtype="U16")
    not_amex = ~amex
    full16 = np.column_stack([body, luhn_check_digit(body)])
    out[not_amex] = digits_to_str(full16[not_amex])
    body14 = body[:, :14]
    full15 = np.column_stack([body14, luhn_check_digit(body14)])
    out[amex] = digits_to_str(full15[amex])
    return out, brand


# -- government ids --------------------------------------------------------------------------

_SSN_BLOCKED = {"078051120", "457555462", "219099999"}


def us_ssn(rng: np.random.Generator, n: int) -> np.ndarray:
    """SSNs `AAA-GG-SSSS`: area 001-899 except 666, group 01-99, serial 0001-9999."""
    area = rng.integers(1, 900, size=n)
    area = np.where(area == 666, 665, area)
    group = rng.integers(1, 100, size=n)
    serial = rng.integers(1, 10000, size=n)
    digits = np.column_stack(
        [
            area // 100,
            area // 10 % 10,
            area % 10,
            group // 10,
            group % 10,
            serial // 1000,
            serial // 100 % 10,
            serial // 10 % 10,
            serial % 10,
        ]
    )
    plain = digits_to_str(digits)
    blocked = np.isin(plain, list(_SSN_BLOCKED))
    digits[blocked, 8] = digits[blocked, 8] % 9 + 1
    return join_str(
        digits_to_str(digits[:, :3]),
        "-",
        digits_to_str(digits[:, 3:5]),
        "-",
        digits_to_str(digits[:, 5:]),
    )


def _nino_prefixes() -> np.ndarray:
    first = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in "DFIQUV"]
    second = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in "DFIOQUV"]
    banned = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}
    return np.array([a + b for a in first for b in second if a + b not in banned])


def gb_nino(rng: np.random.Generator, n: int) -> np.ndarray:
    """UK National Insurance numbers `QQ 12 34 56 C` following HMRC's allocation rules (valid
    prefix letters, suffix A-D). python-stdnum has no NINO module; the tests check the rules."""
    prefix = rng.choice(_nino_prefixes(), size=n)
    d = random_digits(rng, n, 6)
    suffix = rng.choice(np.array(list("ABCD")), size=n)
    return join_str(
        prefix,
        " ",
        digits_to_str(d[:, :2]),
        " ",
        digits_to_str(d[:, 2:4]),
        " ",
        digits_to_str(d[:, 4:]),
        " ",
        suffix,
    )


def _mod_11_10_check(digits: np.ndarray) -> np.ndarray:
    check = np.full(digits.shape[0], 5, dtype=np.int64)
    for pos in range(digits.shape[1]):
        check = (np.where(check == 0, 10, check) * 2 % 11 + digits[:, pos]) % 10
    return (1 - np.where(check == 0, 10, check) * 2 % 11) % 10


def de_idnr(rng: np.random.Generator, n: int) -> np.ndarray:
    """German tax identification numbers (11 digits): in the first ten exactly one digit occurs
    twice, no leading zero, ISO 7064 MOD 11,10 check digit."""
    perm = rng.permuted(np.tile(np.arange(10), (n, 1)), axis=1)
    body = perm[:, :10].copy()
    # overwrite the last digit with a copy of one of the first nine -> exactly one repeat
    src = rng.integers(0, 9, size=n)
    body[:, 9] = body[np.arange(n), src]
    body = rng.permuted(body, axis=1)
    # no leading zero: swap the first digit with the first non-zero one
    lead_zero = body[:, 0] == 0
    if lead_zero.any():
        rows = np.flatnonzero(lead_zero)
        nz = np.argmax(body[rows] != 0, axis=1)
        body[rows, 0], body[rows, nz] = body[rows, nz], 0
    check = _mod_11_10_check(body)
    return digits_to_str(np.column_stack([body, check]))


def br_cpf(rng: np.random.Generator, n: int) -> np.ndarray:
    """Brazilian CPF `123.456.789-09` with both mod-11 check digits."""
    d = random_digits(rng, n, 9)
    same = (d == d[:, :1]).all(axis=1)
    d[same, 8] = (d[same, 8] + 1) % 10
    w1 = np.arange(10, 1, -1)
    d1 = (11 - (d * w1).sum(axis=1)) % 11 % 10
    w2 = np.arange(11, 2, -1)
    d2 = (11 - ((d * w2).sum(axis=1) + 2 * d1)) % 11 % 10
    full = np.column_stack([d, d1, d2])
    return join_str(
        digits_to_str(full[:, :3]),
        ".",
        digits_to_str(full[:, 3:6]),
        ".",
        digits_to_str(full[:, 6:9]),
        "-",
        digits_to_str(full[:, 9:]),
    )


_VERHOEFF_D = np.array(
    [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
        [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
        [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
        [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
        [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
        [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
        [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
        [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
        [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    ]
)
_VERHOEFF_P = np.array(
    [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
        [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
        [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
        [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
        [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
        [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
        [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
    ]
)
_VERHOEFF_INV = np.array([0, 4, 3, 2, 1, 5, 6, 7, 8, 9])


def verhoeff_check_digit(payload: np.ndarray) -> np.ndarray:
    c = np.zeros(payload.shape[0], dtype=np.int64)
    k = payload.shape[1]
    for i in range(k):
        digit = payload[:, k - 1 - i]
        c = _VERHOEFF_D[c, _VERHOEFF_P[(i + 1) % 8, digit]]
    return _VERHOEFF_INV[c]


def in_aadhaar(rng: np.random.Generator, n: int) -> np.ndarray:
    """Aadhaar numbers `2345 6789 0123`: first digit 2-9, Verhoeff check digit, no palindrome."""
    d = random_digits(rng, n, 11)
    d[:, 0] = rng.integers(2, 10, size=n)
    full = np.column_stack([d, verhoeff_check_digit(d)])
    palindrome = (full == full[:, ::-1]).all(axis=1)
    while palindrome.any():  # astronomically rare; redraw those rows
        rows = np.flatnonzero(palindrome)
        full[rows, 1] = (full[rows, 1] + 1) % 10
        full[rows, 11] = verhoeff_check_digit(full[rows, :11])
        palindrome = (full == full[:, ::-1]).all(axis=1)
    return join_str(
        digits_to_str(full[:, :4]),
        " ",
        digits_to_str(full[:, 4:8]),
        " ",
        digits_to_str(full[:, 8:]),
    )


def in_pan(rng: np.random.Generator, surname_initials: np.ndarray) -> np.ndarray:
    """Individual PANs `ABCPX1234Y`: holder type P, fifth letter the surname's initial."""
    n = len(surname_initials)
    letters = _LETTERS[rng.integers(0, 26, size=(n, 4))]
    digits = random_digits(rng, n, 4)
    digits[:, 0] = rng.integers(1, 10, size=n)  # never 0000
    head = chars_to_str(letters[:, :3])
    tail = chars_to_str(letters[:, 3:])
    initials = np.char.upper(np.asarray(surname_initials, dtype=str))
    initials = np.where(np.isin(initials, list("ABCDEFGHIJKLMNOPQRSTUVWXYZ")), initials, "X")
    return join_str(head, "P", initials, digits_to_str(digits), tail)


# -- banking ---------------------------------------------------------------------------------


def _mod97(chars: np.ndarray) -> np.ndarray:
    """Remainder mod 97 of each row of an uppercase alphanumeric (n, k) uint8 char matrix."""
    r = np.zeros(chars.shape[0], dtype=np.int64)
    for pos in range(chars.shape[1]):
        c = chars[:, pos].astype(np.int64)
        is_letter = c >= ord("A")
        value = np.where(is_letter, c - ord("A") + 10, c - ord("0"))
        r = (r * np.where(is_letter, 100, 10) + value) % 97
    return r


def ibans(rng: np.random.Generator, countries: np.ndarray) -> np.ndarray:
    """IBANs with valid mod-97 check digits for DE, GB and BR (None elsewhere)."""
    countries = np.asarray(countries, dtype=str)
    out = np.full(len(countries), None, dtype=object)
    for cc in ("DE", "GB", "BR"):
        rows = np.flatnonzero(countries == cc)
        n = len(rows)
        if n == 0:
            continue
        if cc == "DE":
            bban = digits_to_str(random_digits(rng, n, 18))
        elif cc == "GB":
            banks = np.array(["NWBK", "BARC", "LOYD", "HBUK", "MIDL", "BUKB"])
            bban = join_str(rng.choice(banks, size=n), digits_to_str(random_digits(rng, n, 14)))
        else:
            bban = join_str(digits_to_str(random_digits(rng, n, 23)), "C1")
        tail = np.array([f"{ord(cc[0]) - 55}{ord(cc[1]) - 55}00"])
        rearranged = join_str(bban, tail[0])
        k = len(rearranged[0])
        encoded = np.char.encode(rearranged, "ascii").astype(f"S{k}")
        chars = np.frombuffer(encoded.tobytes(), dtype=np.uint8).reshape(n, k)
        check = 98 - _mod97(chars)
        check_str = np.char.zfill(check.astype(str), 2)
        out[rows] = join_str(cc, check_str, bban)
    return out


# -- online identifiers ----------------------------------------------------------------------


def uuid4s(rng: np.random.Generator, n: int, upper: bool = False) -> np.ndarray:
    """RFC 4122 version-4 UUID strings from the generator's bytes."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    table = _HEX_UPPER if upper else _HEX
    hexchars = np.empty((n, 32), dtype=np.uint8)
    hexchars[:, 0::2] = table[raw >> 4]
    hexchars[:, 1::2] = table[raw & 0x0F]
    dash = np.full((n, 1), ord("-"), dtype=np.uint8)
    h = hexchars
    full = np.hstack(
        [h[:, :8], dash, h[:, 8:12], dash, h[:, 12:16], dash, h[:, 16:20], dash, h[:, 20:]]
    )
    return chars_to_str(full)


def customer_refs(rng: np.random.Generator, n: int) -> np.ndarray:
    """Unique references `CR-4F3A91` (six upper-case hex digits)."""
    values = rng.choice(16**6, size=n, replace=False)
    nibbles = np.column_stack([(values >> (4 * (5 - i))) & 0xF for i in range(6)])
    return join_str("CR-", chars_to_str(_HEX_UPPER[nibbles]))


def ipv4s(rng: np.random.Generator, n: int) -> np.ndarray:
    """Public-looking IPv4 addresses (no private, loopback, link-local or multicast ranges)."""
    first_octets = np.array(
        [o for o in range(11, 224) if o not in (100, 127, 169, 172, 192, 198, 203)]
    )
    o1 = rng.choice(first_octets, size=n)
    o2, o3 = rng.integers(0, 256, size=(2, n))
    o4 = rng.integers(1, 255, size=n)
    return join_str(o1.astype(str), ".", o2.astype(str), ".", o3.astype(str), ".", o4.astype(str))


def mobile_numbers(rng: np.random.Generator, market: Market, n: int) -> np.ndarray:
    """E.164 mobile numbers that phonenumbers accepts as valid for the market's country (region).

    Numbers come from known mobile ranges; the few a range table still rejects are redrawn
    (a loop over the subject pool only, never over product rows)."""
    prefixes = np.array(market.phone_prefixes)
    out = np.empty(n, dtype=object)
    todo = np.arange(n)
    while len(todo):
        pick = rng.choice(prefixes, size=len(todo))
        lengths = market.phone_national_length - np.char.str_len(pick)
        rest = random_digits(rng, len(todo), int(lengths.max()))
        rest_str = digits_to_str(rest)
        national = np.array([p + r[:k] for p, r, k in zip(pick, rest_str, lengths, strict=True)])
        valid = np.array(
            [
                phonenumbers.is_valid_number_for_region(
                    phonenumbers.PhoneNumber(
                        country_code=market.phone_country_code, national_number=int(x)
                    ),
                    market.country,
                )
                for x in national
            ],
            dtype=bool,
        )
        out[todo[valid]] = np.char.add(f"+{market.phone_country_code}", national[valid])
        todo = todo[~valid]
    return out.astype(str)
