# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The acting half of webnic_ssl_order: reads what the decision needs, carries the plan out.

One :class:`OrderRun` per module run: the options checked (order_inputs), then under the order
lock the decision (order_plan) and at most one money call -- place, renew or reissue -- or a
cancel, then the DCV instructions and the optional wait. Calls that spend money are never resent:
when their answer is lost or names no order, the account is looked up again and the order adopted,
or the run fails saying that it may exist.
"""

import time
from typing import Any, Dict, Optional

from ansible.module_utils.common.text.converters import to_native

from . import order_plan
from . import orders as ord_
from .crypto import CryptoInputError, load_certificate, parse_certificate
from .dcv import dcv_instructions, normalize_method
from .errors import AmbiguousWriteError, ApiError, WebNICError
from .order_inputs import check_approvers, read_inputs
from .organizations import check_organization_ready
from .products import ProductCatalogue, check_against_rules, read_product_rules

#: After a lost answer to a money call, look the account up at these delays (seconds) before
#: concluding that the order was not made: a server may commit a moment after the answer was lost.
LOOKUP_DELAYS = (0.0, 1.0, 2.0)
LOCK_TIMEOUT = 900.0
#: Options a check-mode run can do without: the plan and price come from the names.
CHECK_MODE_OPTIONAL = ("csr", "administrator_contact_id")


class ConcurrentOrder(Exception):
    """A live order for the names appeared between the look-up and the purchase."""

    def __init__(self, order_id):
        super().__init__(order_id)
        self.order_id = order_id


class OrderRun:
    """One run of webnic_ssl_order: the inputs checked once, then the decision, then at most one write."""

    def __init__(self, module, lookup_delays=LOOKUP_DELAYS):
        self.module = module
        self.params = module.params
        self.check_mode = module.check_mode
        self.lookup_delays = tuple(lookup_delays)
        self.reasons = []
        self.result: Dict[str, Any] = {"changed": False, "action": "none", "price": None, "dcv": []}
        self._rules = None
        self._catalogue = None
        self.dcv_method = normalize_method(self.params.get("dcv_method"))
        self.inputs = None
        self.identity = None
        self.cert_facts = None
        self.order = None

    # ---------------------------------------------------------------- failing

    @property
    def client(self):
        return self.module.client

    def fail(self, msg, **extra):
        extra.setdefault("changed", False)
        extra.setdefault("changed_reasons", self.reasons)
        extra["api_calls"] = self.module.api_calls
        self.module.fail_json(msg=msg, **extra)

    def fail_field(self, field, problem, fix=None, **extra):
        """WebNICModule.fail_field with this run's reasons and API call count."""
        extra.setdefault("changed_reasons", self.reasons)
        extra["api_calls"] = self.module.api_calls
        self.module.fail_field(field, problem, fix, **extra)

    def stop(self, plan):
        """Fail as a STOP plan says (nothing was bought)."""
        if plan.field:
            self.fail_field(plan.field, plan.message, plan.fix, **plan.details)
        if plan.report_order:
            self.set_order(plan.order)
            self.fail(plan.message, **self.fail_extra())
        self.fail(plan.message, **plan.details)

    def fail_extra(self):
        extra = dict(self.result)
        extra.pop("changed_reasons", None)
        return extra

    # ---------------------------------------------------------------- product

    @property
    def csr(self):
        return self.inputs.csr

    @property
    def rules(self):
        if self._rules is None:
            self._rules = read_product_rules(self.client, self.product_key, self.catalogue)
        return self._rules

    @property
    def catalogue(self):
        if self._catalogue is None:
            self._catalogue = ProductCatalogue(self.client)
        return self._catalogue

    @property
    def product_key(self):
        return self.identity.product_key if self.identity is not None else self.params["product_key"]

    def check_rules(self, identity, term=None, auth_type=None):
        """Everything the product does not allow, as one failure naming the field. Read calls only."""
        rules = self.rules
        san_count, wildcard_count = order_plan.chargeable_counts(identity, rules)
        problems = check_against_rules(
            rules,
            term=term,
            san_count=san_count,
            wildcard_san_count=wildcard_count,
            common_name=identity.common_name,
            key_type=self.csr["key_type"] if self.csr else None,
            auth_type=auth_type,
        )
        if problems:
            field, problem, fix = problems[0]
            others = ["%s: %s" % (f, p) for f, p, _x in problems[1:]]
            if others:
                fix = "%s. Also: %s" % (fix.rstrip("."), "; ".join(others))
            self.fail_field(field, problem, fix, rules=rules)
        return san_count, wildcard_count

    def check_request(self, term=None):
        """Approvers and product rules of a place, renew or reissue request: ``(san_count, wildcard_count)``."""
        if self.dcv_method == "email":
            check_approvers(self.params["approver_emails"], self.identity.names, self.fail_field)
        return self.check_rules(self.identity, term=term, auth_type=self.dcv_method)

    def quote(self, term, san_count, wildcard_count):
        query = {"productKey": self.product_key, "term": term}
        if san_count:
            query["commonSAN"] = san_count
        if wildcard_count:
            query["wildcardSAN"] = wildcard_count
        data = self.client.call("product_price", query=query) or {}
        try:
            self.result["price"] = float(data.get("price"))
        except (TypeError, ValueError):
            self.result["price"] = None
        self.result["currency"] = data.get("currency")

    def require(self, option, doing, fix):
        if self.params.get(option):
            return
        if self.check_mode and option in CHECK_MODE_OPTIONAL:
            # Check mode answers "what would it buy, at what price" before a key or contact exists.
            missing = self.result.setdefault("not_checked", [])
            if option not in missing:
                missing.append(option)
            return
        self.fail_field(option, "is required to %s" % doing, fix)

    # ---------------------------------------------------------------- reads

    @property
    def options(self):
        return order_plan.PlanOptions.from_params(self.params, has_csr=self.csr is not None)

    def lookup(self, identity):
        try:
            return ord_.find_live_order(
                self.client, identity, catalogue=self.catalogue, renewal_options=self.options.renewal_options()
            )
        except ord_.SearchIncomplete as exc:
            self.fail(
                "%s: an order for %s may exist that this run cannot see, so nothing was bought. Pass order_id "
                "to name the order, or check the account (webnic.ssl.webnic_ssl_order_info)."
                % (exc, identity.common_name)
            )

    def find_after_lost_answer(self, identity, known_ids, predicate=None):
        """Search again after an ambiguous money call: the new order with the identity, or None."""
        for delay in self.lookup_delays:
            if delay:
                time.sleep(delay)
            try:
                found = self.lookup(identity)
            except WebNICError as exc:
                self.module.warn("Looking the order up after the lost answer failed: %s" % exc.render())
                continue
            fresh = [
                o for o in found.exact if ord_.order_id_of(o) not in known_ids and (predicate is None or predicate(o))
            ]
            if fresh:
                return fresh[-1]
        return None

    def get_order_or_fail(self, order_id):
        order = ord_.get_order(self.client, order_id)
        if order is None:
            self.fail_field(
                "order_id",
                "WebNIC does not know order %s" % order_id,
                "Check the id (webnic.ssl.webnic_ssl_order_info lists orders)",
            )
        order = dict(order)
        order.setdefault("orderId", str(order_id))
        return order

    def read_certificate(self, order):
        """The issued certificate's facts and whether it carries the CSR's key (None when it cannot be told)."""
        try:
            pem = self.client.download(ord_.order_id_of(order), "PEM", {"bundle": False})
            facts = parse_certificate(load_certificate(pem))
        except (WebNICError, CryptoInputError) as exc:
            self.module.warn("Could not compare the issued certificate's key with the CSR: %s" % to_native(exc))
            return order_plan.Certificate()
        self.cert_facts = facts
        return order_plan.Certificate(facts, facts["public_key_fingerprint"] == self.csr["public_key_fingerprint"])

    def lock(self):
        key = self.identity.lock_key() if self.identity is not None else "order:%s" % self.params["order_id"]
        return ord_.OrderLock(self.module.api_base_url, self.params["api_username"], key, timeout=LOCK_TIMEOUT)

    # ---------------------------------------------------------------- guards before money

    def guard(self, plan):
        """Carry out a guard's answer: warn and go on, or stop."""
        if plan.action == order_plan.STOP:
            self.stop(plan)
        if plan.warning:
            self.module.warn(plan.warning)

    def refuse_on_doubt(self, found, doing):
        buy_anyway = self.params["buy_when_unconfirmed"]
        self.guard(order_plan.doubt_plan(found, self.identity, doing, buy_anyway, self.catalogue))

    def refuse_on_wrong_clock(self, order=None):
        skew = self.client.clock_skew
        self.guard(order_plan.clock_plan(skew, self.params["max_clock_skew"], self.cert_facts, order))

    def confirm_name_is_free(self, found):
        """Get Order Info by common name (documented) must not know a live order the search missed."""
        try:
            data = self.client.call("order_info", query={"commonName": self.identity.common_name})
        except ApiError as exc:
            if exc.status in (400, 404):
                return
            raise
        taken = order_plan.name_taken(data, self.identity.common_name, found.known_ids())
        if taken is None:
            return
        if taken in self.lookup(self.identity).known_ids():
            # Placed between our search and now (another run, another controller): decide again.
            raise ConcurrentOrder(taken)
        self.stop(order_plan.name_taken_stop(data, self.identity))

    # ---------------------------------------------------------------- state=present

    def present(self):
        with self.lock():
            named = None
            if self.params["order_id"]:
                named = self.get_order_or_fail(self.params["order_id"])
                if self.identity is None:
                    known = ord_.order_identity(named, self.params["product_key"])
                    self.identity = ord_.OrderIdentity(
                        self.params["product_key"] or known.product_key, known.common_name, known.subject_alt_names
                    )
            self.decide_and_act(named)
        self.after_write()

    def decide_and_act(self, named):
        """Decide and act; decided once more when an order for the names appears while deciding."""
        result, reasons = dict(self.result), list(self.reasons)
        try:
            self.decide(named)
        except ConcurrentOrder as concurrent:
            self.result.clear()
            self.result.update(result)
            self.reasons[:] = reasons
            try:
                self.decide(named)
            except ConcurrentOrder as again:
                self.fail(
                    "Orders for %s keep appearing while this run decides (%s, then %s); nothing was bought. "
                    "Another run is buying this certificate: run again when it is done."
                    % (self.identity.common_name, concurrent.order_id, again.order_id)
                )
            self.reasons.append(
                "order %s for these names was placed by another run while this one decided; it was adopted"
                % concurrent.order_id
            )

    def decide(self, named):
        """Ask the plan, reading the facts it asks for (the account's orders, the issued certificate)."""
        found = certificate = None
        options = self.options
        while True:
            plan = order_plan.plan(found, self.identity, options, certificate, named=named, catalogue=self.catalogue)
            if plan.action == order_plan.LOOK_UP:
                found = self.lookup(self.identity)
            elif plan.action == order_plan.READ_CERTIFICATE:
                certificate = self.read_certificate(plan.order)
            else:
                return self.act(plan, found)

    def act(self, plan, found):
        if plan.action == order_plan.STOP:
            self.stop(plan)
        if plan.existing:
            self.set_order(plan.order)
            self.result["action"] = "adopted"
        if plan.renewal is not None:
            self.result["renewal"] = plan.renewal
        if plan.renewed_from:
            self.result["renewed_from"] = plan.renewed_from
        if plan.reissue_pending:
            self.result["reissue_pending"] = True
        if plan.warning:
            self.module.warn(plan.warning)
        self.reasons.extend(plan.reasons)
        if plan.action == order_plan.REPORT:
            self.set_order(plan.order)
            self.result["action"] = "none"
        elif plan.action == order_plan.PLACE:
            self.place(found)
        elif plan.action == order_plan.RENEW:
            self.renew(plan.order, found)
        elif plan.action == order_plan.REISSUE:
            self.reissue(plan.order, plan.why)

    # ---------------------------------------------------------------- place

    def place(self, found):
        identity = self.identity
        term = self.params["term"]
        self.require("csr", "place an order", "Give the CSR (PEM content or path) for %s" % ", ".join(identity.names))
        self.require("dcv_method", "place an order", "Use file (alias http), dns or email")
        self.require(
            "administrator_contact_id",
            "place an order",
            "Create a contact with webnic.ssl.webnic_ssl_contact and pass its id",
        )
        self.refuse_on_doubt(found, "place a new order")
        san_count, wildcard_count = self.check_request(term)
        self.check_organization()
        self.quote(term, san_count, wildcard_count)
        self.reasons.append(
            "no live order for %s %s: %s a new order"
            % (identity.product_key, ", ".join(identity.names), "would place" if self.check_mode else "placed")
        )
        self.result.update(changed=True, action="placed")
        self.result["names"] = {"added": identity.names, "removed": []}
        if self.check_mode:
            return
        self.refuse_on_wrong_clock()
        self.confirm_name_is_free(found)
        self.send_place(found)

    def check_organization(self):
        """OV and EV products need a VALIDATED organization."""
        cert_type = str(self.rules.get("certType") or "").upper()
        if cert_type not in ("OV", "EV"):
            return
        ready, status, why = check_organization_ready(self.client, self.params["organization_id"])
        if not ready:
            self.fail_field(
                "organization_id",
                "%s is an %s product and needs a VALIDATED organization (status: %s)"
                % (self.identity.product_key, cert_type, status),
                why,
                organization_status=status,
            )

    def send_place(self, found):
        identity, params = self.identity, self.params
        body = ord_.place_body(
            identity,
            params["term"],
            self.inputs.csr_pem,
            self.dcv_method,
            params["approver_emails"],
            params["administrator_contact_id"],
            params["technical_contact_id"],
            params["shipment_contact_id"],
            params["organization_id"],
            params["special_instruction"],
        )
        try:
            data = self.client.call("order_place", body=body) or {}
        except AmbiguousWriteError as exc:
            order = self.find_after_lost_answer(identity, found.known_ids())
            self.adopt_or_stop(
                order,
                "%s The order may exist even though it is not in the account yet: it was NOT resent. "
                "Check the account (webnic.ssl.webnic_ssl_order_info common_name=%s) before running again."
                % (exc.message, identity.common_name),
                "WebNIC's answer was lost; the order it committed was found and adopted",
            )
            return
        if not ord_.order_id_of(data):
            # A success envelope without the new order id: the order was probably made; find it.
            order = self.find_after_lost_answer(identity, found.known_ids())
            self.adopt_or_stop(
                order,
                "WebNIC answered Place Order with success but without an order id, and no new order for %s "
                "is in the account yet. It was NOT resent: check the account (webnic.ssl.webnic_ssl_order_info "
                "common_name=%s) before running again." % (identity.common_name, identity.common_name),
                "WebNIC's answer held no order id; the order it made was found and adopted",
            )
            return
        self.after_money_call(data)
        self.converge_with_twins(found.known_ids())

    def adopt_or_stop(self, order, not_found, adopted):
        """After a money call whose answer did not name the new order: adopt the order the account shows,
        or stop without resending (the call may have committed)."""
        if order is None:
            self.fail(not_found, changed=True, action="unknown", order_may_exist=True)
        self.reasons.append(adopted)
        self.set_order(order)

    # ---------------------------------------------------------------- renew

    def renew(self, order, found):
        identity, term = self.identity, self.params["term"]
        old_id = ord_.order_id_of(order)
        self.require(
            "csr", "renew order %s" % old_id, "Give a CSR (PEM content or path) for %s" % ", ".join(identity.names)
        )
        self.refuse_on_doubt(found, "renew order %s" % old_id)
        san_count, wildcard_count = self.check_request(term)
        self.quote(term, san_count, wildcard_count)
        self.result.update(changed=True, action="renewed", renewed_from=old_id)
        self.reasons.append(
            "%s order %s (a new order of %s year(s))" % ("would renew" if self.check_mode else "renewed", old_id, term)
        )
        if self.check_mode:
            self.set_order(order)
            return
        self.refuse_on_wrong_clock(order)
        self.send_renew(order, found)

    def send_renew(self, order, found):
        identity, old_id = self.identity, ord_.order_id_of(order)
        known_ids = found.known_ids() | {old_id}
        body = ord_.renew_body(
            identity, self.params["term"], self.inputs.csr_pem, self.dcv_method, self.params["approver_emails"]
        )
        try:
            data = self.client.call("order_renew", path={"orderId": old_id}, body=body) or {}
        except ApiError as exc:
            if not self.client.path_absent("order_renew", exc):
                raise
            self.renew_by_placing(order, found, exc)
            return
        except AmbiguousWriteError as exc:
            renewal = self.find_after_lost_answer(identity, known_ids, lambda o: order_plan.created_after(o, order))
            self.adopt_or_stop(
                renewal,
                "%s The renewal of order %s may exist even though it is not in the account yet: it was NOT resent. "
                "Check the account before running again." % (exc.message, old_id),
                "WebNIC's answer was lost; the renewal it committed was found and adopted",
            )
            return
        if not ord_.renewal_order_id(data):
            renewal = self.find_after_lost_answer(identity, known_ids, lambda o: order_plan.created_after(o, order))
            self.adopt_or_stop(
                renewal,
                "WebNIC answered Renew Order %s with success but without the new order id (looked for "
                "data.orderId and data.renewOrder.orderId), and no renewal is in the account yet. It was NOT "
                "resent: check the account before running again." % old_id,
                "WebNIC's answer held no order id; the renewal it made was found and adopted",
            )
            return
        self.after_money_call(data, fallback_id=ord_.renewal_order_id(data))
        self.converge_with_twins(known_ids)

    def renew_by_placing(self, order, found, error):
        """Renew Order's path is our assumption; when the server has no such path, buy the renewal as a
        new order through the documented Place Order. Nothing was done by the failed call (no handler
        answered), and the old certificate keeps serving until it expires."""
        old_id = ord_.order_id_of(order)
        self.client.note_skipped(
            "order_renew", error.status, "Renew Order; the renewal was placed as a new order for the same names"
        )
        self.reasons.pop()  # "renewed order N" did not happen: place() says what did
        self.place(found)
        self.result.update(renewed_from=old_id)
        self.reasons.append(
            "Renew Order answered HTTP %s without a WebNIC answer (the path is our assumption): the renewal of "
            "order %s was placed as a new order instead" % (error.status, old_id)
        )

    # ---------------------------------------------------------------- reissue

    def reissue(self, order, why):
        identity = self.identity
        order_id = ord_.order_id_of(order)
        self.require(
            "csr",
            "reissue order %s" % order_id,
            "Give the CSR (PEM content or path) for %s" % ", ".join(identity.names),
        )
        self.check_request()
        self.reasons.append("%s order %s: %s" % ("would reissue" if self.check_mode else "reissued", order_id, why))
        self.result.update(changed=True, action="reissued", price=None)
        have = set(ord_.order_names(order))
        self.result["names"] = {
            "added": [n for n in identity.names if n not in have],
            "removed": sorted(have - set(identity.names)),
        }
        if self.check_mode:
            return
        self.send_reissue(order_id)

    def send_reissue(self, order_id):
        body = ord_.reissue_body(self.identity, self.inputs.csr_pem, self.dcv_method, self.params["approver_emails"])
        try:
            data = self.client.call("order_reissue", path={"orderId": order_id}, body=body) or {}
        except ApiError as exc:
            if not self.client.path_absent("order_reissue", exc):
                raise
            self.fail(
                "Reissue Order answered HTTP %s without a WebNIC answer: its path (%s) is our assumption and may be "
                "wrong (docs/api-assumptions.md; run webnic_ssl_api_check). Nothing was changed or charged. Order %s "
                "keeps its certificate; reissue it from the WebNIC portal, or renew it with renew_issued_before "
                "(a new, paid order) to get a certificate for the new key or names."
                % (exc.status, exc.endpoint or "POST /ssl/v2/orders/{orderId}/reissue", order_id),
                changed=False,
                order_id=order_id,
                api_status=exc.status,
            )
        except AmbiguousWriteError as exc:
            self.find_reissue_after_lost_answer(order_id, exc)
            return
        self.result["dcv"] = dcv_instructions(data)
        self.refresh(order_id)

    def find_reissue_after_lost_answer(self, order_id, exc):
        """The reissue's answer was lost: adopt it when the order shows it, else stop without resending."""
        for delay in self.lookup_delays:
            if delay:
                time.sleep(delay)
            try:
                now = ord_.get_order(self.client, order_id) or {}
            except WebNICError as error:
                self.module.warn("Looking the order up after the lost answer failed: %s" % error.render())
                continue
            if ord_.order_status(now) == "PENDING_REISSUE" or set(ord_.order_names(now)) == set(self.identity.names):
                self.reasons.append("WebNIC's answer was lost; the order shows the reissue, adopted")
                self.set_order(now)
                self.result["dcv"] = self.auth_info(order_id)
                return
        self.fail(
            "%s Order %s may have been reissued even though it does not show it yet: it was NOT resent. "
            "Check the order before running again." % (exc.message, order_id),
            changed=True,
            action="unknown",
            order_id=order_id,
        )

    # ---------------------------------------------------------------- after buying

    def converge_with_twins(self, known_ids):
        """After buying, look again: a concurrent run (another controller) may have bought the twin."""
        mine = self.result.get("order_id")
        if not mine:
            return
        try:
            found = self.lookup(self.identity)
        except WebNICError as exc:
            self.module.warn("Could not look for an order bought concurrently: %s" % exc.render())
            return
        plan = order_plan.twin_plan(found.exact, known_ids, mine)
        self.reasons.extend(plan.reasons)
        if plan.action == order_plan.CANCEL:
            self.cancel_twin(plan.order, plan.survivor)

    def cancel_twin(self, own, survivor):
        mine, kept = ord_.order_id_of(own), ord_.order_id_of(survivor)
        outcome = "cancelled"
        if ord_.allowed(own, "cancel") is False:
            outcome = "NOT cancelled (WebNIC says cancel=false): ask WebNIC support to refund it"
        else:
            try:
                self.client.call("order_cancel", path={"orderId": mine})
            except WebNICError as exc:
                outcome = "NOT cancelled (%s): cancel it by hand" % exc.render()
        if outcome != "cancelled":
            self.module.warn(
                "Order %s duplicates order %s bought at the same time by another run and was %s."
                % (mine, kept, outcome)
            )
        self.result["duplicate_order"] = {"order_id": mine, "kept_order_id": kept, "outcome": outcome}
        self.reasons.append(
            "another run bought the same certificate at the same time: its order %s (lower id) is kept and this "
            "run's order %s was %s" % (kept, mine, outcome)
        )
        self.result["dcv"] = []
        self.set_order(dict(survivor))
        self.refresh(kept)

    def after_money_call(self, data, fallback_id=None):
        order_id = ord_.order_id_of(data) or fallback_id
        nested = data.get("renewOrder") if isinstance(data, dict) else None
        self.result["dcv"] = dcv_instructions(data) or dcv_instructions(nested if isinstance(nested, dict) else None)
        if order_id:
            self.refresh(order_id)

    def refresh(self, order_id):
        order = ord_.get_order(self.client, order_id)
        if order is not None:
            order = dict(order)
            order.setdefault("orderId", order_id)
            self.set_order(order)
        else:
            self.result["order_id"] = str(order_id)

    def set_order(self, order):
        self.order = order
        curated = ord_.curated_order(order)
        self.result.update(
            issued=curated["issued_certificate"],
            order_id=curated["order_id"],
            order_status=order.get("orderStatus"),
            cert_status=order.get("certStatus"),
            dates={
                "created": order.get("dtcreate"),
                "issued": order.get("dtsettle"),
                "cert_expires": order.get("dtcertexpire"),
                "order_expires": order.get("dtorderexpire"),
            },
            order=curated,
            raw=order,
        )

    def auth_info(self, order_id):
        try:
            data = self.client.call_optional(
                "auth_info", "DCV instructions of the pending order (Get Auth Info)", path={"orderId": order_id}
            )
        except ApiError as exc:
            self.module.warn("Could not read the DCV instructions of order %s: %s" % (order_id, exc.message))
            return []
        return dcv_instructions(data) if data is not None else []

    def after_write(self):
        """DCV instructions for a pending order, then wait when asked."""
        order = self.result.get("raw")
        if not order or (self.check_mode and self.result["action"] != "adopted"):
            return
        order_id = self.result["order_id"]
        if not self.result["dcv"] and not ord_.is_issued(order) and ord_.is_live(order):
            self.result["dcv"] = self.auth_info(order_id)
        if ord_.is_issued(order) and self.result["action"] != "reissued":
            self.result["dcv"] = []
        if self.params["wait"] and not self.check_mode:
            issued_already = ord_.is_issued(order) and self.result["action"] != "reissued"
            if issued_already:
                self.result["waited"] = "issued"
            else:
                self.wait(order_id)

    def wait(self, order_id):
        outcome, order, status = ord_.wait_for_order(self.client, order_id, self.params["wait_timeout"])
        self.set_order(order if order.get("orderId") or order.get("id") else dict(order, orderId=order_id))
        domains = ord_.domain_statuses(status)
        self.result["waited"] = outcome
        self.result["dcv_status"] = domains
        if outcome == "issued":
            self.result["dcv"] = []
            return
        if outcome == "failed":
            self.fail(
                "Order %s ended %s/%s at WebNIC instead of being issued."
                % (order_id, order.get("orderStatus"), order.get("certStatus")),
                **self.fail_extra(),
            )
        pending = [
            "%s (%s: %s)" % (d["domain"], d["method"], d["status"])
            for d in domains
            if str(d["status"]).upper() != "VALIDATED"
        ]
        self.fail(
            "Order %s was not issued within %s seconds (%s/%s). Domains not validated: %s. Publish the DCV "
            "records/files (see dcv) and run again; the order is kept."
            % (
                order_id,
                self.params["wait_timeout"],
                order.get("orderStatus"),
                order.get("certStatus"),
                ", ".join(pending) or "none reported",
            ),
            **self.fail_extra(),
        )

    # ---------------------------------------------------------------- state=absent

    def absent(self):
        with self.lock():
            named = found = None
            if self.params["order_id"]:
                named = self.get_order_or_fail(self.params["order_id"])
            else:
                found = self.lookup(self.identity)
            plan = order_plan.plan_absent(found, self.identity, named)
            if plan.action == order_plan.STOP:
                self.stop(plan)
            if plan.order is not None:
                self.set_order(plan.order)
            if plan.action == order_plan.CANCEL:
                self.cancel(plan.order)

    def cancel(self, order):
        order_id = ord_.order_id_of(order)
        self.reasons.append(
            "%s order %s (%s)"
            % ("would cancel" if self.check_mode else "cancelled", order_id, order.get("orderStatus"))
        )
        self.result.update(changed=True, action="cancelled")
        if self.check_mode:
            return
        try:
            self.client.call("order_cancel", path={"orderId": order_id})
        except AmbiguousWriteError as exc:
            now = ord_.get_order(self.client, order_id) or {}
            if ord_.order_status(now) not in ("CANCELLED", "REFUNDED"):
                self.fail(
                    "%s Order %s may or may not be cancelled (now %s); run again to check."
                    % (exc.message, order_id, now.get("orderStatus")),
                    **self.fail_extra(),
                )
        self.refresh(order_id)

    # ---------------------------------------------------------------- run

    def run(self) -> Dict[str, Any]:
        self.inputs = read_inputs(self.params, self.dcv_method, self.fail_field, self.module.fail_json)
        self.identity = self.inputs.identity
        try:
            if self.params["state"] == "absent":
                self.absent()
            else:
                self.present()
        except ord_.LockTimeout as exc:
            self.fail("Could not take the order lock: %s. Another run is placing or renewing this certificate." % exc)
        self.result["changed_reasons"] = self.reasons
        return self.result


def run_order_module(module, lookup_delays: Optional[tuple] = None) -> Dict[str, Any]:
    """The result of webnic_ssl_order for ``module`` (a WebNICModule with the order options)."""
    return OrderRun(module, LOOKUP_DELAYS if lookup_delays is None else lookup_delays).run()
