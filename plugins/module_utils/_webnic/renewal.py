# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The renewal rule: is a certificate due, and why (pure: no API, no clock of its own, no cryptography).

:func:`renewal_decision` answers for the order module (through ``orders``) and for
``webnic_ssl_deployed_info`` alike. It lives apart from ``orders`` so that the host-side module, which
runs on every host every night, compiles and imports only this rule and the API date format.
"""

import datetime
import math
import re

#: Statuses reported by the CA that make a certificate due for renewal at once.
CA_DEAD_STATUSES = frozenset(["EXPIRED", "REVOKED"])
#: Default renewal window: the last third of the certificate's lifetime (certbot, lego).
DEFAULT_REMAINING_PERCENTAGE = 33.3

try:
    UTC = datetime.timezone.utc
except AttributeError:  # pragma: no cover
    UTC = None


# ------------------------------------------------------------------------------------ values


_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)


def parse_api_time(value):
    """WebNIC dates (``2026-01-02T03:04:05Z``, ``...+08:00``, fractional seconds, date only) -> aware UTC.

    Returns ``None`` for empty or unparseable values; a value without an offset is taken as UTC.
    """
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    match = _TIME.match(str(value).strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        when = datetime.datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), micro, tzinfo=UTC
        )
    except ValueError:
        return None
    if offset and offset.upper() != "Z":
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        when -= sign * datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return when


def format_api_time(value):
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def normalize_domain(name):
    """Lower case, no surrounding blanks, no trailing dot (the full check is crypto.normalize_name)."""
    text = str(name or "").strip().lower()
    return text[:-1] if text.endswith(".") else text


# ------------------------------------------------------------------------------ renewal rule


#: No certificate lasts longer than this (CA/Browser Forum: 398 days).
MAX_CERTIFICATE_DAYS = 398
#: A certificate younger than this is never renewed by the time window (renew once means once).
DEFAULT_MIN_AGE_HOURS = 24.0


def renewal_decision(
    not_before,
    not_after,
    now,
    cert_names=None,
    wanted_names=None,
    key_matches=None,
    ca_status=None,
    remaining_days=None,
    remaining_percentage=None,
    issued_before=None,
    min_age_hours=None,
    ordered_at=None,
):
    """Is a certificate due for renewal (or replacement), and why? -> ``(due, reasons)``.

    Pure: every input is passed in. ``not_before``/``not_after``/``now`` are datetimes (or API date
    strings); ``cert_names``/``wanted_names`` are iterables of names compared as sets (``None`` =
    not compared); ``key_matches`` is True/False/None (None = unknown, not compared); ``ca_status``
    is the CA's word on the certificate (``EXPIRED``/``REVOKED`` make it due at once).

    The time window: due when at most ``remaining_days`` days are left, or at most
    ``remaining_percentage`` percent of the lifetime (not_after - not_before). When neither is
    given the window is the last third of the lifetime. A boundary value counts as inside. A
    certificate younger than ``min_age_hours`` (default 24) is never due by the window: a run
    repeated right after a renewal must not buy again, whatever window it was given.

    ``issued_before``: due when the certificate became valid before that moment -- the idempotent
    way to force a renewal (the renewed certificate is newer, so a rerun does not buy again).
    ``ordered_at`` (the order's creation, when known) guards that rule against CAs that backdate
    ``notBefore``: a certificate from an order placed at or after the cut-off is never due by it.
    """
    reasons = []
    status = str(ca_status or "").strip().upper()
    if status in CA_DEAD_STATUSES:
        reasons.append("the CA reports the certificate as %s" % status)
    before = parse_api_time(not_before)
    after = parse_api_time(not_after)
    current = parse_api_time(now) if now is not None else datetime.datetime.now(UTC)
    if remaining_days is None and remaining_percentage is None:
        remaining_percentage = DEFAULT_REMAINING_PERCENTAGE
    min_age = DEFAULT_MIN_AGE_HOURS if min_age_hours is None else float(min_age_hours)
    young = before is not None and (current - before).total_seconds() < min_age * 3600.0
    if after is None:
        reasons.append("the certificate's expiry date is unknown")
    elif after - current <= datetime.timedelta(0):
        if status != "EXPIRED":
            reasons.append("the certificate expired on %s" % format_api_time(after))
    elif not young:
        reasons.extend(_window_reasons(before, after, current, remaining_days, remaining_percentage))
    cutoff = parse_api_time(issued_before)
    ordered = parse_api_time(ordered_at)
    if (
        cutoff is not None
        and before is not None
        and before < cutoff
        and not (
            ordered and ordered >= cutoff.replace(microsecond=0)  # API dates have whole seconds
        )
    ):
        reasons.append("issued %s, before renew_issued_before=%s" % (format_api_time(before), format_api_time(cutoff)))
    if cert_names is not None and wanted_names is not None:
        have = {normalize_domain(n) for n in cert_names if n}
        want = {normalize_domain(n) for n in wanted_names if n}
        if have != want:
            detail = []
            if want - have:
                detail.append("missing " + ", ".join(sorted(want - have)))
            if have - want:
                detail.append("not wanted " + ", ".join(sorted(have - want)))
            reasons.append("the certificate's names differ from the wanted names (%s)" % "; ".join(detail))
    if key_matches is False:
        reasons.append("the certificate does not match the key")
    return bool(reasons), reasons


def _window_reasons(before, after, current, remaining_days, remaining_percentage):
    reasons = []
    left = after - current
    left_days = left.total_seconds() / 86400.0
    if remaining_days is not None and left_days <= float(remaining_days):
        reasons.append(
            "%.1f days left, inside remaining_days=%s (expires %s)"
            % (left_days, _number(remaining_days), format_api_time(after))
        )
    if remaining_percentage is not None and before is not None and after > before:
        lifetime = (after - before).total_seconds()
        left_pct = 100.0 * left.total_seconds() / lifetime
        if left_pct <= float(remaining_percentage):
            reasons.append(
                "%.1f%% of the lifetime left, inside remaining_percentage=%s (expires %s)"
                % (left_pct, _number(remaining_percentage), format_api_time(after))
            )
    return reasons


def check_renewal_options(
    remaining_days=None, remaining_percentage=None, issued_before=None, min_age_hours=None, now=None
):
    """Problems with the renewal options as ``[(field, problem, fix)]`` (pure; ``now`` = the API's clock).

    The options must not make a certificate due on every run: a window as long as a certificate's
    whole life, or a cut-off in the future, would buy again on each rerun.
    """
    problems = []
    once = "To renew once now, set renew_issued_before to the current time instead (a rerun then buys nothing)"
    if remaining_days is not None:
        if remaining_days < 0:
            problems.append(("remaining_days", "must not be negative", "Give the size of the renewal window in days"))
        elif remaining_days >= MAX_CERTIFICATE_DAYS - 1:
            problems.append(
                (
                    "remaining_days",
                    "%s days is a certificate's whole lifetime (%d days at most): every certificate, even one "
                    "renewed a minute ago, would be due on every run" % (remaining_days, MAX_CERTIFICATE_DAYS),
                    "Use a window shorter than the lifetime, e.g. 30. " + once,
                )
            )
    if remaining_percentage is not None:
        if not math.isfinite(remaining_percentage):
            problems.append(("remaining_percentage", "is not a number", "Give a percentage, e.g. 33.3"))
        elif not 0 <= remaining_percentage < 100:
            problems.append(
                (
                    "remaining_percentage",
                    "%s is outside 0 to 100 (100 makes every certificate due on every run)" % remaining_percentage,
                    "Use for example 33.3 for the last third. " + once,
                )
            )
    if min_age_hours is not None and (not math.isfinite(min_age_hours) or min_age_hours < 0):
        problems.append(("min_certificate_age", "must be 0 or more hours", "Give hours, e.g. 24"))
    if issued_before not in (None, ""):
        cutoff = parse_api_time(issued_before)
        current = parse_api_time(now) if now is not None else datetime.datetime.now(UTC)
        if cutoff is None:
            problems.append(
                (
                    "renew_issued_before",
                    "%r is not a date/time" % (issued_before,),
                    "Use ISO 8601, e.g. 2026-12-07T10:00:00Z",
                )
            )
        elif cutoff > current + datetime.timedelta(minutes=1):
            problems.append(
                (
                    "renew_issued_before",
                    "%s is in the future: the renewed certificate would be issued before it too, so every run "
                    "would renew again" % format_api_time(cutoff),
                    "Use a moment in the past, e.g. the time you decided to renew",
                )
            )
    return problems


def _number(value):
    value = float(value)
    return ("%d" % value) if value == int(value) else ("%s" % value)
