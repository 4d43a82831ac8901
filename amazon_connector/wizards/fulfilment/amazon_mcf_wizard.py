""" "Fulfil with Amazon": Amazon's preview per shipping speed, then the send."""

from odoo import fields, models
from odoo.exceptions import UserError

from ...core import mcf
from ...models.shipments.stock_picking import SHIPPING_GROUPS


class AmazonMcfWizard(models.TransientModel):
    _name = "amazon.mcf.wizard"
    _description = "Fulfil a delivery with Amazon (MCF)"

    picking_id = fields.Many2one("stock.picking", required=True, readonly=True)
    line_ids = fields.One2many("amazon.mcf.wizard.line", "wizard_id", readonly=True)
    speed = fields.Selection([(s, s) for s in mcf.SPEEDS], default="Standard")
    amazon_order = fields.Boolean(readonly=True)
    confirm_amazon_order = fields.Boolean(
        "I understand: send this Amazon order to MCF anyway",
        help="Amazon does not reimburse lost MCF units of Amazon orders; "
        "make the offer FBA instead.",
    )

    def _open_for(self, picking):
        rows = picking._amazon_mcf_preview()
        # An Amazon order's buyer was promised a date: a speed whose latest
        # arrival is after it is flagged, and not offered first.
        promise = picking.sale_id.amazon_latest_delivery_date
        for r in rows:
            r["late"] = bool(promise and r["latest"] and r["latest"] > promise)
        wizard = self.create(
            {
                "picking_id": picking.id,
                "amazon_order": bool(picking.sale_id.amazon_order_id),
                "speed": next(
                    (r["speed"] for r in rows if r["fulfillable"] and not r["late"]),
                    next((r["speed"] for r in rows if r["fulfillable"]), "Standard"),
                ),
                "line_ids": [
                    fields.Command.create(
                        {
                            "speed": r["speed"],
                            "fulfillable": r["fulfillable"],
                            "reasons": "; ".join(r["reasons"]),
                            # Fees of several currencies have no one total:
                            # only the per-currency text is shown then.
                            "fee": r["fee"] or 0.0,
                            "currency": r["currency"] or False,
                            "fee_text": mcf.fee_text(r.get("fees") or {}),
                            "earliest": r["earliest"],
                            "latest": r["latest"],
                            "late": r["late"],
                        }
                    )
                    for r in rows
                ],
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Fulfil with Amazon"),
        }

    def action_send(self):
        """Send the delivery to MCF at the chosen speed (shipping staff)."""
        self.ensure_one()
        self.picking_id._amazon_require(SHIPPING_GROUPS)
        picking = self.picking_id
        # From the delivery itself, not the wizard's copy a client can write.
        if picking.sale_id.amazon_order_id and not self.confirm_amazon_order:
            raise UserError(
                self.env._(
                    "%(delivery)s belongs to an Amazon order: make the offer FBA "
                    "instead (Amazon does not reimburse lost MCF units of Amazon "
                    "orders), or confirm that you send it to MCF anyway.",
                    delivery=picking.name,
                )
            )
        line = self.line_ids.filtered(lambda r: r.speed == self.speed)[:1]
        if not line or not line.fulfillable:
            raise UserError(
                self.env._(
                    "%(delivery)s cannot be fulfilled at %(speed)s: %(reasons)s",
                    delivery=picking.name,
                    speed=self.speed,
                    reasons=line.reasons,
                )
            )
        if not picking._amazon_mcf_send(self.speed, line.fee, line.currency or None):
            raise UserError(
                self.env._(
                    "%(delivery)s was not accepted: %(message)s",
                    delivery=picking.name,
                    message=picking.amazon_mcf_message or "",
                )
            )
        return {"type": "ir.actions.act_window_close"}


class AmazonMcfWizardLine(models.TransientModel):
    _name = "amazon.mcf.wizard.line"
    _description = "MCF preview of one shipping speed"

    wizard_id = fields.Many2one("amazon.mcf.wizard", required=True, ondelete="cascade")
    speed = fields.Char(readonly=True)
    fulfillable = fields.Boolean(readonly=True)
    reasons = fields.Char("Why not", readonly=True)
    fee = fields.Float(
        readonly=True, help="Amazon's fees in one currency (empty when they mix)."
    )
    currency = fields.Char(readonly=True)
    fee_text = fields.Char(
        "Fees",
        readonly=True,
        help="Amazon's estimated fees per currency; fees of different "
        "currencies are never added together.",
    )
    earliest = fields.Datetime("Earliest arrival", readonly=True)
    latest = fields.Datetime("Latest arrival", readonly=True)
    late = fields.Boolean(
        "After the promised date",
        readonly=True,
        help="May arrive after the latest delivery date Amazon promised the buyer.",
    )
