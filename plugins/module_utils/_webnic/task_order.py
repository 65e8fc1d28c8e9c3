# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The order a task is about: the one its ``order_id`` names, else the live order of its common name."""

from typing import Any, Dict, Optional

from . import crypto
from .failures import FieldProblem
from .orders import describe_order, find_orders, get_order, is_issued, order_status

#: Order statuses in which domain validation is still awaited (and its method may still change).
AWAITING_DCV = ("PENDING", "PENDING_REISSUE", "INITIAL")

#: ``prefer`` of :func:`resolve_order`: which live order of a common name a module works on.
AWAITING_VALIDATION = "awaiting_validation"
NEWEST_ISSUED = "newest_issued"


def normalized_common_name(common_name):
    """The task's common name normalised (``None`` when not given); FieldProblem naming common_name."""
    if not common_name:
        return None
    try:
        return crypto.normalize_name(common_name)
    except crypto.InvalidNameError as exc:
        raise FieldProblem("common_name", exc.problem, exc.fix)


def resolve_order(client: Any, order_id: Optional[str], common_name: Optional[str], prefer: str) -> Dict[str, Any]:
    """Order info of the order the task is about. Raises FieldProblem naming the option to fix.

    With ``order_id`` the order must exist and, when a common name is given too, be for that name.
    Without, the live orders of ``common_name`` are searched: ``prefer=AWAITING_VALIDATION`` takes
    the one awaiting domain validation (else the newest live one; several awaiting is ambiguous),
    ``prefer=NEWEST_ISSUED`` the newest issued one (a renewal is a new order), else the newest live one.
    """
    common_name = normalized_common_name(common_name)
    if order_id:
        return _order_by_id(client, order_id, common_name)
    live = find_orders(client, common_name, live_only=True)
    if not live:
        raise FieldProblem(
            "common_name",
            "no live order has the common name %s" % common_name,
            "Place the order first (webnic.ssl.webnic_ssl_order) or give order_id",
        )
    if prefer == NEWEST_ISSUED:
        issued = [order for order in live if is_issued(order)]
        return (issued or live)[-1]
    awaiting = [order for order in live if order_status(order) in AWAITING_DCV]
    candidates = awaiting or live[-1:]
    if len(candidates) > 1:
        raise FieldProblem(
            "common_name",
            "%d live orders of %s await domain validation: %s"
            % (len(candidates), common_name, "; ".join(describe_order(c) for c in candidates)),
            "Give order_id to choose one",
        )
    return candidates[0]


def _order_by_id(client, order_id, common_name):
    info = get_order(client, order_id)
    if info is None:
        raise FieldProblem(
            "order_id",
            "WebNIC knows no order %s" % order_id,
            "Check the id (webnic.ssl.webnic_ssl_order_info lists orders)",
        )
    if common_name and crypto.comparable_name(info.get("commonName")) != common_name:
        raise FieldProblem(
            "common_name",
            "order %s is for %s, not %s" % (order_id, info.get("commonName"), common_name),
            "Give the order's own common name, or only order_id",
        )
    return info
