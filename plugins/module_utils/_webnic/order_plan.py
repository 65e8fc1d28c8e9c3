# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The decisions of webnic_ssl_order as pure functions: what the account holds goes in, a Plan comes out.

Nothing here calls the API or reads the clock of its own (``now=None`` means the current time, as
in :func:`orders.renewal_decision`). The acting code (``order_actions``) reads what a decision
needs, asks :func:`plan` (or :func:`plan_absent`), and carries out the answer; when the answer is
:data:`LOOK_UP` or :data:`READ_CERTIFICATE` it reads that fact and asks again. The guards it runs
right before a money call (:func:`doubt_plan`, :func:`clock_plan`, :func:`twin_plan`,
:func:`name_taken`) are decisions too and live here.

The only object with a lazy read is ``catalogue`` (a ``products.ProductCatalogue``, read at most
once per run, or anything with ``keys_named``, ``rows`` and ``error``): the same one the search
(``orders.find_live_order``) used, so asking it again reads nothing.
"""

import dataclasses
from typing import Any, Dict, Iterable, List, Optional, Tuple

from . import orders as ord_
from .products import chargeable_san_counts

# ------------------------------------------------------------------------------------ actions

#: Keep a live order as it is: no write call.
ADOPT = "adopt"
#: Buy a new order for the identity.
PLACE = "place"
#: Renew ``order`` (a new, paid order of the same identity).
RENEW = "renew"
#: Reissue ``order`` (same order, same paid term): other names or another key.
REISSUE = "reissue"
#: Cancel ``order`` (state=absent, or this run's twin of an order a concurrent run bought).
CANCEL = "cancel"
#: Nothing to buy or change; ``order`` (if any) is reported with ``action: none``.
REPORT = "report"
#: Fail without spending money: ``message`` says why (``field``: one option is wrong).
STOP = "stop"
#: A guard passed: go on with the action decided (``warning``, if any, is shown).
GO = "go"
#: A fact is missing: search the account for the identity's orders, then ask again.
LOOK_UP = "look_up"
#: A fact is missing: download ``order``'s issued certificate (its key and dates), then ask again.
READ_CERTIFICATE = "read_certificate"


@dataclasses.dataclass
class Plan:
    """What to do, on which order, and why.

    ``reasons`` are the changed_reasons the decision itself gives (the acting code adds what it
    did); ``renewal`` is the ``{due, reasons}`` report of an issued order; ``existing`` marks
    ``order`` as the live order found for the identity, reported as adopted unless the action
    changes it.
    """

    action: str
    order: Optional[Dict[str, Any]] = None
    reasons: List[str] = dataclasses.field(default_factory=list)
    #: STOP: the failure message (with ``field``: the problem of that option; ``fix``: what to do).
    message: Optional[str] = None
    field: Optional[str] = None
    fix: Optional[str] = None
    #: STOP: extra result keys of the failure (candidates, order, raw, ...).
    details: Dict[str, Any] = dataclasses.field(default_factory=dict)
    #: STOP: report the order in the failure (``order`` is set first).
    report_order: bool = False
    #: A warning to show (the task goes on).
    warning: Optional[str] = None
    #: REISSUE: what differs; within_term: a new certificate inside the paid term (needs no reissue=true).
    why: Optional[str] = None
    within_term: bool = False
    renewal: Optional[Dict[str, Any]] = None
    renewed_from: Optional[str] = None
    reissue_pending: bool = False
    existing: bool = False
    #: CANCEL of a twin: the order every concurrent run keeps.
    survivor: Optional[Dict[str, Any]] = None


@dataclasses.dataclass(frozen=True)
class PlanOptions:
    """The module options the decision depends on."""

    names_given: bool = True
    order_id: Optional[str] = None
    product_key: Optional[str] = None
    has_csr: bool = False
    renew: bool = True
    reissue: bool = False
    remaining_days: Optional[int] = None
    remaining_percentage: Optional[float] = None
    renew_issued_before: Optional[str] = None
    min_certificate_age: Optional[float] = None

    @classmethod
    def from_params(cls, params: Dict[str, Any], has_csr: bool) -> "PlanOptions":
        return cls(
            names_given=bool(params.get("common_name")),
            order_id=params.get("order_id"),
            product_key=params.get("product_key"),
            has_csr=has_csr,
            renew=bool(params.get("renew")),
            reissue=bool(params.get("reissue")),
            remaining_days=params.get("remaining_days"),
            remaining_percentage=params.get("remaining_percentage"),
            renew_issued_before=params.get("renew_issued_before"),
            min_certificate_age=params.get("min_certificate_age"),
        )

    def renewal_options(self) -> Dict[str, Any]:
        """The keyword arguments of orders.renewal_decision and orders.find_live_order."""
        return {
            "remaining_days": self.remaining_days,
            "remaining_percentage": self.remaining_percentage,
            "issued_before": self.renew_issued_before,
            "min_age_hours": self.min_certificate_age,
        }


@dataclasses.dataclass(frozen=True)
class Certificate:
    """An order's issued certificate as downloaded: ``facts`` (crypto.parse_certificate) and whether
    it carries the CSR's key. ``facts=None``: it could not be read (``key_matches`` is then None)."""

    facts: Optional[Dict[str, Any]] = None
    key_matches: Optional[bool] = None


def _stop(message, **details):
    return Plan(STOP, message=message, details=details)


def _candidates(orders):
    return [ord_.curated_order(o) for o in orders]


def _order_details(order):
    return {"order": ord_.curated_order(order), "raw": order, "order_id": ord_.order_id_of(order)}


# ------------------------------------------------------------------------------ state=present


def plan(
    found: Optional[ord_.Lookup],
    identity: ord_.OrderIdentity,
    options: PlanOptions,
    certificate: Optional[Certificate] = None,
    now: Any = None,
    named: Optional[Dict[str, Any]] = None,
    catalogue: Any = None,
) -> Plan:
    """The decision of state=present.

    ``found``: the account's orders for ``identity`` (orders.find_live_order), None when not searched;
    ``named``: the order given by order_id (Get Order Info), if any; ``certificate``: the issued
    certificate of the order examined, None when not read yet.
    """
    if named is not None:
        if ord_.is_live(named):
            return plan_live_order(named, found, identity, options, certificate, now, catalogue)
        if not options.names_given:
            return _stop(
                "order_id: order %s is %s/%s and cannot be adopted; give common_name (and the other "
                "order options) to renew or replace it"
                % (options.order_id, named.get("orderStatus"), named.get("certStatus")),
                order=ord_.curated_order(named),
                raw=named,
            )
        # A resumed order that died (expired, revoked, cancelled): the identity decides, and a
        # renewal starts from the dead order when it is the identity's last one.
    if found is None:
        return Plan(LOOK_UP)
    return plan_identity(found, identity, options, certificate, now, catalogue)


def plan_identity(found, identity, options, certificate=None, now=None, catalogue=None):
    """The decision from a search of the account (no order_id, or a dead one)."""
    if found.ambiguous:
        return _stop(
            "%d live orders match %s %s (%s); refusing to choose. Pass order_id to adopt one, or cancel "
            "the others (state=absent with their order_id): %s"
            % (
                len(found.remaining),
                identity.product_key,
                identity.common_name,
                ", ".join(identity.names),
                "; ".join(ord_.describe_order(o) for o in found.remaining),
            ),
            candidates=_candidates(found.remaining),
        )
    if found.chosen is not None:
        decided = plan_live_order(found.chosen, found, identity, options, certificate, now, catalogue)
        if found.superseded and decided.renewed_from is None:
            decided.renewed_from = ord_.order_id_of(found.superseded[-1])
        return decided
    if found.renamed:
        if len(found.renamed) > 1:
            return _stop(
                "No live order has exactly the names %s, but %d live orders for %s have other names; refusing "
                "to choose which one to reissue. Pass order_id: %s"
                % (
                    ", ".join(identity.names),
                    len(found.renamed),
                    identity.common_name,
                    "; ".join(ord_.describe_order(o) for o in found.renamed),
                ),
                candidates=_candidates(found.renamed),
            )
        return plan_live_order(found.renamed[-1], found, identity, options, certificate, now, catalogue)
    if found.predecessors:
        return plan_after_predecessor(found.predecessors[-1], identity, options, now)
    return Plan(PLACE)


def plan_after_predecessor(predecessor, identity, options, now=None):
    """No live order is left, the identity's last one expired or was revoked: renew it, or replace it."""
    if options.renew and ord_.allowed(predecessor, "renewal") is not False:
        reasons = ord_.time_renewal_decision(predecessor, now=now, **options.renewal_options())[1]
        return Plan(RENEW, predecessor, reasons=list(reasons))
    why = "the last order %s for %s is %s/%s and no live order is left" % (
        ord_.order_id_of(predecessor),
        identity.common_name,
        predecessor.get("orderStatus"),
        predecessor.get("certStatus"),
    )
    if not options.renew:
        # Replacing it would be a renewal by another name: renew=false forbids buying it.
        return Plan(
            REPORT,
            predecessor,
            renewal={"due": True, "reasons": [why]},
            warning="%s; renew=false, so nothing was bought." % why,
        )
    return Plan(
        PLACE,
        reasons=["%s; WebNIC does not renew it (renewal=false), so a new order is placed" % why],
        renewed_from=ord_.order_id_of(predecessor),
    )


def plan_live_order(order, found, identity, options, certificate=None, now=None, catalogue=None):
    """A live order exists: adopt it, reissue it (names, key) or renew it (window)."""
    wanted_names = identity.names if options.names_given else ord_.order_names(order)
    have_names = ord_.order_names(order)
    if ord_.order_status(order) == "PENDING_REISSUE":
        # WebNIC shows the old names until the reissued certificate is out: a reissue is running.
        warning = None
        if set(have_names) != set(wanted_names):
            warning = "Order %s is being reissued; its names show the new ones once the reissue is issued." % (
                ord_.order_id_of(order)
            )
        return Plan(ADOPT, order, existing=True, reissue_pending=True, warning=warning)
    if options.order_id and options.product_key and ord_.product_match(order, options.product_key, catalogue) is False:
        return Plan(
            STOP,
            field="product_key",
            message="order %s is for product %s, not %s"
            % (
                ord_.order_id_of(order),
                ord_.order_product_key(order) or ord_.order_product_name(order),
                options.product_key,
            ),
            fix="A product cannot be changed on an order: drop product_key or place a new order for the other product",
        )
    if set(have_names) != set(wanted_names):
        what = "its names are %s but %s were requested" % (", ".join(have_names), ", ".join(wanted_names))
        return plan_reissue(order, identity, options, what)
    if not ord_.is_issued(order):
        return Plan(ADOPT, order, existing=True)
    if options.has_csr and certificate is None:
        return Plan(READ_CERTIFICATE, order)
    return plan_issued_order(order, found, identity, options, wanted_names, certificate or Certificate(), now)


def plan_issued_order(order, found, identity, options, wanted_names, certificate, now=None):
    """An issued order with the wanted names: keep it, renew it, or give it a new certificate."""
    due, reasons = ord_.order_renewal_decision(
        order, wanted_names, now=now, certificate=certificate.facts, **options.renewal_options()
    )
    renewal = {"due": due, "reasons": reasons}
    if not due and certificate.key_matches is False:
        # Outside the renewal window a new key is a reissue; inside it, the renewal carries the new
        # CSR anyway (a reissue would only shorten the certificate).
        decided = plan_reissue(order, identity, options, "its certificate is for another key than the CSR's")
    elif not due:
        decided = Plan(ADOPT, order, existing=True)
    elif not options.renew:
        decided = Plan(
            ADOPT,
            order,
            existing=True,
            warning="Order %s is due for renewal (%s) but renew=false." % (ord_.order_id_of(order), "; ".join(reasons)),
        )
    elif found is None:
        return Plan(LOOK_UP, order)
    else:
        decided = plan_due_order(order, found, identity, options, reasons)
    decided.renewal = renewal
    return decided


def plan_due_order(order, found, identity, options, reasons):
    """An issued order due for renewal (renew=true): its renewal exists, or a reissue or renewal gives one."""
    newer = [o for o in found.exact if created_after(o, order)]
    if newer:
        # Renew once: the renewal already exists, adopt it.
        return Plan(ADOPT, newer[-1], existing=True, renewed_from=ord_.order_id_of(order))
    paid_until = ord_.paid_term_left(order)
    if paid_until is not None and ord_.allowed(order, "reissue") is not False:
        # A multi-year order outlives its certificate: a new certificate inside the paid term is a
        # reissue (free), not a renewal (a new purchase).
        decided = plan_reissue(
            order,
            identity,
            options,
            "the certificate is due but the paid term runs until %s: a new certificate inside the paid term"
            % paid_until,
            within_term=True,
        )
    else:
        decided = Plan(RENEW, order, existing=True)
    decided.reasons = list(reasons) + decided.reasons
    return decided


def plan_reissue(order, identity, options, why, within_term=False):
    """Reissue ``order`` because ``why``; refused without reissue=true (unless within the paid term)
    or when WebNIC says it cannot be reissued now."""
    order_id = ord_.order_id_of(order)
    if not options.reissue and not within_term:
        return _stop(
            "Order %s for %s is live but %s. Changing the names or the key of a live order is a reissue "
            "(same order, same paid term). Set reissue=true to reissue it with the CSR given; or keep the "
            "order's names; or cancel it (state=absent, order_id=%s; only before issuance) to start over. "
            "Nothing was changed." % (order_id, identity.common_name, why, order_id),
            **_order_details(order),
        )
    if ord_.allowed(order, "reissue") is False:
        return _stop(
            "Order %s cannot be reissued now (WebNIC says reissue=false; status %s/%s) and %s. Nothing was changed."
            % (order_id, order.get("orderStatus"), order.get("certStatus"), why),
            **_order_details(order),
        )
    return Plan(REISSUE, order, existing=True, why=why, within_term=within_term)


def created_after(order, reference):
    """Was ``order`` (another order) created at or after ``reference``? True when a date is unknown."""
    mine = ord_.parse_api_time(order.get("dtcreate"))
    theirs = ord_.parse_api_time(reference.get("dtcreate"))
    if ord_.order_id_of(order) == ord_.order_id_of(reference):
        return False
    if mine is None or theirs is None:
        return True
    return mine >= theirs


# ------------------------------------------------------------------------------ state=absent


def plan_absent(found: Optional[ord_.Lookup], identity: Optional[ord_.OrderIdentity], named=None) -> Plan:
    """The decision of state=absent: cancel the live order (by order_id, or the identity's only one)."""
    if named is not None:
        if not ord_.is_live(named):
            return Plan(REPORT, named)
        return plan_cancel(named)
    if not found.exact:
        return Plan(REPORT)
    if len(found.exact) > 1:
        return _stop(
            "%d live orders match %s; pass order_id to say which one to cancel: %s"
            % (len(found.exact), ", ".join(identity.names), "; ".join(ord_.describe_order(o) for o in found.exact)),
            candidates=_candidates(found.exact),
        )
    return plan_cancel(found.exact[0])


def plan_cancel(order):
    """WebNIC cancels only orders that are not issued yet, and not when it says cancel=false."""
    order_id = ord_.order_id_of(order)
    if ord_.is_issued(order) or ord_.cert_status(order) in ("ACTIVE",):
        message = (
            "Order %s is issued (%s/%s): WebNIC cancels only orders that are not issued yet, so state=absent "
            "cannot remove it. Nothing was changed. The certificate stays valid until %s; revoking it is a "
            "separate request to WebNIC support."
            % (order_id, order.get("orderStatus"), order.get("certStatus"), order.get("dtcertexpire") or "its expiry")
        )
        return Plan(STOP, order, message=message, report_order=True)
    if ord_.allowed(order, "cancel") is False:
        message = "Order %s cannot be cancelled now (WebNIC says cancel=false; status %s/%s). Nothing was changed." % (
            order_id,
            order.get("orderStatus"),
            order.get("certStatus"),
        )
        return Plan(STOP, order, message=message, report_order=True)
    return Plan(CANCEL, order)


# ---------------------------------------------------------------------- guards before money


def doubt_plan(found, identity, doing, buy_when_unconfirmed=False, catalogue=None) -> Plan:
    """Never buy while a live order of the name might be this certificate (its product unconfirmed)."""
    if not found.unconfirmed:
        return Plan(GO)
    ids = [ord_.order_id_of(o) for o in found.unconfirmed]
    if buy_when_unconfirmed:
        return Plan(
            GO,
            warning="buy_when_unconfirmed=true: %s although order(s) %s for %s may be the same certificate."
            % (doing, ", ".join(ids), identity.common_name),
        )
    first = found.unconfirmed[-1]
    return _stop(
        "Refusing to %s: live order %s for %s may be this very certificate, but its product cannot be "
        "confirmed (%s). Nothing was bought. Either adopt it with order_id=%s, or, if it is another "
        "product, set buy_when_unconfirmed=true to buy anyway. Orders in doubt: %s"
        % (
            doing,
            ord_.order_id_of(first),
            identity.common_name,
            unconfirmed_reason(first, identity.product_key, catalogue),
            ord_.order_id_of(first),
            "; ".join(ord_.describe_order(o) for o in found.unconfirmed),
        ),
        candidates=_candidates(found.unconfirmed),
        unconfirmed_order_ids=ids,
    )


def unconfirmed_reason(order, product_key, catalogue=None):
    """Why ``order``'s product cannot be confirmed to be ``product_key`` (for the message)."""
    name = ord_.order_product_name(order)
    if name is None:
        return "WebNIC's answer names no product for it"
    error = getattr(catalogue, "error", None)
    if error is not None and not catalogue.rows():
        return "it names the product %r and the product list could not be read: %s" % (
            name,
            error.render() if hasattr(error, "render") else error,
        )
    keys = catalogue.keys_named(name) if catalogue is not None else set()
    if keys:
        return "it names the product %r, a display name shared by %s" % (name, ", ".join(sorted(keys)))
    return "it names the product %r, which the account's product list does not map to %s" % (name, product_key)


def clock_plan(clock_skew, max_skew, certificate_facts=None, order=None, now=None) -> Plan:
    """Money is never spent on a decision made with a clock far from WebNIC's (or from the certificate's)."""
    issued_at = (certificate_facts or {}).get("not_before") or (order and ord_.order_not_before(order))
    problem = ord_.clock_problem(clock_skew, max_skew, issued_at=issued_at, now=now)
    if not problem:
        return Plan(GO)
    return _stop(
        "Refusing to buy: %s. A clock that far off makes certificates look due (or not) when they are "
        "not; nothing was bought. Fix the time (NTP) on the machine running this task, or raise "
        "max_clock_skew if WebNIC's clock is the wrong one." % problem,
        clock_skew_seconds=clock_skew,
    )


def name_taken(data, common_name, known_ids: Iterable[str]) -> Optional[str]:
    """The id of a live order for ``common_name`` that Get Order Info knows and the search did not
    return (``known_ids``), else None."""
    if not isinstance(data, dict) or not ord_.order_id_of(data) or not ord_.is_live(data):
        return None
    if ord_.normalize_domain(data.get("commonName")) != common_name:
        return None
    order_id = ord_.order_id_of(data)
    return None if order_id in set(known_ids) else order_id


def name_taken_stop(data, identity) -> Plan:
    order_id = ord_.order_id_of(data)
    return _stop(
        "Refusing to place an order: Get Order Info knows live order %s for %s, which the order search did "
        "not return, so the search cannot be trusted to rule out a duplicate. Nothing was bought. Adopt it "
        "with order_id=%s, or cancel it first." % (order_id, identity.common_name, order_id),
        candidates=[ord_.curated_order(data)],
    )


def twin_plan(exact, known_ids, mine) -> Plan:
    """After buying: orders of the identity that appeared during this run (``exact`` minus ``known_ids``).

    Every run that sees twins keeps the same one (the lowest id): GO when there is no twin, ADOPT
    (with the reason) when this run's order ``mine`` is kept, CANCEL of this run's order otherwise.
    """
    twins = [o for o in exact if ord_.order_id_of(o) not in known_ids]
    if not any(ord_.order_id_of(o) == mine for o in twins) or len(twins) < 2:
        return Plan(GO)
    survivor = ord_.pick_survivor(twins)
    if ord_.order_id_of(survivor) == mine:
        others = ", ".join(ord_.order_id_of(o) for o in twins if ord_.order_id_of(o) != mine)
        return Plan(
            ADOPT,
            survivor,
            reasons=[
                "another run bought the same certificate at the same time (%s); this run's order %s is the one kept"
                % (others, mine)
            ],
        )
    own = next(o for o in twins if ord_.order_id_of(o) == mine)
    return Plan(CANCEL, own, survivor=survivor)


# --------------------------------------------------------------------------------- the price


def chargeable_counts(identity: ord_.OrderIdentity, rules: Optional[Dict[str, Any]]) -> Tuple[int, int]:
    """``(plain, wildcard)`` extra names of ``identity`` the product charges for (the one rule:
    products.chargeable_san_counts, also used by webnic_ssl_price)."""
    return chargeable_san_counts(rules, identity.common_name, identity.subject_alt_names)
