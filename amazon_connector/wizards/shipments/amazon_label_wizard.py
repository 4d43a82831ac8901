from odoo import fields, models
from odoo.exceptions import UserError

from ...core.shipping import Rate


class AmazonLabelWizard(models.TransientModel):
    """'Get rates' on a delivery: Amazon Shipping's offers for its parcels;
    'Buy' on one of them buys the label."""

    _name = "amazon.label.wizard"
    _description = "Amazon Shipping rates"

    picking_id = fields.Many2one("stock.picking", required=True, readonly=True)
    request_token = fields.Char(readonly=True)
    label_format = fields.Selection(
        [("PDF", "PDF"), ("ZPL", "ZPL (thermal printer)")], required=True
    )
    rate_ids = fields.One2many("amazon.label.rate", "wizard_id", readonly=True)

    def _open_for(self, picking):
        picking._amazon_check_label_ready()
        picking.check_access("write")
        token, rates = self.env["amazon.shipment"]._rates(picking)
        if not rates:
            raise UserError(
                self.env._(
                    "Amazon Shipping offers no rate for %(name)s.", name=picking.name
                )
            )
        currencies = self.env["res.currency"].with_context(active_test=False)
        wizard = self.create(
            {
                "picking_id": picking.id,
                "request_token": token,
                "label_format": picking.sale_id.amazon_account_id.sudo().label_format,
                "rate_ids": [
                    fields.Command.create(
                        {
                            "rate_id": rate.rate_id,
                            "carrier_id": rate.carrier_id,
                            "carrier_name": rate.carrier_name,
                            "service_id": rate.service_id,
                            "service_name": rate.service_name,
                            "price": float(rate.price),
                            "currency_id": currencies.search(
                                [("name", "=", rate.currency)], limit=1
                            ).id,
                            "currency_code": rate.currency,
                            "delivery_start": _naive(rate.delivery_start),
                            "delivery_end": _naive(rate.delivery_end),
                            "formats": ", ".join(rate.formats),
                        }
                    )
                    for rate in rates
                ],
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Amazon Shipping rates for %(name)s", name=picking.name),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }


def _naive(moment):
    return moment.replace(tzinfo=None) if moment else False


class AmazonLabelRate(models.TransientModel):
    _name = "amazon.label.rate"
    _description = "Amazon Shipping rate"
    _order = "price, id"

    wizard_id = fields.Many2one(
        "amazon.label.wizard", required=True, ondelete="cascade"
    )
    rate_id = fields.Char(required=True)
    carrier_id = fields.Char("Carrier id", required=True)
    carrier_name = fields.Char("Carrier")
    service_id = fields.Char("Service id")
    service_name = fields.Char("Service")
    price = fields.Monetary(currency_field="currency_id")
    currency_id = fields.Many2one("res.currency")
    currency_code = fields.Char()
    delivery_start = fields.Datetime("Delivery from")
    delivery_end = fields.Datetime("Delivery by")
    formats = fields.Char("Label formats")

    def action_buy(self):
        self.ensure_one()
        wizard = self.wizard_id
        picking = wizard.picking_id
        if wizard.label_format not in self.formats.split(", "):
            raise UserError(
                self.env._(
                    "%(service)s has no %(format)s label; pick another rate or format.",
                    service=self.service_name,
                    format=wizard.label_format,
                )
            )
        rate = Rate(
            rate_id=self.rate_id,
            carrier_id=self.carrier_id,
            carrier_name=self.carrier_name,
            service_id=self.service_id,
            service_name=self.service_name,
            price=self.price,
            currency=self.currency_code,
            delivery_start=None,
            delivery_end=None,
            formats=tuple(self.formats.split(", ")),
        )
        picking._amazon_check_label_ready()
        picking.check_access("write")
        self.env["amazon.shipment"]._buy_label(
            picking, wizard.request_token, rate, wizard.label_format
        )
        # The label was recorded in a transaction of its own, after this
        # request's snapshot: print it without reading the delivery back.
        return picking._amazon_label_report_action(wizard.label_format)
