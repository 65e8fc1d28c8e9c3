# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a host holds for a certificate, and whether it is due: the logic of ``webnic_ssl_deployed_info``.

Reads the certificate, key, served files (full chain, chain, HAProxy combined PEM) and the role's
metadata file, then applies the renewal rule of :func:`renewal.renewal_decision`. Runs on the managed
host; never calls the API; never returns key material.

The install record: ``webnic_ssl_cert_install`` checks the files it writes the way this module does
(:func:`make_stamp`) and, when they would serve, records in the metadata file each file's SHA-256 and
the certificate's facts. When every file this check reads still holds those bytes
(:func:`stamped_facts`), the recorded facts are used and nothing is parsed: the nightly check of an
unchanged host does not import ``cryptography``. Any other byte, path, option or a missing record
means the full check. The renewal rule is applied to the facts either way.
"""

import datetime
import hashlib
import json
import re
from typing import Any, Callable, Dict, List, Optional

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from .endpoints import api_url
from .failures import FieldProblem
from .files import read_file
from .names import comparable_name
from .renewal import check_renewal_options, renewal_decision

#: The options of one certificate (the module's single-certificate options, and each entry of its
#: ``certificates`` list), as an Ansible argument spec.
CERTIFICATE_SPEC = dict(
    name=dict(type="str"),
    certificate_path=dict(type="path", required=True),
    privatekey_path=dict(type="path"),
    privatekey_passphrase=dict(type="str", no_log=True),
    fullchain_path=dict(type="path"),
    chain_path=dict(type="path"),
    combined_path=dict(type="path"),
    metadata_path=dict(type="path"),
    common_name=dict(type="str"),
    subject_alt_names=dict(type="list", elements="str"),
    remaining_days=dict(type="int"),
    remaining_percentage=dict(type="float", default=33.3),
    renew_issued_before=dict(type="str"),
    min_certificate_age=dict(type="float", default=24.0),
    api_endpoint=dict(type="str"),
)

#: The options naming files the check reads, whose bytes the install record pins.
STAMPED_OPTIONS = ("certificate_path", "privatekey_path", "fullchain_path", "chain_path", "combined_path")
STAMP_VERSION = 1
#: How the facts' times are written (as ``crypto.format_time`` writes them).
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

#: ``path -> bytes`` (None when the file is missing; raises OSError when it cannot be read).
Reader = Callable[[str], Optional[bytes]]


class CryptographyMissing(Exception):
    """The files must be parsed and this host lacks ``cryptography``; ``args[0]`` is the import error."""


def _crypto():
    """The :mod:`crypto` module, imported only when files must be parsed (not for a recorded check)."""
    from . import crypto  # pylint: disable=import-outside-toplevel

    if not crypto.HAS_CRYPTOGRAPHY:
        raise CryptographyMissing(crypto.CRYPTOGRAPHY_IMPORT_ERROR)
    return crypto


def same_endpoint(first, second):
    """Whether two spellings (``production``, ``ote`` or a URL) name the same endpoint; None if one is empty."""
    first, second = str(first or "").strip().lower(), str(second or "").strip().lower()
    if not first or not second:
        return None
    return api_url(first).lower() == api_url(second).lower()


def read_metadata(path):
    """(metadata dict or None, reason or None)."""
    try:
        data = read_file(path)
    except (IOError, OSError) as exc:
        return None, "metadata missing (%s: %s)" % (path, exc)
    if data is None:
        return None, "metadata missing"
    try:
        metadata = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        return None, "metadata missing (%s is not JSON: %s)" % (path, exc)
    if not isinstance(metadata, dict):
        return None, "metadata missing (%s does not hold a JSON object)" % path
    return metadata, None


_PEM_PRIVATE_KEY = re.compile(
    b"-----BEGIN ((?:RSA |EC |DSA |ENCRYPTED )?PRIVATE KEY)-----.+?-----END \\1-----", re.DOTALL
)


def read_served(path, read: Reader = read_file):
    """(bytes or None, reason or None) of a served file: a missing or unreadable one is a reason."""
    try:
        data = read(path)
    except (IOError, OSError) as exc:
        return None, "%s unreadable (%s)" % (path, exc.strerror or exc)
    if data is None:
        return None, "%s missing" % path
    return data, None


def served_certificates(path, data):
    """(certificates of ``data`` in file order, reason or None)."""
    crypto = _crypto()
    try:
        return crypto.load_certificates(data), None
    except crypto.CryptoInputError as exc:
        return None, "%s unreadable (%s)" % (path, exc.problem)


def first_certificate_reason(path, certs, cert):
    """Why the first certificate of ``certs`` is not ``cert`` (None when it is)."""
    if not certs:
        return "%s unreadable (no certificate in it)" % path
    if cert is None:
        return None  # the certificate itself is unreadable or missing: already due
    crypto = _crypto()
    if crypto.certificate_fingerprint(certs[0]) != crypto.certificate_fingerprint(cert):
        return "%s holds another certificate (serial %s)" % (path, "%x" % certs[0].serial_number)
    return None


def _served_certificates_of(path, read):
    """``(data, certs, problem)`` of a served PEM file (``certs`` None when unreadable)."""
    data, problem = read_served(path, read)
    certs = None
    if data is not None:
        certs, problem = served_certificates(path, data)
    return data, certs, problem


def _chain_reason(path, certs, cert):
    """Why the chain file at ``path`` does not hold the issuer of ``cert`` (None when it does)."""
    if not certs or cert is None or cert.issuer == cert.subject:
        return None
    if any(c.subject == cert.issuer and _crypto().certificate_signed_by(cert, c) for c in certs):
        return None
    return "%s holds another chain (none of its %d certificates issued the certificate)" % (path, len(certs))


def _combined_key_reasons(path, data, params, cert, key):
    """Why the key in the combined PEM at ``path`` would not serve ``cert`` (with ``key``)."""
    crypto = _crypto()
    match = _PEM_PRIVATE_KEY.search(data)
    if not match:
        return ["%s: no private key" % path]
    passphrase = params["privatekey_passphrase"] if b"ENCRYPTED" in match.group(0) else None
    try:
        served_key = crypto.load_private_key(match.group(0), passphrase)
    except crypto.CryptoInputError as exc:
        return ["%s: key unreadable (%s)" % (path, exc.problem)]
    reference = key if key is not None else cert
    if reference is not None and not crypto.same_public_key(served_key, reference):
        return ["%s: key does not match" % path]
    return []


def served_file_reasons(params, cert, key, read: Reader = read_file):
    """Why the served full chain, chain or combined PEM would not serve ``cert`` (with ``key``)."""
    reasons = []
    for option in ("fullchain_path", "chain_path", "combined_path"):
        path = params[option]
        if not path:
            continue
        data, certs, problem = _served_certificates_of(path, read)
        if option == "chain_path":
            problem = _chain_reason(path, certs, cert) or problem
        elif certs is not None:
            problem = first_certificate_reason(path, certs, cert)
        if problem:
            reasons.append(problem)
        if option == "combined_path" and data is not None:
            reasons.extend(_combined_key_reasons(path, data, params, cert, key))
    return reasons


def wanted_names(params, metadata):
    if params["common_name"] or params["subject_alt_names"]:
        names = [params["common_name"]] if params["common_name"] else []
        names += list(params["subject_alt_names"] or [])
    elif metadata and metadata.get("common_name"):
        names = [metadata["common_name"], *list(metadata.get("subject_alt_names") or [])]
    else:
        return None
    return sorted({comparable_name(n) for n in names if n and str(n).strip()})


def _read_metadata_into(params, result):
    """Read the order metadata file into ``result``; returns the metadata (None when absent).

    The install record (``stamp``) is returned to the caller only, not in ``result``."""
    metadata = None
    if params["metadata_path"]:
        metadata, problem = read_metadata(params["metadata_path"])
        if problem:
            result["reasons"].append(problem)
        result["metadata"] = {k: v for k, v in metadata.items() if k != "stamp"} if metadata else metadata
        if metadata and metadata.get("order_id") not in (None, ""):
            result["order_id"] = str(metadata["order_id"])
    if metadata and params["api_endpoint"] and metadata.get("api_endpoint"):
        result["endpoint_mismatch"] = same_endpoint(metadata["api_endpoint"], params["api_endpoint"]) is False
    return metadata


def _read_certificate_into(params, result, read):
    """Read the deployed certificate (the leaf); returns it (None when missing or unreadable)."""
    reasons = result["reasons"]
    try:
        data = read(params["certificate_path"])
        missing = "no certificate"
    except (IOError, OSError) as exc:
        data = None
        missing = "no certificate (%s)" % exc
    if data is None:
        reasons.append(missing)
        return None
    result["exists"] = True
    crypto = _crypto()
    try:
        cert = crypto.split_leaf_and_chain(crypto.load_certificates(data))[0]
    except crypto.CryptoInputError as exc:
        reasons.append("certificate unreadable (%s)" % exc.problem)
        return None
    if cert is None:
        reasons.append("certificate unreadable (no certificate in %s)" % params["certificate_path"])
    return cert


def _read_key_into(params, result, read):
    """Read the deployed private key; returns it (None when not asked, missing or unreadable)."""
    if not params["privatekey_path"]:
        return None
    key_data = read(params["privatekey_path"])
    if key_data is None:
        result["reasons"].append("key missing")
        return None
    crypto = _crypto()
    try:
        return crypto.load_private_key(key_data, params["privatekey_passphrase"])
    except crypto.CryptoInputError as exc:
        result["reasons"].append("key unreadable (%s)" % exc.problem)
        return None


def examine_files(params, result, read: Reader = read_file):
    """Parse and check the files named in ``params``: problems into ``result["reasons"]`` (also
    ``exists`` and ``key_matches``); returns the certificate's facts (None when it is missing or unreadable)."""
    cert = _read_certificate_into(params, result, read)
    key = _read_key_into(params, result, read)
    facts = None
    if cert is not None:
        facts = _crypto().certificate_facts(cert)
        if key is not None:
            result["key_matches"] = _crypto().key_matches_certificate(key, cert)
            if not result["key_matches"]:
                result["reasons"].append("key does not match")
    result["reasons"].extend(served_file_reasons(params, cert, key, read))
    return facts


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def make_stamp(paths: Dict[str, str], read: Reader) -> Optional[Dict[str, Any]]:
    """The install record of the files at ``paths`` (option of :data:`STAMPED_OPTIONS` -> path, read
    through ``read``), or None when the full check would find a problem in them (then none is kept)."""
    params = {option: paths.get(option) for option in STAMPED_OPTIONS}
    params["privatekey_passphrase"] = None
    result = {"reasons": [], "exists": False, "key_matches": None}
    facts = examine_files(params, result, read)
    if facts is None or result["reasons"]:
        return None
    recorded = {option: {"path": path, "sha256": _sha256(read(path))} for option, path in paths.items() if path}
    return {"version": STAMP_VERSION, "files": recorded, "facts": facts}


def _utc_time(text):
    return datetime.datetime.strptime(text, TIME_FORMAT).replace(tzinfo=datetime.timezone.utc)


def _facts_of_stamp(stamp):
    """The facts of a well-formed install record, else None."""
    facts = stamp.get("facts")
    if not isinstance(facts, dict) or not isinstance(facts.get("names"), list):
        return None
    if not all(
        isinstance(facts.get(key), str) for key in ("serial", "fingerprint", "issuer", "not_before", "not_after")
    ):
        return None
    if not all(isinstance(name, str) for name in facts["names"]):
        return None
    try:
        _utc_time(facts["not_before"]), _utc_time(facts["not_after"])
    except ValueError:
        return None
    return facts


def stamped_facts(params, metadata, read: Reader = read_file):
    """The facts the install record keeps, when every file ``params`` names holds the bytes recorded
    for that option and path, and no other file was recorded; else None (the files must be checked)."""
    stamp = metadata.get("stamp") if isinstance(metadata, dict) else None
    if params["privatekey_passphrase"] or not isinstance(stamp, dict) or stamp.get("version") != STAMP_VERSION:
        return None
    recorded = stamp.get("files")
    paths = {option: params[option] for option in STAMPED_OPTIONS if params[option]}
    facts = _facts_of_stamp(stamp)
    if facts is None or not isinstance(recorded, dict) or set(recorded) != set(paths):
        return None
    for option, path in paths.items():
        entry = recorded[option]
        if not isinstance(entry, dict) or entry.get("path") != path:
            return None
        try:
            data = read(path)
        except (IOError, OSError):
            return None
        if data is None or _sha256(data) != entry.get("sha256"):
            return None
    return facts


def _judge(params, result, facts, metadata):
    """The facts into ``result``, and the renewal rule's reasons first in its reasons."""
    not_before, not_after = _utc_time(facts["not_before"]), _utc_time(facts["not_after"])
    now = datetime.datetime.now(datetime.timezone.utc)
    names = list(facts["names"])
    result.update(
        serial=facts["serial"],
        fingerprint=facts["fingerprint"],
        issuer=facts["issuer"],
        not_before=facts["not_before"],
        not_after=facts["not_after"],
        days_remaining=int((not_after - now).total_seconds() // 86400),
        names=names,
    )
    wanted = wanted_names(params, metadata)
    _due, rule_reasons = renewal_decision(
        not_before,
        not_after,
        now,
        cert_names=names if wanted is not None else None,
        wanted_names=wanted,
        remaining_days=params["remaining_days"],
        remaining_percentage=params["remaining_percentage"],
        issued_before=params["renew_issued_before"],
        min_age_hours=params["min_certificate_age"],
    )
    result["reasons"][:0] = rule_reasons


def inspect(params: Dict[str, Any]) -> Dict[str, Any]:
    """The answer for one certificate (``params``: the module's single-certificate options, defaults applied).

    Raises :class:`FieldProblem` when the renewal options are invalid, :class:`CryptographyMissing`
    when the files must be parsed without ``cryptography``.
    """
    problems = check_renewal_options(
        params["remaining_days"],
        params["remaining_percentage"],
        params["renew_issued_before"],
        params["min_certificate_age"],
    )
    if problems:
        raise FieldProblem(*problems[0])

    result = {
        "changed": False,
        "changed_reasons": [],
        "exists": False,
        "due": False,
        "reasons": [],
        "key_matches": None,
        "metadata": None,
        "endpoint_mismatch": False,
        "order_id": None,
        "unchanged_since_install": False,
    }
    metadata = _read_metadata_into(params, result)
    facts = stamped_facts(params, metadata)
    if facts is not None:
        result.update(
            exists=True, key_matches=True if params["privatekey_path"] else None, unchanged_since_install=True
        )
    else:
        facts = examine_files(params, result)
    if facts is not None:
        _judge(params, result, facts, metadata)
    result["due"] = bool(result["reasons"])
    return result


def inspect_many(
    entries: Optional[List[Dict[str, Any]]], api_endpoint: Optional[str] = None
) -> Dict[str, Dict[str, Any]]:
    """name -> answer for each certificate entry (a dict of :data:`CERTIFICATE_SPEC` options).

    An entry that cannot be read (invalid options) gets ``failed: true`` and ``msg`` naming the field;
    the other entries are still answered, so one bad certificate never hides the state of the others.
    """
    validator = ArgumentSpecValidator(CERTIFICATE_SPEC)
    answers = {}
    for position, given in enumerate(entries or []):
        entry = dict(given) if isinstance(given, dict) else {}
        name = str(entry.get("name") or entry.get("certificate_path") or "entry %d" % position)
        if name in answers:
            answers[name] = {
                "failed": True,
                "msg": "certificates: the name %s is given twice. Give each entry its own name." % name,
            }
            continue
        if api_endpoint and not entry.get("api_endpoint"):
            entry["api_endpoint"] = api_endpoint
        validated = validator.validate(entry)
        if validated.error_messages:
            answers[name] = {
                "failed": True,
                "msg": "; ".join(validated.error_messages),
            }
            continue
        try:
            answers[name] = inspect(validated.validated_parameters)
        except FieldProblem as exc:
            answers[name] = {"failed": True, "msg": exc.render(), "field": exc.field}
    return answers
