"""Void an Amazon Shipping label (Shipping v2 ``cancelShipment``).

Amazon voids a label until the carrier has the parcel, and then withdraws
its own confirmation of the order's packages: the order is unshipped on
Amazon again. Here the stored label (buyer data, in the vault) is deleted,
the delivery forgets the label, and since buying the label had validated
the delivery while the goods never left, they are returned to stock with a
new delivery to the buyer that waits for a label (Odoo's return for
exchange). Amazon's refusal is said to the clerk as Amazon says it.
"""

import logging
from datetime import timedelta

from odoo import fields, models
from odoo.exceptions import UserError

from odoo.addons.amazon_pii.core.work import BUSY

from ...core.spapi import SPAPIError
from ..accounts.amazon_work_item import LEASE_MINUTES
from ..shipments.stock_picking import SHIPPING_GROUPS

_logger = logging.getLogger(__name__)

VOID_LEASE = timedelta(minutes=LEASE_MINUTES)
# What the label wrote on the delivery, forgotten with it.
LABEL_FIELDS = {
    "amazon_shipment_id": False,
    "amazon_label_carrier": False,
    "amazon_label_service": False,
    "amazon_label_format": False,
    "amazon_has_label": False,
    "amazon_tracking_status": False,
    "amazon_tracking_event": False,
    "amazon_tracking_time": False,
    "amazon_tracking_checked": False,
    "amazon_tracking_error": False,
    "amazon_sent_carrier": False,
    "amazon_sent_service": False,
    "amazon_sent_tracking": False,
    "carrier_tracking_ref": False,
}


class StockPicking(models.Model):
    # One concern per file (the fulfilment domain), on purpose.
    _inherit = "stock.picking"  # pylint: disable=consider-merging-classes-inherited

    amazon_label_voiding_since = fields.Datetime(
        readonly=True,
        copy=False,
        help="A void of the label was recorded and Amazon's answer is awaited.",
    )

    def action_amazon_void_label(self):
        """'Void label' (Amazon Shipping staff): one delivery, at once."""
        self._amazon_require(SHIPPING_GROUPS)
        self.ensure_one()
        self.check_access("write")
        name = self.name
        replacement = self._amazon_void_label(why=self._amazon_void_label_why())
        message = self.env._(
            "The Amazon label of %(name)s is void; Amazon counts the order as "
            "unshipped again.",
            name=name,
        )
        if replacement:
            message += " " + self.env._(
                "Its goods are back in stock and %(new)s waits for a new label.",
                new=replacement,
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Void label"),
                "message": message,
                "type": "success",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _amazon_void_label_why(self):
        """Why the label is voided, for the chatter: the person who clicked
        (the void runs in transactions of its own, whose author is not
        them). Addons that buy labels automatically may say more (an undo of
        their purchase)."""
        return self.env._("Voided by %(user)s.", user=self.env.user.name)

    def _amazon_void_label(self, why=None):
        """Void this delivery's label through ``amazon.work._send`` (the void
        is committed as under way before Amazon is called, the outcome in its
        own transaction); ``why`` (who voided it, or an undo of automation)
        goes to the delivery's chatter. The
        name of the delivery that waits for a new label, if one was made;
        UserError with Amazon's refusal otherwise. Read the delivery back
        afterwards: it changed in other transactions."""
        self.ensure_one()
        if not self.amazon_shipment_id:
            raise UserError(
                self.env._("Delivery %(name)s has no Amazon label.", name=self.name)
            )
        picking_id = self.id
        account = self.sale_id.amazon_account_id.sudo()

        def claim(env):
            mine = env["stock.picking"].browse(picking_id)
            since = mine.amazon_label_voiding_since
            if not mine.amazon_shipment_id or (
                since and since > fields.Datetime.now() - VOID_LEASE
            ):
                return None
            mine.sudo().amazon_label_voiding_since = fields.Datetime.now()
            return mine.amazon_shipment_id

        def call(shipment_id):
            with account._client() as client:
                return client.cancel_shipment(shipment_id)

        def settle(env, shipment_id, _result, error):
            mine = env["stock.picking"].browse(picking_id)
            mine.sudo().amazon_label_voiding_since = False
            if error is None:
                return {"new": mine._amazon_label_voided(shipment_id, why)}
            if isinstance(error, SPAPIError | UserError):
                # Amazon's own words (cancelShipment carries no buyer data).
                # Amazon's sentence alone; the operation, status and request id
                # are for the log, not the clerk.
                problem = env._(
                    "Amazon did not void the label of %(delivery)s: %(problem)s",
                    delivery=mine.name,
                    problem=getattr(error, "message", None) or str(error),
                )
            else:
                _logger.error(
                    "Voiding the Amazon label of delivery %s crashed: %s",
                    picking_id,
                    type(error).__name__,
                )
                problem = env._(
                    "Amazon did not void the label of %(delivery)s (%(error)s).",
                    delivery=mine.name,
                    error=type(error).__name__,
                )
            mine.message_post(body=problem)
            return {"error": problem}

        outcome = self.env["amazon.work"]._send(
            claim,
            call,
            settle,
            rows=[("stock.picking", [picking_id])],
            user=self.env.user,
            su=self.env.su,
        )
        self.env.invalidate_all()
        if outcome is BUSY or outcome is None:
            raise UserError(
                self.env._(
                    "The label of %(name)s is being voided right now, or is void.",
                    name=self.name,
                )
            )
        if "error" in outcome:
            raise UserError(outcome["error"])
        return outcome["new"]

    def _amazon_label_voided(self, shipment_id, why=None):
        """Amazon voided the label: delete it from the vault, forget it on the
        delivery, undo what buying it did in Odoo. The name of the delivery
        that waits for a new label, if one was made."""
        self.ensure_one()
        tracking = self.carrier_tracking_ref or ""
        service = self.amazon_label_service or ""
        self.env["amazon.pii.vault"].sudo()._purge_label(self)
        values = dict(LABEL_FIELDS)
        if self.amazon_confirm_source == "label":
            # Amazon withdrew its own confirmation with the label.
            values.update(
                amazon_confirm_state=False,
                amazon_confirm_source=False,
                amazon_confirmed_at=False,
                amazon_confirm_message=False,
            )
        self.sudo().write(values)
        replacement = self._amazon_restock_voided() if self.state == "done" else None
        body = self.env._(
            "Amazon Shipping label voided (shipment %(shipment)s, %(service)s, "
            "tracking %(tracking)s); Amazon counts the order as unshipped again.",
            shipment=shipment_id,
            service=service,
            tracking=tracking,
        )
        if why:
            body += " " + why
        if replacement:
            body += " " + self.env._(
                "The goods never left: they are returned to stock and "
                "%(new)s ships them once it has a new label.",
                new=replacement.name,
            )
        elif self.state == "done":
            body += " " + self.env._(
                "The delivery was validated with the label: return its goods "
                "to stock and ship them again by hand."
            )
        self.message_post(body=body)
        return replacement.name if replacement else None

    def _amazon_restock_voided(self):
        """Buying the label validated this delivery, but the parcel never
        left: Odoo's return for exchange puts its goods back in stock and
        plans a new delivery to the buyer. In a savepoint: where Odoo needs
        a person (lots, serial numbers) nothing is half done, the chatter
        says so and None is returned."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                wizard = (
                    self.env["stock.return.picking"]
                    .sudo()
                    .with_context(active_id=self.id, active_model="stock.picking")
                    .create({"picking_id": self.id})
                )
                for line in wizard.product_return_moves:
                    line.quantity = line.move_id.quantity
                action = wizard.action_create_exchanges()
                returned = self.browse(action["res_id"]).sudo()
                for move in returned.move_ids:
                    move.quantity = move.product_uom_qty
                    move.picked = True
                reason = returned._amazon_validate()
                if reason:
                    raise UserError(reason)
                new = (self.sale_id.picking_ids - self - returned).filtered(
                    lambda p: (
                        p._amazon_ships_to_buyer() and p.state not in ("done", "cancel")
                    )
                )
                new = new.sorted("id")[-1:]
                new.action_assign()  # the returned goods are there again
                return new or None
        except UserError as exc:
            _logger.info(
                "Goods of voided label delivery %s not returned: %s",
                self.id,
                type(exc).__name__,
            )
            return None
