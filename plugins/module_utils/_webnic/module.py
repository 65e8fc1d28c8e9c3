# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base of every webnic.ssl module: shared connection options, the client, error rendering."""

import re
import traceback

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from .client import HAS_REQUESTS, REQUESTS_IMPORT_ERROR, WebNICClient
from .endpoints import api_url
from .errors import WebNICError
from .failures import FieldProblem, fail_field

CONNECTION_ARGUMENT_SPEC = dict(
    api_username=dict(type="str", fallback=(env_fallback, ["WEBNIC_API_USERNAME"])),
    api_password=dict(type="str", no_log=True, fallback=(env_fallback, ["WEBNIC_API_PASSWORD"])),
    api_endpoint=dict(type="str", default="production", fallback=(env_fallback, ["WEBNIC_API_ENDPOINT"])),
    timeout=dict(type="float", default=30.0),
    validate_certs=dict(type="bool", default=True),
    ca_path=dict(type="path", fallback=(env_fallback, ["WEBNIC_API_CA_PATH"])),
    # A proxy URL may carry user:password of the proxy: never logged.
    api_proxy=dict(type="str", no_log=True, fallback=(env_fallback, ["WEBNIC_API_PROXY"])),
    force_ipv4=dict(type="bool", default=False),
)

_URL = re.compile(r"^https?://[^\s/?#]+(/[^\s?#]*)?$")
_PROXY_URL = re.compile(r"^https?://([^\s/?#@]+@)?([^\s/?#@:\[\]]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?/?$")


class WebNICModule(AnsibleModule):
    """AnsibleModule plus the WebNIC connection options and a lazily built client."""

    def __init__(self, argument_spec=None, **kwargs):
        spec = dict(CONNECTION_ARGUMENT_SPEC)
        spec.update(argument_spec or {})
        self._client = None  # set before AnsibleModule validates: a bad argument fails through fail_json
        super().__init__(argument_spec=spec, **kwargs)

    # ------------------------------------------------------------------ input errors

    def fail_json(self, msg, **kwargs):
        # ansible-core's own type check of a dict option says "dictionary requested, could not parse
        # JSON or key=value" without naming the option: name it and say what shape is expected.
        # (Only argument validation says this, inside AnsibleModule.__init__, before any client.)
        if getattr(self, "_client", None) is None and "dictionary requested" in str(msg):
            for field, spec in (self.argument_spec or {}).items():
                value = (self.params or {}).get(field)
                if spec.get("type") == "dict" and isinstance(value, str):
                    options = ", ".join(sorted(spec.get("options") or {})[:6])
                    msg = "%s: must be a dictionary%s, not the text %r. Give it as a YAML mapping of those options." % (
                        field,
                        " (%s, ...)" % options if options else "",
                        value[:60],
                    )
                    kwargs["field"] = field
                    break
        self._report_skipped(kwargs)
        super().fail_json(msg=msg, **kwargs)

    def fail_field(self, field, problem, fix=None, **extra):
        """Fail on bad input, naming the option and what to do about it."""
        fail_field(self, field, problem, fix, **extra)

    # ------------------------------------------------------------------ client

    @property
    def api_base_url(self):
        endpoint = (self.params.get("api_endpoint") or "production").strip()
        url = api_url(endpoint)
        if not _URL.match(url):
            self.fail_field(
                "api_endpoint",
                "%r is neither 'production', 'ote' nor an http(s) URL" % endpoint,
                "Use production, ote, or the base URL of the API (for example the simulator's http://127.0.0.1:PORT)",
            )
        return url

    @property
    def api_proxy(self):
        """The api_proxy option checked, or None (then HTTPS_PROXY/NO_PROXY decide)."""
        proxy = (self.params.get("api_proxy") or "").strip()
        if not proxy:
            return None
        if not _PROXY_URL.match(proxy):
            # The value may hold the proxy's password: name the field, never echo the value.
            self.fail_field(
                "api_proxy",
                "is not a proxy URL",
                "Use http://HOST:PORT (or http://USER:PASSWORD@HOST:PORT), as in HTTPS_PROXY",
            )
        return proxy

    @property
    def client(self):
        if self._client is None:
            if not HAS_REQUESTS:
                self.fail_json(msg=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))
            for option, env in (("api_username", "WEBNIC_API_USERNAME"), ("api_password", "WEBNIC_API_PASSWORD")):
                if not self.params.get(option):
                    self.fail_field(
                        option, "is required to call the WebNIC API", "Set it or the %s environment variable" % env
                    )
            timeout = self.params["timeout"]
            if not (timeout > 0 and timeout < float("inf")):  # also false for NaN
                self.fail_field(
                    "timeout",
                    "must be a positive number of seconds, not %s" % timeout,
                    "Give the seconds to wait for each WebNIC answer, for example 30 (the default)",
                )
            if not self.params["validate_certs"]:
                self.warn(
                    "validate_certs=false: the WebNIC API's TLS certificate is not verified; "
                    "credentials can be intercepted. Use ca_path for a private CA instead."
                )
            self._client = WebNICClient(
                self.api_base_url,
                self.params["api_username"],
                self.params["api_password"],
                timeout=self.params["timeout"],
                validate_certs=self.params["validate_certs"],
                ca_path=self.params.get("ca_path"),
                proxy=self.api_proxy,
                force_ipv4=self.params["force_ipv4"],
            )
        return self._client

    @property
    def api_calls(self):
        """HTTP requests this run sent to WebNIC (token mints included)."""
        return self._client.request_count if self._client is not None else 0

    # ------------------------------------------------------------------ degraded checks

    def _report_skipped(self, result):
        """Warn once per skipped check and report them (see WebNICClient.call_optional)."""
        # getattr: ansible-core fails on bad arguments inside AnsibleModule.__init__, before _client is set.
        client = getattr(self, "_client", None)
        skipped = list(client.skipped) if client is not None else []
        if not skipped:
            return
        result.setdefault("skipped_checks", skipped)
        for entry in skipped:
            self.warn(
                "%s answered HTTP %s: that path is our assumption and may be wrong (docs/api-assumptions.md); "
                "skipped: %s." % (entry["path"], entry["status"], entry["skipped"])
            )

    def exit_json(self, **result):
        self._report_skipped(result)
        super().exit_json(**result)

    # ------------------------------------------------------------------ running

    def fail_api(self, error, doing=None, **extra):
        result = error.to_result()
        if doing:
            result["msg"] = "While %s: %s" % (doing, result["msg"])
        result.update(extra)
        result.setdefault("changed", False)
        result["api_calls"] = self.api_calls
        self.fail_json(**result)

    def run(self, func):
        """Run ``func(module) -> result dict`` and exit; WebNIC errors become one clear failure."""
        try:
            result = func(self)
        except FieldProblem as error:
            self.fail_field(error.field, error.problem, error.fix, **error.extra)
        except WebNICError as error:
            self.fail_api(error)
        except Exception as error:  # a bug of ours: still no raw traceback in the message
            self.fail_json(
                msg="Unexpected error in %s: %s: %s" % (self._name, error.__class__.__name__, error),
                exception=traceback.format_exc(),
                api_calls=self.api_calls,
            )
        result.setdefault("changed", False)
        result.setdefault("changed_reasons", [])
        result["api_calls"] = self.api_calls
        self.exit_json(**result)
