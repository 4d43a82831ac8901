"""Shipments of merchant-fulfilled Amazon orders: the confirmation sent to
Amazon after a delivery is validated, Amazon Shipping labels, tracking, and
sharing tracking with the seller's tracking provider.

Confirmations go out from a cron triggered by the validation, after the
warehouse's transaction committed. The cron sends each delivery in a
transaction of its own that holds the delivery's row lock (SKIP LOCKED), so
two workers never send the same package and a crash loses only one result.
"""

import base64
import logging
from contextlib import contextmanager
from datetime import timedelta

from psycopg2.errors import LockNotAvailable

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.pdf import merge_pdf

from ...core import shipping
from ...core.spapi import PermanentError, RetryableError, SPAPIError
from ...core.tracking_share import ShareError, ShareRefused, send_share
from ..orders.sale_order import ADDRESS_KEYS

_logger = logging.getLogger(__name__)

BATCH = 50
MAX_ATTEMPTS = 8  # automatic retries, 2 minutes doubling: about 8 hours in all
SHARE_ATTEMPTS = 5
TRACK_DAYS = 45  # labels are followed this long after purchase
DUE = [("amazon_confirm_state", "in", ("to_send", "failed"))]


def _backoff(attempts):
    return timedelta(minutes=min(2**attempts, 24 * 60))


class AmazonShipment(models.AbstractModel):
    _name = "amazon.shipment"
    _description = "Amazon Shipments"

    # -- confirmation: scheduling --------------------------------------------------
    @api.model
    def _cron_confirm_shipments(self):
        due = [*DUE, ("amazon_confirm_next", "<=", fields.Datetime.now())]
        ids = self._fresh_ids(due, order="amazon_confirm_next, id")
        for picking_id in ids:
            self._send_alone(picking_id, skip_locked=True)
        self._share_due()
        self.env.invalidate_all()
        self.env["ir.cron"]._notify_progress(
            done=len(ids), remaining=len(self._fresh_ids(due))
        )

    def _confirm_now(self, pickings):
        """Manual "Send to Amazon": at once, committed like the cron's sends;
        refused while a cron is sending the same delivery."""
        self.env.flush_all()
        for picking in pickings:
            try:
                self._send_alone(picking.id, skip_locked=False, manual=True)
            except LockNotAvailable:
                raise UserError(
                    self.env._(
                        "Delivery %(name)s is being sent to Amazon right now.",
                        name=picking.name,
                    )
                ) from None
        pickings.invalidate_recordset()

    @api.model
    def _fresh_ids(self, domain, order="id"):
        """Ids matching ``domain`` now: the cron's own transaction would not
        see what the per-delivery transactions committed."""
        self.env.flush_all()
        with self.env.registry.cursor() as cr:
            pickings = self.env(cr=cr, su=True)["stock.picking"]
            return pickings.search(domain, limit=BATCH, order=order).ids

    @api.model
    def _send_alone(self, picking_id, skip_locked, manual=False):
        """Confirm one delivery in a committed transaction of its own holding
        its row lock, so a crash or a concurrent worker costs one delivery,
        never a whole batch, and a result Amazon accepted is never lost."""
        try:
            with self.env.registry.cursor() as cr:
                env = self.env(cr=cr, su=True)
                picking = self._lock(env, picking_id, skip_locked)
                if picking:
                    if manual:  # a person retries: automatic retries start over
                        picking.amazon_confirm_attempts = 0
                    env["amazon.shipment"]._confirm(picking)
        except LockNotAvailable:
            raise
        except Exception as exc:  # noqa: BLE001 - one delivery must not stop the rest
            # Only the type: an unexpected error's text may quote anything.
            _logger.error(
                "Amazon confirmation of picking %s crashed: %s",
                picking_id,
                type(exc).__name__,
            )
            with self.env.registry.cursor() as cr:
                env = self.env(cr=cr, su=True)
                env["amazon.shipment"]._failed(
                    env["stock.picking"].browse(picking_id),
                    env._(
                        "Unexpected error (%(error)s) while sending; it is retried.",
                        error=type(exc).__name__,
                    ),
                    retry=True,
                )

    @api.model
    def _lock(self, env, picking_id, skip_locked):
        """The delivery, row-locked, if it still has a confirmation to send."""
        wait = SQL("SKIP LOCKED") if skip_locked else SQL("NOWAIT")
        env.cr.execute(
            SQL(
                "SELECT id FROM stock_picking WHERE id = %s"
                " AND amazon_confirm_state IN ('to_send', 'failed')"
                " FOR NO KEY UPDATE %s",
                picking_id,
                wait,
            ),
            log_exceptions=False,
        )
        found = env.cr.fetchone()
        return env["stock.picking"].browse(found[0]) if found else None

    # -- confirmation: sending -----------------------------------------------------
    def _confirm(self, picking):
        order = picking.sale_id
        if order.amazon_status == "SHIPPED":
            # Shipped on Seller Central or by a label bought elsewhere: Amazon
            # would refuse a second confirmation of the same items.
            return self._confirmed(
                picking,
                "amazon",
                self.env._("Amazon already reports the order shipped: nothing sent."),
            )
        note = False
        try:
            payload = self._confirmation_payload(picking)
            with order.amazon_account_id._client() as client:
                if picking.amazon_confirm_state == "failed" and self._amazon_has(
                    client, picking
                ):
                    # An earlier attempt reached Amazon but its reply was
                    # lost (timeout, crash): sending again would duplicate.
                    return self._confirmed(
                        picking,
                        "confirmation",
                        self.env._("Amazon already had this package."),
                    )
                try:
                    client.confirm_shipment(order.amazon_order_id, payload)
                except PermanentError as exc:
                    detail = payload["packageDetail"]
                    if (
                        not shipping.is_carrier_rejection(exc)
                        or detail["carrierCode"] == shipping.OTHER
                    ):
                        raise
                    # Amazon does not know the mapped code: "Other" plus the
                    # carrier's name is always accepted.
                    carrier = picking.carrier_id
                    note = self.env._(
                        "Amazon refused the carrier code %(code)s; confirmed as "
                        "Other (%(name)s). Correct the Amazon carrier code of "
                        "carrier %(carrier)s.",
                        code=detail["carrierCode"],
                        name=carrier.amazon_carrier_name or carrier.name,
                        carrier=carrier.name,
                    )
                    detail["carrierCode"] = shipping.OTHER
                    detail["carrierName"] = carrier.amazon_carrier_name or carrier.name
                    client.confirm_shipment(order.amazon_order_id, payload)
        except shipping.ShipmentDataError as exc:
            return self._failed(picking, f"{picking.name}: {exc}", retry=False)
        except RetryableError as exc:
            return self._failed(picking, str(exc), retry=True)
        except (SPAPIError, UserError) as exc:
            return self._failed(picking, str(exc), retry=False)
        return self._confirmed(picking, "confirmation", note)

    def _amazon_has(self, client, picking):
        """Whether Amazon lists this delivery's package on the order (no
        buyer data requested: packages only)."""
        found = client.get_order(picking.sale_id.amazon_order_id, ["PACKAGES"])
        packages = (found.get("order") or {}).get("packages") or ()
        return any(p.get("packageReferenceId") == str(picking.id) for p in packages)

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
        picking.write(
            {
                "amazon_confirm_state": "sent",
                "amazon_confirm_source": source,
                "amazon_confirmed_at": fields.Datetime.now(),
                "amazon_confirm_message": note,
                "amazon_confirm_next": False,
            }
        )
        if picking.amazon_confirm_activity_id:
            picking.amazon_confirm_activity_id.action_feedback(
                feedback=self.env._("Confirmed to Amazon.")
            )
        self._queue_share(picking)
        return True

    def _failed(self, picking, message, retry):
        attempts = picking.amazon_confirm_attempts + 1
        retry = retry and attempts < MAX_ATTEMPTS
        picking.write(
            {
                "amazon_confirm_state": "failed",
                "amazon_confirm_message": message,
                "amazon_confirm_attempts": attempts,
                "amazon_confirm_next": fields.Datetime.now() + _backoff(attempts)
                if retry
                else False,
            }
        )
        if not picking.amazon_confirm_activity_id:
            order = picking.sale_id
            user = picking.user_id or order.user_id or self.env.ref("base.user_admin")
            picking.amazon_confirm_activity_id = picking.activity_schedule(
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
        Template = self.env["product.template"]
        weight_uom = Template._get_weight_uom_id_from_ir_config_parameter()
        length_uom = Template._get_length_uom_id_from_ir_config_parameter()
        kg = self.env.ref("uom.product_uom_kgm")
        cm = self.env.ref("uom.product_uom_cm")
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
            box = (package and package.package_type_id) or account.package_type_id
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
            weight = (package and package.shipping_weight) or (
                goods_weight + box.base_weight
            )
            parcels.append(
                shipping.Parcel(
                    reference=package.name if package else str(index),
                    weight_kg=weight_uom._compute_quantity(weight, kg, round=False),
                    length_cm=length_uom._compute_quantity(
                        box.packaging_length, cm, round=False
                    ),
                    width_cm=length_uom._compute_quantity(box.width, cm, round=False),
                    height_cm=length_uom._compute_quantity(box.height, cm, round=False),
                    value=round(value, 2),
                    currency=order.currency_id.name,
                    items=tuple(items),
                )
            )
        if not parcels:
            raise UserError(
                self.env._("Delivery %(name)s has no Amazon items.", name=picking.name)
            )
        return parcels

    def _buy_label(self, picking, request_token, rate, label_format):
        """Buy ``rate``, store the label and tracking numbers on the delivery.
        Amazon confirms the shipment of a label it sold for an Amazon order
        itself, so the delivery is marked confirmed and never sent again."""
        order = picking.sale_id
        with self._as_user_error(picking):
            body = shipping.label_request(request_token, rate.rate_id, label_format)
            with order.amazon_account_id.sudo()._client() as client:
                # Same key for the same rate request: a retried purchase (lost
                # reply, double click) returns the first label, never a second.
                result = client.purchase_shipment(
                    body, idempotency_key=f"odoo-{picking.id}-{request_token}"
                )
            shipment_id, labels = shipping.parse_purchase(result)
        contents = [label.content for label in labels]
        if label_format == "PDF":
            content = merge_pdf(contents) if len(contents) > 1 else contents[0]
        else:
            content = b"\n".join(contents)
        tracking = ", ".join(label.tracking_id for label in labels if label.tracking_id)
        picking.write(
            {
                "amazon_label": base64.b64encode(content),
                "amazon_has_label": True,
                "amazon_label_format": label_format,
                "amazon_shipment_id": shipment_id,
                "amazon_label_carrier": rate.carrier_id,
                "amazon_label_service": rate.service_name
                if rate.service_name.startswith(rate.carrier_name)
                else f"{rate.carrier_name} {rate.service_name}",
                "carrier_tracking_ref": tracking,
                "amazon_tracking_status": "PreTransit",
            }
        )
        if picking.amazon_confirm_state != "sent":
            self._confirmed(picking, "label")
        picking.message_post(
            body=self.env._(
                "Amazon Shipping label bought: %(service)s, %(price)s %(currency)s, "
                "tracking %(tracking)s. Amazon confirms the shipment itself.",
                service=picking.amazon_label_service,
                price=rate.price,
                currency=rate.currency,
                tracking=tracking,
            )
        )
        return picking

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
            picking.write(
                {
                    "amazon_share_state": "to_share",
                    "amazon_share_attempts": 0,
                    "amazon_share_message": False,
                }
            )

    @api.model
    def _share_due(self):
        """Each delivery in its own committed transaction: a provider that
        got the tracking is never sent it again because a later one failed."""
        ids = self._fresh_ids([("amazon_share_state", "=", "to_share")])
        for picking_id in ids:
            try:
                with self.env.registry.cursor() as cr:
                    env = self.env(cr=cr, su=True)
                    picking = env["stock.picking"].browse(picking_id)
                    if picking.amazon_share_state == "to_share":
                        env["amazon.shipment"]._share(picking)
            except Exception as exc:  # noqa: BLE001 - the others still go out
                _logger.error(
                    "Sharing the tracking of picking %s crashed: %s",
                    picking_id,
                    type(exc).__name__,
                )
        self.env.invalidate_all()
        return ids

    def _share(self, picking):
        """Only the order id, tracking number and carrier leave Odoo:
        ``send_share`` serialises nothing else (an allow-list)."""
        order = picking.sale_id
        account = order.amazon_account_id.sudo()
        key = (
            self.env["amazon.pii.vault"]
            .sudo()
            ._secrets(account, ("tracking_share_key",))
            .get("tracking_share_key")
        )
        carrier = (
            picking.amazon_label_carrier
            or picking.carrier_id.amazon_carrier_name
            or picking.carrier_id.name
        )
        if not picking.carrier_tracking_ref:
            picking.write(
                {
                    "amazon_share_state": "failed",
                    "amazon_share_message": self.env._("No tracking number."),
                }
            )
            return
        try:
            for number in picking.carrier_tracking_ref.split(","):
                send_share(
                    account.tracking_share_url,
                    key,
                    {
                        "order_id": order.amazon_order_id,
                        "tracking_number": number.strip(),
                        "carrier": carrier,
                    },
                )
        except ShareRefused as exc:
            picking.write(
                {"amazon_share_state": "failed", "amazon_share_message": str(exc)}
            )
        except (ShareError, SPAPIError) as exc:
            attempts = picking.amazon_share_attempts + 1
            picking.write(
                {
                    "amazon_share_state": "failed"
                    if attempts >= SHARE_ATTEMPTS
                    else "to_share",
                    "amazon_share_attempts": attempts,
                    "amazon_share_message": str(exc)[:250],
                }
            )
        else:
            picking.write(
                {"amazon_share_state": "shared", "amazon_share_message": False}
            )
