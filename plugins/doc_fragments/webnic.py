# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment(object):
    # Connection options shared by every module of webnic.ssl that calls the API.
    DOCUMENTATION = r"""
options:
  api_username:
    description:
      - Username of the WebNIC reseller API user.
      - Falls back to the E(WEBNIC_API_USERNAME) environment variable; an explicit value wins.
      - Required whenever the module has to call the API.
    type: str
  api_password:
    description:
      - Password of the WebNIC reseller API user. Never logged or returned.
      - Falls back to the E(WEBNIC_API_PASSWORD) environment variable; an explicit value wins.
      - Required whenever the module has to call the API.
    type: str
  api_endpoint:
    description:
      - Which WebNIC API to talk to. V(production) is U(https://api.webnic.cc),
        V(ote) the test environment U(https://oteapi.webnic.cc); any other value is used as the
        base URL, for example the bundled simulator's C(http://127.0.0.1:8443).
      - Credentials are per environment.
      - Falls back to the E(WEBNIC_API_ENDPOINT) environment variable.
    type: str
    default: production
  timeout:
    description:
      - Seconds to wait for each HTTP request.
    type: float
    default: 30
  validate_certs:
    description:
      - Verify the API's TLS certificate. Set to V(false) only for throwaway tests; the module warns.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of the CA that signed the API's certificate, for private endpoints such as the
        simulator in TLS mode. Falls back to E(WEBNIC_API_CA_PATH).
      - It replaces the system CA bundle for the API connection. Behind a TLS-inspecting proxy, the
        certificate the module sees is signed by the proxy's CA, so set this to that CA (a PEM bundle
        may hold several CAs). E(REQUESTS_CA_BUNDLE) and E(CURL_CA_BUNDLE) are deliberately ignored.
    type: path
  api_proxy:
    description:
      - URL of the HTTP proxy for the API calls, for example C(http://proxy.example.com:3128) or
        C(http://USER:PASSWORD@proxy.example.com:3128). HTTPS calls go through it with C(CONNECT),
        so the proxy sees host names, never the credentials, token or certificate data.
      - Falls back to E(WEBNIC_API_PROXY). When neither is set, the standard E(HTTPS_PROXY),
        E(HTTP_PROXY), E(ALL_PROXY) and E(NO_PROXY) environment variables decide (lower case
        works too); an explicit proxy wins over them and over E(NO_PROXY).
      - Never logged or returned, as the URL may hold the proxy's password.
    type: str
  force_ipv4:
    description:
      - Connect over IPv4 only. WebNIC's IP allow-list accepts IPv4 addresses only, so hosts with
        IPv6 connectivity need this.
    type: bool
    default: false
notes:
  - A bearer token is cached per API URL and username in C(~/.cache/webnic.ssl/tokens/) (or
    E(WEBNIC_TOKEN_CACHE_DIR)), mode 0600, and reused until shortly before it expires, so that a
    play authenticates once. It is used only by callers that present the same password.
  - Read calls are retried with backoff on connection errors, HTTP 429 (honouring C(Retry-After))
    and 5xx. Calls that spend money are never retried blindly.
  - Use O(api_username), O(api_password) and O(api_endpoint) once for all modules through
    C(module_defaults) and the action group C(group/webnic.ssl.webnic).
requirements:
  - requests
"""

    ATTRIBUTES = r"""
attributes:
  action_group:
    description: Use C(group/webnic.ssl.webnic) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - webnic.ssl.webnic
"""

    # For modules that only read.
    INFO_MODULE = r"""
attributes:
  check_mode:
    description: Can run in check mode and predict the changed status without modifying anything.
    support: full
    details: This module only reads; it behaves the same in check mode.
  diff_mode:
    description: Returns details on what has changed (or would change in check mode) in diff mode.
    support: none
    details: This module does not change anything.
  idempotent:
    description: Run twice in a row with the same arguments, the second run reports no change.
    support: full
"""
