"""Failed authentications are limited per client address: past the limit the address is
answered 429 with Retry-After until its window ends, refused before any token is verified,
and audited once per window rather than once per attempt."""

from __future__ import annotations

import json

import pytest
from serve_support import Served

from privacymesh.errors import WorkspaceError
from privacymesh.serve.auth_limit import FailedAuthLimit
from privacymesh.serve.settings import serve_settings
from privacymesh.workspace import load_workspace


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limit_counts_per_address_and_window() -> None:
    clock = Clock()
    limit = FailedAuthLimit(2, 60, clock=clock)
    assert limit.throttled("10.0.0.1") is None
    limit.failed("10.0.0.1")
    limit.failed("10.0.0.1")
    limit.failed("10.0.0.2")
    clock.now += 10
    assert limit.throttled("10.0.0.1") == (50, True)  # the first refusal: audit it
    assert limit.throttled("10.0.0.1") == (50, False)
    assert limit.blocked(("10.0.0.1", 5555)) and not limit.blocked(("10.0.0.2", 5555))
    assert limit.throttled("10.0.0.2") is None  # one failure: under the limit
    clock.now += 50  # the window is over
    assert limit.throttled("10.0.0.1") is None and not limit.blocked(("10.0.0.1", 1))
    off = FailedAuthLimit(0, 60, clock=clock)
    for _ in range(100):
        off.failed("10.0.0.1")
    assert off.throttled("10.0.0.1") is None and not off.blocked(("10.0.0.1", 1))


def test_settings(tmp_path) -> None:
    (tmp_path / "privacymesh.toml").write_text('name = "t"\n')
    defaults = serve_settings(load_workspace(tmp_path)).auth_failures
    assert (defaults.limit, defaults.window) == (20, 60.0)
    (tmp_path / "privacymesh.toml").write_text(
        'name = "t"\n[serve.auth_failures]\nlimit = 5\nwindow = 30\n'
    )
    assert serve_settings(load_workspace(tmp_path)).auth_failures.limit == 5
    (tmp_path / "privacymesh.toml").write_text('name = "t"\n[serve.auth_failures]\nlimit = -1\n')
    with pytest.raises(WorkspaceError, match="expected a number") as caught:
        serve_settings(load_workspace(tmp_path))
    assert caught.value.field == "serve.auth_failures.limit"


def test_forged_tokens_are_throttled_and_audited_once_per_window(served: Served) -> None:
    clock = Clock()
    served.services.auth_limit = FailedAuthLimit(3, 60, clock=clock)
    good = served.token("svc-consent", ["grp-consent"])
    head, body, sig = good.split(".")
    forged = f"Bearer {head}.{body}.{sig[:-4]}AAAA"
    check = {"subject": "u_000001", "purpose": "marketing"}
    with served.client() as c:
        statuses = [
            c.post("/v1/consent/check", json=check, headers={"Authorization": forged}).status_code
            for _ in range(3)
        ]
        assert statuses == [401, 401, 401]
        over = [
            c.post("/v1/consent/check", json=check, headers={"Authorization": forged})
            for _ in range(4)
        ]
        assert [r.status_code for r in over] == [429] * 4
        assert over[0].headers["retry-after"] == "60"
        assert over[0].json()["error"] == "too many failed authentications from this address"
        # a valid token from the same address waits too, on the fast path as on the others
        bearer = {"Authorization": f"Bearer {good}"}
        assert c.post("/v1/consent/check", json=check, headers=bearer).status_code == 429
        assert c.get("/v1/consent/notices", headers=bearer).status_code == 429
        clock.now += 45
        waited = c.post("/v1/consent/check", json=check, headers=bearer)
        assert waited.status_code == 429 and waited.headers["retry-after"] == "15"
        clock.now += 15  # the window is over
        assert c.post("/v1/consent/check", json=check, headers=bearer).status_code == 200
        metrics = c.get("/metrics").text
    rows = [json.loads(x) for x in (served.ws.evidence / "audit.jsonl").read_text().splitlines()]
    reasons = [json.loads(r["detail"])["reason"] for r in rows if r["action"] == "serve.auth"]
    assert reasons == ["token signature does not verify"] * 3 + ["too many failed authentications"]
    assert 'privacymesh_denials_total{reason="too many failed authentications"} 7.0' in metrics
