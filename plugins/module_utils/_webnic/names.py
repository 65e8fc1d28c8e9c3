# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host names the way public CAs read them: pure Python, no ``cryptography``.

Lower case, ASCII, no trailing dot, a wildcard only as the whole left-most label of a name with at
least two labels after it. Internationalised names become A-labels by IDNA 2008 with UTS 46 mapping
(non-transitional), through the ``idna`` package: ``straße.de`` is ``xn--strae-oqa.de``, never
IDNA 2003's ``strasse.de`` (another domain). Where ``idna`` is missing, a non-ASCII name fails
instead of being converted another way, so every host turns a given name into the same A-label or
into the same error.

Apart from :mod:`crypto` (which re-exports everything here) so that code that only compares names,
such as the nightly check of a deployed certificate, does not import ``cryptography``.
"""

import re
import traceback

IDNA_IMPORT_ERROR = None
try:
    import idna
except ImportError:  # pragma: no cover - exercised by tests that hide the package
    idna = None
    HAS_IDNA = False
    IDNA_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_IDNA = True


# --------------------------------------------------------------------------------------- errors


class CryptoInputError(ValueError):
    """Bad input: ``problem`` says what is wrong, ``fix`` what to do. The caller names the option."""

    def __init__(self, problem, fix=None):
        super().__init__(problem)
        self.problem = problem
        self.fix = fix


class InvalidNameError(CryptoInputError):
    """A host name that no CA would accept (or that we refuse to put in a CSR)."""

    def __init__(self, name, problem, fix=None):
        super().__init__("%r %s" % (name, problem), fix)
        self.name = name


# ---------------------------------------------------------------------------------- host names

_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
_MAX_NAME_LENGTH = 253


_IDNA_FIX = "Check the spelling, or give the name in its xn-- (A-label) form as your registrar shows it"


def _check_a_label(label, name):
    """An ``xn--`` label must decode as valid IDNA 2008 and be the canonical encoding of what it decodes to."""
    if idna is None:
        # Without the package we can still refuse what is not punycode at all.
        try:
            label[4:].encode("ascii").decode("punycode")
        except UnicodeError as exc:
            raise InvalidNameError(name, "has the label %r, which is not valid punycode (%s)" % (label, exc), _IDNA_FIX)
        return label
    try:
        unicode_label = idna.decode(label, uts46=True, std3_rules=True)
        canonical = idna.encode(unicode_label, uts46=True, std3_rules=True, transitional=False).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise InvalidNameError(
            name, "has the label %r, which is not a valid IDNA 2008 A-label: %s" % (label, exc), _IDNA_FIX
        )
    if canonical != label:
        raise InvalidNameError(
            name,
            "has the label %r, which decodes to %r whose A-label is %r" % (label, unicode_label, canonical),
            "Write the label as %s" % canonical,
        )
    return label


def _label_to_ascii(label, name):
    """One label to its ASCII form: IDNA 2008 + UTS 46 (non-transitional) for non-ASCII labels."""
    try:
        label.encode("ascii")
    except UnicodeEncodeError:
        pass
    else:
        label = label.lower()
        if label.startswith("xn--"):
            return _check_a_label(label, name)
        return label
    if idna is None:
        raise InvalidNameError(
            name,
            "is an internationalised name, and this host lacks the Python library 'idna' that converts it "
            "the way CAs do (IDNA 2008); it is not converted any other way, so that no other domain is certified",
            "Install 'idna' where the module runs (pip install idna), or give the name in its xn-- (A-label) form",
        )
    try:
        ascii_label = idna.encode(label, uts46=True, std3_rules=True, transitional=False).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise InvalidNameError(
            name,
            "is not a valid internationalised name under IDNA 2008 (UTS 46): %s" % exc,
            "Remove the characters IDNA 2008 does not allow (symbols, emoji and some compatibility "
            "characters that the older IDNA 2003 accepted are not allowed), or check the spelling",
        )
    if "." in ascii_label or not ascii_label:
        raise InvalidNameError(
            name,
            "has the label %r, which UTS 46 maps to %r: not a single label" % (label, ascii_label),
            "Write the dots as ordinary full stops",
        )
    return ascii_label


def normalize_name(name):
    """Return ``name`` as a CA will see it: stripped, lower case, A-labels, no trailing dot.

    Raises :class:`InvalidNameError` for a label IDNA 2008 refuses, and for any non-ASCII name when
    the ``idna`` package is missing. Does not check the name's syntax otherwise; see
    :func:`validate_name` (or :func:`normalize_names` for both).
    """
    if name is None:
        raise InvalidNameError(name, "is empty", "Give a fully qualified host name such as www.example.com")
    text = name if isinstance(name, str) else str(name)
    text = text.strip()
    # The ideographic full stops UTS 46 treats as dots.
    for dot in ("\u3002", "\uff0e", "\uff61"):
        text = text.replace(dot, ".")
    if text.endswith(".") and text != ".":
        text = text[:-1]
    labels = text.split(".")
    return ".".join(_label_to_ascii(label, name) if label and label != "*" else label for label in labels)


def comparable_name(name):
    """``name`` in the form to compare names by (A-labels, lower case, no trailing dot); never raises.

    For matching names the API returned against names the user gave (which went through
    :func:`normalize_name` and failed there if invalid): a name it refuses is only lower-cased.
    """
    try:
        return normalize_name(name)
    except InvalidNameError:
        return str(name or "").strip().lower().rstrip(".")


def name_field(error, common_name_field="common_name", names_field="subject_alt_names"):
    """The option an :class:`InvalidNameError` from :func:`certificate_names` is about:
    ``common_name`` or ``subject_alt_names[i]``."""
    index = getattr(error, "index", None)
    return common_name_field if index is None else "%s[%d]" % (names_field, index)


def url_host(text):
    """The host part of a URL-like text (``https://user@www.example.com:8443/x`` -> ``www.example.com``),
    or ``None`` when there is none."""
    rest = text.split("://", 1)[1] if "://" in text else text
    host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    if host.startswith("["):  # an IPv6 literal
        return None
    host = host.split(":", 1)[0].strip(".")
    return host or None


def validate_name(name, allow_wildcard=True):
    """Raise :class:`InvalidNameError` unless ``name`` (already normalised) is a valid certificate
    DNS name: LDH labels of 1-63 characters, at least two labels, at most 253 characters, not an IP
    address, a wildcard only as the whole left-most label with at least two labels after it."""
    if not name:
        raise InvalidNameError(name, "is empty", "Give a fully qualified host name such as www.example.com")
    if "/" in name or "@" in name or "://" in name:
        host = url_host(name)
        raise InvalidNameError(
            name,
            "is a URL or a path, not a host name",
            "Give the host name only%s" % (": %s" % host if host else ", such as www.example.com"),
        )
    if _IPV4.match(name) or ":" in name:
        raise InvalidNameError(
            name,
            "is an IP address; this collection only requests certificates for DNS names",
            "Use the host's DNS name instead",
        )
    if len(name) > _MAX_NAME_LENGTH:
        raise InvalidNameError(
            name, "is %d characters long (at most %d allowed)" % (len(name), _MAX_NAME_LENGTH), "Use a shorter name"
        )
    labels = name.split(".")
    if len(labels) < 2:
        raise InvalidNameError(
            name,
            "is not a fully qualified domain name",
            "Public CAs only certify names under a public suffix, such as %s.example.com" % name,
        )
    if "*" in name:
        if not allow_wildcard:
            raise InvalidNameError(name, "is a wildcard name, which is not allowed here", "Remove the wildcard")
        if labels[0] != "*" or "*" in ".".join(labels[1:]):
            raise InvalidNameError(
                name,
                "has a wildcard in the wrong place: '*' may only be the whole left-most label",
                "Write it as *.%s" % ".".join(label for label in labels[1:] if "*" not in label),
            )
        if len(labels) < 3:
            raise InvalidNameError(
                name,
                "is a wildcard directly under a top-level domain, which no CA issues",
                "Put the wildcard under a registered domain, such as *.example.%s" % labels[-1],
            )
        labels = labels[1:]
    for label in labels:
        if not label:
            raise InvalidNameError(
                name, "has an empty label (two dots in a row or a leading dot)", "Remove the extra dot"
            )
        if len(label) > 63:
            raise InvalidNameError(
                name, "has a label of %d characters (at most 63 allowed)" % len(label), "Shorten the label %r" % label
            )
        if not _LABEL.match(label):
            raise InvalidNameError(
                name,
                "has the label %r: only letters, digits and inner hyphens are allowed" % label,
                "Remove characters such as '_', spaces or a leading/trailing '-'",
            )
    if labels[-1].isdigit():
        raise InvalidNameError(name, "ends in a numeric top-level domain", "Use a name under a real top-level domain")


def is_wildcard(name):
    """True for ``*.example.com``."""
    return name.startswith("*.")


def companion_name(name):
    """The name many CAs add for free: ``*.d`` and ``www.d`` come with ``d``, ``d`` with ``www.d``."""
    if name.startswith("*."):
        return name[2:]
    if name.startswith("www."):
        return name[4:]
    return "www." + name


def normalize_names(names, allow_wildcard=True):
    """Normalise and validate ``names`` in order, dropping duplicates (first occurrence wins).

    Raises :class:`InvalidNameError` with an extra ``index`` attribute (position in ``names``).
    """
    result = []
    for index, raw in enumerate(names):
        try:
            name = normalize_name(raw)
            validate_name(name, allow_wildcard=allow_wildcard)
        except InvalidNameError as exc:
            exc.index = index
            raise
        if name not in result:
            result.append(name)
    return result


def certificate_names(common_name, subject_alt_names=None, allow_wildcard=True):
    """The DNS names of a certificate request: the common name first, then the other SANs.

    Returns ``(common_name, names)``, both normalised; ``names`` always contains the common name.
    Raises :class:`InvalidNameError` with ``index`` = ``None`` for the common name, else the position
    in ``subject_alt_names``, and ``field`` naming the option (``common_name``, ``subject_alt_names[i]``).
    """
    try:
        cn = normalize_name(common_name)
        validate_name(cn, allow_wildcard=allow_wildcard)
    except InvalidNameError as exc:
        exc.index = None
        exc.field = name_field(exc)
        raise
    names = [cn]
    try:
        others = normalize_names(subject_alt_names or [], allow_wildcard=allow_wildcard)
    except InvalidNameError as exc:
        exc.field = name_field(exc)
        raise
    for name in others:
        if name not in names:
            names.append(name)
    return cn, names
