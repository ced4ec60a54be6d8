"""The consent check's hot path. A service asks before each piece of processing, so
`POST /v1/consent/check` is answered here, in plain ASGI, without the framework's dependency
and validation machinery: token (cached verification), right, in-memory lookup, JSON out.

Anything this path does not answer with a decision (a refused token or role, a malformed
body, an unknown subject or purpose) goes on unchanged to the FastAPI route of the same path,
which gives the same answer (tests hold them equal) and the error, audited as any other."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from privacymesh.errors import PrivacyMeshError

PATH = "/v1/consent/check"


class FastConsentCheck:
    def __init__(self, app: Any, services: Any, route: Any = None):
        self.app = app
        self.svc = services
        self.route = route  # the FastAPI route of PATH, named in metrics and logs
        checks = services.metrics.consent_checks
        self._counted = {True: checks.labels("yes"), False: checks.labels("no")}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, receive, send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        answer = self._answer(scope, body)
        if answer is None:
            replayed = False

            async def replay() -> dict[str, Any]:
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            await self.app(scope, replay, send)
            return
        if self.route is not None:
            scope["route"] = self.route
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(answer)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": answer})

    def _answer(self, scope: dict[str, Any], body: bytes) -> bytes | None:
        svc = self.svc
        if svc.consent is None:
            return None
        auth = next((v for k, v in scope["headers"] if k == b"authorization"), None)
        if auth is None or auth[:7].lower() != b"bearer ":
            return None
        if svc.auth_limit.blocked(scope.get("client")):  # the route answers 429
            return None
        try:
            who = svc.verifier.verify(auth[7:].decode("ascii").strip())
            if not svc.allowed(who, "consent_check"):
                return None
            query = json.loads(body)
            subject, purpose, at = query["subject"], query["purpose"], query.get("at")
            if not isinstance(subject, str) or not isinstance(purpose, str) or len(query) > 3:
                return None
            when = datetime.fromisoformat(at) if isinstance(at, str) else None
            if at is not None and when is None:
                return None
            uid, permitted = svc.consent.check(subject, purpose, when)
        except (PrivacyMeshError, ValueError, KeyError, TypeError, UnicodeDecodeError):
            return None
        scope.setdefault("state", {})["principal"] = who
        self._counted[permitted].inc()
        out = {"user_id": uid, "purpose": purpose, "permitted": permitted}
        return json.dumps(out, separators=(",", ":")).encode()
