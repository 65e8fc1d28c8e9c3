# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The private key and CSR decisions of webnic_ssl_csr: keep or make the key, keep or rebuild the CSR.

Each decision answers one question with its reasons and raises :class:`FieldProblem` (naming the
option and the fix) when the input forbids going on; nothing here writes a file or calls WebNIC.
"""

import os
import re
from typing import Any, List, Optional, Tuple

from . import crypto, files
from .failures import FieldProblem
from .products import check_against_rules, chargeable_names, first_problem

SUBJECT_OPTIONS = ("organization", "organizational_unit", "locality", "state_or_province", "country", "email_address")

# Subject fields of Generate CSR (request) and Decode CSR (answer) -> our options. [assumed] names,
# spelled like WebNIC's contact fields (city, state, countryCode); one place to correct them.
API_SUBJECT_FIELDS = (
    ("organization", "organization"),
    ("organizationUnit", "organizational_unit"),
    ("city", "locality"),
    ("state", "state_or_province"),
    ("countryCode", "country"),
    ("email", "email_address"),
)

#: The key type made when O(key_type) is not given and no key exists.
DEFAULT_KEY_TYPE = "RSA-2048"

#: What the local parse of a CSR is compared on with WebNIC's Decode CSR.
DECODED_FACTS = (
    "common_name",
    "subject_alt_names",
    "subject",
    "key_type",
    "key_algorithm",
    "key_size",
    "signature_algorithm",
)


# ------------------------------------------------------------------------------------- the input


def read_request(params):
    """Validate and normalise the module's input; returns ``(common_name, names, subject)``."""
    try:
        common_name, names = crypto.certificate_names(params["common_name"], params["subject_alt_names"])
    except crypto.InvalidNameError as exc:
        field = "common_name" if exc.index is None else "subject_alt_names[%d]" % exc.index
        raise FieldProblem(field, exc.problem, exc.fix)
    subject = {field: params[field] for field in SUBJECT_OPTIONS if params.get(field)}
    try:
        crypto.validate_subject(subject)
    except crypto.CryptoInputError as exc:
        raise FieldProblem(exc.field, exc.problem, exc.fix)
    return common_name, names, subject


def check_file_options(params):
    """Modes, owner, group and both paths, checked before anything is read or written."""
    for option in ("privatekey_mode", "csr_mode"):
        try:
            files.parse_mode(params[option])
        except ValueError as exc:
            raise FieldProblem(option, str(exc), "Quote an octal mode, for example '0600'")
    for option, resolve in (("owner", files.resolve_uid), ("group", files.resolve_gid)):
        try:
            resolve(params[option])
        except KeyError:
            raise FieldProblem(
                option, "%r does not exist on this host" % params[option], "Create it first or give another"
            )
    try:
        files.check_distinct_paths([("privatekey_path", params["privatekey_path"]), ("csr_path", params["csr_path"])])
    except files.PathError as exc:
        raise FieldProblem(exc.field, exc.problem, exc.fix)
    for option in ("privatekey_path", "csr_path"):
        link = files.symlink_target(params[option]) if params[option] else None
        if link is not None:
            raise FieldProblem(
                option,
                "%s is a symbolic link (to %s); files are never written through a link" % (params[option], link),
                "Point %s at the real file, or replace the link by a regular file" % option,
            )
    for option in ("privatekey_path", "csr_path"):
        directory = os.path.dirname(os.path.realpath(params[option])) if params[option] else None
        if directory and not os.path.isdir(directory):
            raise FieldProblem(
                option,
                "the directory %s does not exist" % directory,
                "Create it first (ansible.builtin.file with state: directory)",
            )


def read_existing_key(params):
    """``(key bytes or None, regenerate policy, field)`` of the key the task names (file or content).

    A key given as content is never replaced: it may only be checked against O(key_type).
    """
    key_path = params["privatekey_path"]
    if key_path:
        if os.path.isdir(key_path):
            raise FieldProblem("privatekey_path", "%s is a directory" % key_path, "Give the path of the key file")
        return files.read_file(key_path), params["regenerate"], "privatekey_path"
    regenerate = "never" if params["key_type"] is None else "fail"
    return params["privatekey_content"].encode("utf-8"), regenerate, "privatekey_content"


class Request:
    """What the task asks for and what the host holds now, decided before anything is written."""

    def __init__(self, params):
        self.key_path = params["privatekey_path"]
        self.csr_path = params["csr_path"]
        self.common_name, self.names, self.subject = read_request(params)
        self.existing_key = self.key = None
        self.key_reasons = []
        self.key_type = None
        self.rules = None
        self.existing_csr = self.existing_csr_obj = None


def read_state(params, read_rules):
    """Check the input, decide the key, check the product's rules and read the existing CSR.

    ``read_rules(product_key)`` reads the product's rules (only called with O(product_key)). Raises
    FieldProblem naming the option; the rules read so far go with it as ``product_rules``.
    """
    state = None
    try:
        state = Request(params)
        check_file_options(params)
        state.existing_key, regenerate, key_field = read_existing_key(params)
        state.key, state.key_reasons = decide_key(
            state.existing_key, params["privatekey_passphrase"], params["key_type"], regenerate, key_field
        )
        state.key_type = effective_key_type(state.key, params["key_type"])
        if params["product_key"]:
            state.rules = read_rules(params["product_key"])
            check_product_rules(state.rules, params["product_key"], state.key_type, state.common_name, state.names)
        if state.csr_path:
            if os.path.isdir(state.csr_path):
                raise FieldProblem("csr_path", "%s is a directory" % state.csr_path, "Give the path of the CSR file")
            state.existing_csr = files.read_file(state.csr_path)
            state.existing_csr_obj = load_existing_csr(state.csr_path, state.existing_csr, params["force"])
            if not params["force"]:
                check_csr_key(state.existing_csr_obj, state.key, state.key_path or "privatekey_content", state.csr_path)
    except FieldProblem as exc:
        if state is not None and state.rules is not None:
            exc.extra["product_rules"] = state.rules
        raise
    return state


def new_key_view(state):
    """What diff mode shows of the CSR a new key will get (check mode: the key is not made)."""
    return {
        "subject": dict(state.subject, common_name=state.common_name),
        "subject_alt_names": sorted(state.names),
        "key_type": state.key_type,
        "public_key_fingerprint": "(new key)",
    }


def key_file_reasons(state):
    """The changed reasons of the key file (the key decision's reasons, for a key file only)."""
    return ["%s: %s" % (state.key_path, reason) for reason in state.key_reasons] if state.key_path else []


# ------------------------------------------------------------------------------------- the key


def decide_key(
    existing: Optional[bytes], passphrase: Optional[str], key_type: Optional[str], regenerate: str, field: str
) -> Tuple[Any, List[str]]:
    """Keep or make the private key? Returns ``(key or None, reasons)``; ``None`` means make one.

    ``existing`` is the current key's bytes (``None``: no key). Raises FieldProblem when the
    ``regenerate`` policy forbids replacing a key that does not fit.
    """
    if existing is None:
        return None, ["private key does not exist"]
    if regenerate == "always":
        return None, ["regenerate=always"]
    try:
        key = crypto.load_private_key(existing, passphrase)
    except crypto.KeyLoadError as exc:
        if regenerate == "full_idempotence":
            return None, [
                "existing private key cannot be read (%s); replaced as regenerate=full_idempotence allows" % exc.problem
            ]
        bad_field = (
            "privatekey_passphrase"
            if exc.reason in ("passphrase_required", "passphrase_wrong", "not_encrypted")
            else field
        )
        raise FieldProblem(
            bad_field,
            exc.problem,
            "%s. Only regenerate=full_idempotence replaces a key that cannot be read, "
            "and every certificate made for it stops working" % exc.fix,
        )
    have = crypto.key_type_of(key)
    if key_type is None or have == key_type or regenerate == "never":
        return key, []
    if field == "privatekey_content":
        raise FieldProblem(
            "key_type",
            "privatekey_content is a %s key but key_type is %s" % (have, key_type),
            "Set key_type: %s or leave key_type unset" % have,
        )
    if regenerate == "fail":
        raise FieldProblem(
            field,
            "the existing key is %s but key_type is %s" % (have, key_type),
            "Set key_type: %s to keep the key, or regenerate: partial_idempotence to replace it "
            "(certificates made for the old key stop working)" % have,
        )
    return None, ["existing private key is %s, key_type asks for %s" % (have, key_type)]


def effective_key_type(key, key_type):
    """The type of the key the CSR will carry: the kept key's, else the one asked for or the default."""
    return crypto.key_type_of(key) if key is not None else (key_type or DEFAULT_KEY_TYPE)


def check_product_rules(rules, product_key, key_type, common_name, names):
    """Refuse a request the product cannot take (products.check_against_rules), naming the option."""
    rules = dict(rules or {})
    if not rules.get("productKey"):
        rules["productKey"] = product_key
    problems = check_against_rules(
        rules,
        common_name=common_name,
        key_type=key_type,
        key_field="key_type",
        extra_names=chargeable_names(rules, common_name, names),
    )
    if problems:
        raise FieldProblem(*first_problem(problems))


# ------------------------------------------------------------------------------------- the CSR


def load_existing_csr(csr_path, data, force):
    """The CSR object in ``data`` (bytes of ``csr_path``, or None); None when absent or, with force, unreadable."""
    if data is None:
        return None
    try:
        return crypto.load_csr(data)
    except crypto.CSRLoadError as exc:
        if not force:
            raise FieldProblem(
                "csr_path",
                "%s is not a certificate signing request (%s)" % (csr_path, exc.reason),
                "Point csr_path at a CSR file or a new path, or set force: true to replace the file",
            )
    return None


def check_csr_key(csr_obj, key, key_label, csr_path):
    """Refuse to replace a CSR made for another key than the kept one (the user may have mixed up paths)."""
    if key is None or csr_obj is None or crypto.key_matches_csr(key, csr_obj):
        return
    raise FieldProblem(
        "csr_path",
        "the CSR at %s was made for another key than %s (CSR key %s, private key %s)"
        % (
            csr_path,
            key_label,
            crypto.public_key_fingerprint(csr_obj),
            crypto.public_key_fingerprint(key),
        ),
        "Point privatekey_path at this CSR's key, or set force: true to replace the CSR with one for this key",
    )


def csr_reasons(state, force):
    """Why the CSR must be (re)written for ``state`` (a :class:`Request` whose key is decided); ``[]`` keeps it."""
    if state.existing_csr_obj is None:
        if not state.csr_path:
            return []
        return ["does not exist" if state.existing_csr is None else "is not a CSR (replaced as force=true)"]
    reasons = list(
        crypto.csr_differences(
            state.existing_csr_obj, state.common_name, state.names, state.subject, private_key=state.key
        )
    )
    if state.key_reasons and "CSR was made for another key" not in reasons:
        reasons.append("private key was replaced")
    if force and not reasons:
        reasons.append("force=true")
    return reasons


def api_csr_problems(api_csr, key, common_name, names, subject):
    """Why the CSR from WebNIC's Generate CSR does not fit the request; ``[]`` when it does."""
    try:
        return crypto.csr_differences(api_csr, common_name, names, subject, private_key=key)
    except crypto.CSRLoadError as exc:
        return ["not a CSR: %s" % exc.problem]


def generate_request_body(key_type, common_name, names, subject):
    """The body of WebNIC's Generate CSR for this request."""
    body = {"commonName": common_name, "sans": [n for n in names if n != common_name], "keyType": key_type}
    for api_field, option in API_SUBJECT_FIELDS:
        if subject.get(option):
            body[api_field] = subject[option]
    return body


def csr_view(facts):
    """What diff mode shows of a CSR."""
    if not facts:
        return {}
    return {
        "subject": facts["subject"],
        "subject_alt_names": sorted(facts["subject_alt_names"]),
        "key_type": facts["key_type"],
        "public_key_fingerprint": facts["public_key_fingerprint"],
    }


# ------------------------------------------------------------------------- WebNIC's Decode CSR

_HASH = re.compile(r"sha-?(1|224|256|384|512)", re.I)


def _signature_family(text):
    text = (text or "").lower()
    hash_match = _HASH.search(text)
    family = "ecdsa" if ("ecdsa" in text or text == "ec") else "rsa" if "rsa" in text else text
    return (hash_match.group(1) if hash_match else None, family)


def compare_decoded(api, local):
    """What WebNIC's Decode CSR and the local parse disagree on; a list of readable mismatches."""
    api = api or {}
    mismatches = _name_mismatches(api, local)
    for api_field, option in API_SUBJECT_FIELDS:
        if api_field in api and (api.get(api_field) or None) != (local["subject"].get(option) or None):
            mismatches.append("%s: WebNIC %r, local %r" % (option, api.get(api_field), local["subject"].get(option)))
    mismatches.extend(_key_mismatches(api, local))
    api_signature = api.get("signatureAlgorithm")
    if api_signature is not None and _signature_family(api_signature) != _signature_family(
        local["signature_algorithm"]
    ):
        mismatches.append(
            "signature algorithm: WebNIC %s, local %s" % (api["signatureAlgorithm"], local["signature_algorithm"])
        )
    return mismatches


def _name_mismatches(api, local):
    mismatches = []
    api_cn = (api.get("commonName") or "").lower().rstrip(".")
    if api_cn != (local["common_name"] or ""):
        mismatches.append("common name: WebNIC %r, local %r" % (api.get("commonName"), local["common_name"]))
    if api.get("sans") is not None:
        api_names = {str(n).lower().rstrip(".") for n in api.get("sans") or []} - {local["common_name"]}
        local_names = set(local["subject_alt_names"]) - {local["common_name"]}
        if api_names != local_names:
            mismatches.append(
                "names: WebNIC %s, local %s"
                % (", ".join(sorted(api_names)) or "-", ", ".join(sorted(local_names)) or "-")
            )
    return mismatches


def _key_mismatches(api, local):
    mismatches = []
    if api.get("keyType") is not None:
        api_family = str(api["keyType"]).upper().split("-", 1)[0]
        api_family = "EC" if api_family in ("EC", "ECC", "ECDSA") else api_family
        if api_family != local["key_algorithm"]:
            mismatches.append("key type: WebNIC %s, local %s" % (api["keyType"], local["key_type"]))
    if api.get("keySize") is not None:
        try:
            api_size = int(api["keySize"])
        except (TypeError, ValueError):
            api_size = None
        if api_size != local["key_size"]:
            mismatches.append("key size: WebNIC %s, local %s" % (api["keySize"], local["key_size"]))
    return mismatches
