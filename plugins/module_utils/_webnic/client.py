# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The WebNIC RESTful v2 client: authentication, transport, retries, envelope parsing.

The client never calls fail_json: it returns ``data`` or raises an error from errors.py.
"""

import base64
import random
import socket
import time
from collections import Counter

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover - Python 2 is not supported, keeps sanity import tests calm
    from urllib import quote

from .endpoints import AUTH, ENDPOINTS, IDEMPOTENT, MONEY, SAFE, WRITE
from .errors import AmbiguousWriteError, ApiError, AuthError, TransportError
from .tokens import TokenCache
from .version import COLLECTION_VERSION

try:
    import requests
    from requests import exceptions as rexc

    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported through missing_required_lib
    requests = None
    rexc = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc

USER_AGENT = "webnic.ssl/%s (Ansible collection; +https://github.com/webnic-community/webnic.ssl)" % (
    COLLECTION_VERSION
)
SUCCESS_CODE = "1000"
#: Statuses with which a server says "no such path/method here" rather than "no such object".
PATH_MISSING_STATUS = frozenset([404, 405, 501])
ASSUMED_PATH_HINT = (
    "This path is our assumption (WebNIC does not publish it) and may be wrong: see "
    "docs/api-assumptions.md, and run webnic.ssl.webnic_ssl_api_check against OTE."
)
RETRYABLE_STATUS = frozenset([500, 502, 503, 504])
AMBIGUOUS_STATUS = frozenset([500, 502, 504])
MAX_RETRY_AFTER = 120.0
#: The largest answer read from WebNIC (a certificate bundle or a page of orders is a few kB): a
#: broken or hostile server must not fill the controller's memory.
MAX_RESPONSE_BYTES = 10 * 1024 * 1024
_READ_CHUNK = 64 * 1024


class ResponseTooLarge(Exception):
    """Raised by :func:`read_capped` when an answer exceeds the cap."""


def read_capped(response, limit=MAX_RESPONSE_BYTES):
    """Read a streamed ``requests`` response into ``response._content`` (so ``.content``/``.json()``
    work as usual), raising ResponseTooLarge as soon as more than ``limit`` bytes arrive."""
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        response.close()
        raise ResponseTooLarge(int(declared))
    chunks = []
    size = 0
    for chunk in response.iter_content(_READ_CHUNK):
        size += len(chunk)
        if size > limit:
            response.close()
            raise ResponseTooLarge(size)
        chunks.append(chunk)
    response._content = b"".join(chunks)  # pylint: disable=protected-access
    response._content_consumed = True  # pylint: disable=protected-access
    return response


def _force_ipv4():
    """Make urllib3 resolve IPv4 only: WebNIC's allow-list knows IPv4 addresses only."""
    try:
        import urllib3.util.connection as urllib3_connection
    except ImportError:  # pragma: no cover
        return
    urllib3_connection.allowed_gai_family = lambda: socket.AF_INET


def _retry_after_seconds(value):
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        from email.utils import parsedate_to_datetime

        when = parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _sent_nothing(exc):
    """True when the request certainly never reached the server (safe to resend any call)."""
    if isinstance(exc, rexc.ConnectTimeout):
        return True
    if isinstance(exc, rexc.ConnectionError):
        text = repr(exc)
        return any(marker in text for marker in ("NewConnectionError", "Connection refused", "NameResolutionError"))
    return False


def proxies_for(base_url, proxy=None):
    """The ``requests`` proxies mapping for calls to ``base_url``; empty means a direct connection.

    An explicit ``proxy`` (the api_proxy option) wins. Otherwise the standard HTTPS_PROXY /
    HTTP_PROXY / ALL_PROXY / NO_PROXY environment variables decide. They are read here rather than
    through ``Session.trust_env``, which would also let REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE replace
    the CA that validate_certs/ca_path chose.
    """
    if proxy:
        return {"http": proxy, "https": proxy}
    return dict(requests.utils.get_environ_proxies(base_url))


class _Retry(Exception):
    def __init__(self, error, delay=None):
        super().__init__(str(error))
        self.error = error
        self.delay = delay


class WebNICClient:
    """One client per module run: one keep-alive session, one token for all calls."""

    def __init__(
        self,
        base_url,
        username,
        password,
        timeout=30.0,
        validate_certs=True,
        ca_path=None,
        proxy=None,
        force_ipv4=False,
        max_attempts=4,
        backoff=0.5,
        max_retry_time=90.0,
        token_cache_dir=None,
        use_token_cache=True,
        sleep=time.sleep,
    ):
        if not HAS_REQUESTS:
            raise TransportError("The Python library 'requests' is required: %s" % REQUESTS_IMPORT_ERROR)
        self.base_url = base_url.rstrip("/")
        self.username = username
        self._password = password
        self.timeout = timeout
        self.verify = (ca_path or True) if validate_certs else False
        self.max_attempts = max(1, int(max_attempts))
        self.backoff = backoff
        self.max_retry_time = max_retry_time
        self.sleep = sleep
        self.calls = Counter()
        self.token_mints = 0
        #: Checks and enrichments skipped because an assumed path is missing (see call_optional).
        self.skipped = []
        self._notes = {}
        #: Seconds the API's clock (its Date header) is ahead of ours, from the last answer.
        self.clock_skew = None
        self._token = None
        self._cache = TokenCache(self.base_url, username, password, token_cache_dir) if use_token_cache else None
        if force_ipv4:
            _force_ipv4()
        if not validate_certs:
            # The module already warned once, in words a user can act on.
            try:
                import urllib3

                urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
            except (ImportError, AttributeError):  # pragma: no cover
                pass
        self.session = requests.Session()
        # CA bundles from the environment (REQUESTS_CA_BUNDLE) must not override validate_certs/ca_path,
        # so trust_env stays off and the proxy environment variables are applied by proxies_for.
        # With a TLS-inspecting proxy, ca_path is the inspecting proxy's CA (it signs what we see).
        self.session.trust_env = False
        self.session.proxies = proxies_for(self.base_url, proxy)
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})

    # ------------------------------------------------------------------ public API

    @property
    def request_count(self):
        return sum(self.calls.values())

    def call(self, name, path=None, query=None, body=None):
        """Call endpoint ``name`` of ENDPOINTS and return the envelope's ``data`` (or None)."""
        endpoint = ENDPOINTS[name]
        response = self._request(name, endpoint, path, query, body)
        return self._parse_envelope(name, endpoint, response)

    def call_optional(self, name, skipped, path=None, query=None, body=None):
        """``call`` for an endpoint that only checks, prices or enriches: never blocks the caller.

        When the endpoint's path is one we assumed and the server answers that it has no such path
        (404/405/501), returns None and records what was skipped (``self.skipped``) so that the
        module can warn once and report it. Any other error is raised as by ``call``.
        """
        endpoint = ENDPOINTS[name]
        try:
            return self.call(name, path=path, query=query, body=body)
        except ApiError as error:
            if endpoint.confidence != "assumed" or error.status not in PATH_MISSING_STATUS:
                raise
            self.note_skipped(name, error.status, skipped)
            return None

    @staticmethod
    def path_absent(name, error):
        """Did an assumed path answer as a server with no such path (404/405/501, no WebNIC envelope)?

        Stricter than call_optional: used on write paths, where only an answer that cannot have come
        from a WebNIC handler (no business code) proves that nothing was done.
        """
        return (
            ENDPOINTS[name].confidence == "assumed"
            and isinstance(error, ApiError)
            and error.status in PATH_MISSING_STATUS
            and not error.code
        )

    def note_skipped(self, name, status, skipped):
        endpoint = ENDPOINTS[name]
        entry = {
            "endpoint": name,
            "path": "%s %s" % (endpoint.method, endpoint.path),
            "status": status,
            "skipped": skipped,
        }
        if entry not in self.skipped:
            self.skipped.append(entry)

    def download(self, order_id, fmt="PEM", body=None):
        """Download Cert: returns the file's bytes (the API answers with the file, or with an envelope).

        The body goes as JSON; the one public client that calls this endpoint sends multipart form
        fields instead. When WebNIC rejects the JSON body itself (400 without a WebNIC business
        error, or 415), the same download is asked once more as multipart (a download spends no
        money), and the encoding that worked is remembered for this API account.
        """
        body = dict(body or {})
        encoding = self._learned("download_encoding") or "json"
        try:
            response = self._download_once(order_id, fmt, body, encoding)
        except _BodyRejected:
            encoding = "multipart" if encoding == "json" else "json"
            response = self._download_once(order_id, fmt, body, encoding, last_try=True)
            self._learn("download_encoding", encoding)
        return self._download_content(response)

    def _download_once(self, order_id, fmt, body, encoding, last_try=False):
        endpoint = ENDPOINTS["cert_download"]
        path = {"orderId": order_id, "format": fmt}
        if encoding == "multipart":
            response = self._request("cert_download", endpoint, path, None, None, files=multipart_fields(body))
        else:
            response = self._request("cert_download", endpoint, path, None, body)
        if not last_try and _rejects_body(response):
            raise _BodyRejected()
        return response

    def _download_content(self, response):
        endpoint = ENDPOINTS["cert_download"]
        content_type = response.headers.get("Content-Type", "")
        if "json" in content_type:
            data = self._parse_envelope("cert_download", endpoint, response)
            if isinstance(data, dict):
                data = data.get("certificate") or data.get("content") or data.get("file")
            if not isinstance(data, str) or not data:
                raise TransportError("WebNIC Download Cert answered with an envelope holding no certificate.")
            if "-----BEGIN" in data:
                return data.encode("utf-8")
            try:
                return base64.b64decode(data, validate=True)
            except ValueError:
                raise TransportError("WebNIC Download Cert answered with data that is neither PEM nor base64.")
        if response.status_code != 200:
            self._parse_envelope("cert_download", endpoint, response)
        return response.content

    # ------------------------------------------------------------------ authentication

    def _mint(self):
        endpoint = ENDPOINTS["token"]
        try:
            response = self._send("token", endpoint, {}, None, {"username": self.username, "password": self._password})
            self.token_mints += 1
            data = self._parse_envelope("token", endpoint, response)
        except ApiError as exc:
            raise AuthError(
                exc.status,
                exc.code,
                exc.sub_code,
                exc.api_message,
                exc.field_errors,
                endpoint="token request",
                hint="Check api_username/api_password (or WEBNIC_API_USERNAME/WEBNIC_API_PASSWORD) "
                "and that they belong to the environment of api_endpoint (production and OTE differ).",
            )
        if not isinstance(data, dict) or not data.get("access_token"):
            raise TransportError("WebNIC token response has no access_token.")
        return data["access_token"], float(data.get("expires_in") or 3600)

    def _get_token(self, force=False):
        if self._token and not force:
            return self._token
        if self._cache is None:
            self._token = self._mint()[0]
            return self._token
        with self._cache:
            if not force:
                cached = self._cache.load()
                if cached:
                    self._token = cached
                    return cached
            token, expires_in = self._mint()
            self._cache.store(token, expires_in)
        self._token = token
        return token

    def _drop_token(self):
        if self._token and self._cache is not None:
            self._cache.forget(self._token)
        self._token = None

    # ------------------------------------------------------------------ transport

    def _url(self, endpoint, path):
        url_path = endpoint.path
        for key, value in (path or {}).items():
            url_path = url_path.replace("{%s}" % key, quote(str(value), safe=""))
        if "{" in url_path:
            raise ValueError("missing path parameter for %s" % endpoint.path)
        return self.base_url + url_path

    def _learned(self, key):
        return self._cache.load_note(key) if self._cache is not None else self._notes.get(key)

    def _learn(self, key, value):
        self._notes[key] = value
        if self._cache is not None:
            self._cache.store_note(key, value)

    def _send(self, name, endpoint, path, query, body, token=None, files=None):
        """One HTTP exchange with bounded retries according to the endpoint's kind."""
        url = self._url(endpoint, path)
        headers = {}
        if token:
            headers["Authorization"] = "Bearer %s" % token
        deadline = time.monotonic() + self.max_retry_time
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._attempt(name, endpoint, url, query, body, headers, files)
            except _Retry as retry:
                remaining = deadline - time.monotonic()
                if attempt >= self.max_attempts or remaining <= 0:
                    raise retry.error
                delay = retry.delay
                if delay is None:
                    delay = self.backoff * (2 ** (attempt - 1)) + random.uniform(0, self.backoff)
                if delay > min(remaining, MAX_RETRY_AFTER):
                    raise retry.error
                self.sleep(delay)

    def _attempt(self, name, endpoint, url, query, body, headers, files=None):
        kind = endpoint.kind
        retry_reads = kind in (SAFE, IDEMPOTENT, AUTH)
        described = "%s %s" % (endpoint.method, endpoint.path)
        self.calls[name] += 1
        try:
            response = self.session.request(
                endpoint.method,
                url,
                params=query or None,
                json=body if body is not None else None,
                files=files,
                headers=headers,
                timeout=self.timeout,
                verify=self.verify,
                allow_redirects=False,
                stream=True,
            )
            read_capped(response)
        except ResponseTooLarge as exc:
            problem = "WebNIC's answer to %s is larger than %d MB (%s bytes read or announced)" % (
                described,
                MAX_RESPONSE_BYTES // (1024 * 1024),
                exc.args[0],
            )
            if kind in (MONEY, WRITE):
                raise AmbiguousWriteError(problem + "; it may have committed the call.")
            raise TransportError(
                problem + "; the answer was dropped unread.",
                hint="A certificate or a page of orders is a few kB: check api_endpoint points at the WebNIC API.",
            )
        except rexc.SSLError as exc:
            raise TransportError(
                "TLS verification of %s failed: %s." % (self.base_url, exc),
                hint="Set ca_path (WEBNIC_API_CA_PATH) to the CA that signed the API's certificate; "
                "validate_certs=false only for throwaway tests.",
            )
        except (rexc.ConnectionError, rexc.Timeout) as exc:
            if _sent_nothing(exc):
                raise _Retry(TransportError("Cannot connect to %s for %s: %s" % (self.base_url, described, exc)))
            if retry_reads:
                raise _Retry(TransportError("No answer from WebNIC for %s: %s" % (described, exc)))
            raise AmbiguousWriteError(
                "The answer to %s was lost (%s); WebNIC may have committed it." % (described, exc.__class__.__name__)
            )
        except rexc.RequestException as exc:
            raise TransportError("Request %s failed: %s" % (described, exc))

        self._note_clock(response)
        status = response.status_code
        if status == 429:
            error = ApiError(429, "429", None, "rate limited by WebNIC", endpoint=described)
            # Kept on the error: a caller that waits (webnic_ssl_dcv) honours it once the retries are spent.
            error.retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
            raise _Retry(error, error.retry_after)
        if status in RETRYABLE_STATUS:
            if retry_reads and not (kind == AUTH and status == 500):  # 500 at mint = unknown user
                raise _Retry(self._error_from(name, endpoint, response))
            if kind in (MONEY, WRITE) and status in AMBIGUOUS_STATUS:
                raise AmbiguousWriteError("WebNIC answered %s to %s; it may have committed it." % (status, described))
        if retry_reads and status == 200 and "json" in response.headers.get("Content-Type", "json"):
            try:
                response.json()
            except ValueError:
                raise _Retry(TransportError("WebNIC sent a malformed JSON body for %s." % described))
        return response

    def _note_clock(self, response):
        date = response.headers.get("Date")
        if not date:
            return
        try:
            from email.utils import parsedate_to_datetime

            self.clock_skew = parsedate_to_datetime(date).timestamp() - time.time()
        except (TypeError, ValueError, IndexError, OverflowError):
            pass

    def _request(self, name, endpoint, path, query, body, files=None):
        if endpoint.kind == AUTH:
            return self._send(name, endpoint, path, query, body)
        token = self._get_token()
        response = self._send(name, endpoint, path, query, body, token=token, files=files)
        if response.status_code == 401:
            # The cached token died early (revoked, server restarted): mint once and retry once.
            self._drop_token()
            token = self._get_token(force=True)
            response = self._send(name, endpoint, path, query, body, token=token, files=files)
            if response.status_code == 401:
                error = self._error_from(name, endpoint, response)
                raise AuthError(
                    error.status,
                    error.code,
                    error.sub_code,
                    error.api_message,
                    error.field_errors,
                    endpoint=error.endpoint,
                    hint="A freshly minted token was refused too.",
                )
        return response

    # ------------------------------------------------------------------ envelope

    def _error_from(self, name, endpoint, response):
        described = "%s %s" % (endpoint.method, endpoint.path)
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            return ApiError(response.status_code, None, None, "non-JSON answer", endpoint=described)
        error = payload.get("error") if isinstance(payload.get("error"), dict) else {}
        fields = []
        for item in payload.get("fieldErrors") or []:
            if isinstance(item, dict):
                messages = item.get("messages") or [item.get("message")]
                fields.append((item.get("field"), "; ".join(str(m) for m in messages if m)))
        for item in payload.get("validationErrors") or []:
            if isinstance(item, dict):
                pair = (item.get("field"), str(item.get("message")))
                if pair not in fields:  # WebNIC may report the same problem in both arrays
                    fields.append(pair)
        message = payload.get("message") or ""
        if error.get("message") and error.get("message") != message:
            message = "%s %s" % (message, error["message"]) if message else error["message"]
        cls = ApiError
        hint = None
        if endpoint.confidence == "assumed" and response.status_code in PATH_MISSING_STATUS:
            hint = ASSUMED_PATH_HINT
        if response.status_code == 401:
            cls = AuthError
        elif response.status_code == 403:
            cls = AuthError
            hint = (
                "WebNIC refuses calls from IP addresses missing from the account's allow-list (IPv4 only): "
                "add this host's address, or set force_ipv4=true."
            )
        return cls(
            response.status_code,
            str(payload.get("code")) if payload.get("code") is not None else None,
            error.get("subCode"),
            message,
            fields,
            endpoint=described,
            hint=hint,
        )

    def _parse_envelope(self, name, endpoint, response):
        described = "%s %s" % (endpoint.method, endpoint.path)
        try:
            payload = response.json()
        except ValueError:
            if endpoint.kind in (MONEY, WRITE) and response.status_code == 200:
                raise AmbiguousWriteError("WebNIC sent a malformed answer to %s; it may have committed it." % described)
            raise TransportError("WebNIC sent a malformed answer to %s (HTTP %s)." % (described, response.status_code))
        if response.status_code == 200 and isinstance(payload, dict) and str(payload.get("code")) == SUCCESS_CODE:
            return payload.get("data")
        raise self._error_from(name, endpoint, response)


class _BodyRejected(Exception):
    """The server refused the request body's encoding (not the request itself)."""


def _rejects_body(response):
    """415, or a 400 that is not a WebNIC business error (``SSL2400``: e.g. "not issued yet")."""
    if response.status_code == 415:
        return True
    if response.status_code != 400:
        return False
    try:
        payload = response.json()
    except ValueError:
        return True
    error = payload.get("error") if isinstance(payload, dict) and isinstance(payload.get("error"), dict) else {}
    return str(error.get("subCode") or "") in ("", "SSL4000", "SSL4002")


def multipart_fields(body):
    """Download Cert's fields as multipart/form-data: ``bundle``, ``pfxPassword``, the key as a file part."""
    files = []
    for key, value in sorted(body.items()):
        if value is None:
            continue
        if key == "privateKey":
            files.append((key, ("privatekey.pem", value, "application/x-pem-file")))
        elif isinstance(value, bool):
            files.append((key, (None, "true" if value else "false")))
        else:
            files.append((key, (None, str(value))))
    return files or [("bundle", (None, "true"))]
