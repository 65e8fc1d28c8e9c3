"""The error envelope the simulator answers with, raised from anywhere inside a request."""

from __future__ import annotations

HTTP_CODES = {400: "2400", 401: "2401", 403: "2403", 404: "2404", 405: "2405", 429: "2429"}


class ApiFailure(Exception):
    """An error response: HTTP status, envelope code, sub-code, message and field errors."""

    def __init__(self, status, sub_code, message, field_errors=None, code=None):
        super().__init__(message)
        self.status = status
        self.sub_code = sub_code
        self.message = message
        self.field_errors = field_errors or {}
        self.code = code or HTTP_CODES.get(status, "2500" if status >= 500 else "2400")

    def envelope(self):
        body = {
            "code": self.code,
            "message": self.message,
            "error": {"subCode": self.sub_code, "message": self.message},
        }
        if self.field_errors:
            body["fieldErrors"] = [
                {"field": field, "messages": list(messages)} for field, messages in self.field_errors.items()
            ]
            body["validationErrors"] = [
                {"field": field, "message": message}
                for field, messages in self.field_errors.items()
                for message in messages
            ]
        return body


def business_rule(message):
    """HTTP 400 SSL2400: the request is well formed but not allowed now (unknown order, no money...)."""
    return ApiFailure(400, "SSL2400", message)


def field_error(field, message):
    """HTTP 400 SSL4000 naming one field."""
    return ApiFailure(400, "SSL4000", f"Validation failed: {field}: {message}", {field: [message]})


class FieldErrors:
    """Collects field problems so that one response names all of them."""

    def __init__(self):
        self.errors = {}

    def add(self, field, message):
        self.errors.setdefault(field, []).append(message)

    def raise_if_any(self):
        if self.errors:
            summary = "; ".join(f"{field}: {', '.join(msgs)}" for field, msgs in self.errors.items())
            raise ApiFailure(400, "SSL4000", f"Validation failed: {summary}", self.errors)
