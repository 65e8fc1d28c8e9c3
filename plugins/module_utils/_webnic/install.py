# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Installing a certificate on a host (webnic_ssl_cert_install): which files to write, the checks
before anything is written, the writes themselves, and putting the previous files back when a
write fails half-way, so a failed install never leaves a new certificate next to an old key."""

import errno
import json
import os
import stat
import tempfile

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from . import crypto, deployed, files, hostfiles
from .failures import FieldProblem, fail_problem

# (kind, path option, content option), in the order the files are written and returned.
KINDS = (
    ("certificate", "certificate_path", "certificate"),
    ("chain", "chain_path", "chain"),
    ("fullchain", "fullchain_path", "fullchain"),
    ("privatekey", "privatekey_path", "privatekey"),
    ("combined", "combined_path", None),
    ("pkcs12", "pkcs12_path", None),
    ("metadata", "metadata_path", "metadata"),
)
KEY_KINDS = ("privatekey", "combined", "pkcs12")
SERVED_KINDS = ("certificate", "chain", "fullchain", "privatekey", "combined", "pkcs12")
PEM_CERTIFICATES_FIX = "Give PEM certificates (-----BEGIN CERTIFICATE-----)"


class InstallModule(AnsibleModule):
    """An AnsibleModule whose failure first puts back what this run already changed on the host.

    ``write_atomic`` fails the module itself on an I/O error; catching that here means a failed
    install never leaves a new certificate next to an old key.
    """

    def __init__(self, *args, **kwargs):
        # Set before AnsibleModule.__init__, which may already fail on bad arguments.
        self.undo_files = []  # [real path, previous bytes or None, previous os.stat or None, backup file]
        self.undo_directories = []  # created by this run, parents first
        super().__init__(*args, **kwargs)

    def fail_json(self, msg, **kwargs):
        undo_files, self.undo_files = self.undo_files, []
        undo_directories, self.undo_directories = self.undo_directories, []
        if undo_files or undo_directories:
            msg = "%s %s" % (msg, put_back(undo_files, undo_directories))
        super().fail_json(msg=msg, **kwargs)


def put_back(undo_files, undo_directories):
    """Restore the previous files and remove what this run created; a sentence saying how it went."""
    problems = []
    for path, previous, previous_stat, backup_file in reversed(undo_files):
        try:
            if previous is None:
                os.unlink(path)
            elif files.read_file(path) != previous:
                restore_file(path, previous, previous_stat)
                if backup_file:
                    os.unlink(backup_file)  # the previous content is back in place
        except OSError as exc:
            if exc.errno != errno.ENOENT:
                problems.append("%s (%s)" % (path, exc))
    for directory in reversed(undo_directories):
        try:
            os.rmdir(directory)
        except OSError:
            pass  # not empty or already gone: leaving a directory behind is harmless
    if problems:
        return "Could NOT put back the previous content of %s: check these files by hand." % ", ".join(problems)
    return "The files this task had already written were put back as they were."


def restore_file(path, content, previous_stat):
    directory = os.path.dirname(path)
    fd, tmp_path = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        if previous_stat is not None:
            if (previous_stat.st_uid, previous_stat.st_gid) != (os.geteuid(), os.getegid()):
                os.chown(tmp_path, previous_stat.st_uid, previous_stat.st_gid)
            os.chmod(tmp_path, stat.S_IMODE(previous_stat.st_mode))
        os.rename(tmp_path, path)
        tmp_path = None
    finally:
        if tmp_path is not None and os.path.exists(tmp_path):
            os.unlink(tmp_path)


# ---------------------------------------------------------------------------------- checks (pure)


def check_key_options(params):
    """The private key's mode and the options that need the key or the full chain."""
    key_mode = files.parse_mode(params["privatekey_mode"])
    if key_mode & 0o007 or key_mode & 0o111 or key_mode & 0o7000:
        raise FieldProblem(
            "privatekey_mode",
            "%s would let others use the private key, or make it executable or special" % params["privatekey_mode"],
            "Give owner and group read/write bits only, such as '0600' or '0640' (with group)",
        )
    if params["pkcs12_path"] and params["privatekey"] is None and not params["privatekey_src"]:
        raise FieldProblem(
            "pkcs12_path",
            "the PKCS#12 file holds the private key, but privatekey is not given",
            "Give privatekey and privatekey_path, or leave pkcs12_path out",
        )


def check_combined_and_certificate(params):
    if params["combined_path"]:
        missing = [name for name in ("fullchain", "privatekey") if params[name] is None]
        if missing:
            raise FieldProblem(
                "combined_path",
                "the combined file is the full chain followed by the private key, but %s %s not given"
                % (" and ".join(missing), "is" if len(missing) == 1 else "are"),
                "Give fullchain and fullchain_path, and privatekey and privatekey_path, or leave combined_path out",
            )
    if not (params["certificate"] or "").strip():
        raise FieldProblem("certificate", "is empty", "Give the PEM text of the leaf certificate")


def check_destinations(params):
    """``{kind: (path, option)}`` of the files to write; refuses links, relative or shared paths,
    directories, and a file of O(remove) that this task writes."""
    for _kind, path_option, _content_option in KINDS:
        files.check_destination(path_option, params[path_option])
    files.check_distinct_paths([(path_option, params[path_option]) for _kind, path_option, _content in KINDS])
    targets = {}
    by_path = {}
    for kind, path_option, _content_option in KINDS:
        path = params[path_option]
        if not path:
            continue
        by_path[path] = path_option
        if os.path.isdir(path):
            raise FieldProblem(path_option, "%s is a directory" % path, "Give the path of the file to write")
        targets[kind] = (path, path_option)
    for path in params["remove"]:
        if path in by_path:
            raise FieldProblem(
                "remove",
                "%s is written by this task (%s)" % (path, by_path[path]),
                "Remove only files this task does not write",
            )
        if os.path.isdir(path) and not os.path.islink(path):
            raise FieldProblem("remove", "%s is a directory" % path, "List files only")
    return targets


def check_options(params):
    """Every option check, before anything is read or written. Returns ``{kind: (path, option)}``."""
    hostfiles.check_modes_and_owner(params, ("mode", "directory_mode", "privatekey_mode"))
    check_key_options(params)
    check_combined_and_certificate(params)
    return check_destinations(params)


# ---------------------------------------------------------------------------------- contents


def pem_bytes(text):
    """PEM text as bytes ending in exactly one newline (nothing at all for an empty value)."""
    text = (text or "").strip()
    return (text + "\n").encode("utf-8") if text else b""


def metadata_bytes(metadata):
    """What Ansible's ``to_nice_json(sort_keys=true)`` writes, plus a final newline."""
    try:
        text = json.dumps(metadata, indent=4, sort_keys=True, separators=(",", ": "))
    except (TypeError, ValueError) as exc:
        raise FieldProblem("metadata", "cannot be written as JSON (%s)" % exc, "Give a mapping of plain values")
    return (text + "\n").encode("utf-8")


def stamped_metadata_bytes(params, targets, contents):
    """O(metadata) as written, with the install record of the files written with it (key ``stamp``,
    see :func:`deployed.make_stamp`); a ``stamp`` given in O(metadata) is never written as such."""
    metadata = {key: value for key, value in params["metadata"].items() if key != "stamp"}
    paths = {option: path for kind, (path, option) in targets.items() if option in deployed.STAMPED_OPTIONS}
    if crypto.HAS_CRYPTOGRAPHY and "certificate_path" in paths:
        by_path = {targets[kind][0]: data for kind, data in contents.items()}
        stamp = deployed.make_stamp(paths, by_path.get)
        if stamp:
            metadata["stamp"] = stamp
    return metadata_bytes(metadata)


def build_contents(params, targets):
    """``{kind: bytes}`` of every file but the PKCS#12 one (built once the file it replaces is read);
    the metadata last, with the install record of the others."""
    contents = {}
    for kind, _path_option, content_option in KINDS:
        if kind not in targets or kind in ("pkcs12", "metadata"):
            continue
        if kind == "combined":
            contents[kind] = pem_bytes(params["fullchain"]) + pem_bytes(params["privatekey"])
        else:
            contents[kind] = pem_bytes(params[content_option])
    if "metadata" in targets:
        contents["metadata"] = stamped_metadata_bytes(params, targets, contents)
    return contents


def pkcs12_bytes(contents, old, password):
    """The PKCS#12 file to write: ``old`` when it already holds this key, certificate and chain (its
    bytes are salted, so rebuilding would change them on every run)."""
    try:
        key = crypto.load_private_key(contents["privatekey"])
        leaf = crypto.load_certificates(contents["certificate"])[0]
        chain = crypto.load_certificates(contents["chain"]) if "chain" in contents else []
        if not chain and "fullchain" in contents:
            chain = crypto.load_certificates(contents["fullchain"])[1:]
    except (crypto.CryptoInputError, IndexError):
        raise FieldProblem("pkcs12_path", "the key or certificate cannot be read", "Give PEM key and certificates")
    if old and crypto.pkcs12_holds(old, password, key, leaf, chain):
        return old
    return crypto.build_pkcs12(key, leaf, chain, password, crypto.parse_certificate(leaf)["common_name"])


def diff_text(kind, data, new=False):
    if data is None:
        return ""
    if kind in KEY_KINDS:
        return "(%skey material, %d bytes)\n" % ("new " if new else "", len(data))
    return data.decode("utf-8", "replace")


# ---------------------------------------------------------------------------------- verify (pure)


def certificates_of(contents, field, required):
    data = contents[field]
    if b"-----BEGIN" not in data and (data.strip() or required):
        raise FieldProblem(
            field,
            "holds no PEM block (it starts with %r)" % data[:30].decode("utf-8", "replace"),
            "Give the PEM text (-----BEGIN CERTIFICATE-----...), not a file name",
        )
    try:
        found = crypto.load_certificates(data)
    except crypto.CryptoInputError as exc:
        raise FieldProblem(field, exc.problem, PEM_CERTIFICATES_FIX)
    if required and not found:
        raise FieldProblem(field, "holds no certificate", PEM_CERTIFICATES_FIX)
    return found


def verify_chain(contents, leaf):
    serial = crypto.parse_certificate(leaf)["serial"]
    if "chain" in contents:
        leaf_fingerprint = crypto.certificate_fingerprint(leaf)
        if any(
            crypto.certificate_fingerprint(c) == leaf_fingerprint for c in certificates_of(contents, "chain", False)
        ):
            raise FieldProblem(
                "chain",
                "holds the certificate itself (serial %s) instead of only the CA certificates that issued it" % serial,
                "Give the intermediate certificates only; the leaf goes in certificate, leaf and chain in fullchain",
            )
    if "fullchain" in contents:
        first = certificates_of(contents, "fullchain", True)[0]
        if crypto.certificate_fingerprint(first) != crypto.certificate_fingerprint(leaf):
            raise FieldProblem(
                "fullchain",
                "does not start with the certificate (it starts with serial %s, the certificate is serial %s)"
                % (crypto.parse_certificate(first)["serial"], serial),
                "Give the leaf certificate followed by its intermediates",
            )


def verify_key(contents, leaf):
    try:
        key = crypto.load_private_key(contents["privatekey"])
    except crypto.CryptoInputError as exc:
        # exc.problem never quotes the key; its fix is about key files, so give our own.
        raise FieldProblem(
            "privatekey",
            exc.problem,
            "Give the unencrypted PEM private key of the certificate (-----BEGIN PRIVATE KEY-----)",
        )
    if not crypto.key_matches_certificate(key, leaf):
        raise FieldProblem(
            "privatekey",
            "is not the key of the certificate (public key %s, the certificate's is %s)"
            % (crypto.public_key_fingerprint(key), crypto.public_key_fingerprint(leaf.public_key())),
            "Give the key the certificate's CSR was made with, or the certificate issued for this key",
        )


def verify(contents):
    """The checks of ``verify=true`` (needs ``cryptography``): the certificate is valid now, the
    chain does not hold the leaf, the full chain starts with it, the key is the certificate's."""
    leaf = certificates_of(contents, "certificate", True)[0]
    expired = crypto.validity_problems(
        leaf, label="the certificate (serial %s)" % crypto.parse_certificate(leaf)["serial"]
    )
    if expired:
        raise FieldProblem(
            "certificate",
            expired[0],
            "Install a certificate that is valid now (if it should be, check this host's clock), or set verify: false",
        )
    verify_chain(contents, leaf)
    if "privatekey" in contents:
        verify_key(contents, leaf)


# ---------------------------------------------------------------------------------- acting


def require_cryptography(module, hint=""):
    if not crypto.HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography") + hint, exception=crypto.CRYPTOGRAPHY_IMPORT_ERROR)


def prepare(module, targets):
    """``(contents, previous, directories)``: the bytes to write (verified) and the bytes there now,
    per kind, and the directories to create. Raises :class:`FieldProblem`; writes nothing."""
    params = module.params
    contents = build_contents(params, targets)
    if params["verify"]:
        require_cryptography(module, " Or set verify: false to write the content unchecked.")
        verify(contents)
    directories = hostfiles.missing_directories_of(targets.values())
    # Read everything first: the diff, the reasons and the undo list need the previous content.
    previous = {kind: hostfiles.read_previous(path, option) for kind, (path, option) in targets.items()}
    if "pkcs12" in targets:
        require_cryptography(module)
        contents["pkcs12"] = pkcs12_bytes(contents, previous["pkcs12"], params["pkcs12_password"])
    return contents, previous, directories


def write_files(module, targets, contents, previous, reasons):
    """Write every target in KINDS order; ``(results, diffs)``. A failure puts back what was written."""
    params = module.params
    results = []
    diffs = []
    for kind, _path_option, _content_option in KINDS:
        if kind not in targets:
            continue
        path = targets[kind][0]
        content, old = contents[kind], previous[kind]
        if old != content and not module.check_mode:
            real_path = os.path.realpath(path)
            old_stat = os.stat(real_path) if old is not None else None
            # Registered before the write: if write_atomic fails half-way, fail_json puts it back.
            module.undo_files.append([real_path, old, old_stat, None])
        changed, backup_file, reason = hostfiles.write_with_reason(
            module,
            path,
            content,
            old,
            mode=params["privatekey_mode"] if kind in KEY_KINDS else params["mode"],
            owner=params["owner"],
            group=params["group"],
            backup=params["backup"],
        )
        if backup_file and module.undo_files:
            module.undo_files[-1][3] = backup_file
        entry = {"dest": path, "kind": kind, "changed": changed}
        if backup_file:
            entry["backup_file"] = backup_file
        results.append(entry)
        if reason:
            reasons.append(reason)
        if old != content and module._diff:
            diffs.append(hostfiles.diff_entry(path, diff_text(kind, old), diff_text(kind, content, new=True)))
    return results, diffs


def remove_files(module, results, reasons):
    """Remove the files of O(remove) once every new file is in place; the paths removed."""
    removed = []
    for path in module.params["remove"]:
        if not os.path.lexists(path):
            continue
        if not module.check_mode:
            try:
                os.unlink(path)
            except OSError as exc:
                if exc.errno == errno.ENOENT:
                    continue
                module.fail_json(
                    msg="remove: cannot remove %s (%s); the certificate files were installed. "
                    "Remove it by hand or fix its directory's permissions." % (path, exc),
                    field="remove",
                    changed=True,
                    files=results,
                    removed=removed,
                )
        removed.append(path)
        reasons.append("%s: removed" % path)
    return removed


def install(module):
    """Check, write the files, remove the old ones; the module result. ``module`` is an InstallModule."""
    params = module.params
    try:
        targets = check_options(params)
        contents, previous, directories = prepare(module, targets)
    except FieldProblem as problem:
        fail_problem(module, problem)
    reasons = []
    hostfiles.create_directories(
        module,
        directories,
        params["directory_mode"],
        params["owner"],
        params["group"],
        reasons,
        created=module.undo_directories,
    )
    results, diffs = write_files(module, targets, contents, previous, reasons)
    # Every file is in place: from here on a failure must not undo the install.
    module.undo_files = []
    module.undo_directories = []
    removed = remove_files(module, results, reasons)
    result = {
        "changed": bool(reasons),
        "certificate_changed": any(e["changed"] for e in results if e["kind"] in SERVED_KINDS),
        "files": results,
        "removed": removed,
        "changed_reasons": reasons,
    }
    if module._diff:
        result["diff"] = diffs
    return result
