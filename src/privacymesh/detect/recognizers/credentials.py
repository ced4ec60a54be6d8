"""Credentials: password hashes (bcrypt, argon2, scrypt, PBKDF2, crypt), JSON Web Tokens, cloud and
payment API keys, bearer tokens, and lines of a Unix account database (passwd, shadow): the
system's credential store, which names its users, their ids, homes and password hashes."""

from __future__ import annotations

import base64
import json

from privacymesh.detect.recognizer import PatternRecognizer, words

CREDENTIALS = "user.authorization.credentials"
_WORDS = words(
    "password", "passwd", "pwd", "hash", "secret", "token", "key", "apikey", "credential",
    "auth", "authorization", "bearer", "jwt", "session",
)  # fmt: skip


def valid_jwt(value: str) -> bool:
    """The header decodes (base64url) to a JSON object with an `alg`."""
    header = value.split(".", 1)[0]
    raw = base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))
    obj = json.loads(raw)
    return isinstance(obj, dict) and "alg" in obj


PASSWORD_HASH = PatternRecognizer(
    name="password_hash",
    category=CREDENTIALS,
    pattern=(
        r"\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}"
        r"|\$argon2(?:id|i|d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+"
        r"|\$scrypt\$[^\s$]+\$[^\s$]+\$[^\s$]+"
        r"|\$[156]\$(?:rounds=\d+\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{22,86}"
        r"|pbkdf2_sha(?:1|256|512)\$\d+\$[^\s$]+\$[A-Za-z0-9+/=]{20,}"
        r"|\$pbkdf2(?:-sha(?:1|256|512))?\$\d+\$[./A-Za-z0-9+]+\$[./A-Za-z0-9+]+"
    ),
    prefilter=r"\$|pbkdf2",
    base=0.95,
    context=_WORDS,
)

JWT = PatternRecognizer(
    name="jwt",
    category=CREDENTIALS,
    pattern=r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{8,}",
    prefilter="eyJ",
    validator=valid_jwt,
    base=0.95,
    context=_WORDS,
)

API_KEY = PatternRecognizer(
    name="api_key",
    category=CREDENTIALS,
    pattern=(
        r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[A-Z0-9]{16}\b"  # AWS access key id
        r"|\b[sr]k_(?:live|test)_[0-9A-Za-z]{16,99}\b"  # Stripe secret/restricted
        r"|\bgh[pousr]_[A-Za-z0-9]{36,255}\b|\bgithub_pat_[A-Za-z0-9_]{60,255}\b"
        r"|\bxox[abposr]-[A-Za-z0-9-]{10,}\b"  # Slack
        r"|\bAIza[0-9A-Za-z_-]{35}\b"  # Google API key
        r"|\bglpat-[A-Za-z0-9_-]{20}\b"  # GitLab
        r"|\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b"  # SendGrid
        r"|-----BEGIN (?:RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----"
    ),
    prefilter=(
        r"AKIA|ASIA|AGPA|AIDA|AROA|k_live_|k_test_|gh[pousr]_|github_pat_|xox|AIza|glpat-|SG\."
        r"|PRIVATE KEY"
    ),
    base=0.95,
    context=_WORDS,
)

BEARER = PatternRecognizer(
    name="bearer_token",
    category=CREDENTIALS,
    pattern=r"(?i:bearer|token|api[_-]?key|secret|password|passwd)[\"']?\s*[:=]\s*[\"']?[A-Za-z0-9._~+/=-]{16,}",
    prefilter=r"(?i)bearer|token|api[_-]?key|secret|passw",
    base=0.8,
    context=_WORDS,
)

ACCOUNT_RECORD = PatternRecognizer(
    name="account_record",
    category=CREDENTIALS,
    pattern=(
        # passwd: name:password:uid:gid:gecos:home:shell
        r"\b[A-Za-z_][A-Za-z0-9_.-]{0,31}:[^:\s]*:\d{1,10}:\d{1,10}:[^:\n]*:/[^:\n]*:[^\s:,'\"]*"
        # shadow: name:hash-or-lock:lastchange:min:max:warn:...
        r"|\b[A-Za-z_][A-Za-z0-9_.-]{0,31}:(?:[!*]+|\$[^:\s]+):\d*:\d*:\d*:\d*:"
    ),
    prefilter=r":\d*:\d*:",
    base=0.9,
    context=_WORDS,
)

RECOGNIZERS = (PASSWORD_HASH, JWT, API_KEY, BEARER, ACCOUNT_RECORD)
