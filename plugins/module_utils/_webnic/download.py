# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The decisions of webnic_ssl_cert_download: do the files on disk hold the order's certificate,
may WebNIC's download be written, and what each file gets. Nothing here writes a file or calls WebNIC."""

import datetime
import json

from . import crypto
from .failures import FieldProblem
from .files import PathError, check_destination, check_distinct_paths, read_file, read_trust_store, system_trust_paths
from .orders import cert_status, order_names, order_status, parse_api_time

PEM_TARGETS = ("dest", "chain_dest", "fullchain_dest")
#: The order files are written in: the leaf-only file last, so a reader of ``dest`` finds its chain ready.
WRITE_ORDER = ("chain_dest", "fullchain_dest", "dest", "pkcs12_dest")
#: How far apart the order's reported expiry and the certificate's notAfter may be and still be
#: the same certificate (the API rounds and may use another time zone notation).
EXPIRY_TOLERANCE_SECONDS = 120


# ------------------------------------------------------------------------------------- the input


def check_paths(params):
    """Refuse relative, ``..`` and overlapping paths before anything is read from WebNIC or written."""
    fields = [(option, params[option]) for option in ("privatekey_path", *PEM_TARGETS, "pkcs12_dest")]
    try:
        for option in (*PEM_TARGETS, "pkcs12_dest"):
            check_destination(option, params[option])
        check_distinct_paths(fields)
    except PathError as exc:
        raise FieldProblem(exc.field, exc.problem, exc.fix)


def trusted_roots(paths):
    """The roots a downloaded chain must end at: ``paths`` (O(trusted_roots)), else this host's system store."""
    paths = paths or system_trust_paths()
    try:
        roots = crypto.parse_trust_store(read_trust_store(paths))
    except PathError as exc:
        raise FieldProblem(exc.field, exc.problem, exc.fix)
    if not roots:
        raise FieldProblem(
            "trusted_roots",
            "no root certificate found in %s" % (", ".join(paths) or "the system store"),
            "Give the PEM file of the CA roots to trust, or install the system CA bundle (ca-certificates)",
        )
    return roots


def load_key(path, passphrase):
    """The private key at ``path`` (None when no path is given)."""
    if not path:
        return None
    data = read_file(path)
    if data is None:
        raise FieldProblem(
            "privatekey_path", "%s does not exist" % path, "Point it at the key the certificate was requested for"
        )
    try:
        return crypto.load_private_key(data, passphrase)
    except crypto.CryptoInputError as exc:
        raise FieldProblem(
            "privatekey_path" if getattr(exc, "reason", "") == "invalid" else "privatekey_passphrase",
            exc.problem,
            exc.fix,
        )


def read_record(path):
    """The download record in ``path`` (a dict), ``{}`` when missing or unreadable."""
    if not path:
        return {}
    data = read_file(path)
    try:
        record = json.loads(data.decode("utf-8")) if data else {}
    except (ValueError, UnicodeDecodeError):
        return {}
    return record if isinstance(record, dict) else {}


# ------------------------------------------------------------------------------- what is on disk


def certificates_of(data):
    """The certificates of a PEM bundle, None when it is not one."""
    try:
        return crypto.load_certificates(data)
    except crypto.CryptoInputError:
        return None


def current_files(params):
    """What the files on disk hold: ``(leaf, chain, existing_bytes)``; ``leaf`` None when unusable."""
    existing = {}
    for target in (*PEM_TARGETS, "pkcs12_dest"):
        if params[target]:
            existing[target] = read_file(params[target])
    leaves = []
    chain = None
    for target in ("dest", "fullchain_dest"):
        if target in existing:
            certs = certificates_of(existing[target]) if existing[target] else None
            if not certs:
                return None, None, existing
            leaves.append(certs[0])
            if target == "fullchain_dest":
                chain = certs[1:]
    if "chain_dest" in existing:
        certs = certificates_of(existing["chain_dest"]) if existing["chain_dest"] else None
        if not certs or (chain is not None and _fingerprints(certs) != _fingerprints(chain)):
            return None, None, existing
        chain = certs
    if "pkcs12_dest" in existing:
        loaded = (
            crypto.load_pkcs12(existing["pkcs12_dest"], params["pkcs12_password"]) if existing["pkcs12_dest"] else None
        )
        if not loaded or loaded[1] is None:
            return None, None, existing
        leaves.append(loaded[1])
        if chain is None:
            chain = loaded[2]
    if not leaves or len(set(_fingerprints(leaves))) != 1:
        return None, None, existing
    return leaves[0], chain or [], existing


def _fingerprints(certs):
    return [crypto.certificate_fingerprint(c) for c in certs]


def missing_names(leaf, order):
    """The order's names the certificate lacks."""
    facts = crypto.parse_certificate(leaf)
    have = set(facts["subject_alt_names"])
    if facts["common_name"]:
        have.add(facts["common_name"])
    return [name for name in order_names(order) if name and name not in have]


def mismatch_with_order(leaf, order):
    """Why a certificate is not the one the order reports: [] when expiry and names agree."""
    reasons = []
    facts = crypto.parse_certificate(leaf)
    expires = parse_api_time(order.get("dtcertexpire"))
    not_after = crypto.certificate_not_after(leaf)
    if expires is None or abs((expires - not_after).total_seconds()) > EXPIRY_TOLERANCE_SECONDS:
        reasons.append("expires %s, the order reports %s" % (facts["not_after"], order.get("dtcertexpire")))
    missing = missing_names(leaf, order)
    if missing:
        reasons.append("lacks the order's names %s" % ", ".join(missing))
    return reasons


def stale_reasons(leaf, chain, order, key, check_chain):
    """Why the certificate on disk must be downloaded again: [] keeps it (no download)."""
    stale = mismatch_with_order(leaf, order)
    if key is not None and not crypto.key_matches_certificate(key, leaf):
        stale.append("does not match privatekey_path")
    if check_chain:
        stale.extend(crypto.chain_problems(leaf, chain))
    return stale


def current_without_asking(params, key, leaf, chain, record):
    """True when the files on disk are, by the record, the order's certificate and still usable.

    Only for an explicit ``order_id`` (a common name may have a newer order the record cannot know).
    """
    if params["force"] or not params["order_id"] or leaf is None or not record:
        return False
    if str(record.get("order_id") or "") != str(params["order_id"]).strip():
        return False
    facts = crypto.parse_certificate(leaf)
    if record.get("fingerprint") != facts["fingerprint_sha256"]:
        return False
    now = datetime.datetime.now(crypto.certificate_not_after(leaf).tzinfo)
    if not crypto.certificate_not_before(leaf) <= now < crypto.certificate_not_after(leaf):
        return False
    if key is not None and not crypto.key_matches_certificate(key, leaf):
        return False
    if (params["chain_dest"] or params["fullchain_dest"]) and crypto.chain_problems(leaf, chain):
        return False
    if params["common_name"]:
        names = set(facts["subject_alt_names"]) | {facts["common_name"]}
        if crypto.comparable_name(params["common_name"]) not in {crypto.comparable_name(n) for n in names if n}:
            return False
    return True


# ---------------------------------------------------------------------------- WebNIC's download


def download_problems(leaf, chain, order, key, key_path, roots):
    """Why WebNIC's download may not be written; the answer is untrusted input."""
    problems = []
    missing = missing_names(leaf, order)
    if missing:
        problems.append("the certificate lacks the order's names %s" % ", ".join(missing))
    if key is not None and not crypto.key_matches_certificate(key, leaf):
        problems.append("the certificate does not match the private key %s" % key_path)
    # Valid now, every link signed, and a trusted root on top.
    problems.extend(crypto.issued_certificate_problems(leaf, chain, roots))
    return problems


def file_contents(params, leaf, chain, key, order, existing):
    """The bytes of each target file (the PKCS#12 file only with O(pkcs12_dest))."""
    leaf_pem = crypto.certificate_pem(leaf)
    chain_pem = b"".join(crypto.certificate_pem(c) for c in chain)
    contents = {"dest": leaf_pem, "chain_dest": chain_pem, "fullchain_dest": leaf_pem + chain_pem}
    if params["pkcs12_dest"]:
        old, password = existing.get("pkcs12_dest"), params["pkcs12_password"]
        if old and crypto.pkcs12_holds(old, password, key, leaf, chain):
            contents["pkcs12_dest"] = old  # PKCS#12 output is salted: rebuild only when it differs
        else:
            contents["pkcs12_dest"] = crypto.build_pkcs12(key, leaf, chain, password, order.get("commonName"))
    return contents


def content_reason(path, created, facts):
    """The changed reason of a file given new content."""
    return "%s: %s (serial %s, expires %s)" % (
        path,
        "created" if created else "new content",
        facts["serial"],
        facts["not_after"],
    )


def updated_record(record, order_id, leaf):
    """The download record naming ``order_id`` and ``leaf`` (other keys kept); None when unchanged."""
    facts = crypto.parse_certificate(leaf)
    wanted = dict(record)
    wanted.update(
        order_id=str(order_id),
        fingerprint=facts["fingerprint_sha256"],
        serial=facts["serial"],
        not_after=facts["not_after"],
    )
    return None if wanted == record else wanted


def record_content(record):
    """The bytes of a download record file."""
    return (json.dumps(record, indent=2, sort_keys=True) + "\n").encode("utf-8")


def not_issued_message(order_description, outcome, wait_timeout):
    """Why an order's certificate cannot be downloaded (``outcome`` of waiting) and what to do."""
    if outcome == "failed":
        return "Order %s will not be issued. Place a new order." % order_description
    if outcome == "not issued":
        what = "is not issued yet"
        hint = (
            "Complete domain validation (webnic.ssl.webnic_ssl_dcv shows what is pending), "
            "or set wait: true to wait for issuance."
        )
    else:
        what = "was not issued within %ss" % wait_timeout
        hint = "Check domain validation with webnic.ssl.webnic_ssl_dcv, or wait longer (wait_timeout)."
    return "Order %s %s. %s" % (order_description, what, hint)


# ---------------------------------------------------------------------------------- the result


def run_result(reasons, order_id, leaf, chain, files, written, order=None, downloaded=False):
    """The module's result: what changed, the order (``None``: WebNIC was not asked) and the certificate."""
    asked = order is not None
    result = {
        "changed": bool(reasons),
        "changed_reasons": reasons,
        "order_id": order_id,
        "common_name": order.get("commonName") if asked else crypto.parse_certificate(leaf)["common_name"],
        "order_status": order_status(order) if asked else None,
        "cert_status": cert_status(order) if asked else None,
        "downloaded": downloaded,
        "asked_webnic": asked,
        "files": files,
        "written": written,
    }
    result.update(certificate_result(leaf, chain))
    return result


def certificate_result(leaf, chain):
    """The certificate facts every result carries."""
    now = datetime.datetime.now(crypto.certificate_not_after(leaf).tzinfo)
    remaining = crypto.certificate_not_after(leaf) - now
    return dict(
        crypto.certificate_facts(leaf),
        days_remaining=int(remaining.total_seconds() // 86400),
        chain_length=len(chain),
    )


def summary(leaf):
    """What diff mode shows of a certificate."""
    if leaf is None:
        return {}
    facts = crypto.parse_certificate(leaf)
    return {"serial": facts["serial"], "not_after": facts["not_after"], "names": facts["subject_alt_names"]}
