"""The hard cases of issue 3, one test each: nested JSON, reversible encodings, hashed
identifiers (and known hashes), sparse columns, opaque names, decoys."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import urllib.parse

import polars as pl

from detect.frames import categories, scan

EMAIL = "user.contact.email"
PHONE = "user.contact.phone_number"
NATID = "user.government_id.national_identification_number"
PSEUDO = "user.unique_id.pseudonymous"
PRECISE = "user.location.precise"
DOB = "user.demographic.date_of_birth"

EMAILS = [f"user{i}.name@example{i % 7}.com" for i in range(60)]


def test_values_nested_in_json_at_any_depth_and_in_arrays() -> None:
    docs = [
        json.dumps({"a": {"b": {"c": {"d": [{"e": {"contact": email}}]}}}, "n": i})
        for i, email in enumerate(EMAILS)
    ]
    hit = scan(pl.DataFrame({"payload": docs})).column("payload").categories
    email = next(h for h in hit if h.category == EMAIL)
    assert "json" in email.methods


def test_json_keys_give_context_to_weak_values() -> None:
    docs = [
        json.dumps({"profile": {"dob": f"19{60 + i % 30}-0{1 + i % 9}-1{i % 10}"}})
        for i in range(60)
    ]
    assert DOB in categories(docs, "payload")


def test_json_string_escapes_are_undone() -> None:
    docs = [json.dumps({"to": e}).replace("@", "\\u0040") for e in EMAILS]
    assert EMAIL in categories(docs, "payload")


def test_coordinates_in_json() -> None:
    rng = random.Random(1)
    docs = [
        json.dumps(
            {"geo": {"lat": round(rng.uniform(40, 50), 6), "lng": round(rng.uniform(-5, 5), 6)}}
        )
        for _ in range(60)
    ]
    assert PRECISE in categories(docs, "payload")


def test_base64_base64url_hex_and_url_encoded_values_are_decoded() -> None:
    b64 = [base64.b64encode(e.encode()).decode() for e in EMAILS]
    b64url = [
        base64.urlsafe_b64encode(json.dumps({"ssn": "536-22-1234"}).encode()).decode().rstrip("=")
    ] * 30
    hexed = [e.encode().hex() for e in EMAILS]
    url = [f"https://t.example.com/c?e={urllib.parse.quote(e, safe='')}" for e in EMAILS]
    for values, method in ((b64, "base64"), (hexed, "hex"), (url, "url")):
        hits = scan(pl.DataFrame({"ref": values})).column("ref").categories
        email = next(h for h in hits if h.category == EMAIL)
        assert method in email.methods
    assert NATID in categories(b64url, "state")


def test_decoding_depth_is_bounded() -> None:
    inner = json.dumps({"mail": EMAILS[0]})
    once = base64.b64encode(inner.encode()).decode()
    twice = base64.b64encode(json.dumps({"data": once}).encode()).decode()
    thrice = base64.b64encode(json.dumps({"data": twice}).encode()).decode()
    from privacymesh.detect import ScanOptions

    assert EMAIL in categories([twice] * 30, "blob")  # base64 -> json -> base64 -> json
    shallow = ScanOptions(max_decode_depth=1)
    assert EMAIL not in categories([twice] * 30, "blob", options=shallow)
    assert EMAIL not in categories([thrice] * 30, "blob")  # deeper than the default bound


def test_hashed_identifiers_are_pseudonymous() -> None:
    digests = [hashlib.sha256(e.encode()).hexdigest() for e in EMAILS]
    assert PSEUDO in categories(digests, "c07")


def test_low_cardinality_hashes_are_not_identifiers() -> None:
    statuses = [hashlib.md5(s.encode()).hexdigest() for s in ("new", "active", "closed")]
    assert not categories(statuses * 30, "segment_md5")


def test_known_hashes_are_matched_for_certain() -> None:
    digests = [hashlib.sha256(e.encode()).hexdigest() for e in EMAILS]
    known = set(digests[:10])
    hits = scan(pl.DataFrame({"file_checksum": digests}), known_hashes=known)
    hit = hits.column("file_checksum").categories[0]
    assert hit.category == PSEUDO and "known_hash" in hit.methods and hit.confidence >= 0.95
    # without the identity map, the name `file_checksum` lowers the digests below the line
    assert PSEUDO not in categories(digests, "file_checksum")


def test_known_hashes_as_a_series() -> None:
    digests = [hashlib.md5(e.encode()).hexdigest().upper() for e in EMAILS[:3]] * 2
    known = pl.Series([d.lower() for d in digests])
    hits = scan(pl.DataFrame({"h": digests}), known_hashes=known)
    assert "known_hash" in hits.column("h").categories[0].methods


def test_sparse_columns_a_few_percent_personal() -> None:
    texts = ["Delivered to the front desk."] * 400
    for i in range(0, 400, 40):  # 2.5%
        texts[i] = f"Customer asked to be mailed at {EMAILS[i // 40]} later."
    hits = scan(pl.DataFrame({"notes": texts})).column("notes").categories
    email = next(h for h in hits if h.category == EMAIL)
    assert 0.02 <= email.hit_rate <= 0.03


def test_opaque_names_only_values_tell() -> None:
    frame = pl.DataFrame({"c07": EMAILS, "payload": EMAILS, "ref": EMAILS})
    result = scan(frame)
    assert all(EMAIL in result.column(c).category_keys() for c in frame.columns)


def test_decoys_whose_names_sound_personal() -> None:
    rng = random.Random(2)
    frame = pl.DataFrame(
        {
            "email_sent": [rng.random() < 0.5 for _ in range(60)],
            "email_open_count": [rng.randint(0, 30) for _ in range(60)],
            "phone_model": [
                rng.choice(["iPhone 14 Pro", "Galaxy S23", "Pixel 8"]) for _ in range(60)
            ],
            "name": [rng.choice(["Rustic Steel Lamp", "Sleek Cotton Chair"]) for _ in range(60)],
            "birth_place_count": [rng.randint(0, 9) for _ in range(60)],
            "user_agent": ["Mozilla/5.0 (X11; Linux i686; rv:1.9.6.20) Gecko Firefox/3.8"] * 60,
        }
    )
    assert scan(frame).personal_columns == ()


def test_non_personal_identifiers() -> None:
    rng = random.Random(3)
    frame = pl.DataFrame(
        {
            "order_id": [f"{rng.getrandbits(128):032x}" for _ in range(60)],
            "trace_id": [f"{rng.getrandbits(128):032x}" for _ in range(60)],
            "sku": [f"SKU-{rng.randint(10000, 99999)}" for _ in range(60)],
            "build_sha": [rng.choice(["a" * 40, "b" * 40]) for _ in range(60)],
        }
    )
    assert scan(frame).personal_columns == ()
