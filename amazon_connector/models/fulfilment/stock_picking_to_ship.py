"""The warehouse's "To ship" list of merchant-fulfilled Amazon deliveries:
late-risk badges, labels bought for a selection, their labels printed as
one document.

A batch buys each delivery's label through the per-delivery purchase
(``amazon.shipment._rates`` and ``_buy_label``: one ``amazon.work._send``
per delivery, committed on its own), so a delivery that fails is parked with
its reason and the others go through.
"""

from datetime import datetime, time

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError

from ...core import ship_batch
from ..shipments.stock_picking import SHIPPING_GROUPS


class StockPicking(models.Model):
    # One concern per file (the fulfilment domain), on purpose.
    _inherit = "stock.picking"  # pylint: disable=consider-merging-classes-inherited

    amazon_late_risk = fields.Selection(
        ship_batch.LATE_RISKS,
        "Ship-by",
        compute="_compute_amazon_late_risk",
        help="Amazon's ship-by date against today (the user's day).",
    )
    amazon_ship_issue = fields.Char(
        "To ship: issue",
        readonly=True,
        copy=False,
        help="Why the last batch label purchase left this delivery out.",
    )

    @api.depends_context("tz")
    @api.depends("amazon_latest_ship_date", "state")
    def _compute_amazon_late_risk(self):
        now = fields.Datetime.now()
        day_end = self._amazon_day_end(now)
        for picking in self:
            picking.amazon_late_risk = (
                ship_batch.late_risk(picking.amazon_latest_ship_date, now, day_end)
                if picking.state not in ("done", "cancel")
                else False
            )

    def _amazon_day_end(self, now):
        """The end of the user's day as naive UTC (Odoo's storage)."""
        tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")
        local = pytz.utc.localize(now).astimezone(tz)
        end = tz.localize(datetime.combine(local.date(), time.max))
        return end.astimezone(pytz.utc).replace(tzinfo=None)

    def _amazon_preferred_service(self):
        """``(carrier_id, service_id)`` a batch purchase should take for
        this delivery when Amazon offers it, else None (the cheapest service
        that meets the promise). amazon_ai's recommendation plugs in here."""
        self.ensure_one()

    # -- actions -----------------------------------------------------------------
    def action_amazon_buy_labels(self):
        """'Buy labels' on the selection (Amazon Shipping staff)."""
        self._amazon_require(SHIPPING_GROUPS)  # rates reveal the address
        self.check_access("write")
        # Each rate request reveals one address: a batch stays within what
        # the vault counts as a normal volume (docs/data-protection.md #14).
        limit = self.env["amazon.pii.vault"]._param("reveal_limit")
        if len(self) > limit:
            raise UserError(
                self.env._(
                    "Select at most %(limit)s deliveries per batch of labels.",
                    limit=limit,
                )
            )
        bought, parked = self._amazon_buy_labels()
        message = self.env._("Labels bought: %(count)s.", count=len(bought))
        if parked:
            message += " " + self.env._(
                "Left out: %(details)s",
                details="; ".join(reason for _id, reason in parked),
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Buy labels"),
                "message": message,
                "type": "warning" if parked else "success",
                "sticky": bool(parked),
                # The bought deliveries, ready to print in one go.
                "next": self._amazon_to_ship_action(
                    self.env._("Labels bought"), [("id", "in", bought)]
                )
                if bought
                else {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _amazon_buy_labels(self):
        """Buy a label for each delivery, the most urgent first: ``(ids
        bought, [(id, reason), ...] parked)``. Every purchase is committed by
        its own ``_send``; parking (and clearing a former reason) is
        committed in a unit of its own, since the delivery changed in other
        transactions than this one."""
        shipment = self.env["amazon.shipment"]
        bought, parked = [], []
        order = sorted(
            self, key=lambda p: (p.amazon_latest_ship_date or datetime.max, p.id)
        )
        for picking in order:
            name = picking.name
            try:
                picking._amazon_check_label_ready()
                label_format = picking.sale_id.amazon_account_id.sudo().label_format
                token, rates = shipment._rates(picking)
                try:
                    rate = ship_batch.pick_rate(
                        rates,
                        picking.amazon_latest_delivery_date,
                        label_format,
                        picking._amazon_preferred_service(),
                    )
                except ship_batch.NoRate as exc:
                    raise UserError(
                        self.env._(
                            "%(delivery)s: %(problem)s", delivery=name, problem=exc
                        )
                    ) from None
                shipment._buy_label(picking, token, rate, label_format)
            except UserError as exc:
                reason = str(exc)
                parked.append((picking.id, reason))
                self._amazon_set_ship_issue(picking.id, reason)
            else:
                bought.append(picking.id)
                self._amazon_set_ship_issue(picking.id, False)
        self.env.invalidate_all()
        return bought, parked

    def _amazon_set_ship_issue(self, picking_id, reason):
        self.env["amazon.work"]._run(
            lambda env: (
                env["stock.picking"]
                .browse(picking_id)
                .write({"amazon_ship_issue": reason})
            )
        )

    def action_amazon_print_labels(self):
        """'Print labels': the selection's labels as one document, through
        the label report (each one revealed and audited as the person
        prints)."""
        self._amazon_require(SHIPPING_GROUPS)
        labelled = self.filtered("amazon_has_label")
        if not labelled:
            raise UserError(
                self.env._("None of the selected deliveries has an Amazon label.")
            )
        formats = set(labelled.mapped("amazon_label_format"))
        if len(formats) > 1:
            raise UserError(
                self.env._(
                    "The selection holds PDF and ZPL labels, which print on "
                    "different printers: select one format (ZPL: %(names)s).",
                    names=", ".join(
                        labelled.filtered(
                            lambda p: p.amazon_label_format == "ZPL"
                        ).mapped("name")
                    ),
                )
            )
        return labelled._amazon_label_report_action(formats.pop())

    @api.model
    def _amazon_to_ship_action(self, name=None, domain=None):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "amazon_connector.action_amazon_to_ship"
        )
        if name:
            action["name"] = name
        if domain:
            action["domain"] = domain
            action["context"] = {}
        return action
