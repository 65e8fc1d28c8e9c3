"""Authentication and the reseller account: Generate Token, Get Balance."""

from __future__ import annotations

import base64
import hmac
import json
import secrets

from .. import ca as calib
from ..common import money, token_key
from ..errors import ApiFailure, FieldErrors
from ..state import State


class AccountHandlers(State):
    def mint_token(self, req):
        body = req.json()
        errors = FieldErrors()
        for name in ("username", "password"):
            if not isinstance(body.get(name), str) or not body.get(name):
                errors.add(name, "is required")
        errors.raise_if_any()
        users = self.store.get_kv("users", {})
        if body["username"] not in users:
            raise ApiFailure(500, "RES5001", "User not found", code="2500")
        if not hmac.compare_digest(users[body["username"]].encode(), body["password"].encode()):
            raise ApiFailure(401, "RES4002", "Invalid username or password")
        now = int(calib.now_timestamp())
        claims = {"sub": body["username"], "iat": now, "exp": now + self.token_ttl, "jti": secrets.token_hex(8)}
        token = ".".join(
            base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()
            for part in ({"alg": "HS256", "typ": "JWT"}, claims)
        )
        token += "." + secrets.token_urlsafe(32)
        self.store.put("token", token_key(token), {"user": body["username"], "exp": now + self.token_ttl})
        answer = {"access_token": token, "expires_in": self.token_ttl}
        if self.extended:
            answer["token_type"] = "bearer"
        return answer

    def balance(self, req):
        return {"balance": money(self.balance_cents()), "currency": "USD"}
