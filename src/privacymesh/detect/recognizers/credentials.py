"""Credentials: password hashes (bcrypt, argon2, scrypt, PBKDF2, crypt), JSON Web Tokens, cloud and
payment API keys, bearer tokens, and lines of a Unix account database (passwd, shadow): the
system's credential store, which names its users, their ids, homes and password hashes."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from functools import cache

import polars as pl

from privacymesh.detect.recognizer import (
    ROW,
    VALUE,
    ColumnValues,
    Evidence,
    PatternRecognizer,
    Recognizer,
    words,
)
from privacymesh.detect.text_search import joined_matches

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
        # webhook signing secrets and webhook URLs, which carry their secret in the path
        r"|\bwhsec_[A-Za-z0-9+/=]{24,}"
        r"|https://hooks\.slack\.com/services/[A-Za-z0-9]+/[A-Za-z0-9]+/[A-Za-z0-9]{16,}"
        r"|https://(?:discord|discordapp)\.com/api/webhooks/\d+/[A-Za-z0-9_-]{30,}"
    ),
    prefilter=(
        r"AKIA|ASIA|AGPA|AIDA|AROA|k_live_|k_test_|gh[pousr]_|github_pat_|xox|AIza|glpat-|SG\."
        r"|PRIVATE KEY|whsec_|hooks\.slack|/api/webhooks/"
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

# detect-secrets' own rules that its generic entropy and keyword heuristics do not cover, where
# Polars' regex engine reads them (the few with look-arounds are left to the rules above);
# Artifactory's short `AP...` prefix matches ordinary codes too often to count alone; tokens
# validated above (JWT headers are decoded) are not matched again by shape alone
_SKIPPED_RULES = frozenset(("Artifactory Credentials", "Basic Auth Credentials", "JSON Web Token"))


@cache
def secret_rules() -> tuple[str, ...]:
    """The regexes of detect-secrets' regex-based plugins that compile in Polars."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.plugins.base import RegexBasedDetector

    found: list[str] = []
    for secret_type, plugin in sorted(get_mapping_from_secret_type_to_class().items()):
        if not issubclass(plugin, RegexBasedDetector) or secret_type in _SKIPPED_RULES:
            continue
        for regex in plugin.denylist:
            flags = "(?i)" if regex.flags & re.IGNORECASE else ""
            pattern = f"{flags}{regex.pattern}"
            try:
                pl.select(pl.lit("").str.contains(pattern))
            except pl.exceptions.PolarsError:
                continue
            found.append(f"(?:{pattern})")
    return tuple(found)


TOKEN_RUN = r"[A-Za-z0-9_+/=-]{16}"  # every rule's secret holds a run of 16+ token characters


@dataclass
class SecretRulesRecognizer(Recognizer):
    """detect-secrets' rules, run only on the values holding a long token run (a cheap test
    that spares most columns the large alternation)."""

    name: str = "secret_rules"

    def __post_init__(self) -> None:
        self.categories = (CREDENTIALS,)
        self.context = _WORDS

    def detect(self, values: ColumnValues) -> list[Evidence]:
        rules = secret_rules()
        if not rules:
            return []
        # the distinct values joined (computed once per column for every text gate): rules
        # that match none of them are not run row by row
        if not joined_matches(values, (TOKEN_RUN,))[0]:
            return []  # no value holds a long token run: no rule can match
        found = joined_matches(values, tuple(f"(?m){r}" for r in rules))
        rules = tuple(r for r, hit in zip(rules, found, strict=True) if hit)
        if not rules:
            return []
        tokens = values.frame.filter(pl.col(VALUE).str.contains(TOKEN_RUN))
        if tokens.height == 0:
            return []
        # one search per rule: their alternation is many times slower in the regex engine
        v = pl.col(VALUE)
        hits = tokens.filter(pl.any_horizontal([v.str.contains(r) for r in rules]))
        if hits.height == 0:
            return []
        examples = hits.select(pl.coalesce([v.str.extract(f"({r})") for r in rules]))[VALUE]
        k = values.options.max_examples
        ev = self.evidence(
            CREDENTIALS,
            hits[ROW].unique(),
            SECRET_STRENGTH,
            {"pattern"},
            examples.drop_nulls().unique(maintain_order=True).head(k).to_list(),
        )
        ev.estimated_hits = float(hits[ROW].n_unique())
        return [ev]


SECRET_STRENGTH = 0.9
SECRET_RULES = SecretRulesRecognizer()

_PASSWORD_WORDS = words(
    "password", "passwd", "pwd", "passphrase", "passcode", "passwort", "senha", "contrasena",
    "contraseña", "motdepasse", "salt", "passwordhash", "passwordsalt", "secret", "pin",
)  # fmt: skip

PLAIN_SECRET = PatternRecognizer(
    name="plain_secret",
    category=CREDENTIALS,
    # one token of 4-128 printable characters: what a password, its hash or its salt looks like
    pattern=r"[!-~]{4,128}",
    anchored=True,
    # any token passes; only a password-like name, description or tag makes it a credential
    base=0.3,
    full_coverage=0.9,
    context=_PASSWORD_WORDS,
    negative_context=words("policy", "expiry", "expires", "changed", "reset", "length", "hint"),
)

RECOGNIZERS = (PASSWORD_HASH, JWT, API_KEY, SECRET_RULES, BEARER, ACCOUNT_RECORD, PLAIN_SECRET)
