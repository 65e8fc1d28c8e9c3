# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one exception hierarchy of the WebNIC client. The client raises these; module.py renders them."""


class WebNICError(Exception):
    """Base of every error the client raises."""

    hint = None

    def __init__(self, message, hint=None):
        super().__init__(message)
        self.message = message
        if hint:
            self.hint = hint

    def to_result(self):
        return {"msg": self.render()}

    def render(self):
        if self.hint:
            return "%s %s" % (self.message.rstrip(), self.hint)
        return self.message

    def __str__(self):
        return self.render()


class TransportError(WebNICError):
    """The request did not produce a usable answer (connection, TLS, timeout, malformed body)."""


class AmbiguousWriteError(TransportError):
    """A write or money call whose answer was lost: the server may have committed it.

    The caller must look the result up before doing anything else; it must never resend blindly.
    """


class ApiError(WebNICError):
    """WebNIC answered with an error envelope."""

    def __init__(self, status, code, sub_code, message, field_errors=None, endpoint=None, hint=None):
        self.status = status
        self.code = code
        self.sub_code = sub_code
        self.api_message = message
        self.field_errors = field_errors or []
        self.endpoint = endpoint
        parts = []
        if endpoint:
            parts.append("WebNIC %s failed" % endpoint)
        else:
            parts.append("WebNIC call failed")
        parts.append("(HTTP %s, code %s%s):" % (status, code or "?", ", subCode %s" % sub_code if sub_code else ""))
        parts.append(message or "no message")
        if self.field_errors:
            parts.append("[" + "; ".join("%s: %s" % (f, m) for f, m in self.field_errors) + "]")
        super().__init__(" ".join(parts), hint=hint)

    def to_result(self):
        result = {"msg": self.render(), "api_status": self.status, "api_code": self.code}
        if self.sub_code:
            result["api_sub_code"] = self.sub_code
        if self.field_errors:
            result["api_field_errors"] = [{"field": f, "message": m} for f, m in self.field_errors]
        return result


class AuthError(ApiError):
    """Credentials refused, token invalid after one re-mint, or the caller's IP not allowed."""
