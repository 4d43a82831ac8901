from odoo import api, models

from ..service_fields import refuse_user_changes

# What the connector told Amazon (confirmation), the tracking provider (share)
# and what Amazon sold (label): set by amazon.shipment and the validation hook
# only, as superuser.
PICKING_FIELDS = frozenset(
    {
        "amazon_confirm_state",
        "amazon_confirm_source",
        "amazon_confirm_message",
        "amazon_confirmed_at",
        "amazon_confirm_activity_id",
        "amazon_sent_carrier",
        "amazon_sent_service",
        "amazon_sent_tracking",
        "amazon_shipment_id",
        "amazon_label_carrier",
        "amazon_label_service",
        "amazon_label_format",
        "amazon_label_buying_since",
        "amazon_label_voiding_since",
        "amazon_ship_issue",
        "amazon_has_label",
        "amazon_tracking_status",
        "amazon_tracking_event",
        "amazon_tracking_time",
        "amazon_tracking_checked",
        "amazon_tracking_error",
        "amazon_share_state",
        "amazon_share_message",
    }
)


class StockPicking(models.Model):
    # The guard apart from the fields: one concern per file.
    _inherit = "stock.picking"  # pylint: disable=consider-merging-classes-inherited

    @api.model_create_multi
    def create(self, vals_list):
        refuse_user_changes(self, PICKING_FIELDS, vals_list, creating=True)
        return super().create(vals_list)

    def write(self, vals):
        refuse_user_changes(self, PICKING_FIELDS, [vals])
        return super().write(vals)
