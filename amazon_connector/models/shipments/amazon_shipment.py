"""Shipments of merchant-fulfilled Amazon orders: the confirmation sent to
Amazon after a delivery is validated, Amazon Shipping labels, tracking, and
sharing tracking with the seller's tracking provider.

Confirmations and tracking shares are work items (``amazon.work.item``) sent
by a cron triggered by the validation, after the warehouse's transaction
committed, each through ``amazon.work._send``: the attempt is recorded and
committed (the item leased, "sending"), the call made with no transaction of
ours open, and its outcome recorded. Two workers never send the same package
(the item's row lock, then its lease), and an attempt whose outcome was never
recorded (a crash mid-call) is checked on Amazon before it is sent again.
"""

import hashlib
import logging
from contextlib import contextmanager
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.pdf import merge_pdf

from odoo.addons.amazon_pii.core.work import BUSY

from ...core import shipping
from ...core.spapi import PermanentError, RetryableError, SPAPIError
from ...core.tracking_share import ShareError, ShareRefused, send_share
from ..accounts.amazon_work_item import LEASE_MINUTES
from ..orders.sale_order import ADDRESS_KEYS

_logger = logging.getLogger(__name__)

BATCH = 50
TRACK_DAYS = 45  # labels are followed this long after purchase
# A purchase under way longer than this was interrupted: it may be tried
# again (the idempotency key returns the label Amazon sold, if it did).
LABEL_LEASE = timedelta(minutes=LEASE_MINUTES)


class AmazonShipment(models.AbstractModel):
    _name = "amazon.shipment"
    _description = "Amazon Shipments"

    # -- confirmation: scheduling --------------------------------------------------
    @api.model
    def _cron_confirm_shipments(self):
        due = self._due_items("confirmation")
        for item_id in due:
            self._send_confirmation(item_id)
        self._share_due()
        self.env.invalidate_all()
        self.env["ir.cron"]._notify_progress(
            done=len(due), remaining=len(self._due_items("confirmation"))
        )

    def _confirm_now(self, pickings):
        """Manual "Send to Amazon": at once, committed like the cron's sends;
        refused while a cron is sending the same delivery."""
        work = self.env["amazon.work"]
        for picking in pickings:
            account_id, picking_id = picking.sale_id.amazon_account_id.id, picking.id
            # Found or created in a committed unit: the send's own units must
            # see (and lock) it.
            item_id = work._run(
                lambda env, a=account_id, p=picking_id: (
                    env["amazon.work.item"]
                    ._for(
                        "confirmation",
                        env["stock.picking"].browse(p),
                        env["amazon.account"].browse(a),
                    )
                    .id
                )
            )
            if self._send_confirmation(item_id, manual=True) is BUSY:
                raise UserError(
                    self.env._(
                        "Delivery %(name)s is being sent to Amazon right now.",
                        name=picking.name,
                    )
                )
        pickings.invalidate_recordset()

    @api.model
    def _due_items(self, kind):
        """Ids of the work items of ``kind`` due now, read in a transaction of
        their own: the cron's would not see what the sends committed."""
        Items = self.env["amazon.work.item"]
        return self.env["amazon.work"]._run(
            lambda env: (
                env["amazon.work.item"].search(Items._due_domain(kind), limit=BATCH).ids
            )
        )

    # -- confirmation: sending -----------------------------------------------------
    def _send_confirmation(self, item_id, manual=False):
        """One delivery's confirmation: claim, call Amazon, settle. BUSY when
        another worker holds it."""

        def claim(env):
            return env["amazon.shipment"]._confirm_claim(item_id, manual)

        def settle(env, intent, outcome, error):
            return env["amazon.shipment"]._confirm_settle(intent, outcome, error)

        return self.env["amazon.work"]._send(
            claim,
            self._confirm_call,
            settle,
            rows=[("amazon.work.item", [item_id])],
        )

    def _confirm_claim(self, item_id, manual):
        """The intent to send, recorded; None when nothing is to be sent."""
        item = self.env["amazon.work.item"].browse(item_id)
        picking = self.env["stock.picking"].browse(item.res_id)
        if picking.amazon_confirm_state not in ("to_send", "failed"):
            return None
        if item.state == "sending" and item.next_attempt > fields.Datetime.now():
            return BUSY if manual else None  # another worker's call is under way
        # An attempt that was claimed but never settled may have reached Amazon.
        check_first = (
            item.state == "sending" or picking.amazon_confirm_state == "failed"
        )
        if manual:  # a person retries: automatic retries start over
            item._queue()
        order = picking.sale_id
        if order.amazon_status == "SHIPPED":
            # Shipped on Seller Central or by a label bought elsewhere: Amazon
            # would refuse a second confirmation of the same items.
            self._confirmed(
                picking,
                "amazon",
                self.env._("Amazon already reports the order shipped: nothing sent."),
            )
            return None
        try:
            payload = self._confirmation_payload(picking)
        except shipping.ShipmentDataError as exc:
            self._failed(picking, f"{picking.name}: {exc}", retry=False)
            return None
        item._claim()
        carrier = picking.carrier_id
        return {
            "item_id": item.id,
            "picking_id": picking.id,
            "account_id": order.amazon_account_id.id,
            "amazon_order_id": order.amazon_order_id,
            "payload": payload,
            "check_first": check_first,
            "carrier_name": carrier.amazon_carrier_name or carrier.name,
            "carrier_label": carrier.name,
        }

    def _confirm_call(self, intent):
        """Amazon's side, with no transaction of ours open: ``(source, note)``."""
        account = self.env["amazon.account"].sudo().browse(intent["account_id"])
        order_id, payload = intent["amazon_order_id"], intent["payload"]
        with account._client() as client:
            if intent["check_first"] and self._amazon_has(
                client, order_id, intent["picking_id"]
            ):
                # An earlier attempt reached Amazon but its reply was lost
                # (timeout, crash): sending again would duplicate.
                return self.env._("Amazon already had this package.")
            try:
                client.confirm_shipment(order_id, payload)
            except PermanentError as exc:
                detail = payload["packageDetail"]
                if (
                    not shipping.is_carrier_rejection(exc)
                    or detail["carrierCode"] == shipping.OTHER
                ):
                    raise
                # Amazon does not know the mapped code: "Other" plus the
                # carrier's name is always accepted.
                note = self.env._(
                    "Amazon refused the carrier code %(code)s; confirmed as "
                    "Other (%(name)s). Correct the Amazon carrier code of "
                    "carrier %(carrier)s.",
                    code=detail["carrierCode"],
                    name=intent["carrier_name"],
                    carrier=intent["carrier_label"],
                )
                detail["carrierCode"] = shipping.OTHER
                detail["carrierName"] = intent["carrier_name"]
                client.confirm_shipment(order_id, payload)
                return note
        return False

    def _confirm_settle(self, intent, note, error):
        picking = self.env["stock.picking"].browse(intent["picking_id"])
        if error is None:
            detail = intent["payload"]["packageDetail"]
            picking.write(
                {
                    "amazon_sent_carrier": detail.get("carrierName")
                    or detail.get("carrierCode"),
                    "amazon_sent_service": detail.get("shippingMethod") or False,
                    "amazon_sent_tracking": detail.get("trackingNumber"),
                }
            )
            return self._confirmed(picking, "confirmation", note)
        if isinstance(error, RetryableError):
            return self._failed(picking, str(error), retry=True)
        if isinstance(error, (SPAPIError, UserError)):
            return self._failed(picking, str(error), retry=False)
        # Only the type: an unexpected error's text may quote anything.
        _logger.error(
            "Amazon confirmation of picking %s crashed: %s",
            picking.id,
            type(error).__name__,
        )
        return self._failed(
            picking,
            self.env._(
                "Unexpected error (%(error)s) while sending; it is retried.",
                error=type(error).__name__,
            ),
            retry=True,
        )

    def _amazon_has(self, client, amazon_order_id, picking_id):
        """Whether Amazon lists this delivery's package on the order (no
        buyer data requested: packages only)."""
        found = client.get_order(amazon_order_id, ["PACKAGES"])
        packages = (found.get("order") or {}).get("packages") or ()
        return any(p.get("packageReferenceId") == str(picking_id) for p in packages)

    def _confirmation_payload(self, picking):
        order = picking.sale_id
        carrier = picking.carrier_id
        if not carrier:
            raise shipping.ShipmentDataError(
                self.env._("set the carrier; Amazon needs it with the tracking number")
            )
        tracking = (picking.carrier_tracking_ref or "").strip()
        if not tracking:
            raise shipping.ShipmentDataError(
                self.env._("enter the tracking number, then send it to Amazon")
            )
        if len(tracking.replace(";", ",").split(",")) > 1:
            raise shipping.ShipmentDataError(
                self.env._(
                    "Amazon takes one tracking number per package: split the "
                    "delivery per package or keep one number"
                )
            )
        code, name = shipping.resolve_carrier(
            carrier.amazon_carrier_code, carrier.amazon_carrier_name, carrier.name
        )
        items = [
            (
                move.sale_line_id.amazon_item_id,
                move.product_uom._compute_quantity(
                    move.quantity, move.sale_line_id.product_uom
                ),
            )
            for move in picking.move_ids
            if move.state == "done" and move.sale_line_id.amazon_item_id
        ]
        return shipping.confirmation_payload(
            marketplace_id=order.amazon_marketplace_id.amazon_id,
            # Unique within the order without a counter to race on, and the
            # same for every retry: the delivery's own id.
            package_ref=picking.id,
            carrier_code=code,
            carrier_name=name,
            tracking_number=tracking,
            ship_date=picking.date_done,
            items=items,
            shipping_method=carrier.amazon_shipping_method or None,
        )

    def _confirmed(self, picking, source, note=False):
        # Service fields (stock_picking_linkage.py): also reached from a
        # clerk's label purchase, hence sudo.
        picking.sudo().write(
            {
                "amazon_confirm_state": "sent",
                "amazon_confirm_source": source,
                "amazon_confirmed_at": fields.Datetime.now(),
                "amazon_confirm_message": note,
            }
        )
        self._item(picking, "confirmation")._succeeded()
        if picking.amazon_confirm_activity_id:
            picking.amazon_confirm_activity_id.action_feedback(
                feedback=self.env._("Confirmed to Amazon.")
            )
        self._queue_share(picking)
        return True

    def _failed(self, picking, message, retry):
        picking.sudo().write(
            {"amazon_confirm_state": "failed", "amazon_confirm_message": message}
        )
        self._item(picking, "confirmation")._failed(message, retry=retry)
        if not picking.amazon_confirm_activity_id:
            order = picking.sale_id
            user = picking.user_id or order.user_id or self.env.ref("base.user_admin")
            picking.sudo().amazon_confirm_activity_id = picking.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=(
                    order.amazon_latest_ship_date or fields.Datetime.now()
                ).date(),
                summary=self.env._("Amazon shipment confirmation failed"),
                note=message,
                user_id=user.id,
            )
        _logger.info("Amazon confirmation of picking %s failed", picking.id)
        return False

    def _item(self, picking, kind):
        return self.env["amazon.work.item"]._for(
            kind, picking, picking.sale_id.amazon_account_id
        )

    # -- labels (Amazon Shipping API v2) --------------------------------------------
    def _rates(self, picking):
        """``(request_token, [Rate])`` for the delivery's parcels."""
        order = picking.sale_id
        with self._as_user_error(picking):
            body = shipping.rates_request(
                order_id=order.amazon_order_id,
                ship_from=self._ship_from(picking),
                ship_to=self._ship_to(order),
                parcels=self._parcels(picking),
            )
            with order.amazon_account_id.sudo()._client() as client:
                return shipping.parse_rates(client.get_rates(body))

    @contextmanager
    def _as_user_error(self, picking):
        """Missing data and Amazon's refusals, said to the clerk plainly."""
        try:
            yield
        except (shipping.ShipmentDataError, SPAPIError) as exc:
            raise UserError(
                self.env._(
                    "%(delivery)s: %(problem)s", delivery=picking.name, problem=exc
                )
            ) from None

    def _ship_from(self, picking):
        warehouse = picking.picking_type_id.warehouse_id
        partner = warehouse.partner_id or picking.company_id.partner_id
        return {
            "name": partner.name,
            "addressLine1": partner.street,
            "addressLine2": partner.street2,
            "city": partner.city,
            "stateOrRegion": partner.state_id.code or partner.city,
            "postalCode": partner.zip,
            "countryCode": partner.country_id.code,
            "phoneNumber": partner.phone,
        }

    def _ship_to(self, order):
        """The recipient's address, revealed from the vault for the label
        (purpose-bound, audited; refused to users outside fulfilment)."""
        found = self.env["amazon.pii.vault"].reveal(
            order, ADDRESS_KEYS, "shipping_label"
        )
        found = found.get(order.id, {})
        partner = order.partner_id
        return {
            "name": found.get("recipient_name"),
            "companyName": found.get("recipient_company_name"),
            "addressLine1": found.get("address_line1"),
            "addressLine2": found.get("address_line2"),
            "addressLine3": found.get("address_line3"),
            "postalCode": found.get("postal_code"),
            "phoneNumber": found.get("phone"),
            "city": partner.city,
            "stateOrRegion": partner.state_id.code or partner.city,
            "countryCode": partner.country_id.code,
        }

    def _parcels(self, picking):
        """One parcel per package of the delivery, else one for all of it in
        the account's default package; weights in kg, dimensions in cm."""
        order = picking.sale_id
        account = order.amazon_account_id.sudo()
        groups = {}
        for move in picking.move_ids.filtered(lambda m: m.sale_line_id.amazon_item_id):
            lines = move.move_line_ids.filtered("quantity")
            if not lines:
                groups.setdefault(False, []).append((move, move.product_uom_qty))
            for line in lines:
                qty = line.product_uom_id._compute_quantity(
                    line.quantity, move.product_uom
                )
                groups.setdefault(line.result_package_id, []).append((move, qty))
        parcels = []
        for index, (package, contents) in enumerate(groups.items(), start=1):
            parcels.append(
                self._parcel(
                    package.name if package else str(index),
                    contents,
                    (package and package.package_type_id) or account.package_type_id,
                    order.currency_id.name,
                    weight=package and package.shipping_weight,
                )
            )
        if not parcels:
            raise UserError(
                self.env._("Delivery %(name)s has no Amazon items.", name=picking.name)
            )
        return parcels

    def _parcel(self, reference, contents, box, currency, weight=None):
        """One ``shipping.Parcel`` of ``contents`` (``[(move, quantity in the
        move's unit)]``) in ``box`` (a stock.package.type): the goods'
        weight plus the box's unless ``weight`` (a weighed package) is
        given, the box's dimensions, the items sold and their value; weights
        in kg, dimensions in cm. The one parcel builder of labels, batches,
        automated shipment and the fulfilment recommendation's rates."""
        Template = self.env["product.template"]
        weight_uom = Template._get_weight_uom_id_from_ir_config_parameter()
        length_uom = Template._get_length_uom_id_from_ir_config_parameter()
        kg = self.env.ref("uom.product_uom_kgm")
        cm = self.env.ref("uom.product_uom_cm")
        items, goods_weight, value = [], 0.0, 0.0
        for move, qty in contents:
            line, product = move.sale_line_id, move.product_id
            # Product weight is per product unit, price per sold unit.
            goods_weight += product.weight * move.product_uom._compute_quantity(
                qty, product.uom_id
            )
            qty = move.product_uom._compute_quantity(qty, line.product_uom)
            items.append((line.amazon_item_id, qty, line.price_unit))
            value += line.price_unit * qty
        weight = weight or goods_weight + box.base_weight
        return shipping.Parcel(
            reference=reference,
            weight_kg=weight_uom._compute_quantity(weight, kg, round=False),
            length_cm=length_uom._compute_quantity(
                box.packaging_length, cm, round=False
            ),
            width_cm=length_uom._compute_quantity(box.width, cm, round=False),
            height_cm=length_uom._compute_quantity(box.height, cm, round=False),
            value=round(value, 2),
            currency=currency,
            items=tuple(items),
        )

    def _buy_label(self, picking, request_token, rate, label_format):
        """Buy ``rate`` through ``amazon.work._send``: the purchase is
        committed as under way before Amazon is called (a second wizard, a
        double click or another worker is refused meanwhile), and the label,
        tracking and confirmation are recorded after, in their own
        transaction. Amazon confirms the shipment of a label it sold for an
        Amazon order itself, so the delivery is marked confirmed and never
        sent again. Nothing is written in the caller's transaction after the
        purchase: read the delivery back in a new one."""
        picking.ensure_one()
        picking_id = picking.id
        account = picking.sale_id.amazon_account_id.sudo()
        with self._as_user_error(picking):
            body = shipping.label_request(request_token, rate.rate_id, label_format)
        # One key per delivery and parcels: a retried purchase (lost reply,
        # a crash before it was recorded) returns the first label, never
        # pays for a second.
        key = self._label_key(picking)

        def claim(env):
            mine = env["stock.picking"].browse(picking_id)
            mine._amazon_check_label_ready()
            since = mine.amazon_label_buying_since
            if since and since > fields.Datetime.now() - LABEL_LEASE:
                return None
            mine.sudo().amazon_label_buying_since = fields.Datetime.now()
            return key

        def call(idempotency_key):
            with account._client() as client:
                return client.purchase_shipment(body, idempotency_key=idempotency_key)

        def settle(env, _key, result, error):
            mine = env["stock.picking"].browse(picking_id)
            mine.sudo().amazon_label_buying_since = False
            if error is None:
                try:
                    shipment_id, labels = shipping.parse_purchase(result)
                except shipping.ShipmentDataError as exc:
                    error = exc
                else:
                    env["amazon.shipment"]._record_label(
                        mine, shipment_id, labels, rate, label_format
                    )
                    return True
            if isinstance(error, shipping.ShipmentDataError | SPAPIError | UserError):
                return env._(
                    "%(delivery)s: %(problem)s", delivery=mine.name, problem=error
                )
            # Only the type: an unexpected error's text may quote anything.
            _logger.error(
                "Amazon label purchase for delivery %s crashed: %s",
                picking_id,
                type(error).__name__,
            )
            return env._(
                "%(delivery)s: the label purchase failed (%(error)s).",
                delivery=mine.name,
                error=type(error).__name__,
            )

        # As the person buying: their rights, their name in the chatter.
        outcome = self.env["amazon.work"]._send(
            claim,
            call,
            settle,
            rows=[("stock.picking", [picking_id])],
            user=self.env.user,
            su=self.env.su,
        )
        # Recorded by its own transactions: nothing cached here is current.
        self.env.invalidate_all()
        if outcome is True:
            return picking
        if outcome is BUSY or outcome is None:  # another purchase is under way
            raise UserError(
                self.env._(
                    "A label for %(name)s is being bought right now.",
                    name=picking.name,
                )
            )
        raise UserError(outcome)

    def _record_label(self, picking, shipment_id, labels, rate, label_format):
        """Store a bought label (encrypted, in the vault) and what it says on
        the delivery, confirm the delivery and validate it."""
        contents = [label.content for label in labels]
        if label_format == "PDF":
            content = merge_pdf(contents) if len(contents) > 1 else contents[0]
        else:
            content = b"\n".join(contents)
        tracking = ", ".join(label.tracking_id for label in labels if label.tracking_id)
        picking._amazon_store_label(content)
        service = (
            rate.service_name
            if rate.service_name.startswith(rate.carrier_name)
            else f"{rate.carrier_name} {rate.service_name}"
        )
        # The clerk's rights were checked by the wizard; label and sent
        # fields are the service's to write (stock_picking_linkage.py).
        picking.sudo().write(
            {
                "amazon_label_format": label_format,
                "amazon_shipment_id": shipment_id,
                "amazon_label_carrier": rate.carrier_id,
                "amazon_label_service": service,
                "carrier_tracking_ref": tracking,
                "amazon_tracking_status": "PreTransit",
                "amazon_sent_carrier": rate.carrier_name,
                "amazon_sent_service": service,
                "amazon_sent_tracking": tracking,
            }
        )
        if picking.amazon_confirm_state != "sent":
            self._confirmed(picking, "label")
        picking.message_post(
            body=self.env._(
                "Amazon Shipping label bought: %(service)s, %(price)s %(currency)s, "
                "tracking %(tracking)s. Amazon confirms the shipment itself.",
                service=service,
                price=rate.price,
                currency=rate.currency,
                tracking=tracking,
            )
        )
        self._validate_labelled(picking)

    def _label_key(self, picking):
        parcels = ",".join(p.reference for p in self._parcels(picking))
        digest = hashlib.sha256(
            f"{self.env['ir.config_parameter'].sudo().get_param('database.uuid')}"
            f"/{picking.id}/{parcels}".encode()
        ).hexdigest()[:32]
        return f"odoo-{digest}"

    def _validate_labelled(self, picking):
        """The parcel is paid for and Amazon counts the order shipped: the
        delivery leaves the stock now, for all its quantities. Where Odoo needs
        a person (lots, serial numbers) it stays open and says so."""
        if picking.state in ("done", "cancel"):
            return
        for move in picking.move_ids.filtered(
            lambda m: m.state not in ("done", "cancel")
        ):
            move.quantity = move.product_uom_qty
            move.picked = True
        reason = picking._amazon_validate()
        if reason:
            picking.message_post(
                body=self.env._(
                    "The label is bought but the delivery could not be validated "
                    "(%(reason)s): validate it once the parcel leaves.",
                    reason=reason,
                )
            )

    # -- tracking ----------------------------------------------------------------------
    @api.model
    def _cron_update_tracking(self, min_age_minutes=55):
        """Poll getTracking for labels bought through Amazon until a final
        status; each delivery at most once per ``min_age_minutes``."""
        now = fields.Datetime.now()
        pickings = self.env["stock.picking"].search(
            due := [
                ("amazon_label_carrier", "!=", False),
                # A label never scanned would otherwise be polled forever.
                ("amazon_confirmed_at", ">=", now - timedelta(days=TRACK_DAYS)),
                ("carrier_tracking_ref", "!=", False),
                ("state", "!=", "cancel"),
                ("amazon_tracking_status", "not in", list(shipping.FINAL_TRACKING)),
                "|",
                ("amazon_tracking_checked", "=", False),
                (
                    "amazon_tracking_checked",
                    "<=",
                    now - timedelta(minutes=min_age_minutes),
                ),
            ],
            limit=BATCH * 4,
            order="amazon_tracking_checked asc nulls first, id",
        )
        for account, group in pickings.grouped(
            lambda p: p.sale_id.amazon_account_id
        ).items():
            try:
                with account._client() as client:
                    for picking in group:
                        self._track(client, picking, now)
            except (SPAPIError, UserError) as exc:
                group.filtered(lambda p: p.amazon_tracking_checked != now).write(
                    {"amazon_tracking_checked": now, "amazon_tracking_error": str(exc)}
                )
        # Every picking of the batch is checked now; more due: run again at once.
        self.env["ir.cron"]._notify_progress(
            done=len(pickings), remaining=self.env["stock.picking"].search_count(due)
        )
        return pickings

    def _track(self, client, picking, now):
        states = []
        try:
            for number in picking.carrier_tracking_ref.split(","):
                result = client.get_tracking(
                    number.strip(), picking.amazon_label_carrier
                )
                states.append(shipping.parse_tracking(result))
        except RetryableError:
            raise
        except (SPAPIError, shipping.ShipmentDataError) as exc:
            picking.write(
                {"amazon_tracking_checked": now, "amazon_tracking_error": str(exc)}
            )
            return
        # A parcel still moving speaks for the delivery until all are done.
        moving = [s for s in states if s.status not in shipping.FINAL_TRACKING]
        state = (moving or states)[0]
        event_time = state.last_event_time
        picking.write(
            {
                "amazon_tracking_status": state.status,
                "amazon_tracking_event": state.last_event_code,
                "amazon_tracking_time": event_time.replace(tzinfo=None)
                if event_time
                else False,
                "amazon_tracking_checked": now,
                "amazon_tracking_error": False,
            }
        )

    # -- sharing tracking with a third party ------------------------------------------
    def _queue_share(self, picking):
        account = picking.sale_id.amazon_account_id.sudo()
        if account.tracking_share_url and picking.carrier_tracking_ref:
            picking.sudo().write(
                {"amazon_share_state": "to_share", "amazon_share_message": False}
            )
            self._item(picking, "tracking_share")._queue()

    @api.model
    def _share_due(self):
        """Each delivery through ``amazon.work._send``: a provider that got
        the tracking is never sent it again because a later one failed."""
        ids = self._due_items("tracking_share")
        for item_id in ids:
            self.env["amazon.work"]._send(
                lambda env, item_id=item_id: env["amazon.shipment"]._share_claim(
                    item_id
                ),
                self._share_call,
                lambda env, intent, outcome, error: env[
                    "amazon.shipment"
                ]._share_settle(intent, error),
                rows=[("amazon.work.item", [item_id])],
            )
        self.env.invalidate_all()
        return ids

    def _share_claim(self, item_id):
        item = self.env["amazon.work.item"].browse(item_id)
        picking = self.env["stock.picking"].browse(item.res_id)
        if picking.amazon_share_state != "to_share":
            return None
        if not picking.carrier_tracking_ref:
            self._share_failed(picking, self.env._("No tracking number."), retry=False)
            return None
        order = picking.sale_id
        account = order.amazon_account_id.sudo()
        try:
            # The provider host the server's configuration allows today
            # (docs/data-protection.md #7, #18), not whatever was saved.
            url = account._checked_url("tracking_share_url")
        except PermanentError as exc:
            self._share_failed(picking, exc.message, retry=False)
            return None
        item._claim()
        return {
            "picking_id": picking.id,
            "url": url,
            "key": self.env["amazon.pii.vault"]
            .sudo()
            ._secrets(account, ("tracking_share_key",))
            .get("tracking_share_key"),
            # Only the order id, tracking number and carrier leave Odoo:
            # ``send_share`` serialises nothing else (an allow-list).
            "shares": [
                {
                    "order_id": order.amazon_order_id,
                    "tracking_number": number.strip(),
                    "carrier": picking.amazon_label_carrier
                    or picking.carrier_id.amazon_carrier_name
                    or picking.carrier_id.name,
                }
                for number in picking.carrier_tracking_ref.split(",")
            ],
        }

    def _share_call(self, intent):
        for share in intent["shares"]:
            send_share(intent["url"], intent["key"], share)

    def _share_settle(self, intent, error):
        picking = self.env["stock.picking"].browse(intent["picking_id"])
        if error is None:
            picking.write(
                {"amazon_share_state": "shared", "amazon_share_message": False}
            )
            self._item(picking, "tracking_share")._succeeded()
        elif isinstance(error, ShareRefused):
            self._share_failed(picking, str(error), retry=False)
        elif isinstance(error, (ShareError, SPAPIError)):
            self._share_failed(picking, str(error)[:250], retry=True)
        else:
            _logger.error(
                "Sharing the tracking of picking %s crashed: %s",
                picking.id,
                type(error).__name__,
            )
            self._share_failed(
                picking,
                self.env._("Unexpected error (%(error)s).", error=type(error).__name__),
                retry=True,
            )

    def _share_failed(self, picking, message, retry):
        again = self._item(picking, "tracking_share")._failed(message, retry=retry)
        picking.write(
            {
                "amazon_share_state": "to_share" if again else "failed",
                "amazon_share_message": message,
            }
        )
