from odoo import api, models

from ..service_fields import refuse_user_changes

# The order's link to Amazon and Amazon's facts about it: set by the order
# sync only (the risk fields of amazon_ai are guarded the same way).
ORDER_FIELDS = frozenset(
    {
        "amazon_account_id",
        "amazon_order_id",
        "amazon_marketplace_id",
        "amazon_channel",
        "amazon_status",
        "amazon_purchase_date",
        "amazon_last_update",
        "amazon_latest_ship_date",
        "amazon_latest_delivery_date",
        "amazon_service_level",
        "amazon_is_prime",
        "amazon_is_business",
        "amazon_seller_order_ref",
        "amazon_sync_error",
    }
)
# Which Amazon item a line is: the shipment confirmation reports these.
LINE_FIELDS = frozenset({"amazon_item_id", "amazon_line_key"})


class SaleOrder(models.Model):
    # The guard apart from the fields: one concern per file.
    _inherit = "sale.order"  # pylint: disable=consider-merging-classes-inherited

    @api.model_create_multi
    def create(self, vals_list):
        refuse_user_changes(self, ORDER_FIELDS, vals_list, creating=True)
        return super().create(vals_list)

    def write(self, vals):
        refuse_user_changes(self, ORDER_FIELDS, [vals])
        return super().write(vals)


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"  # pylint: disable=consider-merging-classes-inherited

    @api.model_create_multi
    def create(self, vals_list):
        refuse_user_changes(self, LINE_FIELDS, vals_list, creating=True)
        return super().create(vals_list)

    def write(self, vals):
        refuse_user_changes(self, LINE_FIELDS, [vals])
        return super().write(vals)
