from odoo import api, fields, models
from odoo.exceptions import UserError

CHANNELS = [
    ("mfn", "Merchant (FBM)"),
    ("afn", "Amazon (FBA)"),
    ("mcf", "Multi-channel (MCF)"),
]
AMAZON_STATUSES = [
    ("PENDING_AVAILABILITY", "Pre-order"),
    ("PENDING", "Pending"),
    ("UNSHIPPED", "Unshipped"),
    ("PARTIALLY_SHIPPED", "Partially shipped"),
    ("SHIPPED", "Shipped"),
    ("CANCELLED", "Cancelled"),
    ("UNFULFILLABLE", "Unfulfillable"),
]
# What the delivery address reveal shows, in print order.
ADDRESS_KEYS = (
    "recipient_name",
    "recipient_company_name",
    "address_line1",
    "address_line2",
    "address_line3",
    "postal_code",
    "phone",
)


class SaleOrder(models.Model):
    _inherit = "sale.order"

    amazon_account_id = fields.Many2one(
        "amazon.account", "Amazon account", readonly=True, index=True, copy=False
    )
    amazon_order_id = fields.Char("Amazon order", readonly=True, index=True, copy=False)
    amazon_marketplace_id = fields.Many2one(
        "amazon.marketplace", "Marketplace", readonly=True, copy=False
    )
    amazon_channel = fields.Selection(
        CHANNELS, "Fulfillment channel", readonly=True, copy=False
    )
    amazon_status = fields.Selection(
        AMAZON_STATUSES, "Amazon status", readonly=True, copy=False
    )
    amazon_purchase_date = fields.Datetime("Purchased", readonly=True, copy=False)
    amazon_last_update = fields.Datetime("Amazon update", readonly=True, copy=False)
    amazon_latest_ship_date = fields.Datetime("Ship by", readonly=True, copy=False)
    amazon_latest_delivery_date = fields.Datetime(
        "Deliver by", readonly=True, copy=False
    )
    amazon_service_level = fields.Char("Service level", readonly=True, copy=False)
    amazon_is_prime = fields.Boolean("Prime", readonly=True, copy=False)
    amazon_is_business = fields.Boolean("Business", readonly=True, copy=False)
    amazon_seller_order_ref = fields.Char(
        "Seller order reference",
        readonly=True,
        copy=False,
        help="Your own order number of a multi-channel order.",
    )
    # Set when the vault purged the order's buyer data (retention, deletion
    # request): a later sync of the order must not store it again
    # (docs/data-protection.md #24).
    amazon_buyer_data_purged = fields.Boolean(readonly=True, copy=False)
    amazon_sync_error = fields.Text(
        "Sync error",
        readonly=True,
        copy=False,
        help="Why the last update from Amazon could not be applied.",
    )

    _sql_constraints = [
        (
            "amazon_order_uniq",
            "unique(amazon_account_id, amazon_order_id)",
            "This Amazon order is already in Odoo.",
        ),
    ]

    def action_amazon_resync(self):
        """Fetch these orders from Amazon again and apply them (managers)."""
        self.amazon_account_id.check_access("write")
        logs = self.env["amazon.sync.log"]
        for account, orders in (
            self.filtered("amazon_account_id").grouped("amazon_account_id").items()
        ):
            logs |= self.env["amazon.order.sync"].resync_orders(
                account, orders.mapped("amazon_order_id")
            )
        return logs._action_show()

    def action_amazon_show_buyer(self):
        """Customer service: reveal the delivery address (purpose-bound,
        2FA, audited) in a notification; it is never stored."""
        self.ensure_one()
        if not self.amazon_order_id:
            raise UserError(self.env._("This is not an Amazon order."))
        values = self.env["amazon.pii.vault"].reveal(
            self, ("buyer_name", "buyer_email", *ADDRESS_KEYS), "customer_service"
        )
        found = values.get(self.id, {})
        keys = ("buyer_name", "buyer_email", *ADDRESS_KEYS)
        lines = [found[k] for k in keys if found.get(k)]
        partner = self.partner_id
        lines.append(" ".join(filter(None, [partner.city, partner.state_id.name])))
        lines.append(partner.country_id.name or "")
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Buyer of %(order)s", order=self.amazon_order_id),
                "message": "\n".join(filter(None, lines))
                or self.env._("Amazon shared no buyer details for this order."),
                "sticky": True,
                "type": "info",
            },
        }

    @api.model
    def _amazon_delivery_address(self, orders, purpose):
        """``{order_id: [lines]}`` of the real shipping address for slips and
        labels, through the vault's purpose-bound reveal (audited)."""
        values = self.env["amazon.pii.vault"].reveal(orders, ADDRESS_KEYS, purpose)
        result = {}
        for order in orders:
            found = values.get(order.id, {})
            partner = order.partner_id
            result[order.id] = [
                *(found[k] for k in ADDRESS_KEYS if found.get(k)),
                " ".join(filter(None, [partner.city, partner.state_id.code])),
                partner.country_id.name or "",
            ]
        return result


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    amazon_item_id = fields.Char("Amazon order item", readonly=True, copy=False)
    amazon_line_key = fields.Char(readonly=True, copy=False)
